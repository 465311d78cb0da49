package codelinks

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Form is how a link is written.
type Form string

// The link forms.
const (
	FormPath   Form = "path"   // services/payments/db.go, services/payments/
	FormGlob   Form = "glob"   // services/**/*.go
	FormLine   Form = "line"   // services/payments/db.go:42
	FormSymbol Form = "symbol" // services/payments/db.go#QueryOrders, db.go#Store.Query
	FormURL    Form = "url"    // https://...: not checked, never fetched
)

// Problem codes of links, for findings.
const (
	// CodeOutside: an absolute path, a `..` that leaves the root, a symbolic link that
	// leads out of it. The file is never opened.
	CodeOutside = "link-outside-root"
	// CodeMissing: no such file or folder, a pattern that matches nothing, a broken link.
	CodeMissing = "link-missing"
	// CodeLine: a line that is not in the file.
	CodeLine = "link-line"
	// CodeSymbol: a symbol the file does not define, or one that cannot be looked up.
	CodeSymbol = "link-symbol"
	// CodeInvalid: an empty link or a malformed pattern.
	CodeInvalid = "link-invalid"
)

// Link is a `code` or `evidence` reference resolved against the tree.
type Link struct {
	// Ref is the reference as written.
	Ref  string
	Form Form
	// Path is the repository-relative, slash-separated path the link names (cleaned): the
	// file or folder, for a glob the pattern, for a glob with a symbol the file defining it.
	Path string
	// Abs is the absolute path of the target on disk, with symbolic links resolved (a link
	// may only lead to a place inside the root); empty unless OK and the target is a file
	// or folder. Editors open it.
	Abs string
	// Dir is set when the target is a folder.
	Dir bool
	// Line is the line of a `path:line` link.
	Line int
	// Symbol is the symbol of a `path#symbol` link, SymbolLine the line declaring it.
	Symbol     string
	SymbolLine int
	// Matches are the files and folders a glob matched, sorted.
	Matches []string
	// OK is set when the link resolves. Otherwise Problem says why in a sentence with a
	// suggestion when one is close, and Code classifies it.
	OK      bool
	Problem string
	Code    string

	realRoot string // for Snippet
	realRel  string // the target relative to realRoot, links resolved
}

// Message returns the problem as a diagnostic, prefixed with the attribute and the link:
// "evidence services/payments/db.go#QueryOrder: no such symbol; the file defines
// `QueryOrders`".
func (l Link) Message(attr string) string {
	if l.OK {
		return ""
	}
	if attr == "" {
		return l.Ref + ": " + l.Problem
	}
	return attr + " " + l.Ref + ": " + l.Problem
}

// TargetLine returns the line to show: the symbol's line, the linked line, or 0 for a
// whole file or folder.
func (l Link) TargetLine() int {
	if l.SymbolLine > 0 {
		return l.SymbolLine
	}
	return l.Line
}

// Lang returns the language of the target file as a Markdown code-fence name ("go",
// "python", "typescript"), or "".
func (l Link) Lang() string {
	if s := syntaxFor(l.Path); s != nil {
		return s.name
	}
	return ""
}

func (l *Link) fail(code, format string, args ...any) Link {
	l.OK, l.Code, l.Problem, l.Abs, l.realRel = false, code, fmt.Sprintf(format, args...), "", ""
	return *l
}

var (
	urlScheme = lazyRegexp(`^[A-Za-z][A-Za-z0-9+.-]*://`)
	lineRange = lazyRegexp(`^[0-9]+-[0-9]+$`)
)

