package lsp_test

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"go.lsp.dev/protocol"

	"github.com/threatls/threatls/analysis"
	"github.com/threatls/threatls/codelinks"
	"github.com/threatls/threatls/dsl"
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

// TestTypingMatchesFreshAnalysis types into a file of the web shop example as a user
// would: other values of attributes, characters (accented, emoji) typed into titles and
// values, characters deleted. After each keystroke the file's diagnostics of that version,
// which the server answers from the analysis before where the edit cannot change them,
// must be exactly those of a fresh analysis of the texts, ranges in UTF-16 included.
func TestTypingMatchesFreshAnalysis(t *testing.T) {
	paths, _ := filepath.Glob("../examples/webshop/*.threat")
	texts := map[string]string{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		texts[filepath.Base(p)] = string(b)
	}
	const name = "storefront.threat"
	if texts[name] == "" || len(texts) < 2 {
		t.Fatalf("the web shop example has no %s, or one file only", name)
	}
	root := writeModel(t, texts)
	e := newEditor(t, root, editorConfig{})
	uri := e.open(name, "")
	code, err := (&codelinks.Repo{Root: root}).Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Values written in the model, by attribute, to put in place of others.
	parser := dsl.NewParser()
	pool := map[string][]string{}
	for _, text := range texts {
		parser.Parse("x", text).Walk(func(d *dsl.Decl) {
			for _, a := range d.Attrs {
				for _, v := range a.Values {
					pool[a.Key.Name] = append(pool[a.Key.Name], text[v.Span.Start:v.Span.End])
				}
			}
		})
	}
	rng := rand.New(rand.NewSource(3))
	keystrokes := 120
	if testing.Short() || raceEnabled {
		keystrokes = 30
	}
	for k := 0; k < keystrokes; k++ {
		e.mu.Lock()
		text := e.texts[uri]
		e.mu.Unlock()
		f := parser.Parse(uri, text)
		var values []*dsl.Value
		var keys []string
		f.Walk(func(d *dsl.Decl) {
			for _, a := range d.Attrs {
				for _, v := range a.Values {
					values, keys = append(values, v), append(keys, a.Key.Name)
				}
			}
		})
		if len(values) == 0 {
			t.Fatal("no attribute values left to edit")
		}
		i := rng.Intn(len(values))
		v := values[i]
		switch rng.Intn(3) {
		case 0: // another value of the attribute
			vals := pool[keys[i]]
			e.replaceRange(uri, int(v.Span.Start), int(v.Span.End), vals[rng.Intn(len(vals))])
		case 1: // a character typed at the end of the value
			at := v.Span.End
			if v.Kind == dsl.ValueString {
				at-- // inside the quotes
			}
			e.replaceRange(uri, int(at), int(at), []string{"é", "🔥", "x", "ü"}[rng.Intn(4)])
		default: // the value's last character deleted
			if v.Span.End-v.Span.Start < 2 || v.Kind == dsl.ValueString {
				continue
			}
			_, size := utf8.DecodeLastRuneInString(text[:v.Span.End])
			e.replaceRange(uri, int(v.Span.End)-size, int(v.Span.End), "")
		}
		e.mu.Lock()
		version, now := uint32(e.vers[uri]), e.texts[uri]
		e.mu.Unlock()
		var files []*dsl.File
		for n, t := range texts {
			if n == name {
				t = now
			}
			files = append(files, parser.Parse(e.uri(n), t))
		}
		res := analysis.Analyze(files, analysis.Options{Today: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC), Code: code, Coverage: true})
		var want []string
		for _, fd := range res.Findings {
			if fd.File == uri {
				want = append(want, fmt.Sprintf("%v %v %s %s", utf16Pos(now, int(fd.Span.Start)), utf16Pos(now, int(fd.Span.End)), fd.Code, fd.Message()))
			}
		}
		sort.Strings(want)
		var got []string
		e.awaitDiags(uri, fmt.Sprintf("diagnostics of version %d", version), func([]protocol.Diagnostic) bool {
			e.mu.Lock()
			defer e.mu.Unlock()
			ps := e.published[uri]
			if len(ps) == 0 || ps[len(ps)-1].Version != version {
				return false
			}
			got = got[:0]
			for _, d := range ps[len(ps)-1].Diagnostics {
				got = append(got, fmt.Sprintf("%v %v %v %s", d.Range.Start, d.Range.End, d.Code, d.Message))
			}
			return true
		})
		sort.Strings(got)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("keystroke %d: diagnostics differ from a fresh analysis\ngot:\n%s\nwant:\n%s\ntext:\n%s", k, strings.Join(got, "\n"), strings.Join(want, "\n"), now)
		}
	}
}

// TestKeystrokeAfterLinkChange: a source file a `code` link names is removed behind the
// server's back (no watched-file event). The whole analysis after a pause finds the link
// broken; the next keystroke must not bring back the earlier keystroke's answer, which an
// analysis starting from it would.
func TestKeystrokeAfterLinkChange(t *testing.T) {
	root := writeModel(t, map[string]string{
		"a.threat": "service s \"S\" { code \"x.go\" }\nservice t \"T\" { kind web }\n",
		"b.threat": "actor u \"U\" { kind user }\n",
		"x.go":     "package x\n",
	})
	e := newEditor(t, root, editorConfig{})
	uri := e.open("a.threat", "")
	typed := func(from, to string) uint32 {
		e.replace(uri, from, to)
		e.mu.Lock()
		v := uint32(e.vers[uri])
		e.mu.Unlock()
		return v
	}
	versionHas := func(v uint32, code string) func([]protocol.Diagnostic) bool {
		return func([]protocol.Diagnostic) bool {
			e.mu.Lock()
			defer e.mu.Unlock()
			ps := e.published[uri]
			if len(ps) == 0 || ps[len(ps)-1].Version != v {
				return false
			}
			for _, d := range ps[len(ps)-1].Diagnostics {
				if d.Code == code {
					return true
				}
			}
			t.Fatalf("version %d: no %s in %s", v, code, dumpDiags(ps[len(ps)-1].Diagnostics))
			return false
		}
	}
	v := typed("kind web", "kind api")
	e.awaitDiags(uri, "the first keystroke's diagnostics", func([]protocol.Diagnostic) bool {
		e.mu.Lock()
		defer e.mu.Unlock()
		ps := e.published[uri]
		return len(ps) > 0 && ps[len(ps)-1].Version == v
	})
	if err := os.Remove(filepath.Join(root, "x.go")); err != nil {
		t.Fatal(err)
	}
	// A hover waits for the whole analysis, which resolves the link again.
	var h protocol.Hover
	e.call("textDocument/hover", map[string]any{"textDocument": map[string]any{"uri": uri}, "position": e.pos(uri, "service t", false)}, &h)
	e.awaitDiags(uri, "the broken link after the whole analysis", hasDiag("link-missing", "x.go"))
	v = typed("kind api", "kind web")
	e.awaitDiags(uri, "the broken link after the next keystroke", versionHas(v, "link-missing"))
}
