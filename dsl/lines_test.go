package dsl

import (
	"testing"
	"unicode/utf16"
	"unicode/utf8"
)

func TestLineIndexConversions(t *testing.T) {
	// Line 0 "a💳b", line 1 "中文x" (CRLF), line 2 "y" (lone CR), line 3 "" (LF), line 4 "z".
	src := "a💳b\r\n中文x\ry\n\nz"
	x := NewLineIndex(src)
	if x.LineCount() != 5 {
		t.Fatalf("LineCount = %d, want 5", x.LineCount())
	}
	type pos struct{ line, col int }
	for _, tc := range []struct {
		off          int
		utf16, utf8  pos
		line, column int // Position: 1-based, in runes
	}{
		{0, pos{0, 0}, pos{0, 0}, 1, 1},
		{1, pos{0, 1}, pos{0, 1}, 1, 2},  // before 💳
		{5, pos{0, 3}, pos{0, 5}, 1, 3},  // after 💳: two UTF-16 units, four bytes
		{6, pos{0, 4}, pos{0, 6}, 1, 4},  // at \r
		{7, pos{0, 4}, pos{0, 6}, 1, 4},  // between \r and \n: the end of line 0
		{8, pos{1, 0}, pos{1, 0}, 2, 1},  // 中
		{11, pos{1, 1}, pos{1, 3}, 2, 2}, // 文
		{14, pos{1, 2}, pos{1, 6}, 2, 3}, // x
		{16, pos{2, 0}, pos{2, 0}, 3, 1}, // y after a lone CR
		{18, pos{3, 0}, pos{3, 0}, 4, 1}, // the empty line
		{19, pos{4, 0}, pos{4, 0}, 5, 1}, // z
		{20, pos{4, 1}, pos{4, 1}, 5, 2}, // EOF
		{99, pos{4, 1}, pos{4, 1}, 5, 2}, // past EOF: clamped
		{-3, pos{0, 0}, pos{0, 0}, 1, 1}, // before the start: clamped
	} {
		if l, c := x.UTF16(tc.off); l != tc.utf16.line || c != tc.utf16.col {
			t.Errorf("UTF16(%d) = %d:%d, want %d:%d", tc.off, l, c, tc.utf16.line, tc.utf16.col)
		}
		if l, c := x.UTF8(tc.off); l != tc.utf8.line || c != tc.utf8.col {
			t.Errorf("UTF8(%d) = %d:%d, want %d:%d", tc.off, l, c, tc.utf8.line, tc.utf8.col)
		}
		if l, c := x.Position(tc.off); l != tc.line || c != tc.column {
			t.Errorf("Position(%d) = %d:%d, want %d:%d", tc.off, l, c, tc.line, tc.column)
		}
	}
	for _, tc := range []struct{ line, col, utf16, utf8 int }{
		{0, 0, 0, 0},
		{0, 1, 1, 1},
		{0, 2, 5, 1},  // UTF-16: inside the surrogate pair rounds up past 💳; UTF-8: byte 2 is inside 💳, rounds down
		{0, 3, 5, 1},  // UTF-16: after 💳; UTF-8: byte 3 is inside 💳
		{0, 5, 6, 5},  // UTF-16 col 5 is past "a💳b" (4 units): clamped to the line end
		{0, 99, 6, 6}, // past the line end: clamped before \r\n
		{1, 1, 11, 8}, // UTF-8 byte 1 is inside 中
		{1, 3, 15, 11},
		{1, 99, 15, 15},
		{2, 0, 16, 16},
		{2, 5, 17, 17}, // line "y": clamped before \n
		{3, 4, 18, 18}, // empty line
		{4, 1, 20, 20},
		{4, 7, 20, 20},
		{5, 0, 20, 20}, // past the last line: end of text
		{-1, 3, 0, 0},  // before the first line
		{1, -2, 8, 8},  // negative column
	} {
		if got := x.OffsetUTF16(tc.line, tc.col); got != tc.utf16 {
			t.Errorf("OffsetUTF16(%d, %d) = %d, want %d", tc.line, tc.col, got, tc.utf16)
		}
		if got := x.OffsetUTF8(tc.line, tc.col); got != tc.utf8 {
			t.Errorf("OffsetUTF8(%d, %d) = %d, want %d", tc.line, tc.col, got, tc.utf8)
		}
	}
	for line, want := range []int{0, 8, 16, 18, 19} {
		if got := x.LineStart(line); got != want {
			t.Errorf("LineStart(%d) = %d, want %d", line, got, want)
		}
	}
	if x.LineStart(-1) != 0 || x.LineStart(5) != len(src) {
		t.Errorf("LineStart out of range is not clamped")
	}
}

func TestLineIndexRoundTrip(t *testing.T) {
	for _, src := range []string{
		"", "\n", "\r\n", "\r", "abc", "a\r\n\r\nb", "a\r\rb\n", "💳💳\n中文\r\nx", "é\u0301\n\t😀x😀\r",
		"service api \"Zahlungsdienst – Kartenzahlung 💳\" {\r\n  in dmz\r\n}\r\n",
	} {
		x := NewLineIndex(src)
		for off := 0; off <= len(src); off++ {
			if off < len(src) && !utf8.RuneStart(src[off]) {
				continue
			}
			if off > 0 && src[off-1] == '\r' && off < len(src) && src[off] == '\n' {
				continue // between \r and \n: not a position LSP can name
			}
			l, c := x.UTF16(off)
			if got := x.OffsetUTF16(l, c); got != off {
				t.Errorf("%q: OffsetUTF16(UTF16(%d) = %d:%d) = %d", src, off, l, c, got)
			}
			l, c = x.UTF8(off)
			if got := x.OffsetUTF8(l, c); got != off {
				t.Errorf("%q: OffsetUTF8(UTF8(%d) = %d:%d) = %d", src, off, l, c, got)
			}
			// The UTF-16 column counts the code units before off on its line.
			line, _ := x.UTF16(off)
			if want := len(utf16.Encode([]rune(src[x.LineStart(line):off]))); want != c16(x, off) {
				t.Errorf("%q: UTF16 column of %d = %d, want %d", src, off, c16(x, off), want)
			}
		}
	}
}

func c16(x *LineIndex, off int) int { _, c := x.UTF16(off); return c }

func TestLineIndexInvalidUTF8(t *testing.T) {
	src := "a\xffb\xe2\x82\n\xc3"
	x := NewLineIndex(src)
	for off := 0; off <= len(src); off++ {
		l, c := x.UTF8(off)
		if got := x.OffsetUTF8(l, c); got > off || got < 0 {
			t.Errorf("OffsetUTF8(UTF8(%d)) = %d", off, got)
		}
		l, c = x.UTF16(off)
		if got := x.OffsetUTF16(l, c); got < 0 || got > len(src) {
			t.Errorf("OffsetUTF16(UTF16(%d)) = %d: out of the text", off, got)
		}
	}
}
