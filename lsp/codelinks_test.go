package lsp_test

import (
	"strings"
	"testing"

	"go.lsp.dev/protocol"
)

func TestCodeLinksAndAnnotations(t *testing.T) {
	root := writeModel(t, map[string]string{
		"model.threat": shopModel + `mitigation prepared "Prepared statements" {
  mitigates sqli
  status implemented
  evidence "src/db.go#QueryOrder", "../outside.go"
}
`,
		"src/db.go": "package db\n\n// threatls: mitigates sqli\nfunc QueryOrder() {}\n",
	})
	e := newEditor(t, root, editorConfig{})
	a := e.open("model.threat", "")
	ds := e.awaitDiags(a, "the link out of the root is refused", hasDiag("link-outside-root", "outside.go"))
	if hasDiag("open-threat", "sqli")(ds) {
		t.Fatalf("sqli has resolving evidence and an annotation; it should be mitigated: %s", dumpDiags(ds))
	}

	// Go to definition from the evidence string into the source file, at the symbol's line.
	var locs []protocol.Location
	e.call("textDocument/definition", map[string]any{"textDocument": map[string]any{"uri": a}, "position": e.pos(a, `"src/db.go#Query`, false)}, &locs)
	if len(locs) != 1 || !strings.HasSuffix(string(locs[0].URI), "/src/db.go") || locs[0].Range.Start.Line != 3 {
		t.Fatalf("definition of the evidence: %+v", locs)
	}
	// Document links: the resolved one only, never the one outside the root.
	var links []protocol.DocumentLink
	e.call("textDocument/documentLink", map[string]any{"textDocument": map[string]any{"uri": a}}, &links)
	if len(links) != 1 || !strings.Contains(string(links[0].Target), "/src/db.go#L4") {
		t.Fatalf("document links: %+v", links)
	}
	// References to the threat include the annotation in the code.
	e.call("textDocument/references", map[string]any{"textDocument": map[string]any{"uri": a}, "position": e.pos(a, "threat sql", false),
		"context": map[string]any{"includeDeclaration": true}}, &locs)
	found := false
	for _, l := range locs {
		if strings.HasSuffix(string(l.URI), "/src/db.go") && l.Range.Start.Line == 2 {
			found = true
		}
	}
	if !found {
		t.Fatalf("references to sqli lack the annotation: %+v", locs)
	}
	// Hover on the mitigation shows the evidence's code.
	var h protocol.Hover
	e.call("textDocument/hover", map[string]any{"textDocument": map[string]any{"uri": a}, "position": e.pos(a, "mitigation prep", false)}, &h)
	if !strings.Contains(h.Contents.Value, "func QueryOrder") {
		t.Fatalf("hover on the mitigation lacks the code: %q", h.Contents.Value)
	}
}
