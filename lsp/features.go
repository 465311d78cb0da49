package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"

	"github.com/threatls/threatls/analysis"
	"github.com/threatls/threatls/codelinks"
	"github.com/threatls/threatls/dsl"
	"github.com/threatls/threatls/internal/textdiff"
	"github.com/threatls/threatls/render"
)

// Formatting

func (s *Server) formatting(ctx context.Context, raw json.RawMessage) (any, error) {
	p, err := decode[protocol.DocumentFormattingParams]("textDocument/formatting", raw)
	if err != nil {
		return nil, err
	}
	q, err := s.newQuery(ctx, string(p.TextDocument.URI), nil)
	if err != nil {
		return nil, err
	}
	return q.formatEdits(0, len(q.doc.text)), nil
}

func (s *Server) rangeFormatting(ctx context.Context, raw json.RawMessage) (any, error) {
	p, err := decode[protocol.DocumentRangeFormattingParams]("textDocument/rangeFormatting", raw)
	if err != nil {
		return nil, err
	}
	q, err := s.newQuery(ctx, string(p.TextDocument.URI), nil)
	if err != nil {
		return nil, err
	}
	return q.formatEdits(offsetOf(q.file.Lines, p.Range.Start, q.enc), offsetOf(q.file.Lines, p.Range.End, q.enc)), nil
}

// formatEdits returns line edits that format the document, keeping those that touch the
// lines of [start, end].
func (q *query) formatEdits(start, end int) []protocol.TextEdit {
	out := []protocol.TextEdit{}
	formatted := dsl.Format(q.file)
	lines := q.file.Lines
	first, last := lines.Line(start), lines.Line(end)
	for _, e := range textdiff.LineEdits(q.doc.text, formatted) {
		if e.EndLine < first || e.StartLine > last {
			continue
		}
		r := protocol.Range{Start: positionOf(lines, lines.LineStart(e.StartLine), q.enc), End: positionOf(lines, lines.LineStart(e.EndLine), q.enc)}
		out = append(out, protocol.TextEdit{Range: r, NewText: e.Text})
	}
	return out
}

// Folding

func (s *Server) foldingRange(ctx context.Context, raw json.RawMessage) (any, error) {
	p, err := decode[protocol.FoldingRangeParams]("textDocument/foldingRange", raw)
	if err != nil {
		return nil, err
	}
	q, err := s.newQuery(ctx, string(p.TextDocument.URI), nil)
	if err != nil {
		return nil, err
	}
	out := []protocol.FoldingRange{}
	lines := q.file.Lines
	q.file.Walk(func(d *dsl.Decl) {
		if d.LBrace < 0 {
			return
		}
		a, b := lines.Line(int(d.Span.Start)), lines.Line(int(d.Span.End))
		if b > a {
			out = append(out, protocol.FoldingRange{StartLine: uint32(a), EndLine: uint32(b - 1)})
		}
	})
	for _, t := range q.file.Tokens {
		if t.Type == dsl.TokComment || t.Type == dsl.TokRawString {
			a, b := lines.Line(t.Pos.Offset), lines.Line(t.Pos.Offset+len(t.Value))
			if b > a {
				kind := protocol.CommentFoldingRange
				if t.Type == dsl.TokRawString {
					kind = protocol.RegionFoldingRange
				}
				out = append(out, protocol.FoldingRange{StartLine: uint32(a), EndLine: uint32(b), Kind: kind})
			}
		}
	}
	return out, nil
}

// Semantic tokens

var semanticTypes = []string{"keyword", "property", "enumMember", "variable", "string", "number", "comment", "operator", "class", "function", "event", "namespace", "struct", "interface"}
var semanticModifiers = []string{"declaration", "readonly"}

func semanticIndex(name string) int {
	for i, t := range semanticTypes {
		if t == name {
			return i
		}
	}
	return 3
}

