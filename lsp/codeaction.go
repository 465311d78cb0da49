package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"go.lsp.dev/protocol"

	"github.com/threatls/threatls/analysis"
	"github.com/threatls/threatls/dsl"
)

var didYouMean = regexp.MustCompile("did you mean `([^`]+)`")

type codeActionParams struct {
	TextDocument protocol.TextDocumentIdentifier `json:"textDocument"`
	Range        protocol.Range                  `json:"range"`
	Context      struct {
		Diagnostics []protocol.Diagnostic `json:"diagnostics"`
	} `json:"context"`
}

func (s *Server) codeAction(ctx context.Context, raw json.RawMessage) (any, error) {
	p, err := decode[codeActionParams]("textDocument/codeAction", raw)
	if err != nil {
		return nil, err
	}
	q, err := s.newQuery(ctx, string(p.TextDocument.URI), nil)
	if err != nil {
		return nil, err
	}
	actions := []protocol.CodeAction{}
	if q.res == nil {
		return actions, nil
	}
	start := offsetOf(q.file.Lines, p.Range.Start, q.enc)
	end := offsetOf(q.file.Lines, p.Range.End, q.enc)
	today := time.Now()
	if s.opts.Today != "" {
		today, _ = time.Parse("2006-01-02", s.opts.Today)
	}
	seen := map[string]bool{}
	for _, f := range q.res.Findings {
		if f.File != q.doc.uri || int(f.Span.End) < start || int(f.Span.Start) > end {
			continue
		}
		diags := matchingDiagnostics(p.Context.Diagnostics, f, q)
		// Findings about threats suggest no id (and make their messages when asked).
		var m []string
		if f.ThreatID == "" {
			m = didYouMean.FindStringSubmatch(f.Message())
		}
		if m != nil {
			actions = append(actions, q.action(fmt.Sprintf("Change to `%s`", m[1]), diags, true, map[string][]protocol.TextEdit{q.doc.uri: {{Range: q.rng(f.Span), NewText: m[1]}}}))
		}
		if f.Code == "expired-acceptance" {
			if r := responseAt(q.res, f); r != nil {
				if v := untilValue(r.Decl); v != nil {
					newDate := today.AddDate(0, 3, 0).Format("2006-01-02")
					actions = append(actions, q.action(fmt.Sprintf("Extend the acceptance to %s (after a review)", newDate), diags, false,
						map[string][]protocol.TextEdit{q.doc.uri: {{Range: q.rng(v.Span), NewText: newDate}}}))
				}
			}
		}
		if f.ThreatID == "" || seen[f.ThreatID] {
			continue
		}
		t := q.res.Threat(f.ThreatID)
		if t == nil || (t.State != analysis.StateOpen && t.State != analysis.StatePlanned) {
			continue
		}
		seen[f.ThreatID] = true
		actions = append(actions, q.threatActions(t, diags, today)...)
	}
	return actions, nil
}

func matchingDiagnostics(ds []protocol.Diagnostic, f analysis.Finding, q *query) []protocol.Diagnostic {
	var out []protocol.Diagnostic
	r := q.rng(f.Span)
	for _, d := range ds {
		if d.Range == r && fmt.Sprint(d.Code) == f.Code {
			out = append(out, d)
		}
	}
	return out
}

func (q *query) action(title string, diags []protocol.Diagnostic, preferred bool, edits map[string][]protocol.TextEdit) protocol.CodeAction {
	changes := map[protocol.DocumentURI][]protocol.TextEdit{}
	for uri, e := range edits {
		changes[protocol.DocumentURI(uri)] = e
	}
	return protocol.CodeAction{Title: title, Kind: protocol.QuickFix, Diagnostics: diags, IsPreferred: preferred, Edit: &protocol.WorkspaceEdit{Changes: changes}}
}

func responseAt(res *analysis.Result, f analysis.Finding) *analysis.Response {
	for _, r := range res.Model.Responses {
		if r.File.Name == f.File && r.Decl.IDSpan() == f.Span {
			return r
		}
	}
	return nil
}

func untilValue(d *dsl.Decl) *dsl.Value {
	if a := d.Attr("until"); a != nil && len(a.Values) > 0 {
		return a.Values[0]
	}
	return nil
}

