package codelinks

import (
	"bytes"
	"path"
	"strings"
)

// pattern is a compiled .gitignore line or link glob, matched segment by segment against
// a slash-separated path.
type pattern struct {
	// segs are the pattern's segments; "**" matches any number of whole segments (at least
	// one when it is the last segment, so `dir/**` matches what is inside dir).
	segs    []string
	dirOnly bool
	negate  bool
}

// parseIgnore compiles the lines of a .gitignore file. The subset understood: blank lines
// and `#` comments are skipped; `!` negates; a trailing `/` matches folders only; a
// pattern with a `/` before its end is anchored to the .gitignore's folder (a leading `/`
// only anchors), one without matches a name at any depth; `*`, `?`, `[...]` (`[!...]`) and
// `\` escapes work within a segment, `**` across segments.
func parseIgnore(data []byte) []pattern {
	var out []pattern
	for _, raw := range bytes.Split(data, []byte("\n")) {
		line := strings.TrimSuffix(string(raw), "\r")
		if line == "" || line[0] == '#' {
			continue
		}
		// Trailing blanks are dropped unless escaped with a backslash.
		trimmed := strings.TrimRight(line, " \t")
		if strings.HasSuffix(trimmed, `\`) && len(trimmed) < len(line) {
			trimmed += line[len(trimmed) : len(trimmed)+1]
		}
		line = trimmed
		var p pattern
		if strings.HasPrefix(line, "!") {
			p.negate, line = true, line[1:]
		} else if strings.HasPrefix(line, `\!`) || strings.HasPrefix(line, `\#`) {
			line = line[1:]
		}
		if strings.HasSuffix(line, "/") {
			p.dirOnly, line = true, strings.TrimRight(line, "/")
		}
		if line == "" {
			continue
		}
		anchored := strings.Contains(line, "/")
		line = strings.TrimPrefix(line, "/")
		p.segs = splitPattern(line)
		if !anchored {
			p.segs = append([]string{"**"}, p.segs...)
		}
		out = append(out, p)
	}
	return out
}

// splitPattern splits a pattern into segments, turning gitignore's `[!...]` into the
// `[^...]` path.Match understands and collapsing repeated `**` segments.
func splitPattern(s string) []string {
	var segs []string
	for _, seg := range strings.Split(s, "/") {
		if seg == "" {
			continue
		}
		if seg == "**" && len(segs) > 0 && segs[len(segs)-1] == "**" {
			continue
		}
		segs = append(segs, strings.ReplaceAll(seg, "[!", "[^"))
	}
	return segs
}

// match reports whether the pattern matches rel, a path relative to the pattern's folder.
func (p pattern) match(rel []string, isDir bool) bool {
	if p.dirOnly && !isDir {
		return false
	}
	return matchSegs(p.segs, rel)
}

// matchSegs matches pattern segments against path segments.
func matchSegs(p, s []string) bool {
	for len(p) > 0 {
		if p[0] == "**" {
			if len(p) == 1 {
				return len(s) > 0
			}
			for i := 0; i < len(s); i++ {
				if matchSegs(p[1:], s[i:]) {
					return true
				}
			}
			return false
		}
		if len(s) == 0 {
			return false
		}
		if ok, _ := path.Match(p[0], s[0]); !ok {
			return false
		}
		p, s = p[1:], s[1:]
	}
	return len(s) == 0
}

// validPattern reports whether every segment of a glob is well formed.
func validPattern(segs []string) bool {
	for _, s := range segs {
		if _, err := path.Match(s, ""); err != nil {
			return false
		}
	}
	return true
}

// isGlob reports whether s uses glob syntax.
func isGlob(s string) bool { return strings.ContainsAny(s, "*?[") }

// ignoreRules are the .gitignore patterns of a tree, by the folder that holds each file
// ("" for the root). Patterns in deeper folders take precedence; within a file the last
// matching line wins.
type ignoreRules map[string][]pattern

// ignored reports whether rel (a path relative to the root) is ignored by itself; callers
// check its folders first, since nothing inside an ignored folder can be re-included.
func (r ignoreRules) ignored(rel string, isDir bool) bool {
	if len(r) == 0 {
		return false
	}
	segs := strings.Split(rel, "/")
	result := false
	// The folders holding rel, from the root down: "", "a", "a/b", ...
	dir, depth := "", 0
	for {
		for _, p := range r[dir] {
			if p.match(segs[depth:], isDir) {
				result = !p.negate
			}
		}
		depth++
		if depth >= len(segs) {
			break
		}
		dir = rel[:len(dir)+len(segs[depth-1])+boolInt(depth > 1)]
	}
	return result
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
