package codelinks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"
)

// DefaultMaxFileSize is the largest file Scan reads for annotations and Resolve searches
// for symbols: 1 MiB.
const DefaultMaxFileSize = 1 << 20

// binarySniff is how much of a file is looked at for a NUL byte, the sign of a binary file.
const binarySniff = 8 << 10

// skippedDirs are folder names never scanned: version control, dependencies, build output.
var skippedDirs = map[string]bool{
	"node_modules": true, "vendor": true, "third_party": true, "dist": true, "build": true,
	"target": true, "testdata": true, "__pycache__": true, "bower_components": true,
}

// SkipDir reports whether Scan skips folders with this name: hidden folders (`.git`,
// `.venv`, ...), vendored dependencies (node_modules, vendor, third_party,
// bower_components), build output (dist, build, target, __pycache__) and test fixtures
// (testdata).
func SkipDir(name string) bool {
	return skippedDirs[name] || (strings.HasPrefix(name, ".") && name != "." && name != "..")
}

// Repo is a source tree whose files a model links to and whose comments annotate it.
type Repo struct {
	// Root is the absolute path of the tree: the model root. Links are relative to it and
	// nothing outside it is ever read.
	Root string
	// MaxFileSize is the largest file read for annotations or symbols; 0 means
	// DefaultMaxFileSize.
	MaxFileSize int64
}

// Index is what a scan found: the files of the tree, the annotations in their comments
// and the malformed annotations. It resolves links (Resolve) and follows changes to single
// files (Update). An Index is safe for concurrent use. The read accessors (Annotations,
// AnnotationsFor, AnnotationsIn, Problems, Files, Stats) work on a nil *Index and return
// nothing.
type Index struct {
	root     string // the root as given, cleaned
	realRoot string // the root with symbolic links resolved
	maxSize  int64

	mu     sync.RWMutex
	files  map[string]bool // every file kept (not skipped), by repository-relative path
	dirs   map[string]bool // every folder kept, except the root
	ignore ignoreRules
	anns   map[string][]Annotation
	probs  map[string][]Problem
	stats  Stats
	// sortedFiles, paths, allAnns and allProbs are built on demand and dropped on change.
	sortedFiles []string
	paths       *pathIndex
	allAnns     []Annotation
	allProbs    []Problem

	// cacheMu guards cache and globs; it may be taken while holding mu, never the reverse.
	cacheMu sync.Mutex
	cache   map[string]*facts
	globs   map[string][]string // index-based glob matches by cleaned pattern
	// suggestions are the "did you mean" notes for missing paths, by cleaned path.
	suggestions map[string]string
	// found remembers Found's answers by reference; foundGen counts the times they were
	// forgotten, so that an answer worked out across a change is not kept.
	found    map[string]bool
	foundGen int
	// links remembers Resolve's answers by reference (Found's too, when there is one),
	// forgotten with found; linksChanged counts the times Resolve found otherwise than it
	// remembered (see Answers).
	links        map[string]Link
	linksChanged int
	// globsGen counts changes to the set of files, so a glob or suggestion computed before
	// a change is not cached after it.
	globsGen int
}

// Stats counts what a scan saw and skipped.
type Stats struct {
	// Files is the number of files kept in the index (links and globs resolve against
	// them); Read is how many of them were read for annotations (files in a language with
	// a known comment syntax).
	Files, Read int
	Annotations int
	// SkippedDirs are folders skipped by name (SkipDir) or by .gitignore; Ignored are files
	// skipped by .gitignore; Symlinks are links not followed.
	SkippedDirs, Ignored, Symlinks int
	// Large are files over the size limit, Binary files with a NUL byte in their first
	// 8 KiB, Generated files marked as generated; none of them is read for annotations.
	Large, Binary, Generated int
	Duration                 time.Duration
}

