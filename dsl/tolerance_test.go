package dsl

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// want is one expected diagnostic: the line it starts on and words of its message.
type want struct {
	line int
	msg  string
}

// decl is an expected declaration: "kind id: attr attr ...". Intact declarations must not
// be broken.
type decl struct {
	sig    string
	intact bool
}

func TestErrorTolerance(t *testing.T) {
	brokenFile, err := os.ReadFile(filepath.Join("testdata", "broken.threat"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		src   string
		diags []want
		decls []decl
	}{{
		name: "all defects in one file",
		src:  string(brokenFile),
		diags: []want{
			{6, "expected `}` to close service `api` opened at 4:1"},
			{11, "unknown declaration `serv`: did you mean `service`?"},
			{18, "unknown attribute `carr` for flow: did you mean `carries`?"},
			{25, "unknown attribute `servi` for boundary: to declare a service inside the boundary"},
			{30, "unterminated string"},
			{37, "unexpected `=`: attributes take their value without `=`"},
		},
		decls: []decl{
			{"boundary internet: trust", true},
			{"service api: in tech", false},
			{"store db: kind", true},
			{"actor customer: in human", true},
			{"flow customer->api: protocol carr encrypted", true},
			{"boundary corp: trust servi", true},
			{"store files: kind", true},
			{"data card:", false},
			{"data token: classification", true},
			{"threat spoof: on likelihood impact", false},
			{"mitigation mfa: mitigates status", true},
		},
	}, {
		name:  "missing brace at the end of the file",
		src:   "data d {}\nservice a {\n  in b\n  tech go\n",
		diags: []want{{4, "expected `}` to close service `a` opened at 2:1"}},
		decls: []decl{{"data d:", true}, {"service a: in tech", false}},
	}, {
		name:  "missing brace before the next declaration",
		src:   "service a {\n  in b\ndata d { classification public }\n",
		diags: []want{{2, "expected `}` to close service `a` opened at 1:1"}},
		decls: []decl{{"service a: in", false}, {"data d: classification", true}},
	}, {
		name:  "missing brace in a nested declaration",
		src:   "boundary corp {\n  trust high\n  service a {\n    in corp\n  store db { kind sql }\n}\ndata d {}\n",
		diags: []want{{4, "expected `}` to close service `a` opened at 3:3"}},
		decls: []decl{{"boundary corp: trust", false}, {"service a: in", false}, {"store db: kind", true}, {"data d:", true}},
	}, {
		name:  "missing brace after a header",
		src:   "service a\n  in b\ndata d {}\n",
		diags: []want{{1, "expected `{` after `service a`"}},
		decls: []decl{{"service a: in", false}, {"data d:", true}},
	}, {
		name:  "unmatched closing brace",
		src:   "data d {}\n}\ndata e {}\n",
		diags: []want{{2, "unmatched `}`"}},
		decls: []decl{{"data d:", true}, {"data e:", true}},
	}, {
		name:  "half-typed keyword at the end",
		src:   "data d {}\nthr",
		diags: []want{{2, "unknown declaration `thr`: did you mean `threat`?"}},
		decls: []decl{{"data d:", true}},
	}, {
		name:  "half-typed keyword with a body",
		src:   "servic api {\n  in b\n}\ndata d {}\n",
		diags: []want{{1, "unknown declaration `servic`: did you mean `service`?"}},
		decls: []decl{{"data d:", true}},
	}, {
		name:  "half-typed attribute",
		src:   "flow a -> b {\n  prot\n  encrypted\n}\n",
		diags: []want{{2, "unknown attribute `prot` for flow: did you mean `protocol`?"}},
		decls: []decl{{"flow a->b: prot encrypted", true}},
	}, {
		name:  "half-typed value",
		src:   "threat t {\n  on a\n  stride tamp\n  impact high\n}\n",
		diags: []want{{3, "`tamp` is not a value of `stride`"}},
		decls: []decl{{"threat t: on stride impact", true}},
	}, {
		name:  "half-typed flow reference",
		src:   "threat t {\n  on api ->\n  impact high\n}\n",
		diags: []want{{2, "`on` is incomplete: add the flow's target after `->`"}},
		decls: []decl{{"threat t: impact", false}},
	}, {
		name:  "trailing comma continues onto the next attribute",
		src:   "threat t {\n  on a\n  stride tampering,\n  likelihood high\n  impact high\n}\n",
		diags: []want{{3, "this comma continues `stride` on the next line"}},
		decls: []decl{{"threat t: on impact", false}},
	}, {
		name:  "half-typed flow header",
		src:   "flow a -> {\n  encrypted\n}\ndata d {}\n",
		diags: []want{{1, "the header of flow is incomplete: add the flow's target after `->`"}},
		decls: []decl{{"flow : encrypted", false}, {"data d:", true}},
	}, {
		name:  "flow without arrow",
		src:   "flow a b {}\n",
		diags: []want{{1, "expected `->` or `<->` between `a` and `b`"}},
	}, {
		name:  "unterminated string in a value",
		src:   "service a {\n  owner \"alice\n  tech go\n}\ndata d {}\n",
		diags: []want{{2, "unterminated string"}},
		decls: []decl{{"service a: owner tech", false}, {"data d:", true}},
	}, {
		name:  "unterminated text block",
		src:   "data d {}\nservice a {\n  description \"\"\"\n  never closed\n",
		diags: []want{{3, "unterminated text block"}},
		decls: []decl{{"data d:", true}, {"service a: description", false}},
	}, {
		name:  "unterminated comment",
		src:   "data d {}\n/* never closed\ndata e {}\n",
		diags: []want{{2, "unterminated comment"}},
		decls: []decl{{"data d:", true}},
	}, {
		name:  "stray characters",
		src:   "service a {\n  in = b\n  tech go\n}\ndata d {}\n",
		diags: []want{{2, "unexpected `=`"}},
		decls: []decl{{"service a: in tech", false}, {"data d:", true}},
	}, {
		name:  "hash comment",
		src:   "actor z { in a; # a comment, with words\n  human }\n# top\ndata d {}\n",
		diags: []want{{1, "`#` does not start a comment"}, {3, "`#` does not start a comment"}},
		decls: []decl{{"actor z: in human", false}, {"data d:", true}},
	}, {
		name:  "identifier outside ASCII",
		src:   "service café { tech go }\ndata d {}\n",
		diags: []want{{1, "`café` is not an identifier"}},
		decls: []decl{{"service café: tech", false}, {"data d:", true}},
	}, {
		name:  "bad number",
		src:   "threat t { on a; cwe 12abc }\n",
		diags: []want{{1, "`12abc` is not a number"}},
		decls: []decl{{"threat t: on cwe", false}},
	}, {
		name:  "two attributes on one line",
		src:   "flow a -> b {\n  encrypted authenticated\n  protocol https\n}\n",
		diags: []want{{2, "`encrypted` is a flag and takes no value; `authenticated` looks like the next attribute"}},
		decls: []decl{{"flow a->b: encrypted protocol", true}},
	}, {
		name:  "missing flow name before colon",
		src:   "flow : a -> b {}\n",
		diags: []want{{1, "the flow's name is missing before `:`"}},
	}, {
		name:  "nesting too deep",
		src:   nested(40) + "data d {}\n",
		diags: []want{{maxNesting + 2, "declarations nest more than"}},
		decls: []decl{{"data d:", true}},
	}, {
		name: "every line of a block costs only itself",
		src:  "service a {\n  in b\n  tech = go\n  kind api\n  handles \"x\n  owner \"o\"\n  rate_limited\n}\n",
		diags: []want{
			{3, "unexpected `=`"},
			{5, "unterminated string"}, // and not also "handles takes an id"
		},
		decls: []decl{{"service a: in tech kind handles owner rate_limited", false}},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			f := NewParser().Parse("t.threat", tc.src)
			checkDiags(t, f, tc.diags)
			for _, d := range tc.decls {
				checkDecl(t, f, d)
			}
			out := Format(f)
			checkFormatProperties(t, tc.src, out)
		})
	}
}

