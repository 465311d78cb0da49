// Package textdiff prints unified diffs of two texts, line by line.
package textdiff

import (
	"fmt"
	"strings"
)

type opKind byte

const (
	opEqual  opKind = ' '
	opDelete opKind = '-'
	opInsert opKind = '+'
)

type op struct {
	kind opKind
	line string
}

// Unified returns a unified diff from a to b with three lines of context, or "" when they
// are equal.
func Unified(aName, bName, a, b string) string {
	if a == b {
		return ""
	}
	al, bl := splitLines(a), splitLines(b)
	ops := diffLines(al, bl)
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", aName, bName)
	const context = 3
	// Walk the script, emitting hunks around changes.
	i := 0
	aLine, bLine := 1, 1
	for i < len(ops) {
		if ops[i].kind == opEqual {
			i++
			aLine++
			bLine++
			continue
		}
		// Start a hunk with up to `context` lines before.
		start := max(i-context, 0)
		for start < i && ops[start].kind != opEqual {
			start++
		}
		hunkA, hunkB := aLine-(i-start), bLine-(i-start)
		end := i
		equalRun := 0
		for end < len(ops) {
			if ops[end].kind == opEqual {
				equalRun++
				if equalRun > 2*context {
					break
				}
			} else {
				equalRun = 0
			}
			end++
		}
		end -= max(equalRun-context, 0)
		var body strings.Builder
		na, nb := 0, 0
		for k := start; k < end; k++ {
			o := ops[k]
			body.WriteByte(byte(o.kind))
			body.WriteString(o.line)
			if !strings.HasSuffix(o.line, "\n") {
				body.WriteString("\n\\ No newline at end of file\n")
			}
			if o.kind != opInsert {
				na++
			}
			if o.kind != opDelete {
				nb++
			}
		}
		fmt.Fprintf(&out, "@@ -%d,%d +%d,%d @@\n", hunkA, na, hunkB, nb)
		out.WriteString(body.String())
		for k := i; k < end; k++ {
			if ops[k].kind != opInsert {
				aLine++
			}
			if ops[k].kind != opDelete {
				bLine++
			}
		}
		i = end
	}
	return out.String()
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// diffLines computes an edit script with Myers' O(ND) algorithm.
func diffLines(a, b []string) []op {
	n, m := len(a), len(b)
	maxD := n + m
	offset := maxD + 1
	v := make([]int, 2*maxD+3)
	var trace [][]int
	found := false
	// The trace keeps one copy of v per step: bound its size, and past the bound describe
	// the change as "replace everything" (still correct, only less minimal).
	const budget = 16 << 20 // ints
	for d := 0; d <= maxD && !found; d++ {
		if (d+1)*len(v) > budget {
			return replaceAll(a, b)
		}
		snapshot := make([]int, len(v))
		copy(snapshot, v)
		trace = append(trace, snapshot)
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[offset+k-1] < v[offset+k+1]) {
				x = v[offset+k+1]
			} else {
				x = v[offset+k-1] + 1
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x++
				y++
			}
			v[offset+k] = x
			if x >= n && y >= m {
				found = true
				break
			}
		}
	}
	// Backtrack.
	var ops []op
	x, y := n, m
	for d := len(trace) - 1; d >= 0 && (x > 0 || y > 0); d-- {
		vd := trace[d]
		k := x - y
		var prevK int
		if k == -d || (k != d && vd[offset+k-1] < vd[offset+k+1]) {
			prevK = k + 1
		} else {
			prevK = k - 1
		}
		prevX := vd[offset+prevK]
		prevY := prevX - prevK
		for x > prevX && y > prevY {
			x--
			y--
			ops = append(ops, op{opEqual, a[x]})
		}
		if d > 0 {
			if x == prevX {
				y--
				ops = append(ops, op{opInsert, b[y]})
			} else {
				x--
				ops = append(ops, op{opDelete, a[x]})
			}
		}
	}
	for i, j := 0, len(ops)-1; i < j; i, j = i+1, j-1 {
		ops[i], ops[j] = ops[j], ops[i]
	}
	return ops
}

// Edit replaces the lines [StartLine, EndLine) of the old text (0-based) with Text.
type Edit struct {
	StartLine, EndLine int
	Text               string
}

// LineEdits returns the smallest line-based edits that turn a into b, in order.
func LineEdits(a, b string) []Edit {
	if a == b {
		return nil
	}
	ops := diffLines(splitLines(a), splitLines(b))
	var edits []Edit
	line := 0
	for i := 0; i < len(ops); {
		if ops[i].kind == opEqual {
			line++
			i++
			continue
		}
		e := Edit{StartLine: line, EndLine: line}
		var text strings.Builder
		for i < len(ops) && ops[i].kind != opEqual {
			if ops[i].kind == opDelete {
				e.EndLine++
				line++
			} else {
				text.WriteString(ops[i].line)
			}
			i++
		}
		e.Text = text.String()
		edits = append(edits, e)
	}
	return edits
}

// replaceAll is the edit script that deletes every line of a and inserts every line of b.
func replaceAll(a, b []string) []op {
	ops := make([]op, 0, len(a)+len(b))
	for _, l := range a {
		ops = append(ops, op{opDelete, l})
	}
	for _, l := range b {
		ops = append(ops, op{opInsert, l})
	}
	return ops
}
