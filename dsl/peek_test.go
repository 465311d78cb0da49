package dsl

import (
	"testing"

	"github.com/alecthomas/participle/v2/lexer"
)

// TestNewPeekingLexer checks that the shared-token lexer is in use with this participle
// version and reads exactly what lexer.Upgrade's copy reads.
func TestNewPeekingLexer(t *testing.T) {
	if peekTokensOffset == ^uintptr(0) {
		t.Fatal("participle's PeekingLexer has no tokens field: newPeekingLexer copies tokens again")
	}
	for _, src := range []string{"", "// c\n", "/* a */ service api { // x\n  tech go /* y */\n}\n", largeModel()[:5000]} {
		toks := Lex(src)
		got := newPeekingLexer(toks)
		want, _ := lexer.Upgrade(&sliceLexer{toks: toks}, TokComment, TokBadComment)
		for i := 0; ; i++ {
			if got.MakeCheckpoint() != want.MakeCheckpoint() {
				t.Fatalf("%q: token %d: checkpoint %+v, want %+v", src, i, got.MakeCheckpoint(), want.MakeCheckpoint())
			}
			g, w := got.Next(), want.Next()
			if *g != *w {
				t.Fatalf("%q: token %d: %v, want %v", src, i, g, w)
			}
			if g.EOF() {
				break
			}
		}
	}
}
