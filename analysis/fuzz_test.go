package analysis_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/threatls/threatls/analysis"
	"github.com/threatls/threatls/dsl"
)

// fileSep splits one fuzz input into several files of one model, so that cross-file
// references, duplicates and responses in another file are exercised too.
const fileSep = "\n---8<---\n"

// FuzzAnalyze parses arbitrary text and analyses it with every option on: the analysis
// must not panic, and every finding (and related location) must point into a file of the
// model, with a span inside that file's text.
func FuzzAnalyze(f *testing.F) {
	var seeds []string
	for _, pattern := range []string{"../examples/*/*.threat", "../dsl/testdata/*.threat"} {
		paths, _ := filepath.Glob(pattern)
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			seeds = append(seeds, string(b))
		}
	}
	// Whole example models, files joined by the separator.
	dirs, _ := filepath.Glob("../examples/*")
	dirs = append(dirs, "testdata/focus")
	for _, d := range dirs {
		paths, _ := filepath.Glob(filepath.Join(d, "*.threat"))
		var parts []string
		for _, p := range paths {
			b, _ := os.ReadFile(p)
			parts = append(parts, string(b))
		}
		seeds = append(seeds, strings.Join(parts, fileSep))
	}
	seeds = append(seeds, "", "service a {}\nflow a -> a {}", "threat t { on x }\n"+fileSep+"mitigation m { mitigates t }",
		"accept x@y { until 1999-01-01 }", "boundary b { boundary c { service s {} } }", "flow a: b <-> c {}\nflow a: c -> b {}")
	for _, s := range seeds {
		f.Add(s)
	}
	parser := dsl.NewParser()
	today := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, text string) {
		parts := strings.Split(text, fileSep)
		if len(parts) > 8 {
			parts = parts[:8]
		}
		files := make([]*dsl.File, len(parts))
		byName := map[string]string{}
		for i, p := range parts {
			name := "file:///m/" + string(rune('a'+i)) + ".threat"
			files[i] = parser.Parse(name, p)
			byName[name] = p
		}
		for _, th := range []analysis.Risk{analysis.RiskNote, analysis.RiskHigh} {
			res := analysis.Analyze(files, analysis.Options{Today: today, Threshold: th, Coverage: true})
			if res == nil {
				t.Fatal("Analyze returned nil")
			}
			check := func(what, file string, sp dsl.Span) {
				src, ok := byName[file]
				if !ok {
					t.Fatalf("%s names file %q, not in the model", what, file)
				}
				if sp.Start < 0 || sp.End < sp.Start || int(sp.End) > len(src) {
					t.Fatalf("%s span %v outside %s (%d bytes)", what, sp, file, len(src))
				}
			}
			for _, fd := range res.Findings {
				what := fd.Code + ": " + fd.Message()
				check(what, fd.File, fd.Span)
				for _, r := range fd.Related() {
					check(what+" (related)", r.File, r.Span)
				}
				if !utf8.ValidString(fd.Message()) && utf8.ValidString(text) {
					t.Fatalf("finding message is not UTF-8: %q", fd.Message())
				}
				if fd.ThreatID != "" && res.Threat(fd.ThreatID) == nil {
					t.Fatalf("finding %q names threat %q, which the result does not hold", what, fd.ThreatID)
				}
			}
			for _, thr := range res.Threats {
				_ = analysis.Explain(thr)
			}
			checkFocus(t, files, analysis.Options{Today: today, Threshold: th, Coverage: true}, res)
		}
	})
}

// checkFocus checks that a focused analysis of each file finds exactly what the whole
// analysis (res) finds in that file: the language server answers keystrokes with it.
func checkFocus(t *testing.T, files []*dsl.File, opts analysis.Options, res *analysis.Result) {
	t.Helper()
	for _, f := range files {
		var want []analysis.Finding
		for _, fd := range res.Findings {
			if fd.File == f.Name && fd.Source == nil {
				want = append(want, fd)
			}
		}
		// Resolving the whole model, and resolving the closure (with the index given, or
		// with a new one).
		index := opts.Index
		if index == nil {
			index = analysis.NewFocusIndex()
		}
		for _, ix := range []*analysis.FocusIndex{nil, index} {
			fo := opts
			fo.Focus, fo.Index = f.Name, ix
			got := analysis.Analyze(files, fo).Findings
			if len(got) == 0 && len(want) == 0 {
				continue
			}
			for i := 0; i < max(len(got), len(want)); i++ {
				var g, w string
				if i < len(got) {
					g = shown(got[i])
				}
				if i < len(want) {
					w = shown(want[i])
				}
				if g != w {
					t.Fatalf("focused on %s (closure: %v), finding %d differs from the whole analysis:\nfocused: %s\nwhole:   %s", f.Name, ix != nil, i, g, w)
				}
			}
		}
	}
}

// shown is what a finding shows: every field, and its message.
func shown(f analysis.Finding) string {
	return fmt.Sprintf("%s %v %s %v %q %+v %s %v %+v", f.Code, f.Level, f.File, f.Span, f.Message(), f.Related(), f.ThreatID, f.Risk, f.Source)
}
