package dsl

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// grammarOnlyParser returns a parser that reads every declaration with the gDecl grammar,
// as before gLeaf.
func grammarOnlyParser() *Parser {
	p := *NewParser().p
	p.leaf = nil
	return &Parser{p: &p}
}

// checkLeafMatchesGrammar checks that reading declarations without nested ones with gLeaf
// gives exactly what the gDecl grammar gives.
func checkLeafMatchesGrammar(t *testing.T, leaf, grammar *Parser, src string) {
	t.Helper()
	a, b := leaf.Parse("a.threat", src), grammar.Parse("a.threat", src)
	if sa, sb := summarize(a), summarize(b); sa != sb {
		t.Fatalf("declarations differ for %q:\nwith gLeaf:\n%s\ngrammar only:\n%s", src, sa, sb)
	}
	if !reflect.DeepEqual(a.Diagnostics, b.Diagnostics) {
		t.Fatalf("diagnostics differ for %q:\nwith gLeaf: %v\ngrammar only: %v", src, a.Diagnostics, b.Diagnostics)
	}
	if fa, fb := Format(a), Format(b); fa != fb {
		t.Fatalf("formatting differs for %q", src)
	}
}

func TestLeafMatchesGrammar(t *testing.T) {
	leaf, grammar := NewParser(), grammarOnlyParser()
	paths, _ := filepath.Glob(filepath.Join("testdata", "*.threat"))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		checkLeafMatchesGrammar(t, leaf, grammar, string(b))
	}
	checkLeafMatchesGrammar(t, leaf, grammar, briefExample)
	checkLeafMatchesGrammar(t, leaf, grammar, largeModel())
}

func FuzzLeafMatchesGrammar(f *testing.F) {
	addSeeds(f)
	leaf, grammar := NewParser(), grammarOnlyParser()
	f.Fuzz(func(t *testing.T, src string) {
		checkLeafMatchesGrammar(t, leaf, grammar, src)
	})
}