// ScanInBackground runs Scan on its own goroutine, so that the caller can read the model
// meanwhile; the function it returns waits for Scan's outcome.
func (r *Repo) ScanInBackground(ctx context.Context) func() (*Index, error) {
	type outcome struct {
		ix  *Index
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		ix, err := r.Scan(ctx)
		done <- outcome{ix, err}
	}()
	return func() (*Index, error) {
		o := <-done
		done <- o // another call gets it too
		return o.ix, o.err
	}
}

// Scan walks the tree and reads the annotations of its source files. It skips the folders
// SkipDir names, what .gitignore files ignore, files over the size limit, binary and
// generated files, and never follows a symbolic link.
func (r *Repo) Scan(ctx context.Context) (*Index, error) {
	start := time.Now()
	if r.Root == "" || !filepath.IsAbs(r.Root) {
		return nil, fmt.Errorf("codelinks: the root must be an absolute path, not %q", r.Root)
	}
	root := filepath.Clean(r.Root)
	real, err := filepath.EvalSymlinks(root)
	if err != nil {
		return nil, fmt.Errorf("codelinks: %w", err)
	}
	if fi, err := os.Stat(real); err != nil {
		return nil, fmt.Errorf("codelinks: %w", err)
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("codelinks: %s is not a folder", root)
	}
	ix := &Index{root: root, realRoot: real, maxSize: r.MaxFileSize, cache: map[string]*facts{}}
	if ix.maxSize <= 0 {
		ix.maxSize = DefaultMaxFileSize
	}
	res, err := ix.walk(ctx, "", ignoreRules{})
	if err != nil {
		return nil, err
	}
	ix.files, ix.dirs, ix.ignore, ix.anns, ix.probs = res.files, res.dirs, res.ignore, res.anns, res.probs
	ix.stats = res.stats
	ix.stats.Files = len(ix.files)
	ix.stats.Annotations = countAnns(ix.anns)
	ix.stats.Duration = time.Since(start)
	return ix, nil
}

// Root returns the absolute root of the index, as given to the Repo.
func (ix *Index) Root() string { return ix.root }

