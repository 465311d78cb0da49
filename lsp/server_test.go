package lsp_test

import (
	"fmt"
	"strings"
	"testing"

	"go.lsp.dev/protocol"
)

const shopModel = `boundary internet "Internet" { trust untrusted }
boundary dmz "DMZ" { trust low }
data card "Card" { classification restricted }
actor customer "Customer" { in internet }
service api "API" { in dmz; handles card }
flow customer -> api { carries card }
threat sqli "SQL injection" { on api; stride tampering; likelihood high; impact high }
`

func TestDiagnosticsCrossFileAndEdits(t *testing.T) {
	root := writeModel(t, map[string]string{
		"a.threat": shopModel,
		"b.threat": "mitigation m \"Prepared statements\" { mitigates sqlj; status implemented }\n",
	})
	e := newEditor(t, root, editorConfig{})
	a := e.open("a.threat", "")
	b := e.uri("b.threat") // not open: diagnostics come from its disk version
	e.awaitDiags(a, "open threat sqli", hasDiag("open-threat", "`sqli`"))
	e.awaitDiags(b, "unknown threat with a suggestion", hasDiag("unknown-ref", "did you mean `sqli`?"))

	// Fixing the reference in b (opened and edited) clears the error in b and the open
	// threat in a: diagnostics follow across files.
	e.open("b.threat", "")
	e.replace(b, "sqlj", "sqli")
	e.awaitDiags(b, "no unknown ref", not(hasDiag("unknown-ref", "")))
	e.awaitDiags(a, "sqli mitigated", not(hasDiag("open-threat", "`sqli`")))

	// Renaming the threat in a breaks the reference in b.
	e.replace(a, "threat sqli", "threat sql-injection")
	e.awaitDiags(b, "reference broken after the rename", hasDiag("unknown-ref", "sqli"))
}

func TestCompletionHoverDefinition(t *testing.T) {
	root := writeModel(t, map[string]string{"a.threat": shopModel})
	e := newEditor(t, root, editorConfig{})
	a := e.open("a.threat", "")
	e.awaitDiags(a, "analysis done", hasDiag("open-threat", "sqli"))

	// Completion of STRIDE values in a broken line.
	e.replace(a, "stride tampering;", "stride tampering;\n  stride ")
	var list protocol.CompletionList
	e.call("textDocument/completion", map[string]any{"textDocument": map[string]any{"uri": a}, "position": e.pos(a, "\n  stride ", false)}, &list)
	if !hasItem(list, "spoofing") || !hasItem(list, "elevation_of_privilege") {
		t.Fatalf("completion after `stride ` lacks STRIDE values: %v", labels(list))
	}
	// Attribute names in a threat block, with a half-typed prefix.
	e.replace(a, "\n  stride ", "\n  lik")
	e.call("textDocument/completion", map[string]any{"textDocument": map[string]any{"uri": a}, "position": e.pos(a, "\n  lik", false)}, &list)
	if !hasItem(list, "likelihood") || hasItem(list, "stride") {
		t.Fatalf("completion of `lik` in a threat: %v", labels(list))
	}
	e.replace(a, "\n  lik", "")
	// Element ids after `->` in a flow header.
	e.replace(a, "flow customer -> api", "flow customer -> ")
	e.call("textDocument/completion", map[string]any{"textDocument": map[string]any{"uri": a}, "position": e.pos(a, "flow customer -> ", false)}, &list)
	if !hasItem(list, "api") || hasItem(list, "card") {
		t.Fatalf("completion after `->` should offer elements only: %v", labels(list))
	}
	e.replace(a, "flow customer -> ", "flow customer -> api")

	// Hover on an element id shows its facts.
	var hover protocol.Hover
	e.call("textDocument/hover", map[string]any{"textDocument": map[string]any{"uri": a}, "position": e.pos(a, "-> api", false)}, &hover)
	if !strings.Contains(hover.Contents.Value, "`api`") || !strings.Contains(hover.Contents.Value, "dmz") {
		t.Fatalf("hover on api: %q", hover.Contents.Value)
	}
	// Definition of `card` in `handles card` is its data declaration.
	var locs []protocol.Location
	e.call("textDocument/definition", map[string]any{"textDocument": map[string]any{"uri": a}, "position": e.pos(a, "handles car", false)}, &locs)
	if len(locs) != 1 || locs[0].Range.Start.Line != 2 {
		t.Fatalf("definition of card: %+v", locs)
	}
}

