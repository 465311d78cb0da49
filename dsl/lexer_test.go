package dsl

import (
	"fmt"
	"strings"
	"testing"

	"github.com/alecthomas/participle/v2/lexer"
)

func tokName(t lexer.TokenType) string {
	for name, typ := range symbols {
		if typ == t {
			return name
		}
	}
	return fmt.Sprint(t)
}

// lexed renders the tokens of src, EOF excluded, as `Type:value` separated by spaces.
func lexed(src string) string {
	var parts []string
	for _, t := range Lex(src) {
		if t.Type == TokEOF {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s:%q", tokName(t.Type), t.Value))
	}
	return strings.Join(parts, " ")
}

func TestLexTokens(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"payments-api", `Ident:"payments-api"`},
		{"a_b-c9 x", `Ident:"a_b-c9" Ident:"x"`},
		{"a->b", `Ident:"a" Punct:"->" Ident:"b"`},
		{"a -> b", `Ident:"a" Punct:"->" Ident:"b"`},
		{"a<->b", `Ident:"a" Punct:"<->" Ident:"b"`},
		{"a-->b", `Ident:"a" Invalid:"-" Punct:"->" Ident:"b"`},
		{"a-", `Ident:"a" Invalid:"-"`},
		{"a<-b", `Ident:"a" Invalid:"<" Invalid:"-" Ident:"b"`},
		{"rule@a->b", `Ident:"rule" Punct:"@" Ident:"a" Punct:"->" Ident:"b"`},
		{"flow n: a -> b", `Keyword:"flow" Ident:"n" Punct:":" Ident:"a" Punct:"->" Ident:"b"`},
		{"service services service-a", `Keyword:"service" Ident:"services" Ident:"service-a"`},
		{"not_applicable", `Keyword:"not_applicable"`},
		{"{ } , ; : @", `Punct:"{" Punct:"}" Punct:"," Punct:";" Punct:":" Punct:"@"`},
		// Dates and numbers.
		{"2027-06-30", `Date:"2027-06-30"`},
		{"2027-06-30,1", `Date:"2027-06-30" Punct:"," Number:"1"`},
		{"2027-02-30", `Date:"2027-02-30"`}, // the lexer checks the form, the schema the calendar
		{"89 1.2 0", `Number:"89" Number:"1.2" Number:"0"`},
		{"1.", `Number:"1" Invalid:"."`},
		{"12abc", `Invalid:"12abc"`},
		{"12abc->x", `Invalid:"12abc" Punct:"->" Ident:"x"`},
		{"2027-6-30", `Invalid:"2027-6-30"`},
		{"2027-06-300", `Invalid:"2027-06-300"`},
		{"2027-06-30x", `Invalid:"2027-06-30x"`},
		{"1.2.3", `Invalid:"1.2.3"`},
		{"2027-06", `Invalid:"2027-06"`},
		// Strings.
		{`"a b"`, `String:"\"a b\""`},
		{`"say \"hi\"" x`, `String:"\"say \\\"hi\\\"\"" Ident:"x"`},
		{`"a\\" x`, `String:"\"a\\\\\"" Ident:"x"`},
		{`"\n\t"`, `String:"\"\\n\\t\""`},
		{`""`, `String:"\"\""`},
		{`"open` + "\n" + `x`, `BadString:"\"open" NL:"\n" Ident:"x"`},
		{`"open\`, `BadString:"\"open\\"`},
		{`"esc\` + "\n", `BadString:"\"esc\\" NL:"\n"`},
		{`"""a` + "\n" + `b"""`, `RawString:"\"\"\"a\nb\"\"\""`},
		{`"""a""""`, `RawString:"\"\"\"a\"\"\"\""`},
		{`"""` + "\n  never closed\n", `BadString:"\"\"\"\n  never closed\n"`},
		{`""""""`, `RawString:"\"\"\"\"\"\""`},
		// Comments.
		{"a // c\nb", `Ident:"a" Comment:"// c" NL:"\n" Ident:"b"`},
		{"a /* c\n d */ b", `Ident:"a" Comment:"/* c\n d */" Ident:"b"`},
		{"/* open", `BadComment:"/* open"`},
		{"/**/", `Comment:"/**/"`},
		{"//", `Comment:"//"`},
		{"a/b", `Ident:"a" Invalid:"/" Ident:"b"`},
		// Line breaks: one token per run, trailing blanks excluded.
		{"a\n\n  \nb", `Ident:"a" NL:"\n\n  \n" Ident:"b"`},
		{"a\r\nb", `Ident:"a" NL:"\r\n" Ident:"b"`},
		{"a\rb", `Ident:"a" NL:"\r" Ident:"b"`},
		{"a\n  ", `Ident:"a" NL:"\n"`},
		{"\f\va\t", `Ident:"a"`},
		// Bytes the language does not use.
		{"a\x00b", `Ident:"a" Invalid:"\x00" Ident:"b"`},
		{"\xff\xfe", `Invalid:"\xff" Invalid:"\xfe"`},
		{"a = b", `Ident:"a" Invalid:"=" Ident:"b"`},
		{"[x]", `Invalid:"[" Ident:"x" Invalid:"]"`},
		{"a # x, y\nb", `Ident:"a" Invalid:"# x, y" NL:"\n" Ident:"b"`},
		{"💳", `Invalid:"💳"`},
		{"\u00a0", `Invalid:"\u00a0"`},
		// Words with letters outside ASCII: one bad token each.
		{"café", `Invalid:"café"`},
		{"顧客 x", `Invalid:"顧客" Ident:"x"`},
		{"naïve-ds", `Invalid:"naïve-ds"`},
		{"api💳", `Ident:"api" Invalid:"💳"`},
		{"a.b", `Invalid:"a.b"`},
	} {
		if got := lexed(tc.src); got != tc.want {
			t.Errorf("Lex(%q):\n got %s\nwant %s", tc.src, got, tc.want)
		}
	}
}

func TestLexPositions(t *testing.T) {
	src := "a 💳 b\r\nc\rd /* x\ny */ e\n\"\"\"\nz\"\"\" f"
	idx := NewLineIndex(src)
	toks := Lex(src)
	for _, tok := range toks {
		line, col := idx.Position(tok.Pos.Offset)
		if tok.Pos.Line != line || tok.Pos.Column != col {
			t.Errorf("token %q at %d: %d:%d, want %d:%d", tok.Value, tok.Pos.Offset, tok.Pos.Line, tok.Pos.Column, line, col)
		}
	}
	last := toks[len(toks)-1]
	if last.Type != TokEOF || last.Pos.Offset != len(src) {
		t.Errorf("last token %v, want EOF at %d", last, len(src))
	}
}

func TestLexLongLineIsLinear(t *testing.T) {
	// Columns are computed incrementally: a long line must not cost its length per token.
	src := strings.Repeat("a, ", 200000)
	toks := Lex(src)
	last := toks[len(toks)-2]
	if last.Pos.Column != len(src)-1 {
		t.Errorf("last column %d, want %d", last.Pos.Column, len(src)-1)
	}
}

func TestTokenName(t *testing.T) {
	for typ, want := range map[lexer.TokenType]string{
		TokEOF: "end of file", TokNewline: "end of line", TokIdent: "identifier", TokBadString: "string",
		TokDate: "date", TokNumber: "number", TokPunct: "character", TokKeyword: "keyword", TokComment: "comment",
	} {
		if got := TokenName(typ); got != want {
			t.Errorf("TokenName(%s) = %q, want %q", tokName(typ), got, want)
		}
	}
}

func TestIsIdent(t *testing.T) {
	for s, want := range map[string]bool{
		"api": true, "payments-api": true, "a_1": true, "A": true,
		"": false, "1a": false, "a-": false, "-a": false, "a--b": false, "service": false, "café": false, "a b": false,
	} {
		if got := IsIdent(s); got != want {
			t.Errorf("IsIdent(%q) = %v, want %v", s, got, want)
		}
	}
}