func checkDiags(t *testing.T, f *File, wants []want) {
	t.Helper()
	used := make([]bool, len(f.Diagnostics))
	for _, w := range wants {
		found := false
		for i, d := range f.Diagnostics {
			line, _ := f.Lines.Position(int(d.Span.Start))
			if !used[i] && line == w.line && strings.Contains(d.Message, w.msg) {
				used[i], found = true, true
				break
			}
		}
		if !found {
			t.Errorf("no diagnostic on line %d with %q", w.line, w.msg)
		}
	}
	for i, d := range f.Diagnostics {
		if !used[i] {
			line, col := f.Lines.Position(int(d.Span.Start))
			t.Errorf("unexpected diagnostic %d:%d: %s", line, col, d.Message)
		}
		if d.Span.Start < 0 || d.Span.Start > d.Span.End || int(d.Span.End) > len(f.Text) {
			t.Errorf("diagnostic span %v outside the text: %s", d.Span, d.Message)
		}
		if l1, l2 := f.Lines.Line(int(d.Span.Start)), f.Lines.Line(int(d.Span.End)); l2-l1 > 3 {
			t.Errorf("diagnostic spans %d lines, too many to point at a defect: %s", l2-l1+1, d.Message)
		}
		if hasTokenDump(d.Message) {
			t.Errorf("message reads like a parser's token dump: %s", d.Message)
		}
	}
	if t.Failed() {
		t.Logf("diagnostics:\n%s", diagnostics(f))
	}
}

