package lsp_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestPrepareLoadBracketsReadingTheModel: the server tells its host how much model text it
// is about to read (the binary readies memory for it), when the files are parsed, when a
// whole analysis is done (Options.Analysed, before it is published) and when the first is
// published; the files read give their diagnostics.
func TestPrepareLoadBracketsReadingTheModel(t *testing.T) {
	b := "mitigation m \"Prepared statements — ünïcode\" { mitigates sqlj; status implemented }\n"
	root := writeModel(t, map[string]string{"a.threat": shopModel, "sub/b.threat": b})
	var mu sync.Mutex
	var sizes []int
	var events []string
	record := func(what string) func() {
		return func() {
			mu.Lock()
			defer mu.Unlock()
			events = append(events, what)
		}
	}
	e := newEditor(t, root, editorConfig{prepareLoad: func(textBytes int) (func(), func()) {
		mu.Lock()
		defer mu.Unlock()
		sizes = append(sizes, textBytes)
		return record("parsed"), record("analysed")
	}, analysed: record("whole analysis done")})
	e.awaitDiags(e.uri("sub/b.threat"), "unknown threat, from the file read at start", hasDiag("unknown-ref", "did you mean `sqli`?"))
	e.awaitDiags(e.uri("a.threat"), "open threat, from the file read at start", hasDiag("open-threat", "`sqli`"))
	// The whole analysis is published after the files' diagnostics: wait for its call.
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		mu.Lock()
		n := len(events)
		mu.Unlock()
		if n >= 3 || time.Now().After(deadline) {
			break
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if want := len(shopModel) + len(b); len(sizes) != 1 || sizes[0] != want {
		t.Errorf("PrepareLoad called with %v; want once with %d (the bytes of both files)", sizes, want)
	}
	if len(events) != 3 || events[0] != "parsed" || events[1] != "whole analysis done" || events[2] != "analysed" {
		t.Errorf("the host's functions were called %v; want [parsed, whole analysis done, analysed], each once", events)
	}
}

// TestDiagnosticDataOnlyForClientsThatKeepIt: a diagnostic about a threat carries the
// threat's id in data for a client that keeps data for code actions
// (publishDiagnostics.dataSupport), and none for one that does not.
func TestDiagnosticDataOnlyForClientsThatKeepIt(t *testing.T) {
	for _, keeps := range []bool{true, false} {
		root := writeModel(t, map[string]string{"a.threat": shopModel})
		e := newEditor(t, root, editorConfig{noDiagnosticData: !keeps})
		diags := e.awaitDiags(e.uri("a.threat"), "open threat", hasDiag("open-threat", "`sqli`"))
		for _, d := range diags {
			if fmt.Sprint(d.Code) != "open-threat" || !strings.Contains(d.Message, "`sqli`") {
				continue
			}
			if got := fmt.Sprint(d.Data); keeps && got != "map[threat:sqli]" || !keeps && d.Data != nil {
				t.Errorf("client keeps data %v: the open threat's data is %s", keeps, got)
			}
		}
		e.stop()
	}
}