func TestQuickFixAcceptsRisk(t *testing.T) {
	root := writeModel(t, map[string]string{"a.threat": shopModel})
	e := newEditor(t, root, editorConfig{})
	a := e.open("a.threat", "")
	diags := e.awaitDiags(a, "open threat", hasDiag("open-threat", "sqli"))
	var target protocol.Diagnostic
	for _, d := range diags {
		if fmt.Sprint(d.Code) == "open-threat" {
			target = d
		}
	}
	var actions []protocol.CodeAction
	e.call("textDocument/codeAction", map[string]any{"textDocument": map[string]any{"uri": a}, "range": target.Range,
		"context": map[string]any{"diagnostics": []protocol.Diagnostic{target}}}, &actions)
	var accept *protocol.CodeAction
	for i, ac := range actions {
		if strings.HasPrefix(ac.Title, "Accept the risk of `sqli`") {
			accept = &actions[i]
		}
	}
	if accept == nil {
		t.Fatalf("no accept action: %+v", actions)
	}
	edits := accept.Edit.Changes[protocol.DocumentURI(a)]
	if len(edits) != 1 || !strings.Contains(edits[0].NewText, "accept sqli {") || !strings.Contains(edits[0].NewText, "until 2027-02-27") {
		t.Fatalf("accept edit: %+v", edits)
	}
}

func hasItem(l protocol.CompletionList, label string) bool {
	for _, it := range l.Items {
		if it.Label == label {
			return true
		}
	}
	return false
}

func labels(l protocol.CompletionList) []string {
	var out []string
	for _, it := range l.Items {
		out = append(out, it.Label)
	}
	return out
}

func TestDiagramCommand(t *testing.T) {
	root := writeModel(t, map[string]string{"a.threat": shopModel})
	e := newEditor(t, root, editorConfig{})
	a := e.open("a.threat", "")
	e.awaitDiags(a, "analysis done", hasDiag("open-threat", "sqli"))
	var res struct {
		Mermaid   string                       `json:"mermaid"`
		SVG       string                       `json:"svg"`
		Locations map[string]protocol.Location `json:"locations"`
	}
	e.call("workspace/executeCommand", map[string]any{"command": "threatls.diagram", "arguments": []any{a}}, &res)
	if !strings.HasPrefix(res.Mermaid, "flowchart") || !strings.Contains(res.SVG, `data-id="api"`) {
		t.Fatalf("diagram: mermaid %q, svg %.200q", res.Mermaid, res.SVG)
	}
	if loc, ok := res.Locations["api"]; !ok || string(loc.URI) != a || loc.Range.Start.Line != 4 {
		t.Fatalf("location of api: %+v", res.Locations["api"])
	}
}

// TestHoverOnThreatClearedByDesign: an answer to a rule instance that the model clears by
// design is reported, and hovering its id explains the instance, which the analysis makes
// only when asked.
func TestHoverOnThreatClearedByDesign(t *testing.T) {
	model := strings.Replace(shopModel, "flow customer -> api { carries card }", "flow customer -> api { carries card; encrypted }", 1) +
		"accept unencrypted-flow@customer->api { reason \"TLS\"; owner \"ops\"; until 2027-06-01 }\n"
	root := writeModel(t, map[string]string{"a.threat": model})
	e := newEditor(t, root, editorConfig{})
	a := e.open("a.threat", "")
	e.awaitDiags(a, "orphan accept", hasDiag("orphan-response", "`unencrypted-flow@customer->api` no longer fires (the flow is encrypted"))
	var hover protocol.Hover
	e.call("textDocument/hover", map[string]any{"textDocument": map[string]any{"uri": a}, "position": e.pos(a, "accept unencrypted-fl", false)}, &hover)
	if !strings.Contains(hover.Contents.Value, "unencrypted-flow@customer->api") || !strings.Contains(hover.Contents.Value, "mitigated by design") {
		t.Fatalf("hover on a threat cleared by design: %q", hover.Contents.Value)
	}
	if strings.Contains(hover.Contents.Value, "Severity") {
		t.Errorf("hover on a threat cleared by design rates it, though nothing rated it: %q", hover.Contents.Value)
	}
}
