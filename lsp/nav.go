package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"

	"github.com/threatls/threatls/analysis"
	"github.com/threatls/threatls/dsl"
)

type positionParams struct {
	TextDocument protocol.TextDocumentIdentifier `json:"textDocument"`
	Position     protocol.Position               `json:"position"`
}

func (s *Server) positionQuery(ctx context.Context, method string, raw json.RawMessage) (*query, error) {
	p, err := decode[positionParams](method, raw)
	if err != nil {
		return nil, err
	}
	return s.newQuery(ctx, string(p.TextDocument.URI), &p.Position)
}

func (s *Server) definition(ctx context.Context, raw json.RawMessage) (any, error) {
	q, err := s.positionQuery(ctx, "textDocument/definition", raw)
	if err != nil {
		return nil, err
	}
	locs := []protocol.Location{}
	if l, ok := q.codeLinkAt(); ok {
		// From a `code` or `evidence` link into the source file, at its line.
		line := uint32(max(l.TargetLine()-1, 0))
		if l.Dir {
			return locs, nil
		}
		targets := []string{l.Abs}
		if len(l.Matches) > 0 {
			targets = targets[:0]
			for _, m := range l.Matches {
				targets = append(targets, filepath.Join(q.st.codeFor(q.doc.uri).Root(), filepath.FromSlash(m)))
			}
		}
		for _, t := range targets {
			locs = append(locs, protocol.Location{URI: protocol.DocumentURI(pathToURI(t)), Range: protocol.Range{Start: protocol.Position{Line: line}, End: protocol.Position{Line: line}}})
		}
		return locs, nil
	}
	if sym, _, ok := q.symbolAt(); ok {
		if loc, ok := q.location(sym.File.Name, sym.Decl.IDSpan()); ok {
			locs = append(locs, loc)
		}
	}
	return locs, nil
}

// referencesTo returns every place that names sym (or, for a generated threat id, the id).
func (q *query) referencesTo(sym *analysis.Symbol, threatID string, includeDecl, exact bool) []protocol.Location {
	locs := []protocol.Location{}
	if q.res == nil {
		return locs
	}
	if sym != nil && includeDecl {
		if loc, ok := q.location(sym.File.Name, sym.Decl.IDSpan()); ok {
			locs = append(locs, loc)
		}
	}
	for _, r := range q.res.Model.Refs {
		match := sym != nil && r.Target == sym
		if threatID != "" && r.Target == nil && r.Text == threatID {
			match = true
		}
		if !match {
			continue
		}
		// Renaming edits only places that spell the id (a flow named by its endpoints is not).
		if exact && sym != nil && r.File.Text[r.Span.Start:r.Span.End] != sym.ID {
			continue
		}
		if loc, ok := q.location(r.File.Name, r.Span); ok {
			locs = append(locs, loc)
		}
	}
	return locs
}

type referenceParams struct {
	positionParams
	Context struct {
		IncludeDeclaration bool `json:"includeDeclaration"`
	} `json:"context"`
}

func (s *Server) references(ctx context.Context, raw json.RawMessage) (any, error) {
	p, err := decode[referenceParams]("textDocument/references", raw)
	if err != nil {
		return nil, err
	}
	q, err := s.newQuery(ctx, string(p.TextDocument.URI), &p.Position)
	if err != nil {
		return nil, err
	}
	sym, w, ok := q.symbolAt()
	if ok {
		locs := q.referencesTo(sym, "", p.Context.IncludeDeclaration, false)
		if sym.Kind == dsl.KindThreat || sym.Kind.IsElement() {
			locs = append(locs, q.annotationRefs(sym.ID)...)
		}
		return locs, nil
	}
	if w.threatID != "" && w.rulePart {
		return append(q.referencesTo(nil, w.threatID, false, false), q.annotationRefs(w.threatID)...), nil
	}
	return []protocol.Location{}, nil
}

