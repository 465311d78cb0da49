package codelinks

import (
	"strconv"
	"strings"
	"testing"
)

func TestParseCommentStyles(t *testing.T) {
	tests := []struct {
		file, src, want string
	}{
		{"a.go", "x := 1 // threatls: mitigates sqli\n", "a.go:1:31 mitigates sqli\n"},
		{"a.go", "/* threatls: accepts weak-hash@legacy */\n", "a.go:1:22 accepts weak-hash@legacy\n"},
		{"a.go", "/**\n * Doc.\n *   threatls: exposes ssrf\n */\n", "a.go:3:24 exposes ssrf\n"},
		{"a.rs", "/// threatls: mitigates overflow\nfn f<'a>(x: &'a str) {} //! threatls: mitigates lifetimes\n", "a.rs:1:25 mitigates overflow\na.rs:2:49 mitigates lifetimes\n"},
		{"a.java", "char c = '\"'; // threatls: mitigates after-char\n", "a.java:1:38 mitigates after-char\n"},
		{"a.go", "r := []rune{'\\'', '\\u00e9', 'é', '\"'} // threatls: mitigates runes\n", "a.go:1:63 mitigates runes\n"},
		{"a.c", "char q = '\\\\'; char *s = \"\\\"//\"; // threatls: mitigates escapes\n", "a.c:1:57 mitigates escapes\n"},
		{"a.ts", "const s = 'it''s'; // threatls: component web\n", "a.ts:1:43 component web\n"},
		{"a.py", "x = 1  # threatls: mitigates sqli\n## threatls: exposes xss\n", "a.py:1:30 mitigates sqli\na.py:2:22 exposes xss\n"},
		{"a.py", "s = '''\n# threatls: mitigates in-string\n'''\n", ""},
		{"a.rb", "# threatls: mitigates csrf\n", "a.rb:1:23 mitigates csrf\n"},
		{"a.yaml", "url: http://x#frag # threatls: component gateway\n", "a.yaml:1:42 component gateway\n"},
		{"a.sh", "echo ${#x} # threatls: mitigates injection\n", "a.sh:1:34 mitigates injection\n"},
		{"Dockerfile", "# threatls: mitigates root-container\nUSER app\n", "Dockerfile:1:23 mitigates root-container\n"},
		{"a.sql", "SELECT 1; -- threatls: mitigates sqli\n/* threatls: exposes dump */\n", "a.sql:1:34 mitigates sqli\na.sql:2:22 exposes dump\n"},
		{"a.lua", "--[[\nthreatls: mitigates lua-block\n]]\n-- threatls: mitigates lua-line\n", "a.lua:2:21 mitigates lua-block\na.lua:4:24 mitigates lua-line\n"},
		{"a.hs", "{- threatls: mitigates hs-block -}\n-- threatls: mitigates hs-line\n", "a.hs:1:24 mitigates hs-block\na.hs:2:24 mitigates hs-line\n"},
		{"a.html", "<!-- threatls: mitigates xss -->\n", "a.html:1:26 mitigates xss\n"},
		{"a.tf", "# threatls: mitigates a\n// threatls: mitigates b\n", "a.tf:1:23 mitigates a\na.tf:2:24 mitigates b\n"},
		// Annotations start their comment (or a line of it): mentions inside prose do not count.
		{"a.go", "// See threatls: mitigates sqli\n", ""},
		// A word that is no kind (nor a misspelling of one) makes the comment prose.
		{"a.lua", "-- threatls: filetype detection and commands\n", ""},
		{"a.go", "// threatls: frobnicates sqli\n// threatls:\n", ""},
		// Unknown languages are not read.
		{"a.txt", "# threatls: mitigates sqli\n", ""},
		{"a.go", "// threatls: mitigates a,b , c-d\n", "a.go:1:24 mitigates a\na.go:1:26 mitigates b\na.go:1:30 mitigates c-d\n"},
		{"a.go", "// threatls: mitigates rule@a -> b, rule@x<->y\n", "a.go:1:24 mitigates rule@a->b\na.go:1:37 mitigates rule@x<->y\n"},
		{"a.go", "// threatls: component api->db\n", "a.go:1:24 component api->db\n"},
		{"a.go", "\r\n// threatls: mitigates crlf\r\n", "a.go:2:24 mitigates crlf\n"},
	}
	for _, tt := range tests {
		anns, probs := Parse(tt.file, []byte(tt.src))
		if got := annString(anns); got != tt.want {
			t.Errorf("Parse(%s, %q):\n%s\nwant:\n%s", tt.file, tt.src, got, tt.want)
		}
		if len(probs) > 0 {
			t.Errorf("Parse(%s, %q): problems %+v", tt.file, tt.src, probs)
		}
	}
}

