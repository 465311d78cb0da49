package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"go.lsp.dev/protocol"

	"github.com/threatls/threatls/analysis"
	"github.com/threatls/threatls/analysis/taxonomy"
	"github.com/threatls/threatls/dsl"
)

func (s *Server) hover(ctx context.Context, raw json.RawMessage) (any, error) {
	q, err := s.positionQuery(ctx, "textDocument/hover", raw)
	if err != nil {
		return nil, err
	}
	w, ok := wordAt(q.file, q.off)
	if !ok {
		return nil, nil
	}
	text, span := q.hoverText(w)
	if text == "" {
		return nil, nil
	}
	r := q.rng(span)
	return &protocol.Hover{Contents: protocol.MarkupContent{Kind: protocol.Markdown, Value: text}, Range: &r}, nil
}

// hoverText explains the word under the cursor.
func (q *query) hoverText(w word) (string, dsl.Span) {
	t := w.tok
	switch t.Type {
	case dsl.TokKeyword:
		k := dsl.Kind(t.Value)
		return fmt.Sprintf("**%s** — %s\n\nAttributes: %s", k, dsl.KindDoc[k], ticks(dsl.AttributeNames(k))), w.span
	case dsl.TokNumber:
		if e, ok := q.taxonomyAt(w); ok {
			return fmt.Sprintf("**%s**\n\n[%s](%s)", e.Label(), e.URL(), e.URL()), w.span
		}
		return "", w.span
	case dsl.TokIdent:
	default:
		return "", w.span
	}
	// A generated or declared threat id.
	if w.threatID != "" && q.res != nil {
		if th := q.res.Threat(canonicalID(q.res, w.threatID)); th != nil {
			return analysis.Explain(th), w.threatSp
		}
		if c := q.res.ClearedThreat(w.threatID); c != nil {
			return analysis.Explain(c), w.threatSp
		}
		if w.rulePart {
			for _, r := range q.res.Rules {
				if r.ID == t.Value {
					return ruleDoc(r) + "\n\nThis id matches no threat now: the rule does not fire on that target.", w.threatSp
				}
			}
		}
	}
	if sym, _, ok := q.symbolAt(); ok {
		return q.symbolDoc(sym), w.span
	}
	// An attribute name: the first word of a statement.
	if d := q.file.DeclAt(q.off); d != nil {
		for _, a := range d.Attrs {
			if a.Key.Span.Contains(q.off) {
				if spec, ok := dsl.LookupAttribute(d.Kind, a.Key.Name); ok {
					return attrDoc(spec), w.span
				}
			}
			for _, v := range a.Values {
				if v.Span.Contains(q.off) {
					if doc := valueDoc(d.Kind, a.Key.Name, v.Text); doc != "" {
						return doc, w.span
					}
				}
			}
		}
	}
	if doc, ok := dsl.StrideDoc[t.Value]; ok {
		return doc, w.span
	}
	return "", w.span
}

func (q *query) taxonomyAt(w word) (taxonomy.Entry, bool) {
	d := q.file.DeclAt(q.off)
	if d == nil {
		return taxonomy.Entry{}, false
	}
	for _, a := range d.Attrs {
		for _, v := range a.Values {
			if !v.Span.Contains(q.off) {
				continue
			}
			id, err := strconv.Atoi(v.Text)
			if err != nil {
				return taxonomy.Entry{}, false
			}
			switch a.Key.Name {
			case "cwe":
				return taxonomy.CWE(id)
			case "capec":
				return taxonomy.CAPEC(id)
			}
		}
	}
	return taxonomy.Entry{}, false
}

func canonicalID(res *analysis.Result, id string) string {
	rule, target, ok := strings.Cut(id, "@")
	if !ok {
		return id
	}
	if res.Model.Symbols[target] == nil {
		if from, to, ok := strings.Cut(target, "->"); ok {
			if fl := res.Model.FlowBetween(from, to); len(fl) == 1 {
				return rule + "@" + fl[0].ID
			}
		}
	}
	return id
}

func ticks(names []string) string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = "`" + n + "`"
	}
	return strings.Join(out, ", ")
}

