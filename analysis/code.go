package analysis

import (
	"fmt"
	"sort"
	"strings"

	"github.com/threatls/threatls/codelinks"
	"github.com/threatls/threatls/dsl"
)

// Source locations of findings in source files (annotations), which are not model files and
// so have no dsl.File to convert spans with.

// SourcePos is a 1-based line and column (UTF-16 code units) in a source file.
type SourcePos struct {
	Line, Col, EndCol int
}

// codeLinks checks `code` and `evidence` links against the repository and records, per
// mitigation, whether its evidence still exists.
type codeLinks struct {
	ix *codelinks.Index
	// missing[mitigation id] says whether an implemented mitigation lost its evidence, once
	// worked out (evidenceMissing), and why[mitigation id] says how (missingWhy).
	missing map[string]bool
	why     map[string]string
	// annotated[threat id] lists the annotations that mitigate it.
	annotated map[string][]codelinks.Annotation
}

// resolveLink resolves a `code` or `evidence` link. A focused analysis (a keystroke's)
// takes the answer the index remembers; a whole analysis looks at the disk again, which
// refreshes it.
func (a *analyzer) resolveLink(ref string) codelinks.Link {
	if a.focus != "" {
		return a.code.ix.Remembered(ref)
	}
	return a.code.ix.Resolve(ref)
}

// rulesAndLinks runs the rules and, meanwhile on another goroutine, checks the `code` and
// `evidence` links, which the rules do not read; then it reads the annotations, which
// name threats.
func (a *analyzer) rulesAndLinks() {
	a.code = &codeLinks{ix: a.opts.Code, missing: map[string]bool{}, why: map[string]string{}, annotated: map[string][]codelinks.Annotation{}}
	var linkFindings []Finding
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.checkLinkAttrs(&linkFindings)
	}()
	a.runRules()
	<-done
	a.res.Findings = append(a.res.Findings, linkFindings...)
	if a.ctx.Err() == nil {
		a.checkAnnotations()
	}
}

// checkLinkAttrs checks the `code` links of elements and the `evidence` of mitigations,
// adding findings to out.
func (a *analyzer) checkLinkAttrs(out *[]Finding) {
	if a.code.ix == nil {
		return
	}
	for _, s := range a.m.Elements {
		if a.inFocus(s.File) {
			a.checkLinks(s, "code", out)
		}
	}
	for i, s := range a.m.Mitigations {
		if i%256 == 0 && a.ctx.Err() != nil {
			return // AnalyzeContext reports the cancellation
		}
		// Outside the focus only whether the evidence exists matters, for the states of
		// the focused file's threats: evidenceMissing works it out when a state asks.
		if !a.inFocus(s.File) {
			continue
		}
		declared, resolved, problems := a.checkLinks(s, "evidence", out)
		missing := lostEvidence(s, declared, resolved)
		a.code.missing[s.ID] = missing
		if missing {
			a.code.why[s.ID] = strings.Join(problems, "; ")
		}
	}
}

// checkAnnotations reads the `threatls: mitigates` annotations of the code and reports the
// malformed ones and those naming unknown ids.
func (a *analyzer) checkAnnotations() {
	ix := a.code.ix
	if ix == nil {
		return
	}
	// Annotations in the code: unknown ids and malformed ones are reported where they are.
	canonical := map[string]string{}
	for _, an := range ix.Annotations() {
		id := an.ID
		if r := a.parseThreatID(id); r != "" {
			id = r
		}
		canonical[an.ID] = id
		if an.Kind == codelinks.Mitigates && a.res.Threat(id) != nil {
			a.code.annotated[id] = append(a.code.annotated[id], an)
		}
	}
	if a.focus != "" {
		return // annotation problems are findings in source files, outside any focus
	}
	var threatIDs, elementIDs []string
	if len(ix.Annotations()) > 0 { // the ids they may name
		threatIDs = make([]string, len(a.res.Threats))
		for i, t := range a.res.Threats {
			threatIDs[i] = t.ID
		}
		for id, s := range a.m.Symbols {
			if s.Kind.IsElement() {
				elementIDs = append(elementIDs, id)
			}
		}
		sort.Strings(elementIDs)
	}
	var anns []codelinks.Annotation
	for _, an := range ix.Annotations() {
		an.ID = canonical[an.ID]
		anns = append(anns, an)
	}
	problems := append(append([]codelinks.Problem(nil), ix.Problems()...), codelinks.CheckIDs(anns, threatIDs, elementIDs)...)
	for _, p := range problems {
		a.add(Finding{Code: p.Code, Level: dsl.SeverityWarning, File: p.File, message: p.Message,
			Source: &SourcePos{Line: p.Line, Col: p.Col16, EndCol: p.EndCol16}})
	}
}