// Resolve checks a `code` or `evidence` reference: `path` (a file or folder), a glob
// (`*`, `?`, `[...]`, `**`), `path:line` or `path#symbol` (`Type.method` for a method;
// with a glob, the first matching file that defines it). Confinement is checked first,
// without opening anything: absolute paths, `..` leaving the root and symbolic links
// leading out of it are refused. Then the target must exist, the line must be in the file,
// the symbol must be declared in it. http(s) URLs are accepted unchecked (Form URL).
// Resolve looks at the disk each time; what it finds is also what Found answers next.
func (ix *Index) Resolve(ref string) Link {
	ix.cacheMu.Lock()
	gen := ix.foundGen
	ix.cacheMu.Unlock()
	l := ix.resolve(ref, true)
	ix.cacheMu.Lock()
	if ix.foundGen == gen {
		if prev, ok := ix.links[ref]; ok && !sameLink(prev, l) {
			ix.linksChanged++
		}
		if ix.links == nil || len(ix.links) >= maxRemembered {
			if ix.links != nil {
				ix.linksChanged++ // the answers are forgotten
			}
			ix.links = map[string]Link{}
		}
		ix.links[ref] = l
	}
	ix.cacheMu.Unlock()
	return l
}

// Answers changes whenever what Remembered or Found answers may have changed: a file
// changed (Update), Resolve found otherwise than they remembered, or they forgot. Work
// built on their answers (the language server's keystroke analysis, which starts from the
// one before) holds while it stays the same.
func (ix *Index) Answers() uint64 {
	ix.cacheMu.Lock()
	defer ix.cacheMu.Unlock()
	return uint64(ix.foundGen) + uint64(ix.linksChanged)
}

// sameLink reports whether two answers for one reference say the same.
func sameLink(a, b Link) bool {
	return a.Form == b.Form && a.Path == b.Path && a.Abs == b.Abs && a.Dir == b.Dir && a.Line == b.Line &&
		a.Symbol == b.Symbol && a.SymbolLine == b.SymbolLine && slices.Equal(a.Matches, b.Matches) &&
		a.OK == b.OK && a.Problem == b.Problem && a.Code == b.Code
}

// Remembered returns what Resolve returned for ref, remembered as Found's answers are:
// until Update reports a change to any file. A focused analysis on every keystroke checks
// the links of the edited file, each with an lstat per path element, for the same answers;
// a whole analysis calls Resolve and refreshes them.
func (ix *Index) Remembered(ref string) Link {
	return remembered(&ix.cacheMu, &ix.links, &ix.foundGen, ref, func() Link { return ix.resolve(ref, true) })
}

// Found reports whether a reference resolves, as Resolve would say, without working out a
// suggestion for a missing path. The answer, or the last Resolve's, is remembered until
// Update reports a change to any file, so an analysis on every keystroke does not look at
// the disk again; a whole analysis, which resolves every link, refreshes it.
func (ix *Index) Found(ref string) bool {
	ix.cacheMu.Lock()
	l, resolved := ix.links[ref]
	ix.cacheMu.Unlock()
	if resolved {
		return l.OK
	}
	return remembered(&ix.cacheMu, &ix.found, &ix.foundGen, ref, func() bool { return ix.resolve(ref, false).OK })
}

// remembered returns table[key], working it out with compute (without holding mu) the
// first time. An answer worked out while *gen moved on (the files changed) is returned but
// not kept.
func remembered[V any](mu *sync.Mutex, table *map[string]V, gen *int, key string, compute func() V) V {
	mu.Lock()
	v, ok := (*table)[key]
	start := *gen
	mu.Unlock()
	if ok {
		return v
	}
	v = compute()
	mu.Lock()
	if *gen == start {
		if *table == nil || len(*table) >= maxRemembered {
			if *table != nil {
				*gen++ // the answers are forgotten (Answers)
			}
			*table = map[string]V{} // every prefix of a link being typed ends up here
		}
		(*table)[key] = v
	}
	mu.Unlock()
	return v
}

// maxRemembered bounds each memo of links and suggestions; past it the memo starts again.
const maxRemembered = 1 << 16

// forgetFound drops the remembered answers of Found and Remembered.
func (ix *Index) forgetFound() {
	ix.cacheMu.Lock()
	ix.found, ix.links = nil, nil
	ix.foundGen++
	ix.cacheMu.Unlock()
}

