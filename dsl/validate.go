package dsl

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// validate checks every declaration's attributes against the schema: known names, value
// forms, allowed values, dates, and required attributes. References are resolved later,
// across files, by the analysis.
//
// badToken reports whether a bad token (reported already) starts at an offset: a problem
// found at a bad token is not reported twice.
func validate(f *File, diags *[]Diagnostic, badToken func(off int) bool) {
	add := func(sev Severity, span Span, format string, args ...any) {
		if badToken != nil && span.Start < span.End && badToken(int(span.Start)) {
			return
		}
		*diags = append(*diags, Diagnostic{Span: span, Severity: sev, Code: "schema", Message: fmt.Sprintf(format, args...)})
	}
	f.Walk(func(d *Decl) {
		if d.Parent != nil && d.Parent.Kind != KindBoundary {
			add(SeverityError, d.KindSpan, "%s cannot be declared inside %s; only a boundary's block holds declarations", d.Kind, d.Parent.Kind)
		}
		if d.Kind == KindModel && d.Parent != nil {
			add(SeverityError, d.KindSpan, "model belongs at the top level of a file")
		}
		// seen holds the first attribute of each known name. The schema bounds the number of
		// names, so a short list beats a map (which cost an allocation per declaration).
		var seenBuf [16]*Attr
		seen := seenBuf[:0]
		firstSeen := func(name string) *Attr {
			for _, a := range seen {
				if a.Key.Name == name {
					return a
				}
			}
			return nil
		}
		for _, a := range d.Attrs {
			spec, ok := LookupAttribute(d.Kind, a.Key.Name)
			if !ok {
				msg := fmt.Sprintf("unknown attribute `%s` for %s", a.Key.Name, d.Kind)
				if s := Suggest(a.Key.Name, AttributeNames(d.Kind)); s != "" {
					msg += fmt.Sprintf(": did you mean `%s`?", s)
				} else if k := Suggest(a.Key.Name, kindNames()); k != "" && d.Kind == KindBoundary && !IsKeyword(a.Key.Name) {
					msg += fmt.Sprintf(": to declare a %s inside the boundary, write `%s ID { ... }`", k, k)
				} else {
					msg += fmt.Sprintf("; %s attributes: %s", d.Kind, strings.Join(AttributeNames(d.Kind), ", "))
				}
				add(SeverityError, a.Key.Span, "%s", msg)
				continue
			}
			if prev := firstSeen(a.Key.Name); prev != nil {
				line, col := f.Lines.Position(int(prev.Key.Span.Start))
				if spec.List {
					add(SeverityWarning, a.Key.Span, "`%s` is given again (first at %d:%d); list all values in one line: `%s a, b`", a.Key.Name, line, col, a.Key.Name)
				} else {
					add(SeverityError, a.Key.Span, "`%s` is set twice (first at %d:%d); keep one", a.Key.Name, line, col)
				}
			} else {
				seen = append(seen, a)
			}
			checkValues(d, a, spec, add)
		}
		for _, spec := range Attributes(d.Kind) {
			if spec.Required && firstSeen(spec.Name) == nil && !d.Broken {
				add(SeverityError, d.IDSpan(), "%s `%s` needs `%s`: %s", d.Kind, d.ID(), spec.Name, strings.ToLower(spec.Doc[:1])+spec.Doc[1:])
			}
		}
	})
}

type addFunc func(sev Severity, span Span, format string, args ...any)

