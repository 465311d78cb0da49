package lsp_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/protocol"
)

// TestKeystrokeAnswersEditedFileFirst: after an edit, the edited file's diagnostics come
// once, from the focused analysis, and are final; the other files' follow from the whole
// analysis when the edit changes them.
func TestKeystrokeAnswersEditedFileFirst(t *testing.T) {
	root := writeModel(t, map[string]string{
		"system.threat": `boundary internet "Internet" { trust untrusted }
boundary dmz "DMZ" { trust low }
data card "Card" { classification restricted }
actor customer "Customer" { in internet; human }
service api "API" {
  in dmz
  handles card
  validates_input
}
flow customer -> api "Checkout" {
  protocol https
  carries card
  encrypted
  authenticated session
  authorized
}
threat fraud "Card fraud" {
  on api
  stride spoofing
  likelihood high
  impact high
}
`,
		"answers.threat": `mitigation checks "Fraud checks" {
  mitigates fraud
  status implemented
}
`,
	})
	e := newEditor(t, root, editorConfig{})
	system := e.uri("system.threat")
	answers := e.open("answers.threat", "")
	e.awaitDiags(system, "fraud mitigated", not(hasDiag("open-threat", "`fraud`")))
	e.awaitDiags(answers, "first diagnostics", func([]protocol.Diagnostic) bool { return true })

	// Deleting the mitigation's target opens the threat declared in the other file.
	e.replace(answers, "mitigates fraud", "mitigates frau")
	e.awaitDiags(answers, "unknown threat", hasDiag("unknown-ref", "did you mean `fraud`"))
	e.awaitDiags(system, "fraud open", hasDiag("open-threat", "`fraud`"))
	e.replace(answers, "mitigates frau", "mitigates fraud")
	e.awaitDiags(system, "fraud mitigated again", not(hasDiag("open-threat", "`fraud`")))
	e.awaitDiags(answers, "known threat", not(hasDiag("unknown-ref", "")))

	// Let any later publication arrive, then check the edited file's log: at most one
	// publication per version, never a different one later.
	time.Sleep(200 * time.Millisecond)
	e.mu.Lock()
	defer e.mu.Unlock()
	perVersion := map[uint32]int{}
	for _, p := range e.published[answers] {
		if p.Version != 0 { // 0: published from disk, before the editor opened it
			perVersion[p.Version]++
		}
	}
	for v, n := range perVersion {
		if n != 1 {
			t.Errorf("version %d of answers.threat was published %d times, want once", v, n)
		}
	}
	// The opened version may be skipped: the first edit came before its analysis ended.
	if perVersion[2] != 1 || perVersion[3] != 1 {
		t.Errorf("published versions %v, want both edits", perVersion)
	}
}

// TestRequestsAreAnsweredWhileTyping: typing without a pause cancels stale analyses, but
// not while a request waits for one, so a hover is answered before the typing stops.
func TestRequestsAreAnsweredWhileTyping(t *testing.T) {
	e, uri, _ := benchEditor(t, 200)
	hov := e.pos(uri, "\n  in ", false)
	hov.Character++
	stop := make(chan struct{})
	typed := make(chan struct{})
	go func() {
		defer close(typed)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
			if i%2 == 0 {
				e.replace(uri, "\n  tech ", "\n  techx ")
			} else {
				e.replace(uri, "\n  techx ", "\n  tech ")
			}
		}
	}()
	time.Sleep(100 * time.Millisecond) // typing is under way
	answered := make(chan error, 1)
	go func() {
		var h protocol.Hover
		answered <- e.tryCall("textDocument/hover", map[string]any{"textDocument": map[string]any{"uri": uri}, "position": hov}, &h)
	}()
	select {
	case err := <-answered:
		if err != nil {
			t.Errorf("hover: %v", err)
		}
	case <-time.After(6 * time.Second):
		t.Error("hover not answered after 6 s of typing")
	}
	close(stop)
	<-typed
}

// TestFocusedDiagnosticsAreFinal types edits with effects across files into a file of a
// generated model and waits for the whole analysis after each: the diagnostics the focused
// analysis (of the file's closure, after the first edit) published for every version are
// the whole analysis's too, so no version is published twice.
func TestFocusedDiagnosticsAreFinal(t *testing.T) {
	e, uri, _ := benchEditor(t, 300)
	e.mu.Lock()
	text := e.texts[uri]
	e.mu.Unlock()
	// A service of the next file, to name and to declare again.
	other := strings.Replace(uri, "-000.threat", "-001.threat", 1)
	if other == uri {
		t.Fatalf("edited %s, want the first service file", uri)
	}
	b, err := os.ReadFile(strings.TrimPrefix(other, "file://"))
	if err != nil {
		t.Fatal(err)
	}
	svc := string(b)[strings.Index(string(b), "\nservice ")+len("\nservice "):]
	svc = svc[:strings.IndexByte(svc, ' ')]
	if !strings.Contains(text, "\n  tech ") {
		t.Fatal("no `tech` in the edited file")
	}
	edits := [][2]string{
		{"\n  tech ", "\n  techx "},
		// Edits that keep every id and reference: the analysis starts from the one before.
		{"\n  encrypted\n  authenticated session", "\n  authenticated session"},
		{"\n  techx ", "\n  tech "},
		{"\n  protocol https\n", "\n  protocol http\n"},
		{"\nflow customer -> ", "\nflow customer -> " + svc + " {}\nflow customer -> "},
		{"\n  handles ", "\n  handles " + svc[:len(svc)-1] + ", "},
		{"\nservice ", "\nservice " + svc + " {}\nservice "},
		{"\nmitigation ", "\naccept unthrottled-internet-entry@" + svc + " { until 2027-01-01 }\nmitigation "},
	}
	hov := e.pos(uri, "\n  in ", false)
	hov.Character++
	for _, ed := range edits {
		e.replace(uri, ed[0], ed[1])
		e.mu.Lock()
		v := uint32(e.vers[uri])
		e.mu.Unlock()
		e.awaitDiags(uri, "diagnostics of the edit", func([]protocol.Diagnostic) bool {
			e.mu.Lock()
			defer e.mu.Unlock()
			ps := e.published[uri]
			return len(ps) > 0 && ps[len(ps)-1].Version == v
		})
		// A hover waits for the whole analysis of the newest documents.
		var h protocol.Hover
		e.call("textDocument/hover", map[string]any{"textDocument": map[string]any{"uri": uri}, "position": hov}, &h)
	}
	time.Sleep(100 * time.Millisecond)
	e.mu.Lock()
	defer e.mu.Unlock()
	perVersion := map[uint32]int{}
	for _, p := range e.published[uri] {
		perVersion[p.Version]++
	}
	for v := uint32(2); v <= uint32(len(edits)+1); v++ {
		if perVersion[v] != 1 {
			t.Errorf("version %d was published %d times, want once (published: %v)", v, perVersion[v], perVersion)
		}
	}
}
