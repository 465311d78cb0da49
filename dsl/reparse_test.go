package dsl

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/threatls/threatls/internal/gen"
)

// reparseTexts are the texts the reparse tests edit: the golden files, the examples and a
// generated model's file.
func reparseTexts(t testing.TB) map[string]string {
	texts := map[string]string{"brief": briefExample}
	for _, pattern := range []string{"testdata/*.threat", "../examples/*/*.threat"} {
		names, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range names {
			data, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			texts[name] = string(data)
		}
	}
	model := gen.Model(30, 7)
	texts["services-000"] = model["services-000.threat"]
	texts["model"] = model["model.threat"]
	return texts
}

// insertions are what the random edits type or paste.
var insertions = []string{
	"x", "e", " ", "\n", "\n\n", "-", "_", "{", "}", "\"", "\"\"\"", "/*", "*/", "//", "#", "->", "<->",
	"@", ",", ";", "1", "2026-01-01", "é", "🔥", "\t", "\r\n",
	"service extra {\n  in dmz\n}\n", "  tech go\n", "boundary b2 {\n", "}\n", "threat t9 on api {\n  stride spoofing\n}\n",
	"// a comment\n", "/* a\nblock */", "\"a string\"", "tech", "handles card, pii",
}

// randomEdit replaces a random part of text (up to 6 bytes, at a character boundary) by
// one of the insertions.
func randomEdit(r *rand.Rand, text string) string {
	at := r.IntN(len(text) + 1)
	for at > 0 && at < len(text) && text[at]&0xC0 == 0x80 {
		at--
	}
	end := min(len(text), at+r.IntN(7))
	for end < len(text) && text[end]&0xC0 == 0x80 {
		end++
	}
	ins := ""
	if r.IntN(4) > 0 {
		ins = insertions[r.IntN(len(insertions))]
	}
	return text[:at] + ins + text[end:]
}

// TestReparseMatchesParse: Reparse gives exactly what parsing the whole text gives (every
// field, the unexported ones included) after random edits of each text, and along chains of
// edits each made to the result of the one before; and typing in a large file that has no
// error reuses its declarations.
func TestReparseMatchesParse(t *testing.T) {
	p := NewParser()
	check := func(name string, f *File, next string) *File {
		t.Helper()
		got := p.Reparse(f, next)
		want := p.Parse(name, next)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: Reparse differs from Parse.\nbefore: %q\nafter:  %q\n%s", name, f.Text, next, fileDiff(got, want))
		}
		// Without tokens, as the language server parses: as ParseDiscardingTokens.
		bare := *f
		bare.Tokens = nil
		gotBare := p.Reparse(&bare, next)
		wantBare := p.ParseDiscardingTokens(name, next, new(Scratch))
		if !reflect.DeepEqual(gotBare, wantBare) {
			t.Fatalf("%s: Reparse without tokens differs from ParseDiscardingTokens.\nbefore: %q\nafter:  %q\n%s", name, f.Text, next, fileDiff(gotBare, wantBare))
		}
		return got
	}
	texts := reparseTexts(t)
	names := make([]string, 0, len(texts))
	for name := range texts {
		names = append(names, name)
	}
	sort.Strings(names)
	seeds := 4
	if testing.Short() {
		seeds = 1
	}
	for seed := range seeds {
		r := rand.New(rand.NewPCG(uint64(seed), 2))
		for _, name := range names {
			f := p.Parse(name, texts[name])
			for k := 0; k < 50; k++ {
				check(name, f, randomEdit(r, f.Text))
			}
			chain := f
			for k := 0; k < 100; k++ {
				chain = check(name, chain, randomEdit(r, chain.Text))
			}
		}
	}
	// A syntax error after the edit names its line: a line break typed before it moves it.
	broken := "service a {}\nservice b {\n  in x\nservice c {}\n"
	check("broken", p.Parse("broken", broken), "service a {\n}\nservice b {\n  in x\nservice c {}\n")
	// Typing a word into an attribute, then deleting it, in a file of 30 services.
	text := gen.Model(30, 7)["services-000.threat"]
	f := p.Parse("typing", text)
	at := len(text)/2 + strings.Index(text[len(text)/2:], "\n  tech ") + len("\n  tech")
	edits, reused := 0, 0
	for _, word := range []string{"x", "xy", "xyz", "xy", "x", ""} {
		next := text[:at] + word + text[at:]
		got := check("typing", f, next)
		edits++
		if got.Decls[0] == f.Decls[0] && got.Decls[len(got.Decls)-1] != f.Decls[len(f.Decls)-1] {
			reused++ // the first declarations kept, the last ones moved
		}
		f = got
	}
	if reused != edits {
		t.Errorf("typing reused the declarations in %d of %d edits", reused, edits)
	}
}

