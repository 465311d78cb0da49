package analysis

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/threatls/threatls/dsl"
	"github.com/threatls/threatls/internal/gen"
)

// TestEditedMatchesFocused types random edits into each file of the example models, the
// focus test models and a generated model, as the language server does: each analysis of
// an edited file starts from the one before it (Options.Base), in runs of a few edits
// from the file as written. Every result must be exactly the findings a focused analysis
// from scratch reports, and many edits must have taken the edited path, so that the
// comparison means something.
func TestEditedMatchesFocused(t *testing.T) {
	models := map[string]map[string]string{"generated": gen.Model(200, 7)}
	dirs, _ := filepath.Glob("../examples/*")
	dirs = append(dirs, "testdata/focus")
	for _, dir := range dirs {
		paths, _ := filepath.Glob(filepath.Join(dir, "*.threat"))
		if len(paths) < 2 {
			continue
		}
		files := map[string]string{}
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			files[filepath.Base(p)] = string(b)
		}
		models[filepath.Base(dir)] = files
	}
	runs := 40
	if testing.Short() || raceEnabled {
		runs = 8
	}
	for name, texts := range models {
		t.Run(name, func(t *testing.T) {
			files := parseAll(texts)
			edits, took := 0, 0
			for fi := range files {
				e, k := checkEdits(t, files, fi, runs, uint64(fi+1))
				edits, took = edits+e, took+k
			}
			t.Logf("%d of %d edits took the edited path", took, edits)
			if took < edits/3 {
				t.Errorf("%d of %d edits took the edited path; want at least a third", took, edits)
			}
		})
	}
}

// checkEdits makes runs of up to four edits in files[fi], each run from the file as
// written, and compares each edited analysis with a focused one. It returns how many
// edits it made and how many took the edited path.
func checkEdits(t *testing.T, original []*dsl.File, fi, runs int, seed uint64) (edits, took int) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 42))
	name := original[fi].Name
	pool := valuePool(original)
	ix := NewFocusIndex()
	for run := range runs {
		files := original
		opts := Options{Today: testToday, Focus: name, Index: ix, Coverage: run%2 == 0}
		prev := Analyze(files, opts)
		for e := range 1 + r.IntN(4) {
			text, what := randomEdit(r, files[fi], pool)
			if text == "" {
				continue
			}
			next := append([]*dsl.File(nil), files...)
			next[fi] = testParser.Parse(name, text)
			opts.Base = &Base{Files: files, Findings: prev.Findings}
			got := Analyze(next, opts)
			want := Analyze(next, Options{Today: testToday, Focus: name, Index: NewFocusIndex(), Coverage: opts.Coverage})
			if g, w := describeFindings(got.Findings), describeFindings(want.Findings); g != w {
				t.Fatalf("%s, run %d, edit %d (%s), edited path %v: findings differ from a focused analysis\ngot:\n%s\nwant:\n%s\nnew text:\n%s",
					name, run, e, what, got.edited, g, w, text)
			}
			edits++
			if got.edited {
				took++
			}
			// A finding kept from an earlier analysis holds none of its threats (which
			// would keep that analysis in memory).
			for _, f := range got.Findings {
				if f.threat != nil && got.Threat(f.ThreatID) != f.threat {
					t.Fatalf("%s, run %d, edit %d: finding %s holds a threat of another analysis", name, run, e, f.ThreatID)
				}
				if f.subject != nil && got.Model.Symbols[f.subject.ID] != f.subject {
					t.Fatalf("%s, run %d, edit %d: coverage hint on %s holds a symbol of another analysis", name, run, e, f.subject.ID)
				}
			}
			files, prev = next, got
		}
	}
	return edits, took
}