func kindTokenType(k dsl.Kind) string {
	switch k {
	case dsl.KindBoundary:
		return "namespace"
	case dsl.KindData:
		return "struct"
	case dsl.KindActor:
		return "interface"
	case dsl.KindService, dsl.KindStore:
		return "class"
	case dsl.KindFlow, dsl.KindThreat:
		return "event"
	case dsl.KindMitigation:
		return "function"
	}
	return "variable"
}

func (s *Server) semanticTokens(ctx context.Context, raw json.RawMessage) (any, error) {
	p, err := decode[protocol.SemanticTokensParams]("textDocument/semanticTokens/full", raw)
	if err != nil {
		return nil, err
	}
	q, err := s.newQuery(ctx, string(p.TextDocument.URI), nil)
	if err != nil {
		return nil, err
	}
	type tok struct {
		span dsl.Span
		typ  int
		mods int
	}
	var toks []tok
	keys := map[int]bool{}
	values := map[int]string{}
	decls := map[int]dsl.Kind{}
	q.file.Walk(func(d *dsl.Decl) {
		if d.Name != nil {
			decls[int(d.Name.Span.Start)] = d.Kind
		}
		for _, a := range d.Attrs {
			keys[int(a.Key.Span.Start)] = true
			spec, _ := dsl.LookupAttribute(d.Kind, a.Key.Name)
			for _, v := range a.Values {
				if v.Kind == dsl.ValueRef && (spec.Type == dsl.TypeEnum || spec.Type == dsl.TypeFlagEnum || v.Text == "true" || v.Text == "false") {
					values[int(v.Span.Start)] = "enumMember"
				}
			}
		}
	})
	for _, t := range q.file.Tokens {
		span := tokSpan(t)
		switch t.Type {
		case dsl.TokKeyword:
			toks = append(toks, tok{span, semanticIndex("keyword"), 0})
		case dsl.TokString, dsl.TokRawString, dsl.TokBadString:
			toks = append(toks, tok{span, semanticIndex("string"), 0})
		case dsl.TokNumber, dsl.TokDate:
			toks = append(toks, tok{span, semanticIndex("number"), 0})
		case dsl.TokComment, dsl.TokBadComment:
			toks = append(toks, tok{span, semanticIndex("comment"), 0})
		case dsl.TokPunct:
			if t.Value == "->" || t.Value == "<->" || t.Value == "@" {
				toks = append(toks, tok{span, semanticIndex("operator"), 0})
			}
		case dsl.TokIdent:
			switch {
			case keys[int(span.Start)]:
				toks = append(toks, tok{span, semanticIndex("property"), 0})
			case values[int(span.Start)] != "":
				toks = append(toks, tok{span, semanticIndex("enumMember"), 0})
			case decls[int(span.Start)] != "":
				toks = append(toks, tok{span, semanticIndex(kindTokenType(decls[int(span.Start)])), 1})
			default:
				typ := "variable"
				if q.res != nil {
					if sym := q.res.Model.Symbols[t.Value]; sym != nil {
						typ = kindTokenType(sym.Kind)
					}
				}
				toks = append(toks, tok{span, semanticIndex(typ), 0})
			}
		}
	}
	// Encode relative positions; multi-line tokens are split per line, as clients expect.
	data := make([]uint32, 0, len(toks)*5)
	lines := q.file.Lines
	prevLine, prevCol := 0, 0
	for _, t := range toks {
		for start := int(t.span.Start); start < int(t.span.End); {
			l := lines.Line(start)
			end := min(int(t.span.End), lineEnd(q.doc.text, lines, l))
			sp := positionOf(lines, start, q.enc)
			ep := positionOf(lines, end, q.enc)
			length := int(ep.Character) - int(sp.Character)
			if length > 0 {
				dl := int(sp.Line) - prevLine
				dc := int(sp.Character)
				if dl == 0 {
					dc -= prevCol
				}
				data = append(data, uint32(dl), uint32(dc), uint32(length), uint32(t.typ), uint32(t.mods))
				prevLine, prevCol = int(sp.Line), int(sp.Character)
			}
			next := lines.LineStart(l + 1)
			if next <= start {
				break
			}
			start = next
		}
	}
	return map[string]any{"data": data}, nil
}