func (s *Server) documentHighlight(ctx context.Context, raw json.RawMessage) (any, error) {
	q, err := s.positionQuery(ctx, "textDocument/documentHighlight", raw)
	if err != nil {
		return nil, err
	}
	out := []protocol.DocumentHighlight{}
	sym, _, ok := q.symbolAt()
	if !ok {
		return out, nil
	}
	for _, loc := range q.referencesTo(sym, "", true, false) {
		if string(loc.URI) == q.doc.uri {
			out = append(out, protocol.DocumentHighlight{Range: loc.Range, Kind: protocol.DocumentHighlightKindText})
		}
	}
	return out, nil
}

// renameTarget checks that the word at the cursor names a symbol that can be renamed.
func (q *query) renameTarget() (*analysis.Symbol, word, error) {
	sym, w, ok := q.symbolAt()
	if !ok {
		return nil, w, jsonrpc2.NewError(jsonrpc2.InvalidParams, "there is no declared id here to rename")
	}
	if sym.Kind == dsl.KindFlow && sym.Decl.Name == nil {
		return nil, w, jsonrpc2.NewError(jsonrpc2.InvalidParams, fmt.Sprintf("flow `%s` has no name of its own: rename its endpoints, or name it (`flow NAME: %s %s %s`)", sym.ID, sym.Decl.From.Name, sym.Decl.Arrow, sym.Decl.To.Name))
	}
	return sym, w, nil
}

func (s *Server) prepareRename(ctx context.Context, raw json.RawMessage) (any, error) {
	q, err := s.positionQuery(ctx, "textDocument/prepareRename", raw)
	if err != nil {
		return nil, err
	}
	_, w, err := q.renameTarget()
	if err != nil {
		return nil, err
	}
	r := q.rng(w.span)
	return &r, nil
}

type renameParams struct {
	positionParams
	NewName string `json:"newName"`
}

func (s *Server) rename(ctx context.Context, raw json.RawMessage) (any, error) {
	p, err := decode[renameParams]("textDocument/rename", raw)
	if err != nil {
		return nil, err
	}
	q, err := s.newQuery(ctx, string(p.TextDocument.URI), &p.Position)
	if err != nil {
		return nil, err
	}
	sym, _, err := q.renameTarget()
	if err != nil {
		return nil, err
	}
	name := p.NewName
	if !dsl.IsIdent(name) {
		return nil, jsonrpc2.NewError(jsonrpc2.InvalidParams, fmt.Sprintf("`%s` is not a valid id: use letters, digits, `_`, and `-` between them, starting with a letter, and not a keyword", name))
	}
	if other := q.res.Model.Symbols[name]; other != nil && other != sym {
		line, col := other.File.Lines.Position(int(other.Decl.IDSpan().Start))
		return nil, jsonrpc2.NewError(jsonrpc2.InvalidParams, fmt.Sprintf("`%s` is already declared as a %s at %s:%d:%d; choose another name", name, other.Kind, other.File.Name, line, col))
	}
	changes := map[protocol.DocumentURI][]protocol.TextEdit{}
	for _, loc := range q.referencesTo(sym, "", true, true) {
		changes[loc.URI] = append(changes[loc.URI], protocol.TextEdit{Range: loc.Range, NewText: name})
	}
	for uri := range changes {
		edits := changes[uri]
		sort.Slice(edits, func(i, j int) bool { return less(edits[i].Range.Start, edits[j].Range.Start) })
		changes[uri] = dedupEdits(edits)
	}
	return protocol.WorkspaceEdit{Changes: changes}, nil
}

func less(a, b protocol.Position) bool {
	if a.Line != b.Line {
		return a.Line < b.Line
	}
	return a.Character < b.Character
}

func dedupEdits(edits []protocol.TextEdit) []protocol.TextEdit {
	out := edits[:0]
	for i, e := range edits {
		if i > 0 && e.Range == edits[i-1].Range {
			continue
		}
		out = append(out, e)
	}
	return out
}

func symbolKind(k dsl.Kind) protocol.SymbolKind {
	switch k {
	case dsl.KindModel:
		return protocol.SymbolKindModule
	case dsl.KindBoundary:
		return protocol.SymbolKindNamespace
	case dsl.KindData:
		return protocol.SymbolKindStruct
	case dsl.KindActor:
		return protocol.SymbolKindInterface
	case dsl.KindService:
		return protocol.SymbolKindClass
	case dsl.KindStore:
		return protocol.SymbolKindObject
	case dsl.KindFlow:
		return protocol.SymbolKindEvent
	case dsl.KindThreat:
		return protocol.SymbolKindKey
	case dsl.KindMitigation:
		return protocol.SymbolKindFunction
	}
	return protocol.SymbolKindProperty
}

