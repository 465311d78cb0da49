package gen

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/threatls/threatls/dsl"
)

func TestModelIsValid(t *testing.T) {
	for _, n := range []int{1, 7, 250} {
		files := Model(n, 42)
		if want := max(1, n/100) + 1; len(files) != want {
			t.Errorf("Model(%d): %d files, want %d", n, len(files), want)
		}
		checkModel(t, files)
	}
}

func TestModelIsDeterministic(t *testing.T) {
	a, b := Model(300, 7), Model(300, 7)
	for name, text := range a {
		if b[name] != text {
			t.Fatalf("%s differs between two runs with the same seed", name)
		}
	}
	if c := Model(300, 8); c["services-000.threat"] == a["services-000.threat"] {
		t.Error("different seeds gave the same text")
	}
}

func TestModelSize(t *testing.T) {
	total := 0
	for _, text := range Model(1000, 1) {
		total += len(text)
	}
	if total < 800_000 || total > 2_000_000 {
		t.Errorf("Model(1000) is %d bytes, want about 1 MB", total)
	}
}

// checkModel parses every file, asserts no diagnostics, and resolves every reference.
func checkModel(t *testing.T, files map[string]string) {
	t.Helper()
	p := dsl.NewParser()
	ids := map[string]dsl.Kind{}
	var parsed []*dsl.File
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		f := p.Parse(name, files[name])
		for _, d := range f.Diagnostics {
			line, col := f.Lines.Position(int(d.Span.Start))
			t.Errorf("%s:%d:%d: %s", name, line, col, d.Message)
		}
		if got := dsl.Format(f); got != files[name] {
			t.Errorf("%s is not in the layout of dsl.Format:\n%s", name, firstDiff(files[name], got))
		}
		f.Walk(func(d *dsl.Decl) {
			if d.Kind.IsResponse() || d.Kind == dsl.KindModel {
				return
			}
			if _, dup := ids[d.ID()]; dup {
				t.Errorf("%s: %s %s declared twice", name, d.Kind, d.ID())
			}
			ids[d.ID()] = d.Kind
		})
		parsed = append(parsed, f)
	}
	resolve := func(file, what, id string, kinds ...dsl.Kind) {
		k, ok := ids[id]
		if !ok {
			t.Errorf("%s: %s names undeclared `%s`", file, what, id)
			return
		}
		for _, want := range kinds {
			if k == want {
				return
			}
		}
		t.Errorf("%s: %s names %s `%s`, want one of %v", file, what, k, id, kinds)
	}
	elements := []dsl.Kind{dsl.KindActor, dsl.KindService, dsl.KindStore, dsl.KindFlow}
	for _, f := range parsed {
		f.Walk(func(d *dsl.Decl) {
			if d.Kind == dsl.KindFlow {
				resolve(f.Name, "flow "+d.ID(), d.From.Name, dsl.KindActor, dsl.KindService, dsl.KindStore)
				resolve(f.Name, "flow "+d.ID(), d.To.Name, dsl.KindActor, dsl.KindService, dsl.KindStore)
			}
			if d.Kind.IsResponse() && d.Target.Rule == nil {
				resolve(f.Name, string(d.Kind), d.Target.String(), dsl.KindThreat)
			}
			if d.Kind.IsResponse() && d.Target.Rule != nil {
				resolve(f.Name, string(d.Kind), d.Target.Target(), elements...)
			}
			for _, a := range d.Attrs {
				spec, _ := dsl.LookupAttribute(d.Kind, a.Key.Name)
				if spec.Type != dsl.TypeRef {
					continue
				}
				for _, v := range a.Values {
					if v.Ref.Rule != nil {
						resolve(f.Name, a.Key.Name, v.Ref.Target(), elements...)
						continue
					}
					resolve(f.Name, a.Key.Name, v.Ref.Target(), spec.RefKinds...)
				}
			}
		})
	}
	// Flows must cross files: some named call targets a service of another file.
	if len(files) > 2 {
		crossing := 0
		for _, f := range parsed {
			declared := map[string]bool{}
			f.Walk(func(d *dsl.Decl) { declared[d.ID()] = true })
			f.Walk(func(d *dsl.Decl) {
				if d.Kind == dsl.KindFlow && d.Name != nil && strings.HasPrefix(d.Name.Name, "call-") && !declared[d.To.Name] {
					crossing++
				}
			})
		}
		if crossing == 0 {
			t.Error("no flow references an element of another file")
		}
	}
}

// firstDiff shows the first line where a and b differ.
func firstDiff(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(la) && i < len(lb); i++ {
		if la[i] != lb[i] {
			return fmt.Sprintf("line %d:\n  generated %q\n  formatted %q", i+1, la[i], lb[i])
		}
	}
	return fmt.Sprintf("%d lines generated, %d formatted", len(la), len(lb))
}
