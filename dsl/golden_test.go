package dsl

import (
	goflag "flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = goflag.Bool("update", false, "rewrite the golden files in testdata")

// TestGolden parses every testdata/*.threat file and compares the AST summary (.ast), the
// diagnostics (.diag) and the formatted text (.fmt) with the golden files next to it.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.threat"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no testdata/*.threat files")
	}
	p := NewParser()
	for _, path := range files {
		name := strings.TrimSuffix(filepath.Base(path), ".threat")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			f := p.Parse(filepath.Base(path), string(src))
			formatted := Format(f)
			golden(t, strings.TrimSuffix(path, ".threat")+".ast", summarize(f))
			golden(t, strings.TrimSuffix(path, ".threat")+".diag", diagnostics(f))
			golden(t, strings.TrimSuffix(path, ".threat")+".fmt", formatted)

			// Properties every golden case must have.
			if len(f.Diagnostics) == 0 {
				f.Walk(func(d *Decl) {
					if d.Broken {
						t.Errorf("%s %q is marked broken in a file without diagnostics", d.Kind, d.ID())
					}
				})
			}
			checkFormatProperties(t, string(src), formatted)
			if again := Format(p.Parse(name, formatted)); again != formatted {
				t.Errorf("Format is not idempotent:\n--- once\n%s\n--- twice\n%s", formatted, again)
			}
			if !f.HasErrors() && summarizeNoSpans(p.Parse(name, formatted)) != summarizeNoSpans(f) {
				t.Errorf("formatting changed the meaning:\n--- before\n%s\n--- after\n%s", summarizeNoSpans(f), summarizeNoSpans(p.Parse(name, formatted)))
			}
		})
	}
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./dsl -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs (run go test ./dsl -update to accept):\n--- want\n%s\n--- got\n%s", path, want, got)
	}
}

// summarizeNoSpans is the AST summary without offsets: what the declarations mean.
func summarizeNoSpans(f *File) string {
	var b strings.Builder
	f.Walk(func(d *Decl) {
		b.WriteString(string(d.Kind) + " " + d.ID() + " " + d.TitleText())
		if d.Parent != nil {
			b.WriteString(" in " + d.Parent.ID())
		}
		b.WriteString("\n")
		for _, a := range d.Attrs {
			b.WriteString("  " + a.Key.Name)
			for _, v := range a.Values {
				b.WriteString(" " + valueKindName(v.Kind) + ":" + v.Text)
			}
			b.WriteString("\n")
		}
	})
	return b.String()
}

func valueKindName(k ValueKind) string {
	switch k {
	case ValueRef:
		return "ref"
	case ValueString:
		return "str"
	case ValueDate:
		return "date"
	case ValueNumber:
		return "num"
	}
	return "?"
}