func attrDoc(a dsl.Attribute) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**%s** — %s", a.Name, a.Doc)
	switch a.Type {
	case dsl.TypeEnum, dsl.TypeFlagEnum:
		fmt.Fprintf(&b, "\n\nValues: %s", ticks(a.Values))
	case dsl.TypeFlag:
		b.WriteString("\n\nA flag: write it alone (or `false`).")
	case dsl.TypeDate:
		b.WriteString("\n\nA date: `2027-06-30`.")
	}
	if a.Required {
		b.WriteString("\n\nRequired.")
	}
	return b.String()
}

func valueDoc(k dsl.Kind, attr, v string) string {
	if doc, ok := dsl.StrideDoc[v]; ok && attr == "stride" {
		return doc
	}
	switch attr {
	case "classification":
		return map[string]string{
			"public":       "**public** — anyone may see it; losing it costs nothing (impact low).",
			"internal":     "**internal** — for the organisation only (impact low).",
			"confidential": "**confidential** — limited to those who need it (impact medium).",
			"restricted":   "**restricted** — the most sensitive data: card numbers, credentials, health records (impact high).",
		}[v]
	case "trust":
		return map[string]string{
			"untrusted": "**untrusted** — anyone can be here: the internet. Senders here make exposure high.",
			"low":       "**low** trust — a DMZ or partner network.",
			"medium":    "**medium** trust — an internal network.",
			"high":      "**high** trust — the most protected zone.",
		}[v]
	case "status":
		return map[string]string{
			"planned":     "**planned** — not started; the threat stays reported as planned.",
			"in_progress": "**in_progress** — being built; the threat stays reported as planned.",
			"implemented": "**implemented** — in place; the threats it names are mitigated.",
			"verified":    "**verified** — in place and tested; the threats it names are mitigated.",
		}[v]
	}
	return ""
}

func ruleDoc(r *analysis.Rule) string {
	return fmt.Sprintf("**%s** `%s` (%s)\n\nFires when %s.\n\nClears it: %s. %s", r.Title, r.ID, strings.ReplaceAll(r.Stride, "_", " "), r.Condition, r.Clears, r.Hint)
}

