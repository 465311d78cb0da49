package dsl

import (
	"sort"
	"strings"
	"unicode/utf8"
)

// Format returns f's text in canonical layout: two-space indentation, one attribute a line
// (short declarations written on one line stay on one line, their `{` aligned with their
// neighbours'), canonical spacing of references, one blank line at most between items. Every
// comment is kept where it was. A declaration with a syntax error, and any text that is not
// a declaration, is left exactly as written. Format is idempotent.
func Format(f *File) string {
	p := &printer{f: f, nl: "\n"}
	if strings.Contains(f.Text, "\r\n") {
		p.nl = "\r\n"
	}
	for _, t := range f.Tokens {
		if t.Type == TokComment || t.Type == TokBadComment {
			p.comments = append(p.comments, tokSpan(t))
		}
	}
	p.topLevel()
	out := strings.TrimLeft(p.b.String(), "\r\n")
	out = strings.TrimRight(out, " \t\r\n")
	if out == "" {
		return ""
	}
	return out + p.nl
}

type printer struct {
	f        *File
	b        strings.Builder
	nl       string
	comments []Span
}

// commentsIn returns the comments starting in [start, end).
func (p *printer) commentsIn(start, end int) []Span {
	i := sort.Search(len(p.comments), func(i int) bool { return p.comments[i].Start >= start })
	j := i
	for j < len(p.comments) && p.comments[j].Start < end {
		j++
	}
	return p.comments[i:j]
}

func (p *printer) text(s Span) string { return p.f.Text[s.Start:s.End] }

func (p *printer) line(off int) int { return p.f.Lines.Line(off) }

// blankBetween reports whether the text between two offsets holds an empty line.
func (p *printer) blankBetween(a, b int) bool {
	if a >= b {
		return false
	}
	return p.line(b)-p.line(a) > 1
}

// onlyCommentsAndSpace reports whether [a, b) holds nothing but white space and comments.
func (p *printer) onlyCommentsAndSpace(a, b int, cs []Span) bool {
	pos := a
	for _, c := range cs {
		if strings.TrimSpace(p.f.Text[pos:c.Start]) != "" {
			return false
		}
		pos = c.End
	}
	return pos >= b || strings.TrimSpace(p.f.Text[pos:b]) == ""
}

func (p *printer) topLevel() {
	prevEnd := 0
	var run []*Decl // consecutive one-line declarations, printed together aligned
	flush := func() {
		p.printRun(run, 0)
		run = nil
	}
	for i, d := range p.f.Decls {
		gap := p.commentsIn(prevEnd, d.Span.Start)
		if !p.onlyCommentsAndSpace(prevEnd, d.Span.Start, gap) {
			// Text that is not a declaration: keep it as written.
			flush()
			p.verbatimGap(prevEnd, d.Span.Start)
		} else {
			if len(gap) > 0 || (i > 0 && p.blankBetween(prevEnd, d.Span.Start)) || !p.oneLine(d) {
				flush()
			}
			p.gapComments(prevEnd, gap, d.Span.Start, 0, i > 0)
		}
		if p.oneLine(d) {
			run = append(run, d)
		} else {
			p.printDecl(d, 0)
		}
		prevEnd = d.Span.End
	}
	flush()
	rest := p.commentsIn(prevEnd, len(p.f.Text))
	if !p.onlyCommentsAndSpace(prevEnd, len(p.f.Text), rest) {
		p.verbatimGap(prevEnd, len(p.f.Text))
		return
	}
	p.gapComments(prevEnd, rest, len(p.f.Text), 0, len(p.f.Decls) > 0)
}

// gapComments prints the comments between two items at the given depth: a comment on the
// line where the previous item ended stays at the end of that line.
func (p *printer) gapComments(prevEnd int, cs []Span, next, depth int, hasPrev bool) {
	pos := prevEnd
	for k, c := range cs {
		if hasPrev && k == 0 && p.line(c.Start) == p.line(prevEnd) && prevEnd > 0 {
			p.trimNewline()
			p.b.WriteString(" ")
			p.b.WriteString(p.text(c))
			p.b.WriteString(p.nl)
		} else {
			if (hasPrev || k > 0) && p.blankBetween(pos, c.Start) {
				p.b.WriteString(p.nl)
			}
			p.indent(depth)
			p.b.WriteString(p.text(c))
			p.b.WriteString(p.nl)
		}
		pos = c.End
	}
	if (hasPrev || len(cs) > 0) && p.blankBetween(pos, next) && next < len(p.f.Text) {
		p.b.WriteString(p.nl)
	}
}

