package codelinks

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
)

// Kind is what an annotation says about the code it sits in.
type Kind string

// The annotation kinds.
const (
	// Mitigates: this code is (part of) the control against the named threats. It counts as
	// evidence for mitigations of those threats.
	Mitigates Kind = "mitigates"
	// Accepts: this code knowingly lives with the named threats.
	Accepts Kind = "accepts"
	// Exposes: this code is where the named threats can happen (an attack surface).
	Exposes Kind = "exposes"
	// Component: this file belongs to the named element (service, store, ...) of the model.
	Component Kind = "component"
)

// Kinds lists the annotation kinds in the order the documentation gives them.
var Kinds = []Kind{Mitigates, Accepts, Exposes, Component}

// Marker is the text that starts an annotation in a comment.
const Marker = "threatls:"

// Span is a half-open range of byte offsets into a file.
type Span struct {
	Start, End int
}

// Annotation is one id named by a `threatls:` comment in a source file. A comment naming
// several ids (`threatls: mitigates sqli, xss`) yields one Annotation per id.
type Annotation struct {
	// File is the repository-relative, slash-separated path of the source file.
	File string
	// Line is the 1-based line of the id.
	Line int
	// Col is the 1-based column of the id in bytes; Col16 and EndCol16 (just after the id)
	// count UTF-16 code units, as LSP positions do (LSP character = Col16-1).
	Col, Col16, EndCol16 int
	Kind                 Kind
	// ID is the threat id (`sqli`, `query-injection@api->db`) or, for Component, the
	// element id, with any blanks around an arrow removed.
	ID string
	// Span covers the id as written; Comment covers the whole comment, markers included.
	Span    Span
	Comment Span
	// Note is the free text after the ids (`-- prepared statements only`), without its
	// separator.
	Note string
	// Text is the annotation as written, from `threatls:` to the end of its comment line.
	Text string
}

// Problem is a problem found in a source file: a malformed annotation, or an annotation
// naming an id the model does not declare.
type Problem struct {
	File string
	// Line and Col (bytes) are 1-based; Col16 and EndCol16 count UTF-16 code units. The
	// problem lies within one line.
	Line, Col, Col16, EndCol16 int
	Span                       Span
	// Code is "annotation-syntax" or "unknown-annotation-id".
	Code    string
	Message string
}

// Parse returns the annotations of one source file and the problems of the malformed
// ones. file is the repository-relative path; it picks the comment syntax by its
// extension. Files of unknown languages have no annotations.
func Parse(file string, src []byte) ([]Annotation, []Problem) {
	syn := syntaxFor(file)
	if syn == nil || !bytes.Contains(src, []byte(Marker)) {
		return nil, nil
	}
	p := &parser{file: file, src: src}
	for _, c := range lex(src, syn, nil) {
		p.comment(c)
	}
	return p.anns, p.probs
}

type parser struct {
	file  string
	src   []byte
	anns  []Annotation
	probs []Problem
	// lineStart and line are a cursor: the offset where line `line` starts. Comments come
	// in text order, so positions are found by scanning forward.
	lineStart, line int
}

func (p *parser) comment(c comment) {
	if !bytes.Contains(p.src[c.textStart:c.textEnd], []byte(Marker)) {
		return
	}
	ls := c.textStart
	for ls <= c.textEnd {
		le := ls + bytes.IndexByte(p.src[ls:c.textEnd], '\n')
		if le < ls {
			le = c.textEnd
		}
		end := le
		if end > ls && p.src[end-1] == '\r' {
			end--
		}
		j := ls
		for j < end && (p.src[j] == ' ' || p.src[j] == '\t') {
			j++
		}
		for j < end && strings.IndexByte("*/#!-", p.src[j]) >= 0 {
			j++
		}
		for j < end && (p.src[j] == ' ' || p.src[j] == '\t') {
			j++
		}
		if hasAt(p.src[:end], j, Marker) {
			p.annotation(c, j, end)
		}
		ls = le + 1
	}
}

