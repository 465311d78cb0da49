package dsl

import (
	"sort"
	"strings"
	"unicode/utf8"
)

// LineIndex converts between byte offsets and line/column positions of one text. Lines end
// at "\n", "\r\n" or a lone "\r", as LSP defines them.
type LineIndex struct {
	text   string
	starts []int32 // byte offset of each line's first byte (a file is at most MaxFileSize)
}

// NewLineIndex indexes text.
func NewLineIndex(text string) *LineIndex {
	if strings.IndexByte(text, '\r') < 0 {
		// Only "\n" ends lines (the common case): count them to allocate once, and find
		// them with IndexByte, which is much faster than a loop over every byte.
		starts := make([]int32, 1, strings.Count(text, "\n")+1)
		for off := 0; ; {
			i := strings.IndexByte(text[off:], '\n')
			if i < 0 {
				break
			}
			off += i + 1
			starts = append(starts, int32(off))
		}
		return &LineIndex{text: text, starts: starts}
	}
	starts := make([]int32, 1, len(text)/30+1)
	for i := 0; i < len(text); i++ {
		switch text[i] {
		case '\n':
			starts = append(starts, int32(i+1))
		case '\r':
			if i+1 < len(text) && text[i+1] == '\n' {
				i++
			}
			starts = append(starts, int32(i+1))
		}
	}
	return &LineIndex{text: text, starts: starts}
}

// LineCount returns the number of lines.
func (x *LineIndex) LineCount() int { return len(x.starts) }

// LineStart returns the byte offset where line (0-based) starts, clamped to the text.
func (x *LineIndex) LineStart(line int) int {
	if line < 0 {
		return 0
	}
	if line >= len(x.starts) {
		return len(x.text)
	}
	return int(x.starts[line])
}

// lineEnd returns the offset of the line break ending line (0-based), or the text's end.
func (x *LineIndex) lineEnd(line int) int {
	end := len(x.text)
	if line+1 < len(x.starts) {
		end = int(x.starts[line+1])
	}
	for end > int(x.starts[line]) && (x.text[end-1] == '\n' || x.text[end-1] == '\r') {
		end--
	}
	return end
}

// Line returns the 0-based line holding offset off.
func (x *LineIndex) Line(off int) int {
	return sort.Search(len(x.starts), func(i int) bool { return int(x.starts[i]) > off }) - 1
}

// Position returns the 1-based line and 1-based column in characters (runes) of offset off,
// as the command line prints them.
func (x *LineIndex) Position(off int) (line, col int) {
	off = x.clamp(off)
	l := x.Line(off)
	off = min(off, x.lineEnd(l)) // between \r and \n: the end of the line
	return l + 1, utf8.RuneCountInString(x.text[x.starts[l]:off]) + 1
}

// UTF16 returns the 0-based line and UTF-16 code-unit column of offset off (LSP's default).
func (x *LineIndex) UTF16(off int) (line, col int) {
	off = x.clamp(off)
	l := x.Line(off)
	off = min(off, x.lineEnd(l)) // between \r and \n: the end of the line
	for _, r := range x.text[x.starts[l]:off] {
		if r >= 0x10000 {
			col += 2
		} else {
			col++
		}
	}
	return l, col
}

// UTF8 returns the 0-based line and byte column of offset off.
func (x *LineIndex) UTF8(off int) (line, col int) {
	off = x.clamp(off)
	l := x.Line(off)
	off = min(off, x.lineEnd(l)) // between \r and \n: the end of the line
	return l, off - int(x.starts[l])
}

// OffsetUTF16 returns the byte offset of a 0-based line and UTF-16 column. Positions past
// the end of a line or of the text are clamped to it, as LSP asks; a column inside a
// surrogate pair rounds up to the character's end.
func (x *LineIndex) OffsetUTF16(line, col int) int {
	if line >= len(x.starts) {
		return len(x.text)
	}
	if line < 0 {
		return 0
	}
	start, end := int(x.starts[line]), x.lineEnd(line)
	units := 0
	for i, r := range x.text[start:end] {
		if units >= col {
			return start + i
		}
		if r >= 0x10000 {
			units += 2
		} else {
			units++
		}
	}
	return end
}

// OffsetUTF8 returns the byte offset of a 0-based line and byte column, clamped to the line.
func (x *LineIndex) OffsetUTF8(line, col int) int {
	if line >= len(x.starts) {
		return len(x.text)
	}
	if line < 0 {
		return 0
	}
	start, end := int(x.starts[line]), x.lineEnd(line)
	off := start + max(col, 0)
	if off > end {
		off = end
	}
	for off > start && off < len(x.text) && !utf8.RuneStart(x.text[off]) {
		off--
	}
	return off
}

func (x *LineIndex) clamp(off int) int {
	if off < 0 {
		return 0
	}
	if off > len(x.text) {
		return len(x.text)
	}
	return off
}
