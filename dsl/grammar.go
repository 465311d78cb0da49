package dsl

import (
	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// The participle grammar. Statements are kept permissive (any key, any values) so that the
// schema check, not the parser, explains what a kind accepts. Positions are absolute: the
// lexer fills byte offsets for the whole file and pieces are replayed with them.

type gIdent struct {
	Pos  lexer.Position
	Name string `parser:"@Ident"`
}

type gKeyword struct {
	Pos  lexer.Position
	Name string `parser:"@Keyword"`
}

type gOpen struct {
	Pos lexer.Position
	V   string `parser:"@'{'"`
}

type gClose struct {
	Pos lexer.Position
	V   string `parser:"@'}'"`
}

// gRef is `a`, `a -> b`, `rule@a` or `rule@a -> b`.
type gRef struct {
	Head  *gIdent `parser:"@@"`
	At    *gIdent `parser:"( '@' @@ )?"`
	Arrow string  `parser:"( @( '->' | '<->' )"`
	To    *gIdent `parser:"  @@ )?"`
}

type gValue struct {
	Pos  lexer.Position
	Str  *string `parser:"  @( String | RawString )"`
	Date *string `parser:"| @Date"`
	Num  *string `parser:"| @Number"`
	Ref  *gRef   `parser:"| @@"`
}

// gStmt is `KEY [VALUE {, VALUE}]`. It parses itself (participle's Parseable): statements
// are the bulk of every model and the hot path of parsing, and a hand-written loop over the
// same tokens is an order of magnitude cheaper than the reflective grammar for them.
type gStmt struct {
	Key    *gIdent
	Values []*gValue
}

// Parse implements participle.Parseable.
func (s *gStmt) Parse(lex *lexer.PeekingLexer) error {
	t := lex.Peek()
	if t.Type != TokIdent {
		return participle.NextMatch
	}
	lex.Next()
	s.Key = &gIdent{Pos: t.Pos, Name: t.Value}
	v, err := parseValue(lex)
	if err != nil || v == nil {
		return err
	}
	s.Values = append(s.Values, v)
	for {
		t := lex.Peek()
		if t.Type != TokPunct || t.Value != "," {
			return nil
		}
		lex.Next()
		if t := lex.Peek(); t.Type == TokNewline {
			lex.Next()
		}
		v, err := parseValue(lex)
		if err != nil {
			return err
		}
		if v == nil {
			t := lex.Peek()
			return participle.Errorf(t.Pos, "unexpected %s after `,` (expected a value)", describe(*t))
		}
		s.Values = append(s.Values, v)
	}
}

// parseValue reads one value, or returns nil when the next token starts none.
func parseValue(lex *lexer.PeekingLexer) (*gValue, error) {
	t := lex.Peek()
	v := &gValue{Pos: t.Pos}
	switch t.Type {
	case TokString, TokRawString:
		lex.Next()
		val := t.Value
		v.Str = &val
	case TokDate:
		lex.Next()
		val := t.Value
		v.Date = &val
	case TokNumber:
		lex.Next()
		val := t.Value
		v.Num = &val
	case TokIdent, TokKeyword: // a keyword is a plain word in value position: `kind service`
		lex.Next()
		r := &gRef{Head: &gIdent{Pos: t.Pos, Name: t.Value}}
		if p := lex.Peek(); p.Type == TokPunct && p.Value == "@" {
			lex.Next()
			id := lex.Peek()
			if id.Type != TokIdent {
				return nil, participle.Errorf(id.Pos, "unexpected %s after `@` (expected the threatened element or flow)", describe(*id))
			}
			lex.Next()
			r.At = &gIdent{Pos: id.Pos, Name: id.Value}
		}
		if p := lex.Peek(); p.Type == TokPunct && (p.Value == "->" || p.Value == "<->") {
			lex.Next()
			id := lex.Peek()
			if id.Type != TokIdent {
				return nil, participle.Errorf(id.Pos, "unexpected %s after `%s` (expected the flow's target)", describe(*id), p.Value)
			}
			lex.Next()
			r.Arrow = p.Value
			r.To = &gIdent{Pos: id.Pos, Name: id.Value}
		}
		v.Ref = r
	default:
		return nil, nil
	}
	return v, nil
}

// gHeader is `KIND [ref] [: ref] ["Title"]`; which parts a kind needs is checked after. It
// parses itself, like gStmt, for speed.
type gHeader struct {
	Kind   *gKeyword
	First  *gRef
	Second *gRef
	Title  *gValue
}

// Parse implements participle.Parseable.
func (h *gHeader) Parse(lex *lexer.PeekingLexer) error {
	t := lex.Peek()
	if t.Type != TokKeyword {
		return participle.NextMatch
	}
	lex.Next()
	h.Kind = &gKeyword{Pos: t.Pos, Name: t.Value}
	if lex.Peek().Type == TokIdent {
		v, err := parseValue(lex)
		if err != nil {
			return err
		}
		h.First = v.Ref
	}
	if p := lex.Peek(); p.Type == TokPunct && p.Value == ":" {
		lex.Next()
		v, err := parseValue(lex)
		if err != nil {
			return err
		}
		if v == nil || v.Ref == nil {
			n := lex.Peek()
			return participle.Errorf(n.Pos, "unexpected %s after `:` (expected the flow's source)", describe(*n))
		}
		h.Second = v.Ref
	}
	v, err := parseValue(lex)
	if err != nil {
		return err
	}
	h.Title = v
	return nil
}

type gDecl struct {
	Header *gHeader `parser:"@@ NL?"`
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
// closing brace. It parses itself (participle's Parseable).
type gLines struct {
	Stmts []*gStmt
}

// Parse implements participle.Parseable.
func (g *gLines) Parse(lex *lexer.PeekingLexer) error {
	consumed := false
	for {
		t := lex.Peek()
		switch {
		case t.Type == TokNewline || (t.Type == TokPunct && t.Value == ";"):
			lex.Next()
			consumed = true
		case t.Type == TokIdent:
			s := &gStmt{}
			if err := s.Parse(lex); err != nil {
				return err
			}
			g.Stmts = append(g.Stmts, s)
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
			return nil
		}
	}
}

// parsers holds the participle parsers for a whole declaration and for its pieces. Built
// parsers are safe for concurrent use.
type parsers struct {
	decl   *participle.Parser[gDecl]
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
	header, err := participle.Build[gHeader](opts...)
	if err != nil {
		return nil, err
	}
	stmt, err := participle.Build[gStmt](opts...)
	if err != nil {
		return nil, err
	}
	return &parsers{decl: decl, header: header, stmt: stmt}, nil
}
