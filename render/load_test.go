package render

import (
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/threatls/threatls/analysis"
	"github.com/threatls/threatls/dsl"
)

// today is the date the goldens are judged at.
var today = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

// load analyses every .threat file under dir (names relative to the repository root).
func load(t testing.TB, dir string) *analysis.Result {
	t.Helper()
	var names []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && filepath.Ext(p) == ".threat" {
			names = append(names, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(names)
	p := dsl.NewParser()
	var files []*dsl.File
	for _, n := range names {
		data, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel("..", n)
		files = append(files, p.Parse(filepath.ToSlash(rel), string(data)))
	}
	return analysis.Analyze(files, analysis.Options{Today: today})
}

// loadText analyses one file given as text.
func loadText(t testing.TB, name, text string) *analysis.Result {
	t.Helper()
	f := dsl.NewParser().Parse(name, text)
	return analysis.Analyze([]*dsl.File{f}, analysis.Options{Today: today})
}