// annotation parses `threatls: KIND ID[, ID...] [NOTE]` from start to end.
func (p *parser) annotation(c comment, start, end int) {
	s := p.src[:end]
	text := strings.TrimRight(string(s[start:end]), " \t")
	i := skipBlank(s, start+len(Marker))
	vs := i
	for i < end && (isLower(s[i]) || s[i] == '_') {
		i++
	}
	kind := Kind(s[vs:i])
	if !knownKind(kind) || (i < end && !isBlank(s[i])) {
		// A misspelt kind is reported; any other word makes the comment prose
		// ("threatls: filetype detection"), which is left alone.
		word := firstWord(s[vs:end])
		if sug := closest(strings.TrimRight(word, ":;,."), kindNames(), 2); sug != "" && word != "" {
			p.problem(vs, vs+len(word), fmt.Sprintf("unknown threatls annotation `%s`; did you mean `%s`?", word, sug))
		}
		return
	}
	first := len(p.anns)
	after := "`" + string(kind) + "`"
	for {
		i = skipBlank(s, i)
		id, written, ok := scanID(s, i)
		if !ok {
			msg := fmt.Sprintf("expected %s after %s", idWord(kind), after)
			w := firstWord(s[i:end])
			if w != "" {
				msg += fmt.Sprintf(", found `%s`", w)
			}
			p.problem(i, i+max(1, len(w)), msg)
			return
		}
		p.add(Annotation{File: p.file, Kind: kind, ID: id, Span: Span{i, i + written}, Comment: Span{c.start, c.end}, Text: text})
		i = skipBlank(s, i+written)
		switch {
		case i >= end:
			return
		case s[i] == ',':
			i++
			after = "`,`"
			continue
		case isNoteStart(s[i:end]):
			note := strings.TrimLeft(string(s[i:end]), "-—–:;.( \t")
			note = strings.TrimRight(note, " \t")
			for k := first; k < len(p.anns); k++ {
				p.anns[k].Note = note
			}
			return
		}
		w := firstWord(s[i:end])
		p.problem(i, i+len(w), fmt.Sprintf("expected `,` between ids or a note after `--`, found `%s`", w))
		return
	}
}

func (p *parser) add(a Annotation) {
	a.Line, a.Col, a.Col16 = p.position(a.Span.Start)
	a.EndCol16 = a.Col16 + utf16Len(p.src[a.Span.Start:a.Span.End])
	p.anns = append(p.anns, a)
}

func (p *parser) problem(from, to int, msg string) {
	line, col, col16 := p.position(from)
	to = min(to, len(p.src))
	if k := bytes.IndexByte(p.src[from:to], '\n'); k >= 0 {
		to = from + k
	}
	p.probs = append(p.probs, Problem{File: p.file, Line: line, Col: col, Col16: col16, EndCol16: col16 + utf16Len(p.src[from:to]),
		Span: Span{from, to}, Code: "annotation-syntax", Message: msg})
}

// position returns the 1-based line and byte and UTF-16 columns of off.
func (p *parser) position(off int) (line, col, col16 int) {
	if p.line == 0 || off < p.lineStart {
		p.line, p.lineStart = 1, 0
	}
	for {
		k := bytes.IndexByte(p.src[p.lineStart:off], '\n')
		if k < 0 {
			break
		}
		p.lineStart += k + 1
		p.line++
	}
	return p.line, off - p.lineStart + 1, utf16Len(p.src[p.lineStart:off]) + 1
}