// symbolDoc describes a declaration and what the analysis knows of it.
func (q *query) symbolDoc(sym *analysis.Symbol) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**%s** `%s`", sym.Kind, sym.ID)
	if t := sym.Decl.TitleText(); t != "" {
		fmt.Fprintf(&b, " — %s", t)
	}
	b.WriteString("\n\n")
	if desc := firstString(sym.Decl, "description"); desc != "" {
		b.WriteString(desc + "\n\n")
	}
	if sym.Boundary != nil {
		fmt.Fprintf(&b, "- In boundary `%s` (trust %s)\n", sym.Boundary.ID, firstWord(sym.Boundary.Decl, "trust", "not declared"))
	}
	switch sym.Kind {
	case dsl.KindBoundary:
		fmt.Fprintf(&b, "- Trust: %s\n", firstWord(sym.Decl, "trust", "not declared (medium)"))
		var members []string
		for _, e := range q.res.Model.Elements {
			if e.Boundary == sym {
				members = append(members, "`"+e.ID+"`")
			}
		}
		if len(members) > 0 {
			fmt.Fprintf(&b, "- Holds: %s\n", strings.Join(clipStrings(members, 12), ", "))
		}
	case dsl.KindData:
		fmt.Fprintf(&b, "- Classification: %s\n", firstWord(sym.Decl, "classification", "not declared (internal)"))
		if tags := allWords(sym.Decl, "tags"); len(tags) > 0 {
			fmt.Fprintf(&b, "- Tags: %s\n", strings.Join(tags, ", "))
		}
		var users []string
		for _, list := range [][]*analysis.Symbol{q.res.Model.Flows, q.res.Model.Elements} {
			for _, e := range list {
				for _, d := range e.Data {
					if d == sym {
						users = append(users, "`"+e.ID+"`")
					}
				}
			}
		}
		if len(users) > 0 {
			fmt.Fprintf(&b, "- Used by: %s\n", strings.Join(clipStrings(users, 12), ", "))
		}
	case dsl.KindFlow:
		if sym.From != nil && sym.To != nil {
			fmt.Fprintf(&b, "- From `%s` to `%s`%s\n", sym.From.ID, sym.To.ID, map[bool]string{true: " (both ways)", false: ""}[sym.Decl.Arrow == "<->"])
		}
		writeData(&b, "Carries", sym.Data)
	case dsl.KindThreat, dsl.KindMitigation:
	default:
		var in, out []string
		for _, f := range sym.Inbound {
			in = append(in, "`"+f.ID+"`")
		}
		for _, f := range sym.Outbound {
			out = append(out, "`"+f.ID+"`")
		}
		if len(in) > 0 {
			fmt.Fprintf(&b, "- Flows in: %s\n", strings.Join(clipStrings(in, 8), ", "))
		}
		if len(out) > 0 {
			fmt.Fprintf(&b, "- Flows out: %s\n", strings.Join(clipStrings(out, 8), ", "))
		}
		writeData(&b, map[dsl.Kind]string{dsl.KindService: "Handles", dsl.KindStore: "Stores"}[sym.Kind], sym.Data)
	}
	switch sym.Kind {
	case dsl.KindThreat:
		if th := q.res.Threat(sym.ID); th != nil {
			b.WriteString(analysis.Explain(th))
			for _, m := range th.Mitigations {
				fmt.Fprintf(&b, "- Mitigation `%s`: %s\n", m.ID, firstWord(m.Decl, "status", "no status"))
			}
		}
	case dsl.KindMitigation:
		fmt.Fprintf(&b, "- Status: %s\n", firstWord(sym.Decl, "status", "not declared (planned)"))
		for _, id := range allWords(sym.Decl, "mitigates") {
			if th := q.res.Threat(canonicalID(q.res, id)); th != nil {
				fmt.Fprintf(&b, "- Mitigates `%s` (%s, %s)\n", th.ID, th.Rating.Severity, th.State)
			}
		}
		ix := q.st.codeFor(q.doc.uri)
		for _, e := range allStrings(sym.Decl, "evidence") {
			fmt.Fprintf(&b, "- Evidence: `%s`", e)
			if ix == nil {
				b.WriteString("\n")
				continue
			}
			l := ix.Resolve(e)
			if !l.OK {
				fmt.Fprintf(&b, " — %s\n", l.Problem)
				continue
			}
			b.WriteString("\n")
			if snip := l.Snippet(6); snip != "" {
				fmt.Fprintf(&b, "\n```%s\n%s\n```\n", l.Lang(), strings.TrimRight(snip, "\n"))
			}
		}
		for _, id := range allWords(sym.Decl, "mitigates") {
			if ix == nil {
				break
			}
			for _, an := range ix.AnnotationsFor(id) {
				fmt.Fprintf(&b, "- Annotated in `%s:%d`: %s\n", an.File, an.Line, strings.TrimSpace(an.Text))
			}
		}
	default:
		if ths := q.res.ThreatsOn(sym.ID); len(ths) > 0 {
			b.WriteString("\n**Threats**\n\n")
			for _, th := range ths {
				fmt.Fprintf(&b, "- `%s` — %s, %s\n", th.ID, th.Rating.Severity, th.State)
			}
		}
	}
	return b.String()
}

func writeData(b *strings.Builder, label string, data []*analysis.Symbol) {
	if len(data) == 0 || label == "" {
		return
	}
	parts := make([]string, len(data))
	for i, d := range data {
		parts[i] = fmt.Sprintf("`%s` (%s)", d.ID, firstWord(d.Decl, "classification", "internal"))
	}
	fmt.Fprintf(b, "- %s: %s\n", label, strings.Join(parts, ", "))
}

func clipStrings(s []string, n int) []string {
	if len(s) <= n {
		return s
	}
	return append(s[:n:n], fmt.Sprintf("and %d more", len(s)-n))
}

func firstWord(d *dsl.Decl, key, def string) string {
	if a := d.Attr(key); a != nil && len(a.Values) > 0 {
		return a.Values[0].Text
	}
	if a := d.Attr(key); a != nil {
		return "yes"
	}
	return def
}

func firstString(d *dsl.Decl, key string) string {
	if a := d.Attr(key); a != nil && len(a.Values) > 0 && a.Values[0].Kind == dsl.ValueString {
		return a.Values[0].Text
	}
	return ""
}

func allWords(d *dsl.Decl, key string) []string { return d.Words(key) }

func allStrings(d *dsl.Decl, key string) []string {
	var out []string
	for _, a := range d.Attrs {
		if a.Key.Name != key {
			continue
		}
		for _, v := range a.Values {
			if v.Kind == dsl.ValueString {
				out = append(out, v.Text)
			}
		}
	}
	return out
}
