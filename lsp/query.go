package lsp

import (
	"context"
	"sort"

	"github.com/alecthomas/participle/v2/lexer"
	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"

	"github.com/threatls/threatls/analysis"
	"github.com/threatls/threatls/dsl"
)

// query is what a position request works with: the document as the request saw it, the
// offset of the position in it, and the analysis of its model.
type query struct {
	st   *analysisState
	snap snapshot
	doc  *document
	file *dsl.File
	off  int
	res  *analysis.Result // nil for a document in no model
	enc  encoding
}

// newQuery waits for the analysis of the request's generation and locates the position.
func (s *Server) newQuery(ctx context.Context, uri string, pos *protocol.Position) (*query, error) {
	snap := snapshotOf(ctx)
	st, err := s.ws.await(ctx, snap.gen)
	if err != nil {
		return nil, err
	}
	d := st.docFor(snap, uri)
	if d == nil {
		return nil, jsonrpc2.NewError(jsonrpc2.InvalidParams, "unknown document "+uri+": open it first (textDocument/didOpen)")
	}
	// Parses keep no tokens (document.tokens): the query reads the document's syntax tree
	// with its tokens.
	withTokens := *d.file()
	withTokens.Tokens = d.tokens()
	q := &query{st: st, snap: snap, doc: d, file: &withTokens, res: st.resultFor(uri), enc: snap.enc}
	if pos != nil {
		q.off = offsetOf(q.file.Lines, *pos, q.enc)
	}
	return q, nil
}

// rangeIn converts a span of the file with the given name (a URI) in this analysis.
func (q *query) location(uri string, span dsl.Span) (protocol.Location, bool) {
	d := q.st.docs[uri]
	if d == nil {
		d = q.snap.open[uri]
	}
	if d == nil {
		return protocol.Location{}, false
	}
	return protocol.Location{URI: protocol.DocumentURI(uri), Range: rangeOf(d.file().Lines, span, q.enc)}, true
}

func (q *query) rng(span dsl.Span) protocol.Range { return rangeOf(q.file.Lines, span, q.enc) }

// tokenAt returns the index of the significant token touching offset off (the cursor may be
// just after it), or -1.
func tokenAt(f *dsl.File, off int) int {
	toks := f.Tokens
	i := sort.Search(len(toks), func(i int) bool { return toks[i].Pos.Offset > off }) - 1
	for ; i >= 0; i-- {
		t := toks[i]
		end := t.Pos.Offset + len(t.Value)
		if t.Type == dsl.TokNewline || t.Type == dsl.TokEOF {
			if t.Pos.Offset < off {
				return -1
			}
			continue
		}
		if off <= end {
			return i
		}
		return -1
	}
	return -1
}

// word describes the identifier under the cursor and the threat id it is part of.
type word struct {
	tok   lexer.Token
	span  dsl.Span
	index int
	// threatID is the whole `rule@a->b` when the word is part of one; rulePart says the word
	// is its rule.
	threatID string
	threatSp dsl.Span
	rulePart bool
}

func tokSpan(t lexer.Token) dsl.Span {
	return dsl.Span{Start: int32(t.Pos.Offset), End: int32(t.Pos.Offset + len(t.Value))}
}

// wordAt returns the identifier (or keyword, number) at off.
func wordAt(f *dsl.File, off int) (word, bool) {
	i := tokenAt(f, off)
	if i < 0 {
		return word{}, false
	}
	t := f.Tokens[i]
	if t.Type == dsl.TokPunct && i > 0 {
		// The cursor just after `,` or `->` is not on a word; just before is.
		return word{}, false
	}
	w := word{tok: t, span: tokSpan(t), index: i}
	if t.Type != dsl.TokIdent {
		return w, true
	}
	// Find the extent of a `rule@a->b` around the word.
	start, end := i, i
	for start >= 2 && isPunct(f.Tokens[start-1], "@", "->", "<->") && f.Tokens[start-2].Type == dsl.TokIdent {
		start -= 2
	}
	for end+2 < len(f.Tokens) && isPunct(f.Tokens[end+1], "@", "->", "<->") && f.Tokens[end+2].Type == dsl.TokIdent {
		end += 2
	}
	hasAt := false
	for k := start + 1; k < end; k += 2 {
		if f.Tokens[k].Value == "@" {
			hasAt = true
		}
	}
	if hasAt {
		text := ""
		for k := start; k <= end; k++ {
			text += f.Tokens[k].Value
		}
		w.threatID = text
		w.threatSp = dsl.Span{Start: int32(f.Tokens[start].Pos.Offset), End: int32(f.Tokens[end].Pos.Offset + len(f.Tokens[end].Value))}
		w.rulePart = i == start
	}
	return w, true
}

func isPunct(t lexer.Token, vals ...string) bool {
	if t.Type != dsl.TokPunct {
		return false
	}
	for _, v := range vals {
		if t.Value == v {
			return true
		}
	}
	return false
}

// symbolAt returns the model symbol named by the word at the cursor.
func (q *query) symbolAt() (*analysis.Symbol, word, bool) {
	w, ok := wordAt(q.file, q.off)
	if !ok || w.tok.Type != dsl.TokIdent || q.res == nil || w.rulePart {
		return nil, w, false
	}
	// A flow header or `on a -> b` names a flow when the cursor is on the arrow's sides? The
	// word names the element; flows are found through their declarations below.
	if s := q.res.Model.Symbols[w.tok.Value]; s != nil {
		return s, w, true
	}
	return nil, w, false
}

// declAtHeader returns the declaration whose header (keyword up to `{`) holds off.
func declAtHeader(f *dsl.File, off int) *dsl.Decl {
	var found *dsl.Decl
	f.Walk(func(d *dsl.Decl) {
		if int(d.Header.Start) <= off && off <= int(d.Header.End) {
			found = d
		}
	})
	return found
}