func TestParseNotes(t *testing.T) {
	for _, src := range []string{
		"// threatls: mitigates a, b -- the reason",
		"// threatls: mitigates a, b: the reason",
		"// threatls: mitigates a, b — the reason",
		"// threatls: mitigates a, b (the reason)",
		"// threatls: mitigates a, b - the reason",
	} {
		anns, probs := Parse("x.go", []byte(src))
		if len(anns) != 2 || len(probs) != 0 {
			t.Errorf("%q: %s %+v", src, annString(anns), probs)
			continue
		}
		for _, a := range anns {
			if !strings.HasPrefix(a.Note, "the reason") {
				t.Errorf("%q: note %q", src, a.Note)
			}
		}
	}
}

func TestParseProblems(t *testing.T) {
	tests := []struct{ src, anns, msg string }{
		{"// threatls: mitigate sqli", "", "1:14 unknown threatls annotation `mitigate`; did you mean `mitigates`?"},
		{"// threatls: Mitigates sqli", "", "1:14 unknown threatls annotation `Mitigates`; did you mean `mitigates`?"},
		{"// threatls: acepts sqli", "", "1:14 unknown threatls annotation `acepts`; did you mean `accepts`?"},
		{"// threatls: exposes: sqli", "", "1:14 unknown threatls annotation `exposes:`; did you mean `exposes`?"},
		{"// threatls: mitigates", "", "1:23 expected a threat id after `mitigates`"},
		{"// threatls: component !x", "", "1:24 expected an element id after `component`, found `!x`"},
		{"// threatls: mitigates a,", "x.go:1:24 mitigates a\n", "1:26 expected a threat id after `,`"},
		{"// threatls: mitigates a b", "x.go:1:24 mitigates a\n", "1:26 expected `,` between ids or a note after `--`, found `b`"},
		{"// threatls: mitigates rule@", "", "1:24 expected a threat id after `mitigates`, found `rule@`"},
	}
	for _, tt := range tests {
		anns, probs := Parse("x.go", []byte(tt.src))
		if got := annString(anns); got != tt.anns {
			t.Errorf("%q: annotations %q, want %q", tt.src, got, tt.anns)
		}
		if len(probs) != 1 {
			t.Errorf("%q: problems %+v", tt.src, probs)
			continue
		}
		p := probs[0]
		if got := strings.Join([]string{strconv.Itoa(p.Line) + ":" + strconv.Itoa(p.Col), p.Message}, " "); got != tt.msg || p.Code != "annotation-syntax" {
			t.Errorf("%q: problem %q (%s), want %q", tt.src, got, p.Code, tt.msg)
		}
	}
}

func TestParsePositionsUTF16(t *testing.T) {
	src := "package x\n\nvar s = \"héllo 😀\" // threatls: mitigates emoji\n"
	anns, _ := Parse("x.go", []byte(src))
	if len(anns) != 1 {
		t.Fatalf("annotations: %s", annString(anns))
	}
	a := anns[0]
	line := "var s = \"héllo 😀\" // threatls: mitigates "
	if a.Line != 3 || a.Col != len(line)+1 {
		t.Errorf("line %d col %d, want 3 %d", a.Line, a.Col, len(line)+1)
	}
	// é is one UTF-16 unit (two bytes), 😀 two units (four bytes).
	if want := len(line) + 1 - 1 - 2; a.Col16 != want || a.EndCol16 != want+len("emoji") {
		t.Errorf("col16 %d..%d, want %d..%d", a.Col16, a.EndCol16, want, want+len("emoji"))
	}
	_, probs := Parse("x.go", []byte("// threatls: mitigates é\n"))
	if len(probs) != 1 || probs[0].Col16 != 24 || probs[0].EndCol16 != 25 || probs[0].Span.End-probs[0].Span.Start != 2 {
		t.Errorf("problem at é: %+v", probs)
	}
}

func TestCheckIDs(t *testing.T) {
	anns, _ := Parse("a.go", []byte("// threatls: mitigates sqli, sqil, tampering@api->db\n// threatls: component paymnets\n// threatls: exposes zzzz-unrelated\n"))
	probs := CheckIDs(anns, []string{"sqli", "tampering@api->db"}, []string{"payments", "web"})
	var got []string
	for _, p := range probs {
		got = append(got, strconv.Itoa(p.Line)+":"+strconv.Itoa(p.Col)+" "+p.Code+" "+p.Message)
	}
	want := []string{
		"1:30 unknown-annotation-id `threatls: mitigates sqil` names no threat of the model; did you mean `sqli`?",
		"2:24 unknown-annotation-id `threatls: component paymnets` names no element of the model; did you mean `payments`?",
		"3:22 unknown-annotation-id `threatls: exposes zzzz-unrelated` names no threat of the model; name a declared threat or a generated one (`RULE@element`)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("CheckIDs:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestLexBlanksCode(t *testing.T) {
	src := []byte("a := \"{x}\" // }\nb := `{\n}` + '}'\n")
	code := make([]byte, len(src))
	comments := lex(src, synGo, code)
	if len(comments) != 1 {
		t.Fatalf("comments = %+v", comments)
	}
	if strings.ContainsAny(string(code), "{}") {
		t.Errorf("code still has braces: %q", code)
	}
	if len(code) != len(src) || strings.Count(string(code), "\n") != 3 {
		t.Errorf("code changed shape: %q", code)
	}
}
