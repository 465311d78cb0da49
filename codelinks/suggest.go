package codelinks

import (
	"path"
	"sort"
	"strconv"
	"strings"
)

// closest returns the candidate nearest to word by edit distance (case-insensitive), if it
// is within maxDist edits, or a candidate that word is a prefix or a case-variant of.
// Ties go to the alphabetically first candidate.
func closest(word string, candidates []string, maxDist int) string {
	best, bestDist := "", maxDist+1
	lw := strings.ToLower(word)
	wordCounts := letterCounts(lw)
	for _, c := range candidates {
		if c == word {
			return c
		}
		lc := strings.ToLower(c)
		if abs(len(lc)-len(lw)) >= bestDist {
			continue
		}
		// Most candidates are far off: a bound from the letters alone rejects them without
		// the edit distance's table (a missing path is compared with every file).
		if lb := countsDistance(wordCounts, lc); lb > bestDist || lb == bestDist && (best == "" || c >= best) {
			continue
		}
		d := editDistance(lw, lc, bestDist+1) // exact up to bestDist, so that a tie is one
		if d < bestDist || (d == bestDist && best != "" && c < best) {
			best, bestDist = c, d
		}
	}
	if best == "" && len(word) >= 3 {
		for _, c := range candidates {
			if strings.HasPrefix(strings.ToLower(c), lw) {
				return c
			}
		}
	}
	return best
}

// letterCounts counts the bytes of s in 64 buckets.
func letterCounts(s string) [64]int {
	var n [64]int
	for i := 0; i < len(s); i++ {
		n[s[i]&63]++
	}
	return n
}

// countsDistance is a lower bound of the edit distance between the string counted in want
// and s: an edit changes the counts by at most two.
func countsDistance(want [64]int, s string) int {
	for i := 0; i < len(s); i++ {
		want[s[i]&63]--
	}
	sum := 0
	for _, d := range want {
		sum += abs(d)
	}
	return (sum + 1) / 2
}

// editDistance is the Levenshtein distance of a and b, or a value >= limit when it is at
// least limit.
func editDistance(a, b string, limit int) int {
	if len(a) > 128 || len(b) > 128 {
		if a == b {
			return 0
		}
		return limit
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin >= limit {
			return limit
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// pathIndex groups a tree's files for suggestions, so that a missing path is compared with
// the files it may mean rather than with every file: a model with thousands of broken
// links in a large tree would otherwise cost links × files edit distances.
type pathIndex struct {
	byBase map[string][]string // files by base name, sorted
	byDir  map[string][]string // files by folder ("" at the root), sorted
	dirs   []string            // the keys of byDir, sorted
}

func newPathIndex(sortedFiles []string) *pathIndex {
	px := &pathIndex{byBase: map[string][]string{}, byDir: map[string][]string{}}
	for _, f := range sortedFiles {
		px.byBase[path.Base(f)] = append(px.byBase[path.Base(f)], f)
		dir := dirOf(f)
		if _, ok := px.byDir[dir]; !ok {
			px.dirs = append(px.dirs, dir)
		}
		px.byDir[dir] = append(px.byDir[dir], f)
	}
	sort.Strings(px.dirs)
	return px
}

// dirOf returns the folder of a path, or "" for a file at the root.
func dirOf(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i]
	}
	return ""
}

// closestPath suggests an existing file for a missing one: a file of the same name
// elsewhere (the file moved), else the nearest path by edit distance among the files of the
// folders near the missing path's folder (a typo in a folder name still finds its files).
func (px *pathIndex) closestPath(missing string) string {
	if sameName := px.byBase[path.Base(missing)]; len(sameName) > 0 {
		// Prefer the one sharing the longest folder prefix with the missing path.
		best, bestLen := sameName[0], -1
		for _, f := range sameName {
			if n := commonPrefix(f, missing); n > bestLen {
				best, bestLen = f, n
			}
		}
		return best
	}
	maxDist := len(missing)/4 + 2
	dir := strings.ToLower(dirOf(missing))
	dirCounts := letterCounts(dir)
	var candidates []string
	for _, d := range px.dirs {
		ld := strings.ToLower(d)
		if abs(len(ld)-len(dir)) > maxDist || countsDistance(dirCounts, ld) > maxDist {
			continue
		}
		if ld == dir || editDistance(dir, ld, maxDist+1) <= maxDist {
			candidates = append(candidates, px.byDir[d]...)
		}
	}
	sort.Strings(candidates)
	return closest(missing, candidates, maxDist)
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// listNames quotes up to n names for a message: "`a`, `b` and 3 more".
func listNames(names []string, n int) string {
	var q []string
	for i, s := range names {
		if i == n {
			break
		}
		q = append(q, "`"+s+"`")
	}
	out := strings.Join(q, ", ")
	if len(names) > n {
		out += " and " + strconv.Itoa(len(names)-n) + " more"
	}
	return out
}