func lineEnd(text string, lines *dsl.LineIndex, l int) int {
	end := lines.LineStart(l + 1)
	if l+1 >= lines.LineCount() {
		end = len(text)
	}
	for end > lines.LineStart(l) && (text[end-1] == '\n' || text[end-1] == '\r') {
		end--
	}
	return end
}

// Code lens and inlay hints

func (s *Server) codeLens(ctx context.Context, raw json.RawMessage) (any, error) {
	p, err := decode[protocol.CodeLensParams]("textDocument/codeLens", raw)
	if err != nil {
		return nil, err
	}
	q, err := s.newQuery(ctx, string(p.TextDocument.URI), nil)
	if err != nil {
		return nil, err
	}
	out := []protocol.CodeLens{}
	if q.res == nil {
		return out, nil
	}
	q.file.Walk(func(d *dsl.Decl) {
		var title string
		switch {
		case d.Kind == dsl.KindThreat:
			if t := q.res.Threat(d.ID()); t != nil {
				title = fmt.Sprintf("%s · %s", strings.ReplaceAll(string(t.State), "_", " "), t.Rating.Severity)
			}
		case d.Kind.IsElement():
			counts := map[analysis.State]int{}
			for _, t := range q.res.ThreatsOn(d.ID()) {
				counts[t.State]++
			}
			var parts []string
			for _, st := range analysis.States {
				if n := counts[st]; n > 0 {
					parts = append(parts, fmt.Sprintf("%d %s", n, strings.ReplaceAll(string(st), "_", " ")))
				}
			}
			if len(parts) > 0 {
				title = strings.Join(parts, " · ")
			}
		}
		if title != "" {
			out = append(out, protocol.CodeLens{Range: q.rng(d.KindSpan), Command: &protocol.Command{Title: title, Command: ""}})
		}
	})
	return out, nil
}

type inlayHint struct {
	Position    protocol.Position `json:"position"`
	Label       string            `json:"label"`
	Kind        int               `json:"kind,omitempty"`
	PaddingLeft bool              `json:"paddingLeft,omitempty"`
	Tooltip     string            `json:"tooltip,omitempty"`
}

func (s *Server) inlayHint(ctx context.Context, raw json.RawMessage) (any, error) {
	p, err := decode[codeActionParams]("textDocument/inlayHint", raw)
	if err != nil {
		return nil, err
	}
	q, err := s.newQuery(ctx, string(p.TextDocument.URI), nil)
	if err != nil {
		return nil, err
	}
	out := []inlayHint{}
	if q.res == nil {
		return out, nil
	}
	start := offsetOf(q.file.Lines, p.Range.Start, q.enc)
	end := offsetOf(q.file.Lines, p.Range.End, q.enc)
	q.file.Walk(func(d *dsl.Decl) {
		if d.Kind != dsl.KindThreat || int(d.Header.End) < start || int(d.Header.Start) > end {
			return
		}
		if t := q.res.Threat(d.ID()); t != nil {
			out = append(out, inlayHint{Position: positionOf(q.file.Lines, int(d.IDSpan().End), q.enc), Label: ": " + t.Rating.Severity.String(), PaddingLeft: false, Tooltip: t.Rating.Why()})
		}
	})
	return out, nil
}

// Document links: `code` and `evidence` paths, resolved inside the model root only.

func (s *Server) documentLink(ctx context.Context, raw json.RawMessage) (any, error) {
	p, err := decode[protocol.DocumentLinkParams]("textDocument/documentLink", raw)
	if err != nil {
		return nil, err
	}
	q, err := s.newQuery(ctx, string(p.TextDocument.URI), nil)
	if err != nil {
		return nil, err
	}
	out := []protocol.DocumentLink{}
	ix := q.st.codeFor(q.doc.uri)
	if ix == nil {
		return out, nil
	}
	q.file.Walk(func(d *dsl.Decl) {
		for _, a := range d.Attrs {
			if a.Key.Name != "code" && a.Key.Name != "evidence" {
				continue
			}
			for _, v := range a.Values {
				if v.Kind != dsl.ValueString {
					continue
				}
				l := ix.Resolve(v.Text)
				if !l.OK || l.Abs == "" || l.Dir {
					continue
				}
				r := q.rng(dsl.Span{Start: v.Span.Start + 1, End: max(v.Span.Start+1, v.Span.End-1)})
				out = append(out, protocol.DocumentLink{Range: r, Target: protocol.DocumentURI(linkURI(l)), Tooltip: "Open " + l.Path})
			}
		}
	})
	return out, nil
}

