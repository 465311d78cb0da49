package dsl

import (
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"
)

// briefExample is the example of docs/DESIGN-BRIEF.md.
const briefExample = `boundary internet "Internet" { trust untrusted }
boundary dmz "DMZ"           { trust low }
data card "Card number" { classification restricted; tags financial }
actor customer "Customer" { in internet; human }
service api "Payments API" {
  in dmz
  tech go
  handles card
  rate_limited
}
store db "Payments DB" { in dmz; kind sql; stores card; encrypted_at_rest }
flow customer -> api "Checkout" {
  protocol https
  carries card
  encrypted
  authenticated session
}
threat sqli "SQL injection in payment lookup" {
  on api -> db
  stride tampering, information_disclosure
  likelihood medium
  impact high
  cwe 89
  capec 66
}
mitigation param_queries "Parameterized queries" {
  mitigates sqli
  status implemented
  evidence "services/payments/db.go:42"
}
accept unthrottled-internet-entry@api {
  reason "Volumetric DoS is absorbed by the CDN"
  owner "alice@example.com"
  until 2027-06-30
}
`

func addSeeds(f *testing.F) {
	f.Add(briefExample)
	paths, _ := filepath.Glob(filepath.Join("testdata", "*.threat"))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	for _, s := range []string{
		"", "{", "}", "flow", "flow a", "flow a ->", "flow a -> b {", "flow n: a <-> b \"t\" {}",
		"service a {\n  in x,\n}", "service a { b c d e f }\nservice b {}",
		"\"\"\"", "/*", "boundary b {\n  service s {\n}\n", "accept r@a->b { reason \"x\" }",
		"service a\n  in b\n", "12abc 2027-01-01 1.2.3", "a\x00b\xff\xfe", "\r\r\n\n",
	} {
		f.Add(s)
	}
}

// FuzzParse checks that the lexer and parser accept any input without panicking, that the
// lexer covers every non-space byte, and that every span lies within the text.
func FuzzParse(f *testing.F) {
	addSeeds(f)
	p := NewParser()
	f.Fuzz(func(t *testing.T, src string) {
		file := p.Parse("fuzz.threat", src)
		checkTokens(t, src, file)
		checkSpans(t, src, file)
	})
}

func checkTokens(t *testing.T, src string, file *File) {
	toks := file.Tokens
	if len(toks) == 0 || toks[len(toks)-1].Type != TokEOF {
		t.Fatalf("tokens do not end with EOF")
	}
	pos := 0
	for i, tok := range toks {
		off := tok.Pos.Offset
		if off < pos || off+len(tok.Value) > len(src) || src[off:off+len(tok.Value)] != tok.Value {
			t.Fatalf("token %d %q at %d does not match the text (previous end %d)", i, tok.Value, off, pos)
		}
		for k := pos; k < off; k++ {
			if !isSpace(src[k]) {
				t.Fatalf("byte %d (%q) is in no token", k, src[k])
			}
		}
		if tok.Type != TokEOF && tok.Value == "" {
			t.Fatalf("empty token %d of type %d at %d", i, tok.Type, off)
		}
		line, col := file.Lines.Position(off)
		if tok.Pos.Line != line || tok.Pos.Column != col {
			t.Fatalf("token %d %q at %d: position %d:%d, want %d:%d", i, tok.Value, off, tok.Pos.Line, tok.Pos.Column, line, col)
		}
		pos = off + len(tok.Value)
	}
	if pos != len(src) {
		for k := pos; k < len(src); k++ {
			if !isSpace(src[k]) {
				t.Fatalf("byte %d (%q) after the last token", k, src[k])
			}
		}
	}
}

func checkSpans(t *testing.T, src string, file *File) {
	in := func(what string, s Span) {
		if s.Start < 0 || s.Start > s.End || int(s.End) > len(src) {
			t.Fatalf("%s span [%d,%d) is not within the text (%d bytes)", what, s.Start, s.End, len(src))
		}
	}
	for _, d := range file.Diagnostics {
		in("diagnostic "+d.Message, d.Span)
		if d.Message == "" || !utf8.ValidString(d.Message) && utf8.ValidString(src) {
			t.Fatalf("bad message %q", d.Message)
		}
		if hasTokenDump(d.Message) {
			t.Fatalf("message looks like a parser token dump: %q", d.Message)
		}
	}
	var walk func(ds []*Decl, parent *Decl)
	walk = func(ds []*Decl, parent *Decl) {
		prevEnd := 0
		if parent != nil {
			prevEnd = int(parent.Span.Start)
		}
		for _, d := range ds {
			in("declaration", d.Span)
			in("header", d.Header)
			in("keyword", d.KindSpan)
			if int(d.Span.Start) < prevEnd {
				t.Fatalf("declaration %s %q at %d overlaps the previous one ending at %d", d.Kind, d.ID(), d.Span.Start, prevEnd)
			}
			if parent != nil && (d.Span.Start < parent.Span.Start || d.Span.End > parent.Span.End) {
				t.Fatalf("nested %s %v outside its parent %v", d.Kind, d.Span, parent.Span)
			}
			if d.Parent != parent {
				t.Fatalf("declaration %s %q has the wrong parent", d.Kind, d.ID())
			}
			if src[d.KindSpan.Start:d.KindSpan.End] != string(d.Kind) {
				t.Fatalf("keyword span %v holds %q, not %q", d.KindSpan, src[d.KindSpan.Start:d.KindSpan.End], d.Kind)
			}
			for _, a := range d.Attrs {
				in("attribute", a.Span)
				if src[a.Key.Span.Start:a.Key.Span.End] != a.Key.Name {
					t.Fatalf("attribute key span %v holds %q, not %q", a.Key.Span, src[a.Key.Span.Start:a.Key.Span.End], a.Key.Name)
				}
				if a.Span.Start < d.Span.Start || a.Span.End > d.Span.End {
					t.Fatalf("attribute %s %v outside its declaration %v", a.Key.Name, a.Span, d.Span)
				}
				for _, v := range a.Values {
					in("value", v.Span)
				}
			}
			prevEnd = int(d.Span.End)
			walk(d.Children, d)
		}
	}
	walk(file.Decls, nil)
}

// FuzzFormat checks that the formatter never panics, is idempotent, keeps every comment and
// string, changes nothing but white space and `;`, and keeps the meaning of files without
// syntax errors.
func FuzzFormat(f *testing.F) {
	addSeeds(f)
	p := NewParser()
	f.Fuzz(func(t *testing.T, src string) {
		file := p.Parse("fuzz.threat", src)
		out := Format(file)
		checkFormatProperties(t, src, out)
		out2 := Format(p.Parse("fuzz.threat", out))
		if out2 != out {
			t.Fatalf("not idempotent:\n--- src\n%q\n--- once\n%q\n--- twice\n%q", src, out, out2)
		}
		if !hasSyntaxErrors(file) {
			if a, b := summarizeNoSpans(file), summarizeNoSpans(p.Parse("fuzz.threat", out)); a != b {
				t.Fatalf("formatting changed the meaning:\n--- src\n%q\n--- out\n%q\n--- before\n%s\n--- after\n%s", src, out, a, b)
			}
		}
	})
}

func hasSyntaxErrors(f *File) bool {
	for _, d := range f.Diagnostics {
		if d.Code == "syntax" {
			return true
		}
	}
	return false
}