func describeFindings(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "%s %d %s %v %q %s %+v %v", f.Code, f.Level, f.File, f.Span, f.Message(), f.ThreatID, f.Risk, f.Source)
		for _, r := range f.Related() {
			fmt.Fprintf(&b, " [%s %v %q]", r.File, r.Span, r.Message)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// valuePool collects, by attribute, the values written in the model: what an edit puts in
// place of another value.
func valuePool(files []*dsl.File) map[string][]string {
	pool := map[string][]string{}
	for _, f := range files {
		f.Walk(func(d *dsl.Decl) {
			for _, a := range d.Attrs {
				for _, v := range a.Values {
					pool[a.Key.Name] = append(pool[a.Key.Name], f.Text[v.Span.Start:v.Span.End])
				}
			}
		})
	}
	return pool
}

// randomEdit returns the text of f after one edit inside one of its declarations: another
// value of the same attribute, a character typed or deleted, an attribute line removed or
// copied from another declaration. It returns "" when the declaration picked has no room.
func randomEdit(r *rand.Rand, f *dsl.File, pool map[string][]string) (string, string) {
	var decls []*dsl.Decl
	f.Walk(func(d *dsl.Decl) { decls = append(decls, d) })
	if len(decls) == 0 {
		return "", ""
	}
	d := decls[r.IntN(len(decls))]
	text := f.Text
	inside := func() int { // an offset strictly inside d
		if d.Span.End-d.Span.Start < 3 {
			return -1
		}
		return int(d.Span.Start) + 1 + r.IntN(d.Span.Len()-2)
	}
	switch k := r.IntN(10); {
	case k < 5 && len(d.Attrs) > 0: // another value of the same attribute
		a := d.Attrs[r.IntN(len(d.Attrs))]
		if len(a.Values) == 0 || len(pool[a.Key.Name]) == 0 {
			return "", ""
		}
		v := a.Values[r.IntN(len(a.Values))]
		nv := pool[a.Key.Name][r.IntN(len(pool[a.Key.Name]))]
		return text[:v.Span.Start] + nv + text[v.Span.End:], fmt.Sprintf("%s %s: %q -> %q", d.ID(), a.Key.Name, text[v.Span.Start:v.Span.End], nv)
	case k < 7: // a character typed
		at := inside()
		if at < 0 {
			return "", ""
		}
		typed := []string{"x", " ", `"`, "{", "}", "#", ",", "-", "é", "💳", "\n", "1"}
		c := typed[r.IntN(len(typed))]
		return text[:at] + c + text[at:], fmt.Sprintf("%q typed at %d in %s", c, at, d.ID())
	case k < 8: // a character deleted
		at := inside()
		if at < 0 {
			return "", ""
		}
		return text[:at] + text[at+1:], fmt.Sprintf("%q deleted at %d in %s", text[at], at, d.ID())
	case k < 9 && len(d.Attrs) > 0: // an attribute line removed
		a := d.Attrs[r.IntN(len(d.Attrs))]
		return text[:a.Span.Start] + text[a.Span.End:], fmt.Sprintf("%s: %s removed", d.ID(), a.Key.Name)
	default: // an attribute line of another declaration of the kind added
		var lines []string
		for _, o := range decls {
			if o.Kind == d.Kind && o != d {
				for _, a := range o.Attrs {
					lines = append(lines, text[a.Span.Start:a.Span.End])
				}
			}
		}
		if len(lines) == 0 || len(d.Attrs) == 0 {
			return "", ""
		}
		at := d.Attrs[len(d.Attrs)-1].Span.End
		line := lines[r.IntN(len(lines))]
		return text[:at] + "\n  " + line + text[at:], fmt.Sprintf("%s: %q added", d.ID(), line)
	}
}

// TestEditedRepeatedIn is a case the random edits found: a store says `in` twice, and a
// flow elsewhere in the file is edited. The store's findings are made again (its closure
// holds the flow), from its closure alone, which must hold the services of the boundary
// the second `in` names (the model takes that one).
func TestEditedRepeatedIn(t *testing.T) {
	texts := map[string]string{}
	for _, p := range []string{"testdata/focus/a-zones.threat", "testdata/focus/b-edge.threat", "testdata/edit/c-backend.threat"} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		texts[filepath.Base(p)] = string(b)
	}
	files := parseAll(texts)
	const name = "c-backend.threat"
	opts := Options{Today: testToday, Focus: name, Index: NewFocusIndex(), Coverage: true}
	before := Analyze(files, opts)
	next := append([]*dsl.File(nil), files...)
	next[2] = testParser.Parse(name, strings.Replace(files[2].Text, `"Jobs"`, `"Jobs-"`, 1))
	opts.Base = &Base{Files: files, Findings: before.Findings}
	got := Analyze(next, opts)
	want := Analyze(next, Options{Today: testToday, Focus: name, Index: NewFocusIndex(), Coverage: true})
	if !got.edited {
		t.Fatal("the edit did not take the edited path")
	}
	if g, w := describeFindings(got.Findings), describeFindings(want.Findings); g != w {
		t.Errorf("findings differ from a focused analysis\ngot:\n%s\nwant:\n%s", g, w)
	}
}