func checkDecl(t *testing.T, f *File, w decl) {
	t.Helper()
	head, attrs, _ := strings.Cut(w.sig, ":")
	kind, id, _ := strings.Cut(head, " ")
	var found *Decl
	f.Walk(func(d *Decl) {
		if string(d.Kind) == kind && d.ID() == id && found == nil {
			found = d
		}
	})
	if found == nil {
		t.Errorf("declaration %s %q is missing; have:\n%s", kind, id, summarizeNoSpans(f))
		return
	}
	var names []string
	for _, a := range found.Attrs {
		names = append(names, a.Key.Name)
	}
	if got, want := strings.Join(names, " "), strings.TrimSpace(attrs); got != want {
		t.Errorf("%s %s has attributes %q, want %q", kind, id, got, want)
	}
	if w.intact && found.Broken {
		t.Errorf("%s %s is intact but marked broken", kind, id)
	}
	if !w.intact && !found.Broken {
		t.Errorf("%s %s has an error but is not marked broken", kind, id)
	}
}

// TestNoTokenDumps feeds the parser inputs of every shape and checks that no message is
// participle's own.
func TestNoTokenDumps(t *testing.T) {
	p := NewParser()
	pieces := []string{"flow", "a", "->", "<->", "b", ":", "@", ",", ";", "{", "}", "\"s\"", "\"\"\"t\"\"\"", "2027-01-01", "1.2", "\n", "service", "x", "=", "//c\n", "accept", "r@a"}
	// All sequences of up to four pieces, inside and outside a block.
	var gen func(prefix []string, n int)
	count := 0
	gen = func(prefix []string, n int) {
		if n == 0 {
			return
		}
		for _, piece := range pieces {
			seq := append(prefix, piece)
			for _, src := range []string{strings.Join(seq, " "), "service s {\n  " + strings.Join(seq, " ") + "\n}\n", "flow " + strings.Join(seq, " ") + " {}"} {
				count++
				f := p.Parse("t.threat", src)
				for _, d := range f.Diagnostics {
					if hasTokenDump(d.Message) || strings.Contains(d.Message, "%!") {
						t.Fatalf("%q: %s", src, d.Message)
					}
				}
			}
			gen(seq, n-1)
		}
	}
	gen(nil, 3)
	t.Logf("%d inputs", count)
}

// nested returns n boundaries, each inside the one before, indented.
func nested(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString(strings.Repeat(" ", i) + "boundary b {\n")
	}
	for i := n - 1; i >= 0; i-- {
		b.WriteString(strings.Repeat(" ", i) + "}\n")
	}
	return b.String()
}
