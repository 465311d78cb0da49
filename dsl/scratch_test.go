package dsl

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestParseDiscardingTokensMatchesParse: files parsed one after another with one Scratch
// (its token buffer reused, smaller and larger files in turn) have the declarations and
// diagnostics Parse gives them, checked after all were parsed, so no file's syntax tree
// depends on the reused buffer.
func TestParseDiscardingTokensMatchesParse(t *testing.T) {
	var srcs []string
	paths, _ := filepath.Glob(filepath.Join("testdata", "*.threat"))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		srcs = append(srcs, string(b))
	}
	large := largeModel()
	srcs = append(srcs, large[:len(large)/3], briefExample, large, "", "service a {", briefExample)
	p := NewParser()
	var scratch Scratch
	files := make([]*File, len(srcs))
	for i, src := range srcs {
		files[i] = p.ParseDiscardingTokens("a.threat", src, &scratch)
		if files[i].Tokens != nil {
			t.Fatalf("file %d keeps its tokens", i)
		}
	}
	for i, src := range srcs {
		want := p.Parse("a.threat", src)
		if got, exp := summarize(files[i]), summarize(want); got != exp {
			t.Fatalf("file %d: declarations differ:\n%s\nwant:\n%s", i, got, exp)
		}
		if !reflect.DeepEqual(files[i].Diagnostics, want.Diagnostics) {
			t.Fatalf("file %d: diagnostics differ: %v, want %v", i, files[i].Diagnostics, want.Diagnostics)
		}
	}
}