// fileDiff names the first field where two parses differ.
func fileDiff(got, want *File) string {
	switch {
	case !reflect.DeepEqual(got.Decls, want.Decls):
		for k := range min(len(got.Decls), len(want.Decls)) {
			if !reflect.DeepEqual(got.Decls[k], want.Decls[k]) {
				return fmt.Sprintf("Decls: first difference at declaration %d: %+v vs %+v", k, *got.Decls[k], *want.Decls[k])
			}
		}
		return fmt.Sprintf("Decls: %d vs %d", len(got.Decls), len(want.Decls))
	case !reflect.DeepEqual(got.Tokens, want.Tokens):
		for k := range min(len(got.Tokens), len(want.Tokens)) {
			if got.Tokens[k] != want.Tokens[k] {
				return fmt.Sprintf("Tokens: first difference at %d: %v vs %v", k, got.Tokens[k], want.Tokens[k])
			}
		}
		return fmt.Sprintf("Tokens: %d vs %d", len(got.Tokens), len(want.Tokens))
	case !reflect.DeepEqual(got.Diagnostics, want.Diagnostics):
		return fmt.Sprintf("Diagnostics: %+v vs %+v", got.Diagnostics, want.Diagnostics)
	case !reflect.DeepEqual(got.syntax, want.syntax):
		return fmt.Sprintf("syntax diagnostics: %+v vs %+v", got.syntax, want.syntax)
	}
	return fmt.Sprintf("another field differs: %+v vs %+v", *got, *want)
}

// FuzzReparse: for any text and any edit of it, Reparse gives what Parse gives.
func FuzzReparse(f *testing.F) {
	for _, text := range []string{briefExample, "service a {}\nservice b {}\n", "boundary b {\n  service s {}\n}\nservice t { in b }\n"} {
		f.Add(text, uint16(20), uint8(2), "x")
		f.Add(text, uint16(0), uint8(0), "service c {}\n")
		f.Add(text, uint16(13), uint8(1), "\"")
	}
	f.Add("service a {}\nservice b {\n  in x\nservice c {}\n", uint16(11), uint8(0), "\n")
	p := NewParser()
	f.Fuzz(func(t *testing.T, text string, at uint16, cut uint8, ins string) {
		start := min(int(at), len(text))
		end := min(len(text), start+int(cut%16))
		next := text[:start] + ins + text[end:]
		old := p.Parse("fuzz.threat", text)
		got := p.Reparse(old, next)
		want := p.Parse("fuzz.threat", next)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("Reparse differs from Parse.\nbefore: %q\nafter:  %q\n%s", text, next, fileDiff(got, want))
		}
		bare := p.ParseDiscardingTokens("fuzz.threat", text, new(Scratch))
		got = p.Reparse(bare, next)
		want = p.ParseDiscardingTokens("fuzz.threat", next, new(Scratch))
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("Reparse without tokens differs from ParseDiscardingTokens.\nbefore: %q\nafter:  %q\n%s", text, next, fileDiff(got, want))
		}
	})
}