func declName(d *dsl.Decl) string {
	id := d.ID()
	if id == "" {
		id = d.TitleText()
	}
	if d.Kind.IsResponse() || d.Kind == dsl.KindModel {
		return string(d.Kind) + " " + id
	}
	if id == "" {
		return string(d.Kind)
	}
	return id
}

func (s *Server) documentSymbol(ctx context.Context, raw json.RawMessage) (any, error) {
	p, err := decode[protocol.DocumentSymbolParams]("textDocument/documentSymbol", raw)
	if err != nil {
		return nil, err
	}
	q, err := s.newQuery(ctx, string(p.TextDocument.URI), nil)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	hier := s.clientCaps.hierarchicalSyms
	s.mu.Unlock()
	if !hier {
		out := []protocol.SymbolInformation{}
		q.file.Walk(func(d *dsl.Decl) {
			out = append(out, protocol.SymbolInformation{Name: declName(d), Kind: symbolKind(d.Kind),
				Location: protocol.Location{URI: protocol.DocumentURI(q.doc.uri), Range: q.rng(d.Span)}})
		})
		return out, nil
	}
	var build func(ds []*dsl.Decl) []protocol.DocumentSymbol
	build = func(ds []*dsl.Decl) []protocol.DocumentSymbol {
		out := []protocol.DocumentSymbol{}
		for _, d := range ds {
			sel := d.IDSpan()
			if sel.Start < d.Span.Start || sel.End > d.Span.End {
				sel = d.KindSpan
			}
			ds := protocol.DocumentSymbol{Name: declName(d), Detail: d.TitleText(), Kind: symbolKind(d.Kind), Range: q.rng(d.Span), SelectionRange: q.rng(sel)}
			if len(d.Children) > 0 {
				ds.Children = build(d.Children)
			}
			out = append(out, ds)
		}
		return out
	}
	return build(q.file.Decls), nil
}

func (s *Server) workspaceSymbol(ctx context.Context, raw json.RawMessage) (any, error) {
	p, err := decode[protocol.WorkspaceSymbolParams]("workspace/symbol", raw)
	if err != nil {
		return nil, err
	}
	q, err := s.newQuery(ctx, "", nil)
	if err != nil && q == nil {
		snap := snapshotOf(ctx)
		st, err := s.ws.await(ctx, snap.gen)
		if err != nil {
			return nil, err
		}
		q = &query{st: st, snap: snap, enc: snap.enc}
	}
	needle := strings.ToLower(p.Query)
	out := []protocol.SymbolInformation{}
	for _, m := range q.st.models {
		for _, sym := range m.res.Model.Symbols {
			if needle != "" && !strings.Contains(strings.ToLower(sym.ID), needle) && !strings.Contains(strings.ToLower(sym.Title()), needle) {
				continue
			}
			if loc, ok := q.location(sym.File.Name, sym.Decl.IDSpan()); ok {
				out = append(out, protocol.SymbolInformation{Name: sym.ID, Kind: symbolKind(sym.Kind), Location: loc, ContainerName: sym.Title()})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	if len(out) > 500 {
		out = out[:500]
	}
	return out, nil
}

// annotationRefs returns the `threatls:` annotations in the code that name id.
func (q *query) annotationRefs(id string) []protocol.Location {
	ix := q.st.codeFor(q.doc.uri)
	if ix == nil {
		return nil
	}
	var out []protocol.Location
	for _, an := range ix.AnnotationsFor(id) {
		line := uint32(max(an.Line-1, 0))
		out = append(out, protocol.Location{URI: protocol.DocumentURI(pathToURI(filepath.Join(ix.Root(), filepath.FromSlash(an.File)))),
			Range: protocol.Range{Start: protocol.Position{Line: line, Character: uint32(max(an.Col16-1, 0))}, End: protocol.Position{Line: line, Character: uint32(max(an.EndCol16-1, 0))}}})
	}
	return out
}
