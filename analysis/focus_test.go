package analysis_test

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/threatls/threatls/analysis"
	"github.com/threatls/threatls/codelinks"
	"github.com/threatls/threatls/dsl"
	"github.com/threatls/threatls/internal/gen"
)

// TestFocusMatchesWholeAnalysis checks, on the example models (with their source trees,
// so evidence and annotations count) and on a generated model, that a focused analysis of
// each file reports exactly the whole analysis's findings in that file.
func TestFocusMatchesWholeAnalysis(t *testing.T) {
	parser := dsl.NewParser()
	today := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	dirs, _ := filepath.Glob("../examples/*")
	for _, dir := range dirs {
		paths, _ := filepath.Glob(filepath.Join(dir, "*.threat"))
		if len(paths) == 0 {
			continue
		}
		t.Run(filepath.Base(dir), func(t *testing.T) {
			var files []*dsl.File
			for _, p := range paths {
				b, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				files = append(files, parser.Parse(p, string(b)))
			}
			abs, _ := filepath.Abs(dir)
			ix, err := (&codelinks.Repo{Root: abs}).Scan(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			for _, opts := range []analysis.Options{
				{Today: today, Code: ix, Coverage: true},
				{Today: today, Threshold: analysis.RiskHigh},
				{Today: time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC), Code: ix}, // acceptances expired, mitigations overdue
			} {
				checkFocus(t, files, opts, analysis.Analyze(files, opts))
			}
		})
	}
	t.Run("cross-file", func(t *testing.T) {
		// Findings that hang on other files: flows into the sender of a flow, a service
		// facing the internet in a store's boundary, a runtime shared across zones.
		paths, _ := filepath.Glob("testdata/focus/*.threat")
		var files []*dsl.File
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, parser.Parse(filepath.Base(p), string(b)))
		}
		opts := analysis.Options{Today: today, Coverage: true}
		checkFocus(t, files, opts, analysis.Analyze(files, opts))
	})
	t.Run("generated", func(t *testing.T) {
		model := gen.Model(60, 1)
		names := make([]string, 0, len(model))
		for n := range model {
			names = append(names, n)
		}
		sort.Strings(names)
		var files []*dsl.File
		for _, n := range names {
			files = append(files, parser.Parse(n, model[n]))
		}
		opts := analysis.Options{Today: today, Coverage: true}
		checkFocus(t, files, opts, analysis.Analyze(files, opts))
	})
}

// TestFocusIndexFollowsEdits edits one file of a generated model again and again, as a
// user types, with one FocusIndex kept between the focused analyses (as the language
// server keeps it): after every edit, the focused findings of every file equal the whole
// analysis's.
func TestFocusIndexFollowsEdits(t *testing.T) {
	parser := dsl.NewParser()
	today := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	model := gen.Model(250, 1)
	names := make([]string, 0, len(model))
	for n := range model {
		names = append(names, n)
	}
	sort.Strings(names)
	files := make([]*dsl.File, len(names))
	for i, n := range names {
		files[i] = parser.Parse(n, model[n])
	}
	edited := 1 // services-000.threat
	other := model[names[2]]
	// A service and a store of another file, to name and to declare again.
	svc := other[strings.Index(other, "\nservice ")+len("\nservice "):]
	svc = svc[:strings.IndexByte(svc, ' ')]
	edits := []struct{ what, old, new string }{
		{"an attribute made unknown", "\n  tech ", "\n  techx "},
		{"another attribute made unknown (no id or reference changes)", "\n  tech ", "\n  techy "},
		{"the same attribute edited again", "\n  techy ", "\n  techz "},
		{"a flow to a service of another file", "\nflow customer -> ", "\nflow customer -> " + svc + " {}\nflow customer -> "},
		{"a reference being typed", "\n  handles ", "\n  handles " + svc[:len(svc)-1] + ", "},
		{"a service of another file declared again", "\nservice ", "\nservice " + svc + " {}\nservice "},
		{"a generated threat of another file answered", "\nmitigation ", "\naccept unthrottled-internet-entry@" + svc + " { until 2027-01-01 }\nmitigation "},
		{"the model declared again", "\n// ", "\nmodel again \"Again\" {}\n// "},
		{"a block left open", "\n}\n", "\n\n"},
		{"everything but the first service removed", "\n// ", "\n// \x00"},
	}
	ix := analysis.NewFocusIndex()
	text := model[names[edited]]
	for _, e := range edits {
		i := strings.Index(text, e.old)
		if i < 0 {
			t.Fatalf("%s: %q not in the file", e.what, e.old)
		}
		if strings.Contains(e.new, "\x00") {
			text = text[:i]
		} else {
			text = text[:i] + e.new + text[i+len(e.old):]
		}
		files[edited] = parser.Parse(names[edited], text)
		opts := analysis.Options{Today: today, Coverage: true}
		whole := analysis.Analyze(files, opts)
		opts.Index = ix
		t.Run(e.what, func(t *testing.T) { checkFocus(t, files, opts, whole) })
	}
}

// TestAnalyzeContextCancelled: a cancelled analysis stops and says so.
func TestAnalyzeContextCancelled(t *testing.T) {
	parser := dsl.NewParser()
	var files []*dsl.File
	for name, text := range gen.Model(20, 1) {
		files = append(files, parser.Parse(name, text))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if res, err := analysis.AnalyzeContext(ctx, files, analysis.Options{}); err == nil || res != nil {
		t.Fatalf("cancelled analysis: result %v, error %v; want no result and context.Canceled", res != nil, err)
	}
	if res, err := analysis.AnalyzeContext(context.Background(), files, analysis.Options{}); err != nil || res == nil {
		t.Fatalf("analysis: %v", err)
	}
}
