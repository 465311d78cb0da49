package dsl

import (
	"fmt"
	"strings"
)

// summarize renders f's declarations as one line per declaration and attribute, with byte
// spans and line:col positions, for golden tests.
func summarize(f *File) string {
	var b strings.Builder
	pos := func(s Span) string {
		l1, c1 := f.Lines.Position(int(s.Start))
		l2, c2 := f.Lines.Position(int(s.End))
		return fmt.Sprintf("[%d,%d) %d:%d-%d:%d", s.Start, s.End, l1, c1, l2, c2)
	}
	var decl func(d *Decl, depth int)
	decl = func(d *Decl, depth int) {
		ind := strings.Repeat("  ", depth)
		fmt.Fprintf(&b, "%s%s id=%q", ind, d.Kind, d.ID())
		if d.Name != nil {
			fmt.Fprintf(&b, " name=%q", d.Name.Name)
		}
		if d.From != nil || d.To != nil {
			fmt.Fprintf(&b, " from=%s arrow=%q to=%s", identText(d.From), d.Arrow, identText(d.To))
		}
		if d.Target != nil {
			fmt.Fprintf(&b, " target=%s", refText(d.Target))
		}
		if d.Title != nil {
			fmt.Fprintf(&b, " title=%q", d.Title.Text)
		}
		fmt.Fprintf(&b, " %s header=[%d,%d) braces=%d,%d", pos(d.Span), d.Header.Start, d.Header.End, d.LBrace, d.RBrace)
		if d.Broken {
			b.WriteString(" BROKEN")
		}
		b.WriteString("\n")
		for _, a := range d.Attrs {
			fmt.Fprintf(&b, "%s  %s %s", ind, a.Key.Name, pos(a.Span))
			for _, v := range a.Values {
				fmt.Fprintf(&b, " %s", valueText(v))
			}
			b.WriteString("\n")
		}
		for _, c := range d.Children {
			decl(c, depth+1)
		}
	}
	for _, d := range f.Decls {
		decl(d, 0)
	}
	return b.String()
}

func identText(id *Ident) string {
	if id == nil {
		return "<nil>"
	}
	return fmt.Sprintf("%s[%d,%d)", id.Name, id.Span.Start, id.Span.End)
}

func refText(r *Ref) string {
	s := ""
	if r.Rule != nil {
		s = "rule=" + identText(r.Rule) + " "
	}
	s += identText(r.From)
	if r.To != nil {
		s += " " + r.Arrow + " " + identText(r.To)
	}
	return fmt.Sprintf("{%s}", s)
}

func valueText(v *Value) string {
	switch v.Kind {
	case ValueRef:
		return fmt.Sprintf("ref:%s@[%d,%d)", v.Text, v.Span.Start, v.Span.End)
	case ValueString:
		return fmt.Sprintf("str:%q@[%d,%d)", v.Text, v.Span.Start, v.Span.End)
	case ValueDate:
		return fmt.Sprintf("date:%s@[%d,%d)", v.Text, v.Span.Start, v.Span.End)
	case ValueNumber:
		return fmt.Sprintf("num:%s@[%d,%d)", v.Text, v.Span.Start, v.Span.End)
	}
	return fmt.Sprintf("?%d:%q", v.Kind, v.Text)
}

// diagnostics renders f's diagnostics one a line with line:col ranges.
func diagnostics(f *File) string {
	var b strings.Builder
	for _, d := range f.Diagnostics {
		l1, c1 := f.Lines.Position(int(d.Span.Start))
		l2, c2 := f.Lines.Position(int(d.Span.End))
		fmt.Fprintf(&b, "%d:%d-%d:%d [%d,%d) %s %s: %s\n", l1, c1, l2, c2, d.Span.Start, d.Span.End, d.Severity, d.Code, d.Message)
	}
	return b.String()
}
