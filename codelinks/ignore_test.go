package codelinks

import (
	"strings"
	"testing"
)

func TestGitignorePatterns(t *testing.T) {
	tests := []struct {
		patterns string
		path     string
		dir      bool
		want     bool
	}{
		{"*.log", "app.log", false, true},
		{"*.log", "deep/down/app.log", false, true},
		{"*.log", "app.logs", false, false},
		{"debug?.txt", "debug1.txt", false, true},
		{"debug?.txt", "debug10.txt", false, false},
		{"debug[0-9].txt", "sub/debug7.txt", false, true},
		{"debug[!0-9].txt", "debuga.txt", false, true},
		{"debug[!0-9].txt", "debug7.txt", false, false},
		// A leading slash anchors to the folder of the .gitignore.
		{"/todo.go", "todo.go", false, true},
		{"/todo.go", "sub/todo.go", false, false},
		// A slash in the middle anchors too.
		{"doc/frotz", "doc/frotz", false, true},
		{"doc/frotz", "a/doc/frotz", false, false},
		// A trailing slash matches folders only.
		{"cache/", "cache", true, true},
		{"cache/", "cache", false, false},
		{"cache/", "a/b/cache", true, true},
		// ** across folders.
		{"**/logs", "logs", true, true},
		{"**/logs", "a/b/logs", true, true},
		{"**/logs/debug.log", "x/logs/debug.log", false, true},
		{"a/**/b", "a/b", false, true},
		{"a/**/b", "a/x/y/b", false, true},
		{"a/**/b", "a/x/y/c", false, false},
		{"abc/**", "abc/x", false, true},
		{"abc/**", "abc/x/y", false, true},
		{"abc/**", "abc", true, false},
		// Negation: the last matching line wins.
		{"*.go\n!keep.go", "keep.go", false, false},
		{"*.go\n!keep.go", "drop.go", false, true},
		{"!keep.go\n*.go", "keep.go", false, true},
		// Comments, blanks, escapes.
		{"# comment\n\n  \n", "# comment", false, false},
		{`\#hash`, "#hash", false, true},
		{`\!bang`, "!bang", false, true},
		{"trail   ", "trail", false, true},
		{"crlf.txt\r\n", "crlf.txt", false, true},
	}
	for _, tt := range tests {
		r := ignoreRules{"": parseIgnore([]byte(tt.patterns))}
		if got := r.ignored(tt.path, tt.dir); got != tt.want {
			t.Errorf("%q ignores %q (dir %v) = %v, want %v", tt.patterns, tt.path, tt.dir, got, tt.want)
		}
	}
}

func TestGitignoreNestedPrecedence(t *testing.T) {
	r := ignoreRules{
		"":    parseIgnore([]byte("*.tmp\n/top-only\n")),
		"a":   parseIgnore([]byte("!keep.tmp\nsub/\n")),
		"a/b": parseIgnore([]byte("*.tmp\n")),
	}
	for path, want := range map[string]bool{
		"x.tmp":        true,
		"a/x.tmp":      true,
		"a/keep.tmp":   false, // the deeper file re-includes it
		"a/b/keep.tmp": true,  // and a deeper one ignores it again
		"top-only":     true,
		"a/top-only":   false, // anchored to the root's folder
	} {
		if got := r.ignored(path, false); got != want {
			t.Errorf("ignored(%q) = %v, want %v", path, got, want)
		}
	}
	if !r.ignored("a/sub", true) || r.ignored("sub", true) {
		t.Error("a pattern in a/.gitignore must match only under a/")
	}
}

func TestGlobSegments(t *testing.T) {
	tests := []struct {
		glob, path string
		want       bool
	}{
		{"**/*.go", "main.go", true},
		{"**/*.go", "a/b/main.go", true},
		{"src/**/*.ts", "src/app.ts", true},
		{"src/**/*.ts", "src/a/b/app.ts", true},
		{"src/**/*.ts", "lib/app.ts", false},
		{"src/*", "src/a/b", false},
		{"src/**", "src/a/b", true},
		{"**", "anything/at/all", true},
		{"a/**/**/b", "a/b", true},
	}
	for _, tt := range tests {
		if got := matchSegs(splitPattern(tt.glob), strings.Split(tt.path, "/")); got != tt.want {
			t.Errorf("%q matches %q = %v, want %v", tt.glob, tt.path, got, tt.want)
		}
	}
}