// threatActions offers the answers to an open threat: the model change that clears a
// generated one, a mitigation, an acceptance, and not_applicable.
func (q *query) threatActions(t *analysis.Threat, diags []protocol.Diagnostic, today time.Time) []protocol.CodeAction {
	var out []protocol.CodeAction
	if t.Rule != nil && t.Fix != nil && t.FixTarget != nil {
		if e, ok := q.attributeEdit(t.FixTarget, t.Fix.Attr, t.Fix.Value); ok {
			attr := t.Fix.Attr
			if t.Fix.Value != "" {
				attr += " " + t.Fix.Value
			}
			out = append(out, q.action(fmt.Sprintf("Declare `%s` on %s `%s` (clears %s)", attr, t.FixTarget.Kind, t.FixTarget.ID, t.Rule.ID), diags, true, e))
		}
	}
	anchor := t.Target
	if t.Symbol != nil {
		anchor = t.Symbol
	}
	if anchor == nil {
		return out
	}
	d := q.st.docs[anchor.File.Name]
	if d == nil {
		return out
	}
	insertAt := topLevel(anchor.Decl).Span.End
	owner := "<owner>"
	if m := q.res.Model.ModelDecl; m != nil {
		if o := firstString(m, "owner"); o != "" {
			owner = o
		}
	}
	base := "mitigate-" + strings.NewReplacer("@", "-", "->", "-", "<->", "-").Replace(t.ID)
	name := base
	for i := 2; q.res.Model.Symbols[name] != nil; i++ {
		name = fmt.Sprintf("%s-%d", base, i)
	}
	blocks := []struct{ title, text string }{
		{fmt.Sprintf("Add a mitigation for `%s`", t.ID), fmt.Sprintf("mitigation %s \"%s\" {\n  mitigates %s\n  status planned\n  owner \"%s\"\n}", name, strings.ReplaceAll(t.Title(), `"`, `'`), t.ID, owner)},
		{fmt.Sprintf("Accept the risk of `%s`", t.ID), fmt.Sprintf("accept %s {\n  reason \"<why the risk is acceptable>\"\n  owner \"%s\"\n  until %s\n}", t.ID, owner, today.AddDate(0, 3, 0).Format("2006-01-02"))},
		{fmt.Sprintf("Mark `%s` not applicable", t.ID), fmt.Sprintf("not_applicable %s {\n  reason \"<why it does not apply here>\"\n}", t.ID)},
	}
	pos := q.locIn(d, int(insertAt))
	for _, b := range blocks {
		out = append(out, q.action(b.title, diags, false, map[string][]protocol.TextEdit{d.uri: {{Range: protocol.Range{Start: pos, End: pos}, NewText: "\n\n" + b.text}}}))
	}
	return out
}

func topLevel(d *dsl.Decl) *dsl.Decl {
	for d.Parent != nil {
		d = d.Parent
	}
	return d
}

func (q *query) locIn(d *document, off int) protocol.Position {
	return positionOf(d.file().Lines, off, q.enc)
}

// attributeEdit sets attribute attr (with value) on sym's declaration: it replaces the
// values of an existing attribute, or adds a line before the closing brace.
func (q *query) attributeEdit(sym *analysis.Symbol, attr, value string) (map[string][]protocol.TextEdit, bool) {
	d := q.st.docs[sym.File.Name]
	if d == nil || sym.Decl.RBrace < 0 {
		return nil, false
	}
	decl := sym.Decl
	text := d.text
	lines := d.file().Lines
	if a := decl.Attr(attr); a != nil {
		if value == "" {
			if len(a.Values) == 0 {
				return nil, false
			}
			// `flag false` -> `flag`
			span := dsl.Span{Start: a.Key.Span.End, End: a.Span.End}
			return map[string][]protocol.TextEdit{d.uri: {{Range: rangeOf(lines, span, q.enc), NewText: ""}}}, true
		}
		span := dsl.Span{Start: a.Key.Span.End, End: a.Span.End}
		return map[string][]protocol.TextEdit{d.uri: {{Range: rangeOf(lines, span, q.enc), NewText: " " + value}}}, true
	}
	line := attr
	if value != "" {
		line += " " + value
	}
	rb := decl.RBrace
	var off int
	var insert string
	if lines.Line(decl.LBrace) == lines.Line(rb) {
		// One-line declaration: `{ a; b }` -> `{ a; b; attr }`.
		p := rb
		for p > decl.LBrace+1 && (text[p-1] == ' ' || text[p-1] == '\t') {
			p--
		}
		off = p
		if p == decl.LBrace+1 {
			insert = " " + line + " "
		} else {
			insert = "; " + line
		}
	} else {
		ls := lines.LineStart(lines.Line(rb))
		indent := leadingSpace(text[lines.LineStart(lines.Line(int(decl.KindSpan.Start))):])
		if strings.TrimSpace(text[ls:rb]) == "" {
			off, insert = ls, indent+"  "+line+"\n"
		} else {
			off, insert = rb, "\n"+indent+"  "+line+"\n"+indent
		}
	}
	pos := positionOf(lines, off, q.enc)
	return map[string][]protocol.TextEdit{d.uri: {{Range: protocol.Range{Start: pos, End: pos}, NewText: insert}}}, true
}

func leadingSpace(s string) string {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return s[:i]
}
