package dsl

import (
	"errors"
	"sync"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// The participle grammar. Statements are kept permissive (any key, any values) so that the
// schema check, not the parser, explains what a kind accepts. Positions are absolute: the
// lexer fills byte offsets for the whole file and pieces are replayed with them.

// The hand-written productions below (gHeader, gLines, gStmt, gOpen, gClose) read tokens
// into plain values rather than trees of pointers: they are the bulk of every model, and
// allocating one node per identifier and value cost more than parsing them.

// gKeyword is a declaration's keyword.
type gKeyword struct {
	Pos  lexer.Position
	Name string
}

// tIdent is an identifier and its offset. The zero value (no name) is no identifier.
type tIdent struct {
	Off  int
	Name string
}

// tRef is `a`, `a -> b`, `rule@a` or `rule@a -> b`; a zero Head is no reference.
type tRef struct {
	Head, At, To tIdent
	Arrow        string
}

// tValue is one value; Kind 0 is no value.
type tValue struct {
	Kind ValueKind
	Off  int
	Text string // the token's text (a string's with its quotes)
	Ref  tRef   // for ValueRef
}

// gStmt is `KEY [VALUE {, VALUE}]`. It parses itself (participle's Parseable): statements
// are the bulk of every model and the hot path of parsing, and a hand-written loop over the
// same tokens is an order of magnitude cheaper than the reflective grammar for them.
type gStmt struct {
	Key    tIdent
	Values []tValue
}

// Parse implements participle.Parseable.
func (s *gStmt) Parse(lex *lexer.PeekingLexer) error {
	var buf []tValue
	_, err := s.parse(lex, &buf)
	return err
}

// tokenReader is what the hand-written productions read: participle's PeekingLexer, or a
// tokCursor over tokens it matched already.
type tokenReader interface {
	Peek() *lexer.Token
	Next() *lexer.Token
}

// parse reads the statement and returns its number of values. The values are appended to
// *buf, and s.Values is their part of it; with a nil buf they are only counted.
func (s *gStmt) parse(lex tokenReader, buf *[]tValue) (int, error) {
	t := lex.Peek()
	if t.Type != TokIdent {
		return 0, participle.NextMatch
	}
	lex.Next()
	s.Key = tIdent{Off: t.Pos.Offset, Name: t.Value}
	n := 0
	add := func(v *tValue) {
		n++
		if buf != nil {
			*buf = append(*buf, *v)
			s.Values = (*buf)[len(*buf)-n : len(*buf) : len(*buf)]
		}
	}
	var v tValue
	if err := parseValue(lex, &v); err != nil || v.Kind == 0 {
		return n, err
	}
	add(&v)
	for {
		t := lex.Peek()
		if t.Type != TokPunct || t.Value != "," {
			return n, nil
		}
		lex.Next()
		if t := lex.Peek(); t.Type == TokNewline {
			lex.Next()
		}
		var v tValue
		if err := parseValue(lex, &v); err != nil {
			return n, err
		}
		if v.Kind == 0 {
			t := lex.Peek()
			return n, participle.Errorf(t.Pos, "unexpected %s after `,` (expected a value)", describe(*t))
		}
		add(&v)
	}
}

// parseValue reads one value into v, or leaves v zero when the next token starts none.
func parseValue(lex tokenReader, v *tValue) error {
	t := lex.Peek()
	switch t.Type {
	case TokString, TokRawString:
		v.Kind = ValueString
	case TokDate:
		v.Kind = ValueDate
	case TokNumber:
		v.Kind = ValueNumber
	case TokIdent, TokKeyword: // a keyword is a plain word in value position: `kind service`
		lex.Next()
		r := tRef{Head: tIdent{Off: t.Pos.Offset, Name: t.Value}}
		if p := lex.Peek(); p.Type == TokPunct && p.Value == "@" {
			lex.Next()
			id := lex.Peek()
			if id.Type != TokIdent {
				return participle.Errorf(id.Pos, "unexpected %s after `@` (expected the threatened element or flow)", describe(*id))
			}
			lex.Next()
			r.At = tIdent{Off: id.Pos.Offset, Name: id.Value}
		}
		if p := lex.Peek(); p.Type == TokPunct && (p.Value == "->" || p.Value == "<->") {
			lex.Next()
			id := lex.Peek()
			if id.Type != TokIdent {
				return participle.Errorf(id.Pos, "unexpected %s after `%s` (expected the flow's target)", describe(*id), p.Value)
			}
			lex.Next()
			r.Arrow = p.Value
			r.To = tIdent{Off: id.Pos.Offset, Name: id.Value}
		}
		v.Kind, v.Off, v.Text = ValueRef, t.Pos.Offset, t.Value
		v.Ref.Head, v.Ref.At, v.Ref.To, v.Ref.Arrow = r.Head, r.At, r.To, r.Arrow
		return nil
	default:
		return nil
	}
	lex.Next()
	v.Off, v.Text = t.Pos.Offset, t.Value
	return nil
}

// gHeader is `KIND [ref] [: ref] ["Title"]`; which parts a kind needs is checked after. It
// parses itself, like gStmt, for speed. participle allocates a gHeader for every attempt at
// a nested declaration, so it stays small: the parts are allocated once it matched.
type gHeader struct {
	Kind  *gKeyword
	Parts *gHeaderParts // nil when the header is the keyword alone
}

type gHeaderParts struct {
	First  tRef
	Second tRef
	Title  tValue
}

// Parse implements participle.Parseable.
func (h *gHeader) Parse(lex *lexer.PeekingLexer) error {
	return h.parse(lex, nil, nil)
}

// parse reads the header. kw and parts, when not nil, are where the keyword and the other
// parts go; else they are allocated.
func (h *gHeader) parse(lex tokenReader, kw *gKeyword, parts *gHeaderParts) error {
	t := lex.Peek()
	if t.Type != TokKeyword {
		return participle.NextMatch
	}
	lex.Next()
	if kw == nil {
		kw = new(gKeyword)
	}
	*kw = gKeyword{Pos: t.Pos, Name: t.Value}
	h.Kind = kw
	var p gHeaderParts
	err := parseHeaderParts(lex, &p)
	if p != (gHeaderParts{}) {
		if parts == nil {
			parts = new(gHeaderParts)
		}
		*parts = p
		h.Parts = parts
	}
	return err
}

func parseHeaderParts(lex tokenReader, parts *gHeaderParts) error {
	if lex.Peek().Type == TokIdent {
		var v tValue
		if err := parseValue(lex, &v); err != nil {
			return err
		}
		parts.First = v.Ref
	}
	if p := lex.Peek(); p.Type == TokPunct && p.Value == ":" {
		lex.Next()
		var v tValue
		if err := parseValue(lex, &v); err != nil {
			return err
		}
		if v.Kind != ValueRef {
			n := lex.Peek()
			return participle.Errorf(n.Pos, "unexpected %s after `:` (expected the flow's source)", describe(*n))
		}
		parts.Second = v.Ref
	}
	var v tValue
	if err := parseValue(lex, &v); err != nil {
		return err
	}
	parts.Title = v
	return nil
}

// gOpen is the `{` opening a body, on the header's line or the next. It parses itself.
type gOpen struct {
	Pos lexer.Position
}

// Parse implements participle.Parseable.
func (o *gOpen) Parse(lex *lexer.PeekingLexer) error {
	t := lex.Peek()
	if t.Type == TokNewline {
		lex.Next()
		t = lex.Peek()
		if t.Type != TokPunct || t.Value != "{" {
			return participle.Errorf(t.Pos, "unexpected %s (expected `{`)", describe(*t))
		}
	}
	if t.Type != TokPunct || t.Value != "{" {
		return participle.NextMatch
	}
	lex.Next()
	o.Pos = t.Pos
	return nil
}

// gClose is the `}` closing a body. It parses itself.
type gClose struct {
	Pos lexer.Position
}

// Parse implements participle.Parseable.
func (c *gClose) Parse(lex *lexer.PeekingLexer) error {
	t := lex.Peek()
	if t.Type != TokPunct || t.Value != "}" {
		return participle.NextMatch
	}
	lex.Next()
	c.Pos = t.Pos
	return nil
}

type gDecl struct {
	Header *gHeader `parser:"@@"`
	LBrace *gOpen   `parser:"@@"`
	Items  []*gItem `parser:"@@*"`
	RBrace *gClose  `parser:"@@"`
}

// gItem is one item of a body: statements and separators (gLines, parsed by hand), or a
// nested declaration (the grammar again).
type gItem struct {
	Lines *gLines `parser:"  @@"`
	Decl  *gDecl  `parser:"| @@"`
}

// gLines is a run of statements and separators up to the next nested declaration or the
// closing brace. It parses itself (participle's Parseable), and keeps the tokens it
// matched rather than the statements: convertDecl reads them again straight into the
// AST, which costs less than building an intermediate tree for every statement.
type gLines struct {
	Toks   []lexer.Token // the tokens matched, comments included
	NStmts int           // the number of statements in Toks
	NVals  int           // the number of values of those statements
	// Stmts are the statements when the run was parsed piece by piece (Toks is nil).
	Stmts []gStmt
}

// Parse implements participle.Parseable.
func (g *gLines) Parse(lex *lexer.PeekingLexer) error {
	consumed := false
	start := lex.RawCursor()
	for {
		t := lex.Peek()
		switch {
		case t.Type == TokNewline || (t.Type == TokPunct && t.Value == ";"):
			lex.Next()
			consumed = true
		case t.Type == TokIdent:
			var s gStmt
			n, err := s.parse(lex, nil)
			if err != nil {
				return err
			}
			g.NStmts++
			g.NVals += n
			consumed = true
			// A statement ends at a line break, `;` or the closing brace: `stride a, b c`
			// is a mistake, not two attributes.
			if n := lex.Peek(); n.Type != TokNewline && n.Type != TokEOF && !(n.Type == TokPunct && (n.Value == ";" || n.Value == "}")) {
				return participle.Errorf(n.Pos, "unexpected %s after attribute `%s`", describe(*n), s.Key.Name)
			}
		default:
			// Separators alone are a match too: after a nested declaration, the line break
			// before the next one must be consumed here (participle drops what a Parseable
			// read when it answers NextMatch).
			if !consumed {
				return participle.NextMatch
			}
			g.Toks = lex.Range(start, lex.RawCursor())
			return nil
		}
	}
}

// stmts returns the statements of g, reading them again from its tokens into the
// buffers given (which are reused: the result is valid until the next call).
func (g *gLines) stmts(c *tokCursor, stmts *[]gStmt, vals *[]tValue) []gStmt {
	if g.Toks == nil {
		return g.Stmts
	}
	*stmts, *vals = (*stmts)[:0], (*vals)[:0]
	*c = tokCursor{toks: g.Toks}
	for {
		t := c.Peek()
		switch {
		case t.Type == TokNewline || (t.Type == TokPunct && t.Value == ";"):
			c.Next()
		case t.Type == TokIdent:
			var s gStmt
			// The tokens parsed as statements once already: this cannot fail.
			_, _ = s.parse(c, vals)
			*stmts = append(*stmts, s)
		default:
			return *stmts
		}
	}
}

// tokCursor reads a token slice as a PeekingLexer does, eliding comments; past the end it
// reads TokEOF.
type tokCursor struct {
	toks []lexer.Token
	i    int
	eof  lexer.Token
}

func (c *tokCursor) Peek() *lexer.Token {
	for c.i < len(c.toks) && (c.toks[c.i].Type == TokComment || c.toks[c.i].Type == TokBadComment) {
		c.i++
	}
	if c.i >= len(c.toks) {
		c.eof = lexer.Token{Type: TokEOF}
		return &c.eof
	}
	return &c.toks[c.i]
}

func (c *tokCursor) Next() *lexer.Token {
	t := c.Peek()
	if c.i < len(c.toks) {
		c.i++
	}
	return t
}

// gLeaf is a declaration without nested declarations, the most common kind: header,
// `{`, statements, `}`. It parses itself (participle's Parseable) with the productions the
// gDecl grammar is made of, in the order the grammar applies them, so that participle's
// reflective engine, which allocates for every node and branch it tries, runs only for
// declarations that nest others. When it meets a nested declaration (a keyword after the
// statements) or any error, the caller parses the declaration with the gDecl grammar
// instead, so what is accepted, and how, is the grammar's.
type gLeaf struct {
	s *leafScratch // from leafPool; release returns it
}

// leafScratch holds what gLeaf reads, in one object reused from declaration to
// declaration: it is garbage as soon as convertDecl has read it.
type leafScratch struct {
	decl   gDecl
	header gHeader
	kw     gKeyword
	parts  gHeaderParts
	open   gOpen
	close  gClose
	lines  gLines
	item   gItem
	items  [1]*gItem
}

var leafPool = sync.Pool{New: func() any { return new(leafScratch) }}

// release returns l's scratch to the pool; l.Decl must not be used after.
func (l *gLeaf) release() {
	if l.s != nil {
		*l.s = leafScratch{} // keep no tokens alive
		leafPool.Put(l.s)
		l.s = nil
	}
}

// Decl returns the declaration read.
func (l *gLeaf) Decl() *gDecl { return &l.s.decl }

// errNotLeaf reports a nested declaration to a gLeaf.
var errNotLeaf = errors.New("a nested declaration")

// Parse implements participle.Parseable.
func (l *gLeaf) Parse(lex *lexer.PeekingLexer) error {
	sc := leafPool.Get().(*leafScratch)
	l.s = sc
	d := &sc.decl
	d.Header = &sc.header
	if err := sc.header.parse(lex, &sc.kw, &sc.parts); err != nil {
		return err
	}
	d.LBrace = &sc.open
	if err := sc.open.Parse(lex); err != nil {
		return err
	}
	// The grammar's Items: gLines, then (as gLines stops only before a token that starts no
	// statement) a nested declaration or nothing.
	switch err := sc.lines.Parse(lex); err {
	case nil:
		sc.item.Lines = &sc.lines
		sc.items[0] = &sc.item
		d.Items = sc.items[:]
	case participle.NextMatch:
	default:
		return err
	}
	if lex.Peek().Type == TokKeyword {
		return errNotLeaf
	}
	d.RBrace = &sc.close
	return sc.close.Parse(lex)
}

// parsers holds the participle parsers for a whole declaration and for its pieces. Built
// parsers are safe for concurrent use.
type parsers struct {
	decl   *participle.Parser[gDecl]
	leaf   *participle.Parser[gLeaf]
	header *participle.Parser[gHeader]
	stmt   *participle.Parser[gStmt]
}

func buildParsers() (*parsers, error) {
	opts := []participle.Option{
		participle.Lexer(definition{}),
		participle.Elide("Comment", "BadComment"),
	}
	decl, err := participle.Build[gDecl](opts...)
	if err != nil {
		return nil, err
	}
	leaf, err := participle.Build[gLeaf](opts...)
	if err != nil {
		return nil, err
	}
	header, err := participle.Build[gHeader](opts...)
	if err != nil {
		return nil, err
	}
	stmt, err := participle.Build[gStmt](opts...)
	if err != nil {
		return nil, err
	}
	return &parsers{decl: decl, leaf: leaf, header: header, stmt: stmt}, nil
}
