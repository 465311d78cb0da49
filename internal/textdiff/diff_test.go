package textdiff

import (
	"strings"
	"testing"
)

// apply replays line edits on a, as an editor applies LSP text edits.
func apply(a string, edits []Edit) string {
	lines := splitLines(a)
	var out []string
	next := 0
	for _, e := range edits {
		out = append(out, lines[next:e.StartLine]...)
		if e.Text != "" {
			out = append(out, e.Text)
		}
		next = e.EndLine
	}
	out = append(out, lines[next:]...)
	return strings.Join(out, "")
}

func TestLineEditsAndUnified(t *testing.T) {
	cases := []struct{ a, b string }{
		{"", "x\n"},
		{"x\n", ""},
		{"a\nb\nc\n", "a\nB\nc\n"},
		{"a\nb\nc\n", "a\nc\nd\n"},
		{"a\nb", "a\nb\n"},
		{"same\n", "same\n"},
		{"1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n", "0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n"},
	}
	for _, c := range cases {
		if got := apply(c.a, LineEdits(c.a, c.b)); got != c.b {
			t.Errorf("LineEdits(%q, %q) applied gives %q", c.a, c.b, got)
		}
		u := Unified("a", "b", c.a, c.b)
		if (u == "") != (c.a == c.b) {
			t.Errorf("Unified(%q, %q) = %q", c.a, c.b, u)
		}
	}
}

// TestLargeRewriteStaysBounded changes every line of a large text: the diff falls back to
// replacing everything instead of growing its trace quadratically.
func TestLargeRewriteStaysBounded(t *testing.T) {
	var a, b strings.Builder
	for i := 0; i < 20000; i++ {
		a.WriteString("line\r\n")
		b.WriteString("line\n")
	}
	edits := LineEdits(a.String(), b.String())
	if got := apply(a.String(), edits); got != b.String() {
		t.Fatal("the fallback edit does not produce the new text")
	}
}
