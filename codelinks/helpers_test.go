package codelinks

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// fixture copies testdata/repo into a temporary folder and returns the copy's root. The
// copy gets what cannot live in the repository as such: the fixture's .gitignore (stored
// as dot-gitignore so it does not apply to the threatls repository itself) and a
// node_modules folder (which the threatls repository ignores).
func fixture(t testing.TB) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "repo")
	src := filepath.Join("testdata", "repo")
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		out := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(out, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if rel == "dot-gitignore" {
			out = filepath.Join(dst, ".gitignore")
		}
		return os.WriteFile(out, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	write(t, dst, "node_modules/leftpad/index.js", "// threatls: mitigates node-modules\nmodule.exports = function leftpad() {};\n")
	return dst
}

// write creates a file (and its folders) under root.
func write(t testing.TB, root, rel, text string) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// scan scans root and fails the test on error.
func scan(t testing.TB, root string) *Index {
	t.Helper()
	ix, err := (&Repo{Root: root}).Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

// annString renders annotations compactly: "file:line:col kind id".
func annString(anns []Annotation) string {
	var b strings.Builder
	for _, a := range anns {
		b.WriteString(a.File + ":" + strconv.Itoa(a.Line) + ":" + strconv.Itoa(a.Col) + " " + string(a.Kind) + " " + a.ID)
		if a.Note != "" {
			b.WriteString(" (" + a.Note + ")")
		}
		b.WriteString("\n")
	}
	return b.String()
}