// Stats returns what the last full scan saw and skipped; Files and Annotations are kept up
// to date by Update.
func (ix *Index) Stats() Stats {
	if ix == nil {
		return Stats{}
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	s := ix.stats
	s.Files = len(ix.files)
	s.Annotations = countAnns(ix.anns)
	return s
}

func countAnns(m map[string][]Annotation) int {
	n := 0
	for _, a := range m {
		n += len(a)
	}
	return n
}

// Files returns the repository-relative paths of the files kept by the scan, sorted.
func (ix *Index) Files() []string {
	if ix == nil {
		return nil
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return ix.sortedFilesLocked()
}

func (ix *Index) sortedFilesLocked() []string {
	if ix.sortedFiles == nil {
		ix.sortedFiles = make([]string, 0, len(ix.files))
		for f := range ix.files {
			ix.sortedFiles = append(ix.sortedFiles, f)
		}
		sort.Strings(ix.sortedFiles)
	}
	return ix.sortedFiles
}

// Annotations returns every annotation, sorted by file and position. The slice is shared:
// do not modify it.
func (ix *Index) Annotations() []Annotation {
	if ix == nil {
		return nil
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.allAnns == nil {
		ix.allAnns = flatten(ix.anns, func(a Annotation) (string, int) { return a.File, a.Span.Start })
	}
	return ix.allAnns
}

// AnnotationsFor returns the annotations naming id, sorted by file and position.
func (ix *Index) AnnotationsFor(id string) []Annotation {
	var out []Annotation
	for _, a := range ix.Annotations() {
		if a.ID == id {
			out = append(out, a)
		}
	}
	return out
}

// AnnotationsIn returns the annotations of one file.
func (ix *Index) AnnotationsIn(file string) []Annotation {
	if ix == nil {
		return nil
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return append([]Annotation(nil), ix.anns[file]...)
}

// Problems returns the malformed annotations, sorted by file and position. Annotations
// naming ids the model lacks are found by CheckIDs.
func (ix *Index) Problems() []Problem {
	if ix == nil {
		return nil
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.allProbs == nil {
		ix.allProbs = flatten(ix.probs, func(p Problem) (string, int) { return p.File, p.Span.Start })
	}
	return ix.allProbs
}

// Rel turns an absolute path (from a file URI) into the repository-relative path Update
// takes. It reports false for paths outside the root.
func (ix *Index) Rel(abs string) (string, bool) {
	abs = filepath.Clean(abs)
	for _, base := range []string{ix.root, ix.realRoot} {
		if rel, ok := relWithin(base, abs); ok {
			return rel, true
		}
	}
	return "", false
}

// relWithin returns p relative to base with slashes, when p is base or inside it.
func relWithin(base, p string) (string, bool) {
	if p == base {
		return ".", true
	}
	prefix := base
	if !strings.HasSuffix(prefix, string(filepath.Separator)) {
		prefix += string(filepath.Separator)
	}
	if !strings.HasPrefix(p, prefix) {
		return "", false
	}
	return filepath.ToSlash(p[len(prefix):]), true
}

// Update brings the index up to date with one file or folder that changed on disk
// (created, modified or deleted), given by its repository-relative path, without a full
// scan: a file is re-read, a deleted path is dropped with everything under it, a new
// folder is walked. A change to a .gitignore file rescans the tree. Update reports whether
// the index changed in a way links or annotations can see. Paths outside the root and the
// root itself are ignored (scan again to refresh everything).
func (ix *Index) Update(relPath string) bool {
	rel, ok := cleanRel(relPath)
	if !ok || rel == "." {
		return false
	}
	ix.dropCache(rel)
	defer ix.forgetFound() // and again once the change is in, for answers made meanwhile
	if path.Base(rel) == ".gitignore" {
		return ix.rescan()
	}
	fi, err := ix.lstatNoLinks(rel)
	ix.mu.RLock()
	gone := err != nil || (!fi.IsDir() && !fi.Mode().IsRegular()) || ix.skippedLocked(rel, fi.IsDir())
	var ignore ignoreRules
	if !gone && fi.IsDir() {
		ignore = ix.copyIgnore()
	}
	ix.mu.RUnlock()
	if gone {
		ix.mu.Lock()
		defer ix.mu.Unlock()
		return ix.removeLocked(rel)
	}
	if fi.IsDir() {
		res, err := ix.walk(context.Background(), rel, ignore)
		ix.mu.Lock()
		defer ix.mu.Unlock()
		if err == nil && ix.sameSubtreeLocked(rel, res) {
			return false
		}
		ix.removeLocked(rel)
		if err == nil {
			ix.mergeLocked(res)
		}
		return true
	}
	res := ix.readFile(rel)
	ix.mu.Lock()
	defer ix.mu.Unlock()
	was := ix.files[rel]
	old, oldProbs := ix.anns[rel], ix.probs[rel]
	ix.files[rel] = true
	for d := path.Dir(rel); d != "."; d = path.Dir(d) {
		ix.dirs[d] = true
	}
	ix.setFileLocked(rel, res.anns, res.probs)
	if !was {
		ix.filesChangedLocked()
		return true
	}
	return !sameAnns(old, res.anns) || !sameProbs(oldProbs, res.probs)
}

// lstatNoLinks returns the file information of rel, failing when rel or a folder on its way
// is a symbolic link: the scan does not follow links, so neither does Update.
func (ix *Index) lstatNoLinks(rel string) (fs.FileInfo, error) {
	cur := ix.realRoot
	var fi fs.FileInfo
	for _, seg := range strings.Split(rel, "/") {
		cur = filepath.Join(cur, seg)
		var err error
		if fi, err = os.Lstat(cur); err != nil {
			return nil, err
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			return nil, errSymlink
		}
	}
	return fi, nil
}

var errSymlink = errors.New("symbolic link")

// sameSubtreeLocked reports whether a walk of the folder rel found exactly what the index
// holds under it: the same files and folders, annotations and problems.
func (ix *Index) sameSubtreeLocked(rel string, res *walkResult) bool {
	prefix := rel + "/"
	files, dirs := 0, 0
	for f := range ix.files {
		if strings.HasPrefix(f, prefix) {
			files++
			if !res.files[f] || !sameAnns(ix.anns[f], res.anns[f]) || !sameProbs(ix.probs[f], res.probs[f]) {
				return false
			}
		}
	}
	for d := range ix.dirs {
		if d == rel || strings.HasPrefix(d, prefix) {
			dirs++
			if !res.dirs[d] {
				return false
			}
		}
	}
	return files == len(res.files) && dirs == len(res.dirs)
}

// rescan walks the whole tree again and swaps in the result.
func (ix *Index) rescan() bool {
	res, err := ix.walk(context.Background(), "", ignoreRules{})
	if err != nil {
		return false
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.files, ix.dirs, ix.ignore, ix.anns, ix.probs = res.files, res.dirs, res.ignore, res.anns, res.probs
	ix.stats = res.stats
	ix.allAnns, ix.allProbs = nil, nil
	ix.filesChangedLocked()
	return true
}

func (ix *Index) copyIgnore() ignoreRules {
	out := make(ignoreRules, len(ix.ignore))
	for k, v := range ix.ignore {
		out[k] = v
	}
	return out
}

// skippedLocked reports whether the scan would skip rel: a folder on its way is skipped by
// name or ignored, or rel itself is.
func (ix *Index) skippedLocked(rel string, isDir bool) bool {
	segs := strings.Split(rel, "/")
	for i := range segs {
		dir := i < len(segs)-1 || isDir
		if dir && SkipDir(segs[i]) {
			return true
		}
		if ix.ignore.ignored(strings.Join(segs[:i+1], "/"), dir) {
			return true
		}
	}
	return false
}

// removeLocked drops rel and everything under it; it reports whether anything was there.
func (ix *Index) removeLocked(rel string) bool {
	changed := false
	prefix := rel + "/"
	for f := range ix.files {
		if f == rel || strings.HasPrefix(f, prefix) {
			delete(ix.files, f)
			delete(ix.anns, f)
			delete(ix.probs, f)
			changed = true
		}
	}
	for d := range ix.dirs {
		if d == rel || strings.HasPrefix(d, prefix) {
			delete(ix.dirs, d)
			changed = true
		}
	}
	for d := range ix.ignore {
		if d == rel || strings.HasPrefix(d, prefix) {
			delete(ix.ignore, d)
		}
	}
	if changed {
		ix.allAnns, ix.allProbs = nil, nil
		ix.filesChangedLocked()
	}
	return changed
}

func (ix *Index) mergeLocked(res *walkResult) {
	for f := range res.files {
		ix.files[f] = true
		ix.setFileLocked(f, res.anns[f], res.probs[f])
	}
	for d := range res.dirs {
		ix.dirs[d] = true
	}
	for d, p := range res.ignore {
		ix.ignore[d] = p
	}
	ix.filesChangedLocked()
}

// filesChangedLocked drops what was derived from the set of files and folders.
func (ix *Index) filesChangedLocked() {
	ix.sortedFiles = nil
	ix.paths = nil
	ix.cacheMu.Lock()
	ix.globs = nil
	ix.suggestions = nil
	ix.globsGen++
	ix.cacheMu.Unlock()
}

func (ix *Index) setFileLocked(rel string, anns []Annotation, probs []Problem) {
	if len(anns) > 0 {
		ix.anns[rel] = anns
	} else {
		delete(ix.anns, rel)
	}
	if len(probs) > 0 {
		ix.probs[rel] = probs
	} else {
		delete(ix.probs, rel)
	}
	ix.allAnns, ix.allProbs = nil, nil
}

func sameAnns(a, b []Annotation) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func sameProbs(a, b []Problem) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// walkResult is what one walk found.
type walkResult struct {
	files, dirs map[string]bool
	ignore      ignoreRules
	anns        map[string][]Annotation
	probs       map[string][]Problem
	stats       Stats
}

// fileResult is what reading one file found.
type fileResult struct {
	anns                           []Annotation
	probs                          []Problem
	read, large, binary, generated bool
}

// walk walks the tree from the folder start ("" for the root) with the .gitignore rules
// of the folders above it, and reads the annotations of the files it keeps.
func (ix *Index) walk(ctx context.Context, start string, ignore ignoreRules) (*walkResult, error) {
	res := &walkResult{files: map[string]bool{}, dirs: map[string]bool{}, ignore: ignore, anns: map[string][]Annotation{}, probs: map[string][]Problem{}}
	base := ix.realRoot
	if start != "" {
		base = filepath.Join(ix.realRoot, filepath.FromSlash(start))
	}
	fsroot, err := os.OpenRoot(ix.realRoot)
	if err != nil {
		return nil, fmt.Errorf("codelinks: %w", err)
	}
	defer fsroot.Close()

	// Files to read, grouped by folder: each folder is opened once as a confined root and
	// its files relative to it, which saves re-walking the path for every file.
	var toRead []string
	var jobs []readJob
	jobOf := map[string]int{}
	err = filepath.WalkDir(base, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == base {
				return err
			}
			if d != nil && d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, ok := relWithin(ix.realRoot, p)
		if !ok {
			return filepath.SkipDir
		}
		if d.IsDir() {
			if rel != "." {
				if SkipDir(d.Name()) || res.ignore.ignored(rel, true) {
					res.stats.SkippedDirs++
					return filepath.SkipDir
				}
				res.dirs[rel] = true
			}
			dir := rel
			if dir == "." {
				dir = ""
			}
			if data := readIgnoreFile(fsroot, dir); data != nil {
				if pats := parseIgnore(data); len(pats) > 0 {
					res.ignore[dir] = pats
				}
			}
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			res.stats.Symlinks++
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		if res.ignore.ignored(rel, false) {
			res.stats.Ignored++
			return nil
		}
		res.files[rel] = true
		if syntaxFor(rel) != nil {
			dir := path.Dir(rel)
			j, ok := jobOf[dir]
			if !ok {
				j = len(jobs)
				jobOf[dir] = j
				jobs = append(jobs, readJob{dir: dir})
			}
			jobs[j].files = append(jobs[j].files, len(toRead))
			toRead = append(toRead, rel)
		}
		return nil
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("codelinks: walking %s: %w", base, err)
	}

	results := make([]fileResult, len(toRead))
	workers := min(runtime.GOMAXPROCS(0), 16, max(1, len(jobs)))
	var wg sync.WaitGroup
	next := make(chan readJob)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 0, 64<<10)
			for job := range next {
				dir := fsroot
				if job.dir != "." {
					sub, err := fsroot.OpenRoot(filepath.FromSlash(job.dir))
					if err != nil {
						continue
					}
					dir = sub
				}
				for _, i := range job.files {
					if ctx.Err() != nil {
						break
					}
					results[i], buf = ix.readWith(dir, path.Base(toRead[i]), toRead[i], buf)
				}
				if dir != fsroot {
					dir.Close()
				}
			}
		}()
	}
	for _, job := range jobs {
		if ctx.Err() != nil {
			break
		}
		next <- job
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for i, rel := range toRead {
		r := results[i]
		if len(r.anns) > 0 {
			res.anns[rel] = r.anns
		}
		if len(r.probs) > 0 {
			res.probs[rel] = r.probs
		}
		res.stats.Read += boolInt(r.read)
		res.stats.Large += boolInt(r.large)
		res.stats.Binary += boolInt(r.binary)
		res.stats.Generated += boolInt(r.generated)
	}
	return res, nil
}

// readJob is a folder's files to read, by their index in the list of files.
type readJob struct {
	dir   string
	files []int
}

// readIgnoreFile returns the .gitignore of a folder, or nil.
func readIgnoreFile(fsroot *os.Root, dir string) []byte {
	name := path.Join(dir, ".gitignore")
	if dir == "" {
		name = ".gitignore"
	}
	fi, err := fsroot.Lstat(name)
	if err != nil || !fi.Mode().IsRegular() || fi.Size() > DefaultMaxFileSize {
		return nil
	}
	data, err := fsroot.ReadFile(name)
	if err != nil {
		return nil
	}
	return data
}

// readFile reads the annotations of one file, for Update.
func (ix *Index) readFile(rel string) fileResult {
	if syntaxFor(rel) == nil {
		return fileResult{}
	}
	fsroot, err := os.OpenRoot(ix.realRoot)
	if err != nil {
		return fileResult{}
	}
	defer fsroot.Close()
	r, _ := ix.readWith(fsroot, filepath.FromSlash(rel), rel, nil)
	return r
}

// readWith reads the file name of the confined root dir, reusing buf; rel is its path
// from the tree's root.
func (ix *Index) readWith(dir *os.Root, name, rel string, buf []byte) (fileResult, []byte) {
	var r fileResult
	f, err := dir.Open(name)
	if err != nil {
		return r, buf
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return r, buf
	}
	if fi.Size() > ix.maxSize {
		r.large = true
		return r, buf
	}
	buf, err = readAll(f, buf[:0], ix.maxSize)
	if err != nil {
		if errors.Is(err, errTooLarge) {
			r.large = true
		}
		return r, buf
	}
	if bytes.IndexByte(buf[:min(len(buf), binarySniff)], 0) >= 0 {
		r.binary = true
		return r, buf
	}
	r.read = true
	if !bytes.Contains(buf, []byte(Marker)) {
		return r, buf
	}
	if generated(rel, buf) {
		r.generated = true
		return r, buf
	}
	r.anns, r.probs = Parse(rel, buf)
	return r, buf
}

var errTooLarge = errors.New("file too large")

// readAll reads f into buf, failing when it holds more than limit bytes (a file that grew
// after its size was checked).
func readAll(f io.Reader, buf []byte, limit int64) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > limit {
			return buf, errTooLarge
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// generated reports whether a file says it is generated: Go's `Code generated ... DO NOT
// EDIT.` line or an `@generated` marker near the top, or a minified bundle's name.
func generated(rel string, src []byte) bool {
	base := path.Base(rel)
	if strings.Contains(base, ".min.") {
		return true
	}
	head := src[:min(len(src), 4<<10)]
	return (bytes.Contains(head, []byte("Code generated")) && bytes.Contains(head, []byte("DO NOT EDIT"))) ||
		bytes.Contains(head, []byte("@generated"))
}

// cleanRel cleans a repository-relative path given with slashes or the OS separator; it
// reports false for absolute paths and paths that leave the root.
func cleanRel(p string) (string, bool) {
	p = strings.ReplaceAll(p, `\`, "/")
	if p == "" || strings.HasPrefix(p, "/") || filepath.IsAbs(p) || hasDrive(p) || strings.IndexByte(p, 0) >= 0 {
		return "", false
	}
	p = path.Clean(p)
	if p == ".." || strings.HasPrefix(p, "../") {
		return "", false
	}
	return p, true
}

// hasDrive reports whether p starts with a Windows drive letter (`C:`).
func hasDrive(p string) bool {
	return len(p) >= 2 && p[1] == ':' && (p[0] >= 'a' && p[0] <= 'z' || p[0] >= 'A' && p[0] <= 'Z')
}

// flatten joins per-file lists into one, sorted by file and position.
func flatten[T any](byFile map[string][]T, key func(T) (string, int)) []T {
	out := []T{}
	for _, list := range byFile {
		out = append(out, list...)
	}
	sort.Slice(out, func(i, j int) bool {
		fa, pa := key(out[i])
		fb, pb := key(out[j])
		if fa != fb {
			return fa < fb
		}
		return pa < pb
	})
	return out
}
