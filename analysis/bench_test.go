package analysis

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/threatls/threatls/dsl"
	"github.com/threatls/threatls/internal/gen"
)

// benchServices is how many services internal/gen.Model needs for a model of about n
// elements: each service comes with a store, and three actors are shared.
func benchServices(elements int) int { return elements / 2 }

func parseAll(files map[string]string) []*dsl.File {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]*dsl.File, 0, len(names))
	for _, n := range names {
		out = append(out, testParser.Parse(n, files[n]))
	}
	return out
}

// TestGeneratedModelIsValid keeps the benchmark honest: the generated model resolves
// without errors, has the size the benchmark names, and exercises every threat state.
func TestGeneratedModelIsValid(t *testing.T) {
	files := gen.Model(benchServices(1000), 1)
	res := Analyze(parseAll(files), Options{Today: testToday})
	requireClean(t, res)
	if n := len(res.Model.Elements); n < 1000 || n > 1010 {
		t.Errorf("%d elements, want about 1,000", n)
	}
	c := res.Counts()
	for _, s := range States {
		if c[s] == 0 {
			t.Errorf("no %s threat in the generated model: %v", s, c)
		}
	}
	t.Logf("1,000 elements: %d files, %d flows, %d threats (%v), %d cleared, %d findings",
		len(files), len(res.Model.Flows), len(res.Threats), c, len(res.Cleared()), len(res.Findings))
}

func benchmarkAnalyze(b *testing.B, n int) {
	files := parseAll(gen.Model(benchServices(n), 1))
	opts := Options{Today: testToday}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		Analyze(files, opts)
	}
}

// BenchmarkAnalyze measures resolution, rules, states and findings on models of 1,000 to
// 20,000 elements (500 to 10,000 services) from internal/gen; parsing is excluded.
func BenchmarkAnalyze(b *testing.B) {
	for _, n := range []int{1000, 2000, 10000, 20000} {
		b.Run(fmt.Sprintf("elements=%d", n), func(b *testing.B) { benchmarkAnalyze(b, n) })
	}
}

// BenchmarkParseAndAnalyze measures what `threatls check` does per model after reading
// the files: parse every file, then analyze.
func BenchmarkParseAndAnalyze(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("elements=%d", n), func(b *testing.B) {
			files := gen.Model(benchServices(n), 1)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				Analyze(parseAll(files), Options{Today: testToday})
			}
		})
	}
}

// BenchmarkAnalyzeFocused measures what a keystroke in the language server runs: the
// analysis focused on one file of services, with the model's focus index up to date
// (the file is re-indexed, as after an edit).
func BenchmarkAnalyzeFocused(b *testing.B) {
	for _, n := range []int{2000, 20000} {
		b.Run(fmt.Sprintf("elements=%d", n), func(b *testing.B) {
			files := parseAll(gen.Model(benchServices(n), 1))
			focus := fileNamed(b, files, "services-000.threat")
			ix := NewFocusIndex()
			ix.Update(files)
			opts := Options{Today: testToday, Focus: files[focus].Name, Index: ix}
			// Two parses of the file, in turn: each run finds it changed, as after a
			// keystroke, without parsing (the server's work, not the analysis's).
			versions := make([][]*dsl.File, 2)
			for v := range versions {
				versions[v] = append([]*dsl.File(nil), files...)
				versions[v][focus] = testParser.Parse(files[focus].Name, files[focus].Text)
			}
			b.ReportAllocs()
			b.ResetTimer()
			runs := 0
			for b.Loop() {
				Analyze(versions[runs%2], opts)
				runs++
			}
		})
	}
}

// BenchmarkAnalyzeEdited measures what a keystroke in the language server runs after
// the first: the analysis focused on one file of services, starting from the analysis
// before the edit (Options.Base), a character typed into an attribute and deleted in turn.
// With dependents=cold, each edit is in another declaration, whose dependents are found
// anew (FocusIndex.dependents); with warm, typing goes on in one.
func BenchmarkAnalyzeEdited(b *testing.B) {
	for _, n := range []int{2000, 20000} {
		for _, cold := range []bool{false, true} {
			name := fmt.Sprintf("elements=%d/dependents=warm", n)
			if cold {
				name = fmt.Sprintf("elements=%d/dependents=cold", n)
			}
			b.Run(name, func(b *testing.B) { benchmarkAnalyzeEdited(b, n, cold) })
		}
	}
}

func benchmarkAnalyzeEdited(b *testing.B, n int, cold bool) {
	files := parseAll(gen.Model(benchServices(n), 1))
	focus := fileNamed(b, files, "services-000.threat")
	text := files[focus].Text
	// The places typed at: after `tech` in the services of the file, every tenth one.
	var places []int
	for i := 0; ; {
		j := strings.Index(text[i:], "\n  tech ")
		if j < 0 {
			break
		}
		places = append(places, i+j+len("\n  tech"))
		i += j + 1
	}
	if len(places) < 20 {
		b.Fatalf("%d services with `tech` in the file", len(places))
	}
	ix := NewFocusIndex()
	opts := Options{Today: testToday, Focus: files[focus].Name, Index: ix}
	prev := Analyze(files, opts)
	// versions[k] has "x" typed at place k; the runs go there and back to files.
	versions := make([][]*dsl.File, 10)
	for k := range versions {
		at := places[2*k]
		versions[k] = append([]*dsl.File(nil), files...)
		versions[k][focus] = testParser.Parse(files[focus].Name, text[:at]+"x"+text[at:])
	}
	cur := files
	b.ReportAllocs()
	b.ResetTimer()
	runs := 0
	for b.Loop() {
		next := files
		if runs%2 == 0 {
			k := 0
			if cold {
				k = (runs / 2) % len(versions)
			}
			next = versions[k]
		}
		opts.Base = &Base{Files: cur, Findings: prev.Findings}
		prev, cur = Analyze(next, opts), next
		if !prev.edited {
			b.Fatal("a keystroke did not take the edited path")
		}
		runs++
	}
}

// fileNamed returns the place of the file of that name in files.
func fileNamed(b *testing.B, files []*dsl.File, name string) int {
	b.Helper()
	for i, f := range files {
		if f.Name == name {
			return i
		}
	}
	b.Fatalf("the generated model has no %s", name)
	return -1
}
