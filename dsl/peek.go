package dsl

import (
	"reflect"
	"unsafe"

	"github.com/alecthomas/participle/v2/lexer"
)

// peekTokensOffset is the offset of participle's PeekingLexer.tokens field, or -1 when the
// field is not there with the expected type (another participle version): then
// newPeekingLexer falls back to lexer.Upgrade.
var peekTokensOffset = func() uintptr {
	f, ok := reflect.TypeFor[lexer.PeekingLexer]().FieldByName("tokens")
	if !ok || f.Type != reflect.TypeFor[[]lexer.Token]() {
		return ^uintptr(0)
	}
	return f.Offset
}()

// newPeekingLexer returns a participle lexer over toks, which end with TokEOF, eliding
// comments. It is what lexer.Upgrade(&sliceLexer{toks: toks}, ...) returns, but shares
// toks instead of copying them: Upgrade appends the tokens one by one into a slice without
// capacity, which for a whole file costs several times the tokens' size in garbage. The
// PeekingLexer only reads its tokens, so sharing them is safe.
func newPeekingLexer(toks []lexer.Token) *lexer.PeekingLexer {
	if peekTokensOffset == ^uintptr(0) {
		pl, _ := lexer.Upgrade(&sliceLexer{toks: toks}, TokComment, TokBadComment)
		return pl
	}
	// Upgrade over the EOF token alone sets up the elided types; then swap in the tokens.
	pl, _ := lexer.Upgrade(&sliceLexer{toks: toks[len(toks)-1:]}, TokComment, TokBadComment)
	*(*[]lexer.Token)(unsafe.Add(unsafe.Pointer(pl), peekTokensOffset)) = toks
	pl.LoadCheckpoint(lexer.Checkpoint{})
	pl.FastForward(-1) // to the first token that is not elided, as Upgrade leaves it
	return pl
}