func (ix *Index) resolve(ref string, suggest bool) Link {
	l := Link{Ref: ref, Form: FormPath, realRoot: ix.realRoot}
	s := strings.TrimSpace(ref)
	if s == "" {
		return l.fail(CodeInvalid, "empty link; write a repository-relative path such as `services/api/main.go`")
	}
	if urlScheme.MatchString(s) {
		if strings.HasPrefix(strings.ToLower(s), "file:") {
			return l.fail(CodeOutside, "file URLs are not allowed; write a path relative to the model root")
		}
		l.Form, l.Path, l.OK = FormURL, s, true
		return l
	}
	p := s
	if i := strings.LastIndexByte(p, '#'); i >= 0 {
		l.Form, l.Symbol, p = FormSymbol, p[i+1:], p[:i]
		if l.Symbol == "" {
			return l.fail(CodeInvalid, "nothing after `#`; name a function or type, as in `%s#Handler`", p)
		}
	} else if i := strings.LastIndexByte(p, ':'); i > 0 {
		suffix := p[i+1:]
		if n, err := strconv.Atoi(suffix); err == nil && suffix[0] != '+' && suffix[0] != '-' {
			l.Form, l.Line, p = FormLine, n, p[:i]
		} else if lineRange.MatchString(suffix) {
			return l.fail(CodeInvalid, "a link names one line; write `%s:%s`", p[:i], strings.Split(suffix, "-")[0])
		}
	}
	p = strings.ReplaceAll(p, `\`, "/")
	if strings.IndexByte(p, 0) >= 0 {
		return l.fail(CodeInvalid, "the path contains a NUL byte")
	}
	if strings.HasPrefix(p, "/") || filepath.IsAbs(p) || hasDrive(p) {
		msg := "absolute paths are not allowed; write the path relative to the model root"
		if rel, ok := ix.Rel(filepath.FromSlash(p)); ok && rel != "." {
			msg += fmt.Sprintf(": `%s`", rel)
		}
		return l.fail(CodeOutside, "%s", msg)
	}
	if p == "" {
		return l.fail(CodeInvalid, "empty path before `%s`; write a repository-relative path", s[:1])
	}
	clean := path.Clean(p)
	l.Path = clean
	if clean == ".." || strings.HasPrefix(clean, "../") {
		return l.fail(CodeOutside, "the path leaves the model root through `..`; links must stay inside it")
	}
	if isGlob(clean) {
		return ix.resolveGlob(l)
	}
	realRel, fi, code, problem := ix.confine(clean)
	if problem != "" {
		if suggest && strings.HasPrefix(problem, "no such") {
			problem += ix.suggestFile(clean)
		}
		return l.fail(code, "%s", problem)
	}
	if !fi.IsDir() && !fi.Mode().IsRegular() {
		return l.fail(CodeMissing, "`%s` is not a regular file or folder", clean)
	}
	l.realRel, l.Dir = realRel, fi.IsDir()
	l.Abs = filepath.Join(ix.realRoot, filepath.FromSlash(realRel))
	switch l.Form {
	case FormLine:
		if l.Dir {
			return l.fail(CodeLine, "`%s` is a folder; a line needs a file", clean)
		}
		if l.Line < 1 {
			return l.fail(CodeLine, "line %d is not a line; lines count from 1", l.Line)
		}
		f, err := ix.factsOf(realRel, fi, false)
		if err != nil {
			return l.fail(CodeMissing, "cannot read the file: %s", errText(err))
		}
		if l.Line > f.lines {
			if f.lines == 0 {
				return l.fail(CodeLine, "line %d is past the end; the file is empty", l.Line)
			}
			return l.fail(CodeLine, "line %d is past the end; the file has %d lines", l.Line, f.lines)
		}
	case FormSymbol:
		if l.Dir {
			return l.fail(CodeSymbol, "`%s` is a folder; a symbol needs a file", clean)
		}
		return ix.resolveSymbol(l, realRel, fi)
	}
	l.OK = true
	return l
}

// confine follows rel from the root one part at a time with Lstat, never opening
// anything. A symbolic link is followed only when its target (resolved) lies inside the
// root. It returns the target relative to the real root, links resolved.
func (ix *Index) confine(rel string) (realRel string, fi fs.FileInfo, code, problem string) {
	if rel == "." {
		fi, err := os.Lstat(ix.realRoot)
		if err != nil {
			return "", nil, CodeMissing, "cannot read the model root"
		}
		return ".", fi, "", ""
	}
	parts := strings.Split(rel, "/")
	cur := ""
	for i, part := range parts {
		next := part
		if cur != "" {
			next = cur + "/" + part
		}
		written := strings.Join(parts[:i+1], "/")
		abs := filepath.Join(ix.realRoot, filepath.FromSlash(next))
		var err error
		fi, err = os.Lstat(abs)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
				if i < len(parts)-1 {
					return "", nil, CodeMissing, fmt.Sprintf("no such folder `%s`", written)
				}
				return "", nil, CodeMissing, "no such file or folder"
			}
			return "", nil, CodeMissing, "cannot read it: " + errText(err)
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			real, err := filepath.EvalSymlinks(abs)
			if err != nil {
				target, _ := os.Readlink(abs)
				if !filepath.IsAbs(target) {
					target = filepath.Join(filepath.Dir(abs), target)
				}
				if _, inside := relWithin(ix.realRoot, filepath.Clean(target)); !inside {
					return "", nil, CodeOutside, fmt.Sprintf("`%s` is a symbolic link that leads outside the model root; links must stay inside it", written)
				}
				return "", nil, CodeMissing, fmt.Sprintf("`%s` is a broken symbolic link", written)
			}
			r, inside := relWithin(ix.realRoot, real)
			if !inside {
				return "", nil, CodeOutside, fmt.Sprintf("`%s` is a symbolic link that leads outside the model root; links must stay inside it", written)
			}
			if fi, err = os.Lstat(real); err != nil {
				return "", nil, CodeMissing, fmt.Sprintf("`%s` is a broken symbolic link", written)
			}
			next = r
			if next == "." {
				next = ""
			}
		}
		if i < len(parts)-1 && !fi.IsDir() {
			return "", nil, CodeMissing, fmt.Sprintf("`%s` is a file, not a folder", written)
		}
		cur = next
	}
	if cur == "" {
		cur = "."
	}
	return cur, fi, "", ""
}

// suggestFile returns "; did you mean `x`?" for a missing path, or "".
// Suggestions are remembered until the set of files changes: the same broken link is
// resolved again on every analysis, and the search compares it with every file.
func (ix *Index) suggestFile(missing string) string {
	return remembered(&ix.cacheMu, &ix.suggestions, &ix.globsGen, missing, func() string {
		ix.mu.Lock()
		if ix.paths == nil {
			ix.paths = newPathIndex(ix.sortedFilesLocked())
		}
		px := ix.paths
		ix.mu.Unlock()
		near := px.closestPath(missing)
		switch {
		case near == "":
			return ""
		case path.Base(near) == path.Base(missing):
			return fmt.Sprintf("; a file of that name is at `%s`", near)
		}
		return fmt.Sprintf("; did you mean `%s`?", near)
	})
}

// suggestDir returns "; did you mean `x`?" for a missing folder, or "".
func (ix *Index) suggestDir(missing string) string {
	ix.mu.RLock()
	dirs := make([]string, 0, len(ix.dirs))
	for d := range ix.dirs {
		dirs = append(dirs, d)
	}
	ix.mu.RUnlock()
	sort.Strings(dirs)
	if sug := closest(missing, dirs, len(missing)/4+2); sug != "" {
		return fmt.Sprintf("; did you mean `%s`?", sug)
	}
	return ""
}

// resolveGlob matches a pattern against the files and folders of the index, or, when the
// pattern's fixed prefix is a folder the scan skips, against that folder walked on demand.
func (ix *Index) resolveGlob(l Link) Link {
	l.Form = FormGlob
	if l.Line != 0 {
		return l.fail(CodeLine, "a line needs a single file, not a pattern")
	}
	segs := splitPattern(l.Path)
	if !validPattern(segs) {
		return l.fail(CodeInvalid, "malformed pattern (check the `[...]` classes)")
	}
	prefix := ""
	for _, seg := range segs {
		if isGlob(seg) {
			break
		}
		if prefix != "" {
			prefix += "/"
		}
		prefix += seg
	}
	ix.cacheMu.Lock()
	cached, hit := ix.globs[l.Path]
	gen := ix.globsGen
	ix.cacheMu.Unlock()
	var candidates []string
	switch {
	case hit:
		l.Matches = cached
	case prefix == "":
		ix.mu.RLock()
		for f := range ix.files {
			candidates = append(candidates, f)
		}
		for d := range ix.dirs {
			candidates = append(candidates, d)
		}
		ix.mu.RUnlock()
	default:
		// The fixed part is checked like a path: confined, and through links inside the root.
		realPrefix, fi, code, problem := ix.confine(prefix)
		if problem != "" {
			if strings.HasPrefix(problem, "no such") {
				problem = fmt.Sprintf("no such folder `%s`", prefix) + ix.suggestDir(prefix)
			}
			return l.fail(code, "%s", problem)
		}
		if !fi.IsDir() {
			return l.fail(CodeMissing, "`%s` is a file, not a folder", prefix)
		}
		ix.mu.RLock()
		skipped := realPrefix != "." && ix.skippedLocked(realPrefix, true)
		if !skipped {
			// Index entries under the real folder, named as written.
			under := realPrefix + "/"
			for _, set := range []map[string]bool{ix.files, ix.dirs} {
				for f := range set {
					if realPrefix == "." {
						candidates = append(candidates, prefix+"/"+f)
					} else if strings.HasPrefix(f, under) {
						candidates = append(candidates, prefix+"/"+f[len(under):])
					}
				}
			}
		}
		ix.mu.RUnlock()
		if skipped {
			// Walked on demand from the disk: not cached.
			hit = true
			for _, c := range walkBelow(ix.realRoot, realPrefix, prefix) {
				if matchSegs(segs, strings.Split(c, "/")) {
					l.Matches = append(l.Matches, c)
				}
			}
			sort.Strings(l.Matches)
		}
	}
	if !hit {
		for _, c := range candidates {
			if matchSegs(segs, strings.Split(c, "/")) {
				l.Matches = append(l.Matches, c)
			}
		}
		sort.Strings(l.Matches)
		ix.cacheMu.Lock()
		if ix.globsGen == gen {
			if ix.globs == nil {
				ix.globs = map[string][]string{}
			}
			ix.globs[l.Path] = l.Matches
		}
		ix.cacheMu.Unlock()
	}
	l.Matches = append([]string(nil), l.Matches...)
	if len(l.Matches) == 0 {
		return l.fail(CodeMissing, "the pattern matches no file (patterns skip hidden, vendored, generated and ignored folders unless the pattern names them)")
	}
	if l.Symbol == "" {
		l.OK = true
		return l
	}
	pattern, files := l.Path, 0
	for _, m := range l.Matches {
		realRel, fi, _, problem := ix.confine(m)
		if problem != "" || fi.IsDir() {
			continue
		}
		files++
		if fi.Size() > ix.maxSize {
			continue
		}
		f, err := ix.factsOf(realRel, fi, true)
		if err != nil || f.syn == nil {
			continue
		}
		if s, ok := findSymbol(f.symbols, l.Symbol); ok {
			l.Path, l.realRel, l.SymbolLine, l.OK = m, realRel, s.Line, true
			l.Abs = filepath.Join(ix.realRoot, filepath.FromSlash(realRel))
			return l
		}
	}
	l.Path = pattern
	if files == 1 {
		return l.fail(CodeSymbol, "no such symbol in the file the pattern matches")
	}
	return l.fail(CodeSymbol, "no such symbol in the %d files the pattern matches", files)
}

// maxGlobWalk bounds an on-demand walk of a skipped folder.
const maxGlobWalk = 50000

// walkBelow lists the files and folders under realRoot/realPrefix without following links,
// skipping .git, named as written under prefix.
func walkBelow(realRoot, realPrefix, prefix string) []string {
	var out []string
	base := filepath.Join(realRoot, filepath.FromSlash(realPrefix))
	_ = filepath.WalkDir(base, func(p string, d fs.DirEntry, err error) error {
		if err != nil || len(out) >= maxGlobWalk {
			if d != nil && d.IsDir() && p != base {
				return filepath.SkipDir
			}
			return nil
		}
		if p == base {
			return nil
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		if d.Type()&fs.ModeSymlink != 0 {
			return nil
		}
		rel, ok := relWithin(base, p)
		if ok {
			out = append(out, prefix+"/"+rel)
		}
		return nil
	})
	return out
}

func (ix *Index) resolveSymbol(l Link, realRel string, fi fs.FileInfo) Link {
	syn := syntaxFor(l.Path)
	if syn == nil || syn.symbols == nil {
		ext := path.Ext(l.Path)
		if ext == "" {
			ext = path.Base(l.Path)
		}
		return l.fail(CodeSymbol, "threatls cannot find symbols in %s files; link a line instead (`%s:LINE`)", ext, l.Path)
	}
	if fi.Size() > ix.maxSize {
		return l.fail(CodeSymbol, "the file is larger than %d KiB, too large to search for symbols; link a line instead (`%s:LINE`)", ix.maxSize>>10, l.Path)
	}
	f, err := ix.factsOf(realRel, fi, true)
	if err != nil {
		return l.fail(CodeMissing, "cannot read the file: %s", errText(err))
	}
	if f.binary {
		return l.fail(CodeSymbol, "the file is binary")
	}
	if s, ok := findSymbol(f.symbols, l.Symbol); ok {
		l.SymbolLine, l.OK = s.Line, true
		return l
	}
	want := normSymbol(l.Symbol)
	var names []string
	seen := map[string]bool{}
	for _, s := range f.symbols {
		for _, n := range []string{s.Name, s.qualified()} {
			if !seen[n] {
				seen[n] = true
				names = append(names, n)
			}
		}
	}
	if sug := closest(want, names, len(want)/3+2); sug != "" {
		return l.fail(CodeSymbol, "no such symbol; the file defines `%s`", sug)
	}
	if other := ix.symbolNearby(l.Path, realRel, want); other != "" {
		return l.fail(CodeSymbol, "no such symbol; `%s` is defined in `%s`", l.Symbol, other)
	}
	if len(f.symbols) == 0 {
		return l.fail(CodeSymbol, "no such symbol; threatls finds no functions or types in the file")
	}
	var top []string
	for _, s := range f.symbols {
		top = append(top, s.qualified())
	}
	return l.fail(CodeSymbol, "no such symbol; the file defines %s", listNames(top, 5))
}

// symbolNearby looks for a symbol in the other files of the same language in the folder of
// file (where a moved function usually goes), and returns the first file defining it.
func (ix *Index) symbolNearby(file, realRel, want string) string {
	dir := path.Dir(file)
	syn := syntaxFor(file)
	ix.mu.RLock()
	var siblings []string
	for f := range ix.files {
		if f != file && path.Dir(f) == dir && syntaxFor(f) == syn {
			siblings = append(siblings, f)
		}
	}
	ix.mu.RUnlock()
	sort.Strings(siblings)
	for i, sib := range siblings {
		if i == 50 {
			break
		}
		r, fi, _, problem := ix.confine(sib)
		if problem != "" || r == realRel || fi.IsDir() || fi.Size() > ix.maxSize {
			continue
		}
		if f, err := ix.factsOf(r, fi, true); err == nil {
			if _, ok := findSymbol(f.symbols, want); ok {
				return sib
			}
		}
	}
	return ""
}

func normSymbol(s string) string { return strings.ReplaceAll(s, "::", ".") }

// findSymbol finds `Name` or `Container.Name`.
func findSymbol(syms []symbol, want string) (symbol, bool) {
	want = normSymbol(want)
	for _, s := range syms {
		if s.Name == want || s.qualified() == want {
			return s, true
		}
	}
	return symbol{}, false
}

// facts are what Resolve learned about a file, cached until its size or time changes.
type facts struct {
	size    int64
	mod     time.Time
	lines   int
	binary  bool
	syn     *syntax
	symbols []symbol
	hasSyms bool
}

// factsOf returns the line count (and, with syms, the symbols) of the file at realRel,
// read through a confined root.
func (ix *Index) factsOf(realRel string, fi fs.FileInfo, syms bool) (*facts, error) {
	ix.cacheMu.Lock()
	f := ix.cache[realRel]
	ix.cacheMu.Unlock()
	if f != nil && f.size == fi.Size() && f.mod.Equal(fi.ModTime()) && (!syms || f.hasSyms) {
		return f, nil
	}
	fsroot, err := os.OpenRoot(ix.realRoot)
	if err != nil {
		return nil, err
	}
	defer fsroot.Close()
	file, err := fsroot.Open(filepath.FromSlash(realRel))
	if err != nil {
		return nil, err
	}
	defer file.Close()
	f = &facts{size: fi.Size(), mod: fi.ModTime(), syn: syntaxFor(realRel)}
	if !syms || fi.Size() > ix.maxSize {
		// Count lines without holding the file in memory.
		r := bufio.NewReaderSize(file, 64<<10)
		var last byte
		buf := make([]byte, 64<<10)
		for {
			n, err := r.Read(buf)
			f.lines += bytes.Count(buf[:n], []byte{'\n'})
			if n > 0 {
				last = buf[n-1]
			}
			if err != nil {
				break
			}
		}
		if f.size > 0 && last != '\n' {
			f.lines++
		}
	} else {
		src, err := readAll(file, nil, ix.maxSize)
		if err != nil {
			return nil, err
		}
		f.lines = bytes.Count(src, []byte{'\n'})
		if len(src) > 0 && src[len(src)-1] != '\n' {
			f.lines++
		}
		f.binary = bytes.IndexByte(src[:min(len(src), binarySniff)], 0) >= 0
		if f.syn != nil && f.syn.symbols != nil && !f.binary {
			code := make([]byte, len(src))
			lex(src, f.syn, code)
			f.symbols = f.syn.symbols(strings.Split(strings.ReplaceAll(string(code), "\r\n", "\n"), "\n"))
		}
		f.hasSyms = true
	}
	ix.cacheMu.Lock()
	ix.cache[realRel] = f
	ix.cacheMu.Unlock()
	return f, nil
}

// dropCache forgets what Resolve learned about rel and the files under it.
func (ix *Index) dropCache(rel string) {
	ix.cacheMu.Lock()
	defer ix.cacheMu.Unlock()
	ix.found = nil
	ix.foundGen++
	for k := range ix.cache {
		if k == rel || strings.HasPrefix(k, rel+"/") {
			delete(ix.cache, k)
		}
	}
}

func errText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// Snippet returns up to n lines of the target for a hover: from a symbol's declaration
// on, around a linked line, or from the top of a file. It is "" for folders, globs
// without a symbol, URLs and links that do not resolve. The file is read through the
// confined root.
func (l Link) Snippet(n int) string {
	if !l.OK || l.Dir || l.realRel == "" || n <= 0 {
		return ""
	}
	start := 1
	switch {
	case l.SymbolLine > 0:
		start = l.SymbolLine
	case l.Line > 0:
		start = max(1, l.Line-(n-1)/2)
	}
	fsroot, err := os.OpenRoot(l.realRoot)
	if err != nil {
		return ""
	}
	defer fsroot.Close()
	f, err := fsroot.Open(filepath.FromSlash(l.realRel))
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var lines []string
	for line := 1; sc.Scan() && len(lines) < n; line++ {
		if line >= start {
			t := sc.Text()
			if strings.IndexByte(t, 0) >= 0 {
				return ""
			}
			lines = append(lines, strings.TrimRight(t, " \t\r"))
		}
	}
	return strings.Join(lines, "\n")
}
