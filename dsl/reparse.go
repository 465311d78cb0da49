package dsl

import (
	"sort"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// Reparse returns what Parse(old.Name, text) returns, for text made from old.Text by an
// edit (a keystroke, a paste); for an old file without tokens, what ParseDiscardingTokens
// returns. Only the top-level declarations the edit touches are lexed and parsed again:
// those before it are old's, those after it old's moved by the change in length, and the
// tokens likewise. Where the result could differ from a whole parse (a lexical error or
// junk anywhere in old; any error around the edit; a syntax error after it when lines
// moved, as its message may name a line; "\r" line ends), it parses the whole text. The
// files share declarations: neither may be changed (no File is, once parsed).
func (p *Parser) Reparse(old *File, text string) *File {
	if f := p.reparse(old, text); f != nil {
		return f
	}
	if old.Tokens == nil {
		return p.ParseDiscardingTokens(old.Name, text, new(Scratch))
	}
	return p.Parse(old.Name, text)
}

// reparse is Reparse, or nil where only a whole parse is certain to be right.
func (p *Parser) reparse(old *File, text string) *File {
	if len(text) > MaxFileSize || !old.lexClean || strings.IndexByte(text, '\r') >= 0 || strings.IndexByte(old.Text, '\r') >= 0 {
		return nil
	}
	oldText := old.Text
	if oldText == text {
		return old
	}
	prefix := commonPrefix(oldText, text)
	suffix := commonSuffix(oldText[prefix:], text[prefix:])
	editEnd := len(oldText) - suffix // the edit replaced oldText[prefix:editEnd]
	delta := len(text) - len(oldText)

	// Declarations [0, a) end with `}` before the edit; [b, n) begin after it. The text
	// from the end of a-1 (w0) to the start of b (w1 in old, w1+delta in text) is parsed
	// again: it begins just after a `}` at the top level, and ends at a keyword that began
	// a declaration, so the lexer and the splitter start and end there as in a whole parse.
	decls := old.Decls
	a := 0
	for a < len(decls) && int(decls[a].Span.End) < prefix && oldText[decls[a].Span.End-1] == '}' {
		a++
	}
	b := a + sort.Search(len(decls)-a, func(i int) bool { return int(decls[a+i].Span.Start) > editEnd })
	w0, oldW1 := 0, len(oldText)
	if a > 0 {
		w0 = int(decls[a-1].Span.End)
	}
	if b < len(decls) {
		oldW1 = int(decls[b].Span.Start)
	}
	w1 := oldW1 + delta
	// The line of w1 is unchanged up to it, so that the columns after it are too.
	lineStart := strings.LastIndexByte(text[:w1], '\n') + 1
	if b < len(decls) && lineStart < len(text)-suffix {
		return nil
	}

	// The tokens of the window, with their places in text.
	lines := NewLineIndex(text)
	line := lines.Line(w0) + 1
	_, window := lexRange(text, w0, w1, line, lines.LineStart(line-1), nil, false, b == len(decls))
	for _, t := range window {
		if t.Type == TokInvalid || t.Type == TokBadString || t.Type == TokBadComment {
			return nil
		}
	}
	parseToks := window
	if b < len(decls) {
		// The parser reads to an EOF: one where declaration b begins.
		parseToks = append(window[:len(window):len(window)], lexer.Token{Type: TokEOF, Pos: lexer.Position{Offset: w1, Line: lines.Line(w1) + 1}})
	}
	wf := &File{Name: old.Name, Text: text, Tokens: parseToks}
	st := &parseState{p: p.p, f: wf}
	st.parseDecls()
	if len(st.diags) > 0 || len(st.lexErrs) > 0 {
		return nil // a syntax error's recovery may read past the window
	}

	// The syntax diagnostics outside the window, moved as their declarations are. Those
	// after it are kept only when no line moved: a message may name a line ("expected `}`
	// to close service `api` opened at 12:3").
	lineDelta := strings.Count(text[w0:w1], "\n") - strings.Count(oldText[w0:oldW1], "\n")
	var syntax []Diagnostic
	for _, d := range old.syntax {
		switch {
		case int(d.Span.End) <= w0:
			syntax = append(syntax, d)
		case int(d.Span.Start) >= oldW1 && lineDelta == 0:
			d.Span = d.Span.shift(delta)
			syntax = append(syntax, d)
		default:
			return nil // in the window, across one of its ends, or naming a line that moved
		}
	}

	f := &File{Name: old.Name, Text: text, Lines: lines, lexClean: true, syntax: syntax}
	if n := a + len(wf.Decls) + len(decls) - b; n > 0 {
		f.Decls = make([]*Decl, 0, n)
	}
	f.Decls = append(f.Decls, decls[:a]...)
	f.Decls = append(f.Decls, wf.Decls...)
	for _, d := range decls[b:] {
		f.Decls = append(f.Decls, st.shiftDecl(d, delta, nil))
	}

	if old.Tokens != nil {
		// The tokens, as the declarations: old's before the window, the window's, old's
		// after it moved. A file parsed without its tokens (ParseDiscardingTokens) gives
		// one without them.
		first := sort.Search(len(old.Tokens), func(i int) bool { return old.Tokens[i].Pos.Offset >= w0 })
		last := len(old.Tokens)
		if b < len(decls) {
			last = first + sort.Search(len(old.Tokens)-first, func(i int) bool { return old.Tokens[first+i].Pos.Offset >= oldW1 })
		}
		f.Tokens = make([]lexer.Token, 0, first+len(window)+len(old.Tokens)-last)
		f.Tokens = append(f.Tokens, old.Tokens[:first]...)
		f.Tokens = append(f.Tokens, window...)
		for _, t := range old.Tokens[last:] {
			t.Pos.Offset += delta
			t.Pos.Line += lineDelta
			f.Tokens = append(f.Tokens, t)
		}
	}

	diags := append([]Diagnostic(nil), syntax...)
	validate(f, &diags, nil) // no lexical error anywhere: no value to leave unreported
	sortDiagnostics(diags)
	f.Diagnostics = diags
	return f
}

// commonPrefix returns the length of the longest common prefix of x and y.
func commonPrefix(x, y string) int {
	n := min(len(x), len(y))
	i := 0
	// Eight bytes at a time: a file of a large model is 100 KB and more.
	for i+8 <= n && x[i:i+8] == y[i:i+8] {
		i += 8
	}
	for i < n && x[i] == y[i] {
		i++
	}
	return i
}

// commonSuffix returns the length of the longest common suffix of x and y.
func commonSuffix(x, y string) int {
	n := min(len(x), len(y))
	i := 0
	for i+8 <= n && x[len(x)-i-8:len(x)-i] == y[len(y)-i-8:len(y)-i] {
		i += 8
	}
	for i < n && x[len(x)-i-1] == y[len(y)-i-1] {
		i++
	}
	return i
}

func (s Span) shift(delta int) Span { return Span{s.Start + int32(delta), s.End + int32(delta)} }

// shiftDecl returns d moved by delta bytes: d itself when delta is 0, else a copy of d and
// everything in it, with parent as its parent, carved from st's chunks as a parse's nodes.
func (st *parseState) shiftDecl(d *Decl, delta int, parent *Decl) *Decl {
	if delta == 0 {
		return d
	}
	c := st.newDecl()
	*c = *d
	c.Parent = parent
	c.KindSpan = d.KindSpan.shift(delta)
	c.Name = st.shiftIdent(d.Name, delta)
	c.From = st.shiftIdent(d.From, delta)
	c.To = st.shiftIdent(d.To, delta)
	c.Target = st.shiftRef(d.Target, delta)
	c.Title = st.shiftValue(d.Title, delta)
	if d.Attrs != nil {
		c.Attrs = make([]*Attr, len(d.Attrs))
		for i, at := range d.Attrs {
			na := st.newAttr()
			na.Key = Ident{Name: at.Key.Name, Span: at.Key.Span.shift(delta)}
			na.Span = at.Span.shift(delta)
			if at.Values != nil {
				na.Values = make([]*Value, len(at.Values))
				for k, v := range at.Values {
					na.Values[k] = st.shiftValue(v, delta)
				}
			}
			c.Attrs[i] = na
		}
	}
	if d.Children != nil {
		c.Children = make([]*Decl, len(d.Children))
		for i, ch := range d.Children {
			c.Children[i] = st.shiftDecl(ch, delta, c)
		}
	}
	c.Span = d.Span.shift(delta)
	c.Header = d.Header.shift(delta)
	if d.LBrace >= 0 {
		c.LBrace += delta
	}
	if d.RBrace >= 0 {
		c.RBrace += delta
	}
	return c
}

func (st *parseState) shiftIdent(id *Ident, delta int) *Ident {
	if id == nil {
		return nil
	}
	return st.newIdent(tIdent{Name: id.Name, Off: int(id.Span.Start) + delta})
}

func (st *parseState) shiftRef(r *Ref, delta int) *Ref {
	if r == nil {
		return nil
	}
	c := st.newRef()
	c.Rule, c.From, c.To = st.shiftIdent(r.Rule, delta), st.shiftIdent(r.From, delta), st.shiftIdent(r.To, delta)
	c.Arrow, c.Span = r.Arrow, r.Span.shift(delta)
	return c
}

func (st *parseState) shiftValue(v *Value, delta int) *Value {
	if v == nil {
		return nil
	}
	c := st.newValue()
	c.Kind, c.Text, c.Ref, c.Span = v.Kind, v.Text, st.shiftRef(v.Ref, delta), v.Span.shift(delta)
	return c
}