// linkURI is the file URI of a resolved link, with the line as a fragment.
func linkURI(l codelinks.Link) string {
	u := pathToURI(l.Abs)
	if n := l.TargetLine(); n > 0 {
		u += fmt.Sprintf("#L%d", n)
	}
	return u
}

// codeLinkAt returns the resolved `code`/`evidence` link under the cursor, if any.
func (q *query) codeLinkAt() (codelinks.Link, bool) {
	ix := q.st.codeFor(q.doc.uri)
	d := q.file.DeclAt(q.off)
	if ix == nil || d == nil {
		return codelinks.Link{}, false
	}
	for _, a := range d.Attrs {
		if a.Key.Name != "code" && a.Key.Name != "evidence" {
			continue
		}
		for _, v := range a.Values {
			if v.Kind == dsl.ValueString && v.Span.Contains(q.off) {
				l := ix.Resolve(v.Text)
				return l, l.OK && l.Abs != ""
			}
		}
	}
	return codelinks.Link{}, false
}

// Commands

const (
	cmdDiagram = "threatls.diagram"
	cmdSummary = "threatls.summary"
)

func (s *Server) executeCommand(ctx context.Context, raw json.RawMessage) (any, error) {
	p, err := decode[protocol.ExecuteCommandParams]("workspace/executeCommand", raw)
	if err != nil {
		return nil, err
	}
	snap := snapshotOf(ctx)
	st, err := s.ws.await(ctx, snap.gen)
	if err != nil {
		return nil, err
	}
	switch p.Command {
	case cmdSummary:
		out := []map[string]any{}
		for _, m := range st.models {
			counts := map[string]int{}
			for k, v := range m.res.Counts() {
				counts[string(k)] = v
			}
			out = append(out, map[string]any{"root": m.root, "summary": m.res.Summary(), "counts": counts})
		}
		return out, nil
	case cmdDiagram:
		// The diagram of the model holding the document named in the first argument (or of
		// the first model), as Mermaid and SVG, with each node's declaration so a client can
		// reveal it when the node is clicked.
		m := diagramModel(st, p.Arguments)
		if m == nil {
			return map[string]any{"mermaid": "", "svg": "", "locations": map[string]protocol.Location{}}, nil
		}
		locs := map[string]protocol.Location{}
		for id, sym := range m.res.Model.Symbols {
			if d := st.docs[sym.File.Name]; d != nil {
				locs[id] = protocol.Location{URI: protocol.DocumentURI(sym.File.Name), Range: rangeOf(d.file().Lines, sym.Decl.IDSpan(), snap.enc)}
			}
		}
		return map[string]any{
			"mermaid":   render.Mermaid(m.res, render.GraphOptions{}),
			"svg":       render.SVG(m.res, render.GraphOptions{}),
			"locations": locs,
		}, nil
	}
	return nil, jsonrpc2.NewError(jsonrpc2.InvalidParams, fmt.Sprintf("unknown command %q; threatls runs %s and %s", p.Command, cmdDiagram, cmdSummary))
}

// diagramModel picks the model a diagram request is about: the one holding the document
// whose URI is the first argument, else the first model.
func diagramModel(st *analysisState, args []any) *modelResult {
	if len(args) > 0 {
		if uri, ok := args[0].(string); ok {
			if m := st.byURI[uri]; m != nil {
				return m
			}
		}
	}
	if len(st.models) > 0 {
		return st.models[0]
	}
	return nil
}
