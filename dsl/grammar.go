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

type gStmt struct {
	Key    *gIdent   `parser:"@@"`
	Values []*gValue `parser:"( @@ ( ',' NL? @@ )* )?"`
}

// gHeader is `KIND [ref] [: ref] ["Title"]`; which parts a kind needs is checked after.
type gHeader struct {
	Kind   *gKeyword `parser:"@@"`
	First  *gRef     `parser:"@@?"`
	Second *gRef     `parser:"( ':' @@ )?"`
	Title  *gValue   `parser:"@@?"`
}

type gDecl struct {
	Header *gHeader `parser:"@@ NL?"`
	LBrace *gOpen   `parser:"@@"`
	Items  []*gItem `parser:"@@*"`
	RBrace *gClose  `parser:"@@"`
}

type gItem struct {
	Sep  string `parser:"  @( NL | ';' )"`
	Decl *gDecl `parser:"| @@"`
	Stmt *gStmt `parser:"| @@"`
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
