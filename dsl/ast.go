package dsl

import (
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// Span is a half-open range of byte offsets into a file's text. The offsets are 32-bit:
// a model of 10,000 services holds a few million spans, and a model file is at most
// MaxFileSize bytes.
type Span struct {
	Start, End int32
}

// MaxFileSize is the largest model file the parser reads, in bytes.
const MaxFileSize = 1<<31 - 1

// SpanOf returns the span from start to end.
func SpanOf(start, end int) Span { return Span{Start: int32(start), End: int32(end)} }

// Contains reports whether offset off lies in s (the end counts, so a cursor just after a
// word is inside it).
func (s Span) Contains(off int) bool { return off >= int(s.Start) && off <= int(s.End) }

// Len returns the span's length in bytes.
func (s Span) Len() int { return int(s.End - s.Start) }

// Severity orders diagnostics.
type Severity int

// Diagnostic severities, most severe first.
const (
	SeverityError Severity = iota + 1
	SeverityWarning
	SeverityInfo
	SeverityHint
)

func (s Severity) String() string {
	switch s {
	case SeverityError:
		return "error"
	case SeverityWarning:
		return "warning"
	case SeverityInfo:
		return "info"
	case SeverityHint:
		return "hint"
	}
	return "unknown"
}

// Diagnostic is a problem found in one file.
type Diagnostic struct {
	Span     Span
	Severity Severity
	// Code names the check: "syntax" for parse errors, "schema" for attributes and values.
	Code    string
	Message string
}

// File is a parsed .threat file. Its declarations hold every part of the text that parsed;
// Diagnostics hold every part that did not.
type File struct {
	Name   string
	Text   string
	Tokens []lexer.Token // every token, comments and line breaks included, ending with EOF
	Decls  []*Decl
	// Diagnostics are the syntax and schema problems, in text order.
	Diagnostics []Diagnostic
	Lines       *LineIndex

	// What Reparse needs of the parse: the syntax diagnostics (before the schema's), and
	// whether the text had no lexical error.
	syntax   []Diagnostic
	lexClean bool
}

// Ident is an identifier with its place in the text.
type Ident struct {
	Name string
	Span Span
}

// Ref names a declaration: an id (`api`), a flow between two elements (`api -> db`), or a
// generated threat (`rule@api`, `rule@api->db`).
type Ref struct {
	Rule  *Ident // the rule of a generated threat id, before `@`
	From  *Ident // the element, the flow name, or the flow's source
	Arrow string // "->" or "<->" when the reference names a flow by its endpoints
	To    *Ident
	Span  Span
}

// Target returns the referenced element or flow id without the rule: `api`, `api->db`.
func (r *Ref) Target() string {
	if r.From == nil {
		return ""
	}
	if r.To == nil {
		return r.From.Name
	}
	return r.From.Name + r.Arrow + r.To.Name
}

// String returns the reference in canonical form: `rule@api->db`.
func (r *Ref) String() string {
	if r.Rule != nil {
		return r.Rule.Name + "@" + r.Target()
	}
	return r.Target()
}

// ValueKind says which form a value was written in.
type ValueKind int

// The value forms.
const (
	ValueRef ValueKind = iota + 1 // an identifier or reference
	ValueString
	ValueDate
	ValueNumber
)

// Value is one value of an attribute.
type Value struct {
	Kind ValueKind
	// Text is the string's content for strings (escapes decoded, """ indentation stripped),
	// and the source text otherwise.
	Text string
	Ref  *Ref // for ValueRef
	Span Span
}

// Attr is one attribute line: a key and its values.
type Attr struct {
	Key    Ident
	Values []*Value
	Span   Span
}

// Decl is a declaration: `KIND header { body }`.
type Decl struct {
	Kind     Kind
	KindSpan Span
	// Name is the declared id, or the flow's name for a named flow. Nil for an unnamed flow,
	// a model without id, and responses.
	Name *Ident
	// From, To and Arrow are a flow's endpoints.
	From, To *Ident
	Arrow    string
	// Target is the threat a response (accept, transfer, not_applicable) answers.
	Target *Ref
	Title  *Value
	Attrs  []*Attr
	// Children are declarations nested in a boundary's body.
	Children []*Decl
	Parent   *Decl
	// Span covers the declaration from its keyword to its closing brace.
	Span Span
	// Header covers the keyword up to (not including) the opening brace.
	Header Span
	// LBrace and RBrace are the offsets of the braces, -1 when missing.
	LBrace, RBrace int
	// Broken is set when the declaration (or a nested one) has a syntax error; the formatter
	// leaves it as written.
	Broken bool
}

// ID returns the id other declarations use to refer to d: the declared id, a flow's name or
// `from->to`, or for a response the threat it answers.
func (d *Decl) ID() string {
	switch {
	case d.Kind == KindFlow && d.Name == nil:
		if d.From == nil || d.To == nil {
			return ""
		}
		return d.From.Name + d.Arrow + d.To.Name
	case d.Kind.IsResponse():
		if d.Target == nil {
			return ""
		}
		return d.Target.String()
	case d.Name != nil:
		return d.Name.Name
	}
	return ""
}

// IDSpan returns where the id is written: the name, or for unnamed flows and responses the
// span from the first to the last part.
func (d *Decl) IDSpan() Span {
	switch {
	case d.Name != nil:
		return d.Name.Span
	case d.Kind == KindFlow && d.From != nil && d.To != nil:
		return Span{d.From.Span.Start, d.To.Span.End}
	case d.Target != nil:
		return d.Target.Span
	}
	return d.KindSpan
}

// TitleText returns the declaration's title, or "".
func (d *Decl) TitleText() string {
	if d.Title == nil {
		return ""
	}
	return d.Title.Text
}

// Attr returns the first attribute named key, or nil.
func (d *Decl) Attr(key string) *Attr {
	for _, a := range d.Attrs {
		if a.Key.Name == key {
			return a
		}
	}
	return nil
}

// Word returns the first value of the attribute named key as text, or "".
func (d *Decl) Word(key string) string {
	a := d.Attr(key)
	if a == nil || len(a.Values) == 0 {
		return ""
	}
	return a.Values[0].Text
}

// Words returns the text of every value of the attribute named key.
func (d *Decl) Words(key string) []string {
	a := d.Attr(key)
	if a == nil {
		return nil
	}
	out := make([]string, 0, len(a.Values))
	for _, v := range a.Values {
		out = append(out, v.Text)
	}
	return out
}

// Walk calls fn for every declaration of f, parents before children.
func (f *File) Walk(fn func(*Decl)) {
	var walk func([]*Decl)
	walk = func(ds []*Decl) {
		for _, d := range ds {
			fn(d)
			walk(d.Children)
		}
	}
	walk(f.Decls)
}

// DeclAt returns the innermost declaration whose span contains off, or nil.
func (f *File) DeclAt(off int) *Decl {
	var found *Decl
	ds := f.Decls
	for {
		var next *Decl
		for _, d := range ds {
			if d.Span.Contains(off) {
				next = d
				break
			}
		}
		if next == nil {
			return found
		}
		found = next
		ds = next.Children
	}
}

// HasErrors reports whether the file has error diagnostics.
func (f *File) HasErrors() bool {
	for _, d := range f.Diagnostics {
		if d.Severity == SeverityError {
			return true
		}
	}
	return false
}

// unquote decodes a string token's text: "..." with escapes, or """...""" with the common
// indentation stripped. An unterminated string decodes up to the end of its text.
func unquote(raw string) string {
	if strings.HasPrefix(raw, `"""`) {
		body := raw[3:]
		if len(body) >= 3 && strings.HasSuffix(body, `"""`) {
			body = body[:len(body)-3]
		}
		return dedent(body)
	}
	if raw == "" {
		return ""
	}
	body := raw[1:]
	if closedString(raw) {
		body = body[:len(body)-1]
	}
	if !strings.Contains(body, `\`) {
		return body
	}
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c != '\\' || i+1 >= len(body) {
			b.WriteByte(c)
			continue
		}
		i++
		switch body[i] {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		default:
			b.WriteByte(body[i])
		}
	}
	return b.String()
}

// dedent strips the first line break, trailing blank space, and the indentation common to
// all non-blank lines.
func dedent(s string) string {
	s = strings.TrimLeft(s, " \t")
	s = strings.TrimPrefix(strings.TrimPrefix(s, "\r"), "\n")
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	indent := -1
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		n := len(l) - len(strings.TrimLeft(l, " \t"))
		if indent < 0 || n < indent {
			indent = n
		}
	}
	for i, l := range lines {
		if len(l) >= indent && indent > 0 {
			lines[i] = l[indent:]
		} else {
			lines[i] = strings.TrimLeft(l, " \t")
		}
	}
	return strings.TrimRight(strings.Join(lines, "\n"), " \t\n")
}

// closedString reports whether a "..." token ends with an unescaped quote.
func closedString(raw string) bool {
	if len(raw) < 2 || raw[len(raw)-1] != '"' {
		return false
	}
	backslashes := 0
	for i := len(raw) - 2; i >= 1 && raw[i] == '\\'; i-- {
		backslashes++
	}
	return backslashes%2 == 0
}
