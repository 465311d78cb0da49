package dsl

import (
	"sort"
	"strings"
	"testing"
)

// isSpace reports whether c is white space to the lexer.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// commentTexts returns the sorted texts of src's comments.
func commentTexts(src string) []string {
	var cs []string
	for _, t := range Lex(src) {
		switch {
		case t.Type == TokComment && strings.HasPrefix(t.Value, "//"):
			// Trailing blanks of a line comment are not its content.
			cs = append(cs, strings.TrimRight(t.Value, " \t"))
		case t.Type == TokComment || t.Type == TokBadComment:
			cs = append(cs, t.Value)
		}
	}
	sort.Strings(cs)
	return cs
}

// skeleton returns src without comments, white space and `;`: the characters the formatter
// must keep in order. The formatter changes only white space, and drops the `;` between
// attributes it puts on lines of their own.
func skeleton(src string) string {
	var b strings.Builder
	pos := 0
	keep := func(s string) {
		for i := 0; i < len(s); i++ {
			if !isSpace(s[i]) && s[i] != ';' {
				b.WriteByte(s[i])
			}
		}
	}
	for _, t := range Lex(src) {
		if t.Type == TokComment || t.Type == TokBadComment {
			keep(src[pos:t.Pos.Offset])
			pos = t.Pos.Offset + len(t.Value)
		}
	}
	keep(src[pos:])
	return b.String()
}

// stringTexts returns the sorted texts of src's string tokens, which the formatter keeps
// byte for byte.
func stringTexts(src string) []string {
	var ss []string
	for _, t := range Lex(src) {
		switch t.Type {
		case TokString, TokRawString, TokBadString:
			ss = append(ss, t.Value)
		}
	}
	sort.Strings(ss)
	return ss
}

// checkFormatProperties checks that out, the formatted src, lost no comment, no string and
// no character other than white space and `;`.
func checkFormatProperties(t testing.TB, src, out string) {
	t.Helper()
	if a, b := commentTexts(src), commentTexts(out); strings.Join(a, "\x00") != strings.Join(b, "\x00") {
		t.Errorf("comments changed:\n src %q\n out %q\n--- src\n%s\n--- out\n%s", a, b, src, out)
	}
	if a, b := stringTexts(src), stringTexts(out); strings.Join(a, "\x00") != strings.Join(b, "\x00") {
		t.Errorf("strings changed:\n src %q\n out %q\n--- src\n%s\n--- out\n%s", a, b, src, out)
	}
	if a, b := skeleton(src), skeleton(out); a != b {
		t.Errorf("text other than white space changed:\n src %q\n out %q\n--- src\n%s\n--- out\n%s", a, b, src, out)
	}
}

// hasTokenDump reports whether a message looks like participle's own error text rather
// than one written for users.
func hasTokenDump(msg string) bool {
	for _, s := range []string{"unexpected token", "(expected", "<EOF>", "<ident>", "<string>", "sub-expression", "branch", "lookahead"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}
