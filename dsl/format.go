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
	// An unterminated string or comment at the end runs to the end of its line or of the
	// file: its trailing white space is user text, and a line break added after a token that
	// runs to the end of the file would join it.
	n := len(f.Tokens) - 2
	for n >= 0 && f.Tokens[n].Type == TokNewline {
		n--
	}
	if n >= 0 {
		if last := f.Tokens[n]; last.Type == TokBadString || last.Type == TokBadComment {
			body := strings.TrimRight(last.Value, " \t\r\n")
			if strings.HasSuffix(out, body) {
				out += last.Value[len(body):]
				if last.Pos.Offset+len(last.Value) == len(f.Text) {
					return out
				}
				return out + p.nl
			}
		}
	}
	if out == "" {
		return ""
	}
	return out + p.nl
}

type printer struct {
	f        *File
	b        outBuf
	nl       string
	comments []Span
}

// commentsIn returns the comments starting in [start, end).
func (p *printer) commentsIn(start, end int) []Span {
	i := sort.Search(len(p.comments), func(i int) bool { return int(p.comments[i].Start) >= start })
	j := i
	for j < len(p.comments) && int(p.comments[j].Start) < end {
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

// element is a top-level part of the text: a declaration, a comment, or a token that
// belongs to no declaration (junk).
type element struct {
	start, end  int
	first, last int // lines
	decl        *Decl
	comment     bool
	// verbatim elements are copied as written: broken declarations, junk, and whatever
	// shares a line with them.
	verbatim bool
}

// elements lists the top-level parts of the text in order, and marks the verbatim ones.
// A line holding anything verbatim is copied whole, so the formatter never moves a clean
// declaration onto, or off, a line the parser could not read: what it leaves as written
// parses the same way again.
func (p *printer) elements() []element {
	var es []element
	add := func(e element) {
		e.first, e.last = p.line(e.start), p.line(max(e.start, e.end-1))
		es = append(es, e)
	}
	ds := p.f.Decls
	k, declEnd := 0, 0
	for _, t := range p.f.Tokens {
		if t.Type == TokEOF || t.Type == TokNewline {
			continue
		}
		off := t.Pos.Offset
		for k < len(ds) && int(ds[k].Span.Start) <= off {
			d := ds[k]
			add(element{start: int(d.Span.Start), end: int(d.Span.End), decl: d, verbatim: !p.formattable(d)})
			declEnd = max(declEnd, int(d.Span.End))
			k++
		}
		if off < declEnd {
			continue
		}
		span := tokSpan(t)
		comment := t.Type == TokComment || t.Type == TokBadComment
		add(element{start: int(span.Start), end: int(span.End), comment: comment, verbatim: !comment})
	}
	for ; k < len(ds); k++ {
		add(element{start: int(ds[k].Span.Start), end: int(ds[k].Span.End), decl: ds[k], verbatim: true})
	}
	// Spread verbatim to neighbours on the same line, both ways.
	for i := 0; i+1 < len(es); i++ {
		if es[i].verbatim && es[i+1].first <= es[i].last {
			es[i+1].verbatim = true
		}
	}
	for i := len(es) - 1; i > 0; i-- {
		if es[i].verbatim && es[i-1].last >= es[i].first {
			es[i-1].verbatim = true
		}
	}
	return es
}

// formattable reports whether the formatter may lay d out: complete and free of errors.
func (p *printer) formattable(d *Decl) bool {
	return !d.Broken && d.LBrace >= 0 && d.RBrace >= 0
}

func (p *printer) topLevel() {
	prevEnd, hasPrev := 0, false
	var run []*Decl // consecutive one-line declarations, printed together aligned
	flush := func() {
		p.printRun(run, 0)
		run = nil
	}
	var gap []Span // comments since the last declaration or verbatim text
	es := p.elements()
	for i := 0; i < len(es); i++ {
		e := es[i]
		switch {
		case e.comment && !e.verbatim:
			gap = append(gap, SpanOf(e.start, e.end))
		case e.verbatim:
			j := i
			for j+1 < len(es) && es[j+1].verbatim {
				j++
			}
			start, end := p.f.Lines.LineStart(e.first), p.f.Lines.lineEnd(es[j].last)
			flush()
			p.gapComments(prevEnd, gap, start, 0, hasPrev)
			p.b.WriteString(p.f.Text[start:end])
			p.b.WriteString(p.nl)
			gap, prevEnd, hasPrev = nil, end, true
			i = j
		default:
			d := e.decl
			if len(gap) > 0 || (hasPrev && p.blankBetween(prevEnd, int(d.Span.Start))) || !p.oneLine(d) {
				flush()
			}
			p.gapComments(prevEnd, gap, int(d.Span.Start), 0, hasPrev)
			if p.oneLine(d) {
				run = append(run, d)
			} else {
				p.printDecl(d, 0)
			}
			gap, prevEnd, hasPrev = nil, int(d.Span.End), true
		}
	}
	flush()
	p.gapComments(prevEnd, gap, len(p.f.Text), 0, hasPrev)
}

// gapComments prints the comments between two items at the given depth: a comment on the
// line where the previous item ended stays at the end of that line.
func (p *printer) gapComments(prevEnd int, cs []Span, next, depth int, hasPrev bool) {
	pos := prevEnd
	for k, c := range cs {
		if hasPrev && k == 0 && p.line(int(c.Start)) == p.line(prevEnd) && prevEnd > 0 {
			p.trimNewline()
			p.b.WriteString(" ")
			p.b.WriteString(p.comment(c))
			p.b.WriteString(p.nl)
		} else {
			if (hasPrev || k > 0) && p.blankBetween(pos, int(c.Start)) {
				p.b.WriteString(p.nl)
			}
			p.indent(depth)
			p.b.WriteString(p.comment(c))
			p.b.WriteString(p.nl)
		}
		pos = int(c.End)
	}
	if (hasPrev || len(cs) > 0) && p.blankBetween(pos, next) && next < len(p.f.Text) {
		p.b.WriteString(p.nl)
	}
}

// trimNewline removes the line breaks at the end of the output, to continue its last line.
func (p *printer) trimNewline() {
	for n := len(p.b.buf); n > 0 && (p.b.buf[n-1] == '\n' || p.b.buf[n-1] == '\r'); n-- {
		p.b.buf = p.b.buf[:n-1]
	}
}

// outBuf collects the output; unlike strings.Builder it can drop its last bytes.
type outBuf struct{ buf []byte }

func (o *outBuf) WriteString(s string) { o.buf = append(o.buf, s...) }
func (o *outBuf) String() string       { return string(o.buf) }
func (o *outBuf) Len() int             { return len(o.buf) }

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
	if p.line(int(d.Span.Start)) != p.line(d.RBrace) {
		return false
	}
	return len(p.commentsIn(int(d.Span.Start), int(d.Span.End))) == 0
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
	if !p.formattable(d) {
		// Not reached for nested declarations: a broken child breaks its parent.
		p.indent(depth)
		p.b.WriteString(p.text(d.Span))
		p.b.WriteString(p.nl)
		return
	}
	p.indent(depth)
	if len(p.commentsIn(int(d.Span.Start), d.LBrace)) > 0 {
		// Comments in the header: keep the header as written, lay out the body.
		p.b.WriteString(p.f.Text[d.Span.Start : d.LBrace+1])
	} else {
		p.b.WriteString(p.header(d))
		p.b.WriteString(" {")
	}
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
			if g.comment != "" && !multiLine(g.text) {
				width = max(width, utf8.RuneCountInString(g.text))
			}
		}
		for _, g := range group {
			p.indent(depth + 1)
			p.b.WriteString(g.text)
			if g.comment != "" {
				pad := 1
				if !multiLine(g.text) {
					// Trailing comments of single-line attributes in a group align.
					pad += width - utf8.RuneCountInString(g.text)
				}
				p.b.WriteString(strings.Repeat(" ", pad))
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
	hasPrev, prevChild := false, false
	for _, it := range items {
		cs := p.commentsIn(prevEnd, int(it.span.Start))
		// A comment on the line the previous item ended on trails it.
		var trailing string
		if len(cs) > 0 && hasPrev && p.line(int(cs[0].Start)) == p.line(prevEnd) && len(group) > 0 {
			trailing = p.comment(cs[0])
			cs = cs[1:]
		} else if len(cs) > 0 && prevChild && p.line(int(cs[0].Start)) == p.line(prevEnd) {
			// A comment after a nested declaration's `}` stays on its line.
			flushRun()
			p.trimNewline()
			p.b.WriteString(" " + p.comment(cs[0]) + p.nl)
			cs = cs[1:]
		} else if len(cs) > 0 && !hasPrev && p.line(int(cs[0].Start)) == p.line(d.LBrace) {
			// A comment right after `{` stays on the header line.
			p.trimNewline()
			p.b.WriteString(" " + p.comment(cs[0]) + p.nl)
			cs = cs[1:]
		}
		if trailing != "" {
			group[len(group)-1].comment = trailing
		}
		blank := hasPrev && p.blankBetween(prevEnd, firstStart(cs, int(it.span.Start)))
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
			if k > 0 && p.blankBetween(int(cs[k-1].End), int(c.Start)) {
				p.b.WriteString(p.nl)
			}
			p.indent(depth + 1)
			p.b.WriteString(p.comment(c))
			p.b.WriteString(p.nl)
		}
		if len(cs) > 0 && p.blankBetween(int(cs[len(cs)-1].End), int(it.span.Start)) {
			p.b.WriteString(p.nl)
		}
		switch {
		case it.child != nil && p.oneLine(it.child):
			run = append(run, it.child)
		case it.child != nil:
			p.printDecl(it.child, depth+1)
		case len(p.commentsIn(int(it.span.Start), int(it.span.End))) > 0:
			// A comment inside the attribute: keep the attribute as written.
			group = append(group, pending{text: p.text(it.span)})
		default:
			group = append(group, pending{text: p.attr(it.attr)})
		}
		prevEnd = int(it.span.End)
		hasPrev = true
		prevChild = it.child != nil
	}
	cs := p.commentsIn(prevEnd, d.RBrace)
	if len(cs) > 0 && hasPrev && p.line(int(cs[0].Start)) == p.line(prevEnd) && len(group) > 0 {
		group[len(group)-1].comment = p.comment(cs[0])
		cs = cs[1:]
	}
	flushGroup()
	flushRun()
	if len(cs) > 0 && prevChild && p.line(int(cs[0].Start)) == p.line(prevEnd) {
		p.trimNewline()
		p.b.WriteString(" " + p.comment(cs[0]) + p.nl)
		cs = cs[1:]
	}
	for k, c := range cs {
		if (k > 0 || hasPrev) && p.blankBetween(prevEnd, int(c.Start)) {
			p.b.WriteString(p.nl)
		}
		p.indent(depth + 1)
		p.b.WriteString(p.comment(c))
		p.b.WriteString(p.nl)
		prevEnd = int(c.End)
	}
	p.indent(depth)
	p.b.WriteString("}")
	p.b.WriteString(p.nl)
}

func firstStart(cs []Span, def int) int {
	if len(cs) > 0 {
		return int(cs[0].Start)
	}
	return def
}

// multiLine reports whether s spans several lines.
func multiLine(s string) bool { return strings.ContainsAny(s, "\r\n") }

// comment returns the text of comment c; a line comment loses its trailing blanks.
func (p *printer) comment(c Span) string {
	s := p.text(c)
	if strings.HasPrefix(s, "//") {
		s = strings.TrimRight(s, " \t")
	}
	return s
}