func (p *printer) trimNewline() {
	s := p.b.String()
	trimmed := strings.TrimRight(s, "\r\n")
	if len(trimmed) != len(s) {
		p.b.Reset()
		p.b.WriteString(trimmed)
	}
}

func (p *printer) indent(depth int) {
	for i := 0; i < depth; i++ {
		p.b.WriteString("  ")
	}
}

// oneLine reports whether d stays on one line: written on one line, no nested
// declarations, no comments inside, and at most four attributes.
func (p *printer) oneLine(d *Decl) bool {
	if d.Broken || d.LBrace < 0 || d.RBrace < 0 || len(d.Children) > 0 || len(d.Attrs) > 4 {
		return false
	}
	if p.line(d.Span.Start) != p.line(d.RBrace) {
		return false
	}
	return len(p.commentsIn(d.Span.Start, d.Span.End)) == 0
}

// printRun prints consecutive one-line declarations with their `{` aligned.
func (p *printer) printRun(run []*Decl, depth int) {
	width := 0
	headers := make([]string, len(run))
	for i, d := range run {
		headers[i] = p.header(d)
		width = max(width, utf8.RuneCountInString(headers[i]))
	}
	for i, d := range run {
		p.indent(depth)
		p.b.WriteString(headers[i])
		if len(run) > 1 {
			p.b.WriteString(strings.Repeat(" ", width-utf8.RuneCountInString(headers[i])))
		}
		if len(d.Attrs) == 0 {
			p.b.WriteString(" {}")
		} else {
			p.b.WriteString(" { ")
			for k, a := range d.Attrs {
				if k > 0 {
					p.b.WriteString("; ")
				}
				p.b.WriteString(p.attr(a))
			}
			p.b.WriteString(" }")
		}
		p.b.WriteString(p.nl)
	}
}

// header prints `kind id "Title"` without the brace.
func (p *printer) header(d *Decl) string {
	var b strings.Builder
	b.WriteString(string(d.Kind))
	switch {
	case d.Kind == KindFlow:
		b.WriteString(" ")
		if d.Name != nil {
			b.WriteString(d.Name.Name + ": ")
		}
		b.WriteString(d.From.Name + " " + d.Arrow + " " + d.To.Name)
	case d.Kind.IsResponse():
		b.WriteString(" " + d.Target.String())
	case d.Name != nil:
		b.WriteString(" " + d.Name.Name)
	}
	if d.Title != nil {
		b.WriteString(" " + p.text(d.Title.Span))
	}
	return b.String()
}

func (p *printer) attr(a *Attr) string {
	var b strings.Builder
	b.WriteString(a.Key.Name)
	for i, v := range a.Values {
		if i == 0 {
			b.WriteString(" ")
		} else {
			b.WriteString(", ")
		}
		b.WriteString(p.value(v))
	}
	return b.String()
}

func (p *printer) value(v *Value) string {
	if v.Kind == ValueRef && v.Ref != nil {
		r := v.Ref
		if r.Rule != nil || r.To == nil {
			return r.String()
		}
		return r.From.Name + " " + r.Arrow + " " + r.To.Name
	}
	return p.text(v.Span)
}

// bodyItem is an attribute or a nested declaration, in text order.
type bodyItem struct {
	span  Span
	attr  *Attr
	child *Decl
}