// TestEditedCases are edits whose findings an edited analysis once got wrong, each
// checked against a focused analysis from scratch.
func TestEditedCases(t *testing.T) {
	for _, tc := range []struct {
		name     string
		a, b     string // a.threat, edited, and b.threat
		from, to string // the edit in a.threat
		edited   bool   // the edit must take the edited path
	}{{
		// A duplicate id's message names the other declaration's line and column, and an
		// edit moves the columns of what follows it on its line: the first `a`'s message
		// names the second's column, which typing into `b` moves, though neither `a`
		// depends on `b`. Such an edit is analysed as a whole file.
		name: "a column named in a message",
		a:    `data a "A" { classification public } data b "B" { classification public } data a "C" { classification public }` + "\n",
		b:    "actor user { kind user }\n",
		from: `"B"`, to: `"Bxx"`,
	}, {
		// A lone "\r" ends a line (dsl.LineIndex): typed, it moves the lines below, which
		// the same message names (found by review).
		name: "a lone carriage return",
		a:    "data a \"A\" { classification public }\ndata b \"B\" { classification public }\ndata a \"C\" { classification public }\n",
		b:    "actor user { kind user }\n",
		from: `"B" {`, to: "\"B\" {\r",
	}, {
		// The flow's receiver, an actor of the file, takes its data from its other flows,
		// one of which carries the edited data: the flow's closure must hold the actor's
		// flows, as the file's closure does (found by review).
		name: "an actor of the file's flows",
		a: `actor partner "Partner" { trusted }
service worker "Worker" { kind worker }
flow worker -> partner { protocol https; encrypted; carries notes; authorized technical_user }
data cards "Cards" { classification restricted }
`,
		b: `data notes "Notes" { classification internal }
actor bot "Bot" { trusted }
flow partner -> bot { protocol https; encrypted; carries cards }
`,
		from: "classification restricted", to: "classification public", edited: true,
	}, {
		// An id typed: the flow's unknown reference does not name the data, but its
		// suggestion is made from every id of the model, which now has `cards`.
		name: "a suggestion made from every id",
		a: `data card "Card" { classification internal }
service api "API" { kind api }
service web "Web" { kind web }
flow web -> api { carries cards }
`,
		b:    `actor u "U" { kind user }` + "\n",
		from: `data card "Card"`, to: `data cardz "Card"`, edited: true,
	}, {
		// A reference typed: the flow names the data now, and the data's findings (unused
		// before) change with it.
		name: "a reference typed",
		a: `data cards "Cards" { classification internal }
service api "API" { kind api }
service web "Web" { kind web }
flow web -> api { carries card }
`,
		b:    `actor u "U" { kind user }` + "\n",
		from: "carries card", to: "carries cards", edited: true,
	}, {
		// A reference undone: the data the flow named before is unused now; its closure
		// held the flow before the edit, not after.
		name: "a reference undone",
		a: `data cards "Cards" { classification internal }
service api "API" { kind api }
service web "Web" { kind web }
flow web -> api { carries cards }
`,
		b:    `actor u "U" { kind user }` + "\n",
		from: "carries cards", to: "carries cardsx", edited: true,
	}, {
		// A kind typed over: `db` becomes a store, which the unknown target's suggestion
		// is made from (found by review).
		name: "a kind changed",
		a:    "service db \"DB\" { }\nmitigation m \"M\" { mitigates missing-backup@dbx }\n",
		b:    `actor u "U" { kind user }` + "\n",
		from: "service db", to: "store db", edited: true,
	}, {
		name: "a kind changed back",
		a:    "store db \"DB\" { }\nmitigation m \"M\" { mitigates missing-backup@dbx }\n",
		b:    `actor u "U" { kind user }` + "\n",
		from: "store db", to: "service db", edited: true,
	}, {
		// A named flow's end changed: the suggestion offers the flow by its ends
		// (found by review).
		name: "a named flow's end changed",
		a: `service web "W" { }
service api "A" { }
service db "D" { }
flow f: web -> api "F" { }
mitigation m "M" { mitigates unencrypted-flow@qq->db }
`,
		b:    `actor u "U" { kind user }` + "\n",
		from: "web -> api", to: "web -> db", edited: true,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			files := parseAll(map[string]string{"a.threat": tc.a, "b.threat": tc.b})
			if !strings.Contains(tc.a, tc.from) {
				t.Fatalf("no %q in a.threat", tc.from)
			}
			for _, coverage := range []bool{false, true} {
				opts := Options{Today: testToday, Focus: "a.threat", Index: NewFocusIndex(), Coverage: coverage}
				before := Analyze(files, opts)
				next := append([]*dsl.File(nil), files...)
				next[0] = testParser.Parse("a.threat", strings.Replace(tc.a, tc.from, tc.to, 1))
				opts.Base = &Base{Files: files, Findings: before.Findings}
				got := Analyze(next, opts)
				want := Analyze(next, Options{Today: testToday, Focus: "a.threat", Index: NewFocusIndex(), Coverage: coverage})
				if g, w := describeFindings(got.Findings), describeFindings(want.Findings); g != w {
					t.Errorf("coverage %v, edited path %v: findings differ from a focused analysis\ngot:\n%s\nwant:\n%s", coverage, got.edited, g, w)
				}
				if tc.edited && !got.edited {
					t.Errorf("coverage %v: the edit did not take the edited path", coverage)
				}
			}
		})
	}
}