func checkValues(d *Decl, a *Attr, spec Attribute, add addFunc) {
	if spec.Type == TypeFlag || spec.Type == TypeFlagEnum {
		if len(a.Values) == 0 {
			return
		}
		v := a.Values[0]
		if len(a.Values) > 1 {
			add(SeverityError, a.Values[1].Span, "`%s` takes at most one value", a.Key.Name)
		}
		if v.Kind == ValueRef && (v.Text == "true" || v.Text == "false") {
			return
		}
		if spec.Type == TypeFlagEnum && v.Kind == ValueRef && Rank(spec.Values, v.Text) >= 0 {
			return
		}
		if spec.Type == TypeFlagEnum {
			add(SeverityError, v.Span, "`%s` is not a value of `%s`: write `%s` alone, or one of %s, or `false`%s", v.Text, a.Key.Name, a.Key.Name, strings.Join(spec.Values, ", "), suggestSuffix(v.Text, spec.Values))
			return
		}
		if v.Kind == ValueRef {
			if _, isAttr := LookupAttribute(d.Kind, v.Text); isAttr {
				add(SeverityError, v.Span, "`%s` is a flag and takes no value; `%s` looks like the next attribute: put it on its own line or after `;`", a.Key.Name, v.Text)
				return
			}
		}
		add(SeverityError, v.Span, "`%s` is a flag: write `%s` alone (or `%s false`)", a.Key.Name, a.Key.Name, a.Key.Name)
		return
	}
	if len(a.Values) == 0 {
		add(SeverityError, Span{a.Key.Span.End, a.Key.Span.End}, "`%s` needs a value: %s", a.Key.Name, valueHint(spec))
		return
	}
	if !spec.List && len(a.Values) > 1 {
		add(SeverityError, a.Values[1].Span, "`%s` takes one value", a.Key.Name)
	}
	for _, v := range a.Values {
		switch spec.Type {
		case TypeString:
			if v.Kind != ValueString {
				add(SeverityError, v.Span, "`%s` takes a quoted string: %s \"%s\"", a.Key.Name, a.Key.Name, v.Text)
			}
		case TypeEnum:
			if v.Kind != ValueRef || v.Ref.Rule != nil || v.Ref.To != nil || Rank(spec.Values, v.Text) < 0 {
				add(SeverityError, v.Span, "`%s` is not a value of `%s`; expected one of %s%s", v.Text, a.Key.Name, strings.Join(spec.Values, ", "), suggestSuffix(v.Text, spec.Values))
			}
		case TypeWord:
			if v.Kind != ValueRef || v.Ref.Rule != nil || v.Ref.To != nil {
				add(SeverityError, v.Span, "`%s` takes a name such as %s", a.Key.Name, valueHint(spec))
			}
		case TypeRef:
			if v.Kind != ValueRef {
				add(SeverityError, v.Span, "`%s` takes an id, not a %s: %s", a.Key.Name, kindWord(v.Kind), valueHint(spec))
			}
		case TypeDate:
			if v.Kind != ValueDate {
				add(SeverityError, v.Span, "`%s` takes a date written YYYY-MM-DD, such as 2027-06-30", a.Key.Name)
			} else if _, err := time.Parse("2006-01-02", v.Text); err != nil {
				add(SeverityError, v.Span, "`%s` is not a calendar date; write YYYY-MM-DD, such as 2027-06-30", v.Text)
			}
		case TypeNumber:
			if v.Kind == ValueNumber {
				continue
			}
			if (a.Key.Name == "cwe" || a.Key.Name == "capec") && v.Kind == ValueRef && strings.HasPrefix(strings.ToUpper(v.Text), strings.ToUpper(a.Key.Name)+"-") {
				continue
			}
			add(SeverityError, v.Span, "`%s` takes a number: %s", a.Key.Name, valueHint(spec))
		}
	}
}

func kindWord(k ValueKind) string {
	switch k {
	case ValueString:
		return "string"
	case ValueDate:
		return "date"
	case ValueNumber:
		return "number"
	}
	return "reference"
}

func valueHint(spec Attribute) string {
	switch spec.Type {
	case TypeEnum, TypeFlagEnum:
		return "one of " + strings.Join(spec.Values, ", ")
	case TypeString:
		return fmt.Sprintf("%s \"...\"", spec.Name)
	case TypeDate:
		return spec.Name + " 2027-06-30"
	case TypeNumber:
		if spec.Name == "cwe" {
			return "cwe 89"
		}
		if spec.Name == "capec" {
			return "capec 66"
		}
		return spec.Name + " 1.2"
	case TypeRef:
		kinds := make([]string, len(spec.RefKinds))
		for i, k := range spec.RefKinds {
			kinds[i] = string(k)
		}
		return "the id of a " + strings.Join(kinds, ", ")
	}
	return spec.Doc
}

func suggestSuffix(word string, options []string) string {
	if s := Suggest(word, options); s != "" {
		return fmt.Sprintf(" (did you mean `%s`?)", s)
	}
	return ""
}

// Suggest returns the candidate closest to word when it is close enough to be a likely typo
// or a prefix being typed, or "".
func Suggest(word string, candidates []string) string {
	best, bestDist := "", len(word)/3+2
	if len(word) <= 3 {
		bestDist = 2
	}
	for _, c := range candidates {
		if c == word {
			return c
		}
		d := editDistance(strings.ToLower(word), strings.ToLower(c))
		if d < bestDist || (d == bestDist && best != "" && c < best) {
			best, bestDist = c, d
		}
	}
	if best == "" {
		for _, c := range candidates {
			if len(word) >= 3 && strings.HasPrefix(c, word) {
				return c
			}
		}
	}
	return best
}

func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 1 << 20
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func sortDiagnostics(ds []Diagnostic) {
	sort.SliceStable(ds, func(i, j int) bool {
		if ds[i].Span.Start != ds[j].Span.Start {
			return ds[i].Span.Start < ds[j].Span.Start
		}
		return ds[i].Severity < ds[j].Severity
	})
}