func (p *printer) printDecl(d *Decl, depth int) {
	if d.Broken || d.LBrace < 0 || d.RBrace < 0 || len(p.commentsIn(d.Span.Start, d.LBrace)) > 0 {
		p.indent(depth)
		p.b.WriteString(p.text(d.Span))
		p.b.WriteString(p.nl)
		return
	}
	p.indent(depth)
	p.b.WriteString(p.header(d))
	p.b.WriteString(" {")
	p.b.WriteString(p.nl)

	items := make([]bodyItem, 0, len(d.Attrs)+len(d.Children))
	for _, a := range d.Attrs {
		items = append(items, bodyItem{span: a.Span, attr: a})
	}
	for _, c := range d.Children {
		items = append(items, bodyItem{span: c.Span, child: c})
	}
	sort.Slice(items, func(i, j int) bool { return items[i].span.Start < items[j].span.Start })

	// Lines of attributes, collected so trailing comments in a group align.
	type pending struct {
		text, comment string
	}
	var group []pending
	flushGroup := func() {
		width := 0
		for _, g := range group {
			if g.comment != "" {
				width = max(width, utf8.RuneCountInString(g.text))
			}
		}
		for _, g := range group {
			p.indent(depth + 1)
			p.b.WriteString(g.text)
			if g.comment != "" {
				p.b.WriteString(strings.Repeat(" ", width-utf8.RuneCountInString(g.text)+1))
				p.b.WriteString(g.comment)
			}
			p.b.WriteString(p.nl)
		}
		group = nil
	}
	var run []*Decl
	flushRun := func() {
		p.printRun(run, depth+1)
		run = nil
	}
	prevEnd := d.LBrace + 1
	hasPrev := false
	for _, it := range items {
		cs := p.commentsIn(prevEnd, it.span.Start)
		// A comment on the line the previous item ended on trails it.
		var trailing string
		if len(cs) > 0 && hasPrev && p.line(cs[0].Start) == p.line(prevEnd) && len(group) > 0 {
			trailing = p.text(cs[0])
			cs = cs[1:]
		} else if len(cs) > 0 && !hasPrev && p.line(cs[0].Start) == p.line(d.LBrace) {
			// A comment right after `{` stays on the header line.
			p.trimNewline()
			p.b.WriteString(" " + p.text(cs[0]) + p.nl)
			cs = cs[1:]
		}
		if trailing != "" {
			group[len(group)-1].comment = trailing
		}
		blank := hasPrev && p.blankBetween(prevEnd, firstStart(cs, it.span.Start))
		if len(cs) > 0 || blank || it.attr == nil {
			flushGroup()
		}
		if len(cs) > 0 || blank || it.child == nil || !p.oneLine(it.child) {
			flushRun()
		}
		if blank {
			p.b.WriteString(p.nl)
		}
		for k, c := range cs {
			if k > 0 && p.blankBetween(cs[k-1].End, c.Start) {
				p.b.WriteString(p.nl)
			}
			p.indent(depth + 1)
			p.b.WriteString(p.text(c))
			p.b.WriteString(p.nl)
		}
		if len(cs) > 0 && p.blankBetween(cs[len(cs)-1].End, it.span.Start) {
			p.b.WriteString(p.nl)
		}
		switch {
		case it.child != nil && p.oneLine(it.child):
			run = append(run, it.child)
		case it.child != nil:
			p.printDecl(it.child, depth+1)
		case len(p.commentsIn(it.span.Start, it.span.End)) > 0:
			// A comment inside the attribute: keep the attribute as written.
			group = append(group, pending{text: p.text(it.span)})
		default:
			group = append(group, pending{text: p.attr(it.attr)})
		}
		prevEnd = it.span.End
		hasPrev = true
	}
	cs := p.commentsIn(prevEnd, d.RBrace)
	if len(cs) > 0 && hasPrev && p.line(cs[0].Start) == p.line(prevEnd) && len(group) > 0 {
		group[len(group)-1].comment = p.text(cs[0])
		cs = cs[1:]
	}
	flushGroup()
	flushRun()
	for k, c := range cs {
		if (k > 0 || hasPrev) && p.blankBetween(prevEnd, c.Start) {
			p.b.WriteString(p.nl)
		}
		p.indent(depth + 1)
		p.b.WriteString(p.text(c))
		p.b.WriteString(p.nl)
		prevEnd = c.End
	}
	p.indent(depth)
	p.b.WriteString("}")
	p.b.WriteString(p.nl)
}

func firstStart(cs []Span, def int) int {
	if len(cs) > 0 {
		return cs[0].Start
	}
	return def
}

// verbatimGap writes text between declarations that is not only comments (text the parser
// could not read) exactly as written, normalising only the blank lines around it.
func (p *printer) verbatimGap(start, end int) {
	raw := p.f.Text[start:end]
	body := strings.TrimLeft(raw, " \t\r\n")
	bodyStart := end - len(body)
	body = strings.TrimRight(body, " \t\r\n")
	bodyEnd := bodyStart + len(body)
	if p.b.Len() > 0 && p.blankBetween(start, bodyStart) {
		p.b.WriteString(p.nl)
	}
	p.b.WriteString(body)
	p.b.WriteString(p.nl)
	if end < len(p.f.Text) && p.blankBetween(bodyEnd, end) {
		p.b.WriteString(p.nl)
	}
}