// checkLinks resolves the links of one attribute of a declaration. With out, each link that
// does not resolve is reported there as a finding and explained in problems; without, the
// links are only counted.
func (a *analyzer) checkLinks(s *Symbol, attr string, out *[]Finding) (declared, resolved int, problems []string) {
	detail := out != nil
	ix := a.code.ix
	for _, at := range s.Decl.Attrs {
		if at.Key.Name != attr {
			continue
		}
		for _, v := range at.Values {
			if v.Kind != dsl.ValueString {
				continue
			}
			declared++
			if !detail {
				if ix.Found(v.Text) {
					resolved++
				}
				continue
			}
			l := a.resolveLink(v.Text)
			if l.OK {
				resolved++
				continue
			}
			level := dsl.SeverityWarning
			if l.Code == "link-outside-root" {
				level = dsl.SeverityError
			}
			msg := l.Message(attr)
			problems = append(problems, msg)
			*out = append(*out, Finding{Code: l.Code, Level: level, File: s.File.Name, Span: v.Span, message: msg})
		}
	}
	return declared, resolved, problems
}

// lostEvidence reports whether a mitigation that says it is in place (implemented or
// verified) declares evidence of which none resolves.
func lostEvidence(m *Symbol, declared, resolved int) bool {
	if declared == 0 || resolved > 0 {
		return false
	}
	status := word(m.Decl, "status")
	return status == "implemented" || status == "verified"
}

// evidenceMissing reports whether mitigation m lost its evidence (lostEvidence), working it
// out once: checkCode does for the mitigations it reports on, a threat's state for others.
func (a *analyzer) evidenceMissing(m *Symbol) bool {
	if missing, ok := a.code.missing[m.ID]; ok {
		return missing
	}
	missing := false
	if a.code.ix != nil {
		declared, resolved, _ := a.checkLinks(m, "evidence", nil)
		missing = lostEvidence(m, declared, resolved)
	}
	a.code.missing[m.ID] = missing
	return missing
}

// missingWhy says why a mitigation's evidence is missing: the problems of its links.
func (a *analyzer) missingWhy(m *Symbol) string {
	if why, ok := a.code.why[m.ID]; ok {
		return why
	}
	var problems []string
	for _, at := range m.Decl.Attrs {
		if at.Key.Name != "evidence" {
			continue
		}
		for _, v := range at.Values {
			if v.Kind == dsl.ValueString {
				if l := a.resolveLink(v.Text); !l.OK {
					problems = append(problems, l.Message("evidence"))
				}
			}
		}
	}
	why := strings.Join(problems, "; ")
	a.code.why[m.ID] = why
	return why
}

// parseThreatID canonicalises a threat id written in an annotation.
func (a *analyzer) parseThreatID(id string) string {
	rule, target, ok := strings.Cut(id, "@")
	if !ok {
		return id
	}
	from, to, isFlow := strings.Cut(target, "->")
	if isFlow && a.m.Symbols[target] == nil {
		if fl := a.m.FlowBetween(strings.TrimSpace(from), strings.TrimSpace(to)); len(fl) == 1 {
			return rule + "@" + fl[0].ID
		}
	}
	return id
}

// evidenceNote describes code annotations that mitigate a threat.
func annotationNote(anns []codelinks.Annotation) string {
	parts := make([]string, 0, len(anns))
	for _, an := range anns {
		parts = append(parts, fmt.Sprintf("%s:%d", an.File, an.Line))
	}
	return "a `threatls: mitigates` annotation at " + strings.Join(parts, ", ")
}
