package lsp_test

import (
	"sync"
	"testing"
)

// TestPrepareLoadBracketsReadingTheModel: the server tells its host how much model text it
// is about to read (the binary readies memory for it) and when the files are parsed; the
// files read then give their diagnostics.
func TestPrepareLoadBracketsReadingTheModel(t *testing.T) {
	b := "mitigation m \"Prepared statements — ünïcode\" { mitigates sqlj; status implemented }\n"
	root := writeModel(t, map[string]string{"a.threat": shopModel, "sub/b.threat": b})
	var mu sync.Mutex
	var sizes []int
	doneCalls := 0
	e := newEditor(t, root, editorConfig{prepareLoad: func(textBytes int) func() {
		mu.Lock()
		defer mu.Unlock()
		sizes = append(sizes, textBytes)
		return func() {
			mu.Lock()
			defer mu.Unlock()
			doneCalls++
		}
	}})
	e.awaitDiags(e.uri("sub/b.threat"), "unknown threat, from the file read at start", hasDiag("unknown-ref", "did you mean `sqli`?"))
	e.awaitDiags(e.uri("a.threat"), "open threat, from the file read at start", hasDiag("open-threat", "`sqli`"))
	mu.Lock()
	defer mu.Unlock()
	if want := len(shopModel) + len(b); len(sizes) != 1 || sizes[0] != want {
		t.Errorf("PrepareLoad called with %v; want once with %d (the bytes of both files)", sizes, want)
	}
	if doneCalls != 1 {
		t.Errorf("the function PrepareLoad returned was called %d times; want once", doneCalls)
	}
}
