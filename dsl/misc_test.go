package dsl

import (
	"strings"
	"testing"
)

func TestGrammarBuilds(t *testing.T) {
	if _, err := buildParsers(); err != nil {
		t.Fatal(err)
	}
}

// TestGrammarNested checks that participle's declaration grammar reads nested declarations
// with blank lines and separators between them in one go. (When it failed, the parser fell
// back to reading piece by piece and marked valid boundaries broken.)
func TestGrammarNested(t *testing.T) {
	p, err := buildParsers()
	if err != nil {
		t.Fatal(err)
	}
	src := "boundary a {\n  trust high\n\n  service s { in a }\n\n  store d {}\n  ;\n  boundary b {\n    actor x { human }\n  }\n  kind network\n}"
	g, err := p.decl.ParseString("", src)
	if err != nil {
		t.Fatalf("ParseString: %v", err)
	}
	kids := 0
	for _, it := range g.Items {
		if it.Decl != nil {
			kids++
		}
	}
	if kids != 3 {
		t.Errorf("%d nested declarations, want 3", kids)
	}
}

func TestSuggest(t *testing.T) {
	attrs := AttributeNames(KindService)
	for _, tc := range []struct {
		word string
		from []string
		want string
	}{
		{"techh", attrs, "tech"},
		{"handels", attrs, "handles"},
		{"rate_limit", attrs, "rate_limited"},
		{"ratelimited", attrs, "rate_limited"},
		{"in", attrs, "in"},
		{"ownr", attrs, "owner"},
		{"xyzzy", attrs, ""},
		{"", attrs, ""},
		{"serv", kindNames(), "service"}, // a prefix being typed
		{"srvice", kindNames(), "service"},
		{"mitigaton", kindNames(), "mitigation"},
		{"flw", kindNames(), "flow"},
		{"Service", kindNames(), "service"}, // case does not matter
		{"sppofing", StrideCats, "spoofing"},
		{"lowest", TrustLevels, "low"},
		{"a", []string{"b", "c"}, "b"},                   // short words: distance 1 is close enough, ties go to the first in order
		{"abc", []string{"abd", "abe"}, "abd"},           // ties go to the smaller
		{"abc", []string{"abe", "abd"}, "abd"},           // whatever the order
		{"verylongattributename", []string{"short"}, ""}, // nothing close
		{string(make([]byte, 100)), []string{"in"}, ""},  // very long words are compared to nothing
	} {
		if got := Suggest(tc.word, tc.from); got != tc.want {
			t.Errorf("Suggest(%q) = %q, want %q", tc.word, got, tc.want)
		}
	}
}

func TestUnquote(t *testing.T) {
	for raw, want := range map[string]string{
		`""`:                             "",
		`"abc"`:                          "abc",
		`"a\"b"`:                         `a"b`,
		`"a\\b"`:                         `a\b`,
		`"a\nb\tc\rd"`:                   "a\nb\tc\rd",
		`"\q"`:                           "q",
		`"a\\"`:                          `a\`,
		`"open`:                          "open",
		`"open\"`:                        `open"`,
		`"ends\`:                         `ends\`,
		`"`:                              "",
		`"""x"""`:                        "x",
		`""""""`:                         "",
		"\"\"\"\n  a\n    b\n  \"\"\"":   "a\n  b",
		"\"\"\"  first\n  second\"\"\"":  "first\nsecond",
		"\"\"\"\r\n  a\r\n  b\r\n\"\"\"": "a\nb",
		"\"\"\"\n  open":                 "open",
		"\"\"\"\n\t\ta\n\t\t\tb\n\"\"\"": "a\n\tb",
		"\"\"\"\n  a\n\n  b\n\"\"\"":     "a\n\nb",
	} {
		if got := unquote(raw); got != want {
			t.Errorf("unquote(%q) = %q, want %q", raw, got, want)
		}
	}
}

func TestDedent(t *testing.T) {
	for in, want := range map[string]string{
		"":                       "",
		"   ":                    "",
		"\n":                     "",
		"a":                      "a",
		"\n    x\n      y\n    ": "x\n  y",
		"  \n  x\n  \n  y\n":     "x\n\ny",
		"\n  x\n y\n":            " x\ny", // the least indented line sets the common indentation
		"\n  x  \n":              "x",
		"\r\n  x\r\n  y":         "x\ny",
	} {
		if got := dedent(in); got != want {
			t.Errorf("dedent(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestClosedString(t *testing.T) {
	for raw, want := range map[string]bool{
		`"a"`: true, `""`: true, `"a\"`: false, `"a\\"`: true, `"a\\\"`: false, `"`: false, `"a`: false,
	} {
		if got := closedString(raw); got != want {
			t.Errorf("closedString(%q) = %v, want %v", raw, got, want)
		}
	}
}

// TestTooLargeFile checks what a file too large for 32-bit offsets parses to: no
// declarations, and an error that says what is wrong and what to do. (A text of 2 GiB is
// not made here; Parse, ParseDiscardingTokens and Reparse check the length first.)
func TestTooLargeFile(t *testing.T) {
	f := tooLarge("big.threat", "service a\n")
	if len(f.Decls) != 0 || len(f.Diagnostics) != 1 {
		t.Fatalf("decls %d, diagnostics %v", len(f.Decls), f.Diagnostics)
	}
	d := f.Diagnostics[0]
	if d.Severity != SeverityError || !strings.Contains(d.Message, "too large") || !strings.Contains(d.Message, "split it into several files") {
		t.Errorf("diagnostic: %+v", d)
	}
	if f.Text != "service a\n" || f.Lines == nil {
		t.Error("the file's text and lines are kept")
	}
}