func utf16Len(b []byte) int {
	n := 0
	for _, r := range string(b) {
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return n
}

// scanID reads `IDENT[@IDENT][ARROW IDENT]` at i, where ARROW is `->` or `<->` with
// optional blanks around it. It returns the id with the blanks removed and the length
// written.
func scanID(s []byte, i int) (string, int, bool) {
	j := scanIdent(s, i)
	if j == i {
		return "", 0, false
	}
	var b strings.Builder
	b.Write(s[i:j])
	if j < len(s) && s[j] == '@' {
		k := scanIdent(s, j+1)
		if k == j+1 {
			return "", 0, false
		}
		b.Write(s[j:k])
		j = k
		// A flow target: RULE@a->b or RULE@a<->b.
		a := skipBlank(s, j)
		for _, arrow := range []string{"->", "<->"} {
			if hasAt(s, a, arrow) {
				t := skipBlank(s, a+len(arrow))
				e := scanIdent(s, t)
				if e == t {
					return "", 0, false
				}
				b.WriteString(arrow)
				b.Write(s[t:e])
				j = e
				break
			}
		}
	} else if hasAt(s, j, "->") || hasAt(s, j, "<->") {
		// An unnamed flow's id: a->b.
		arrow := "->"
		if s[j] == '<' {
			arrow = "<->"
		}
		e := scanIdent(s, j+len(arrow))
		if e == j+len(arrow) {
			return "", 0, false
		}
		b.WriteString(arrow)
		b.Write(s[j+len(arrow) : e])
		j = e
	}
	return b.String(), j - i, true
}

// scanIdent reads an identifier: letters, digits and `_`, with `-` only between them.
func scanIdent(s []byte, i int) int {
	j := i
	for j < len(s) {
		c := s[j]
		switch {
		case isAlnum(c) || c == '_':
			j++
		case c == '-' && j > i && j+1 < len(s) && (isAlnum(s[j+1]) || s[j+1] == '_') && isAlnum(s[j-1]):
			j++
		default:
			return j
		}
	}
	return j
}

func isNoteStart(s []byte) bool {
	for _, sep := range []string{"-", "—", "–", ":", ";", "(", "."} {
		if bytes.HasPrefix(s, []byte(sep)) {
			return true
		}
	}
	return false
}

func idWord(k Kind) string {
	if k == Component {
		return "an element id"
	}
	return "a threat id"
}

func firstWord(s []byte) string {
	i := 0
	for i < len(s) && !isBlank(s[i]) && s[i] != ',' {
		i++
	}
	if i == 0 && len(s) > 0 {
		i = 1
	}
	return string(s[:i])
}

func skipBlank(s []byte, i int) int {
	for i < len(s) && isBlank(s[i]) {
		i++
	}
	return i
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' }
func isLower(c byte) bool { return c >= 'a' && c <= 'z' }
func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func knownKind(k Kind) bool {
	for _, x := range Kinds {
		if x == k {
			return true
		}
	}
	return false
}

func kindNames() []string {
	out := make([]string, len(Kinds))
	for i, k := range Kinds {
		out[i] = string(k)
	}
	return out
}

// CheckIDs reports annotations whose id the model does not declare: mitigates, accepts and
// exposes must name one of threats (declared or generated ids, in any form the model
// accepts), component one of elements. Each problem is placed at the id in its source file
// and suggests the closest known id.
func CheckIDs(anns []Annotation, threats, elements []string) []Problem {
	if len(anns) == 0 {
		return nil
	}
	isThreat := make(map[string]bool, len(threats))
	for _, t := range threats {
		isThreat[t] = true
	}
	isElement := make(map[string]bool, len(elements))
	for _, e := range elements {
		isElement[e] = true
	}
	var out []Problem
	for _, a := range anns {
		known, what, candidates := isThreat[a.ID], "threat", threats
		if a.Kind == Component {
			known, what, candidates = isElement[a.ID], "element", elements
		}
		if known {
			continue
		}
		msg := fmt.Sprintf("`threatls: %s %s` names no %s of the model", a.Kind, a.ID, what)
		if sug := closest(a.ID, candidates, len(a.ID)/3+2); sug != "" {
			msg += fmt.Sprintf("; did you mean `%s`?", sug)
		} else if what == "threat" {
			msg += "; name a declared threat or a generated one (`RULE@element`)"
		}
		out = append(out, Problem{File: a.File, Line: a.Line, Col: a.Col, Col16: a.Col16, EndCol16: a.EndCol16, Span: a.Span, Code: "unknown-annotation-id", Message: msg})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].File != out[j].File {
			return out[i].File < out[j].File
		}
		return out[i].Span.Start < out[j].Span.Start
	})
	return out
}