// TestMoveFindingKeepsTheEarlierFinding moves a finding whose related places lie in
// another file and in its own: the earlier finding, which the analysis before still
// holds, keeps its places (its list was written through once when the first place in the
// file was not the first of the list).
func TestMoveFindingKeepsTheEarlierFinding(t *testing.T) {
	related := []Related{
		{File: "other.threat", Span: dsl.Span{Start: 50, End: 55}, Message: "elsewhere"},
		{File: "this.threat", Span: dsl.Span{Start: 40, End: 45}, Message: "here"},
	}
	before := Finding{Code: "duplicate-id", File: "this.threat", Span: dsl.Span{Start: 30, End: 35}, message: "m", related: related}
	edit := textEdit{start: 10, oldEnd: 12, newEnd: 15} // three bytes typed over two
	moved, ok := moveFinding(before, edit)
	if !ok {
		t.Fatal("the finding lies after the edit, yet did not move")
	}
	if got := moved.Related(); got[0].Span != (dsl.Span{Start: 50, End: 55}) || got[1].Span != (dsl.Span{Start: 43, End: 48}) {
		t.Errorf("moved related places: %v", got)
	}
	if related[1].Span != (dsl.Span{Start: 40, End: 45}) {
		t.Errorf("the earlier finding's related place moved too: %v", related[1].Span)
	}
}
