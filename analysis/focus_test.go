package analysis_test

import (
	"context"
	"os"
	"path/filepath"
	"sort"
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
