// Package analysis turns the parsed files of one model into a resolved model, runs the rule
// catalog over it, works out each threat's state and risk, and reports findings. It knows
// nothing of editors or the command line: both call Analyze and so always agree.
package analysis

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/threatls/threatls/dsl"
)

// Symbol is a declaration other declarations can name: a boundary, data, an element
// (actor, service, store), a flow, a threat or a mitigation.
type Symbol struct {
	ID   string
	Kind dsl.Kind
	Decl *dsl.Decl
	File *dsl.File

	// Boundary is the innermost boundary holding the element or boundary, or nil.
	Boundary *Symbol
	// From and To are a flow's endpoints (nil when unresolved).
	From, To *Symbol
	// Inbound and Outbound are the flows into and out of an element; a two-way flow is in
	// both lists of both ends.
	Inbound, Outbound []*Symbol
	// Data is what a flow carries, a service handles or a store stores.
	Data []*Symbol

	model *Model
	span  dsl.Span    // Decl.IDSpan()
	dirs  []direction // a flow's directions, computed on first use
	trust int         // boundaries: effective trust rank
	zone  string      // boundaries: zoneName of the elements inside

	// Facts computed once by cacheFacts, so the rules do not recompute them per rule: an
	// element's in elementFacts, a data's in dataFacts, each set once computed and
	// allocated only for its kind (a model of 10,000 services has 80,000 symbols, and the
	// fields of every kind on each took 43 MB).
	*elementFacts
	*dataFacts
	attrs attrFacts // elements and flows: the attributes the rules read

	// considered holds the STRIDE categories a threat or response on the element or flow
	// looked at, for coverage.
	considered strideSet
	// cleared holds the rules cleared by design on the element or flow (Result.Cleared).
	cleared ruleSet
	// flowsKnown says, in a partial model, how many of an element's flows it holds.
	flowsKnown uint8
}

// elementFacts are the facts of an element (cacheElement).
type elementFacts struct {
	allData     []*Symbol   // dataOf
	untrusted   []direction // untrustedInputs
	facing      bool        // internetFacing
	zoneNote    string      // in a boundary: "`id` is in boundary ..."
	exposure    int         // elementExposure
	exposureWhy string      // why
}

// dataFacts are the facts of a data declaration (cacheData).
type dataFacts struct {
	class        int    // classification rank
	impact       int    // confidentiality impact level
	impactWhy    string // why
	integrity    int    // integrity impact level
	integrityWhy string // why
	tags         []string
}

// idSpan returns the span of the symbol's id, Decl.IDSpan().
func (s *Symbol) idSpan() dsl.Span {
	if s.span == (dsl.Span{}) {
		return s.Decl.IDSpan()
	}
	return s.span
}

// Title returns the declaration's title, or its id.
func (s *Symbol) Title() string {
	if t := s.Decl.TitleText(); t != "" {
		return t
	}
	return s.ID
}

// Reference is a place in a file that names a symbol (or a threat id).
type Reference struct {
	File *dsl.File
	Span dsl.Span
	// Attr is the attribute holding the reference ("in", "carries", ...) or "header" for a
	// flow's endpoints and a response's target.
	Attr string
	// Target is the symbol named, nil when the reference does not resolve to a declaration
	// (a generated threat id, or an unknown id).
	Target *Symbol
	// Text is the reference as written, canonicalised (`rule@a->b`).
	Text string
	// Decl is the declaration holding the reference.
	Decl *dsl.Decl
}

// Model is the resolved model of all files under one root.
type Model struct {
	Files   []*dsl.File
	Symbols map[string]*Symbol
	// Ordered lists, in file then text order.
	Boundaries, Data, Elements, Flows, Threats, Mitigations []*Symbol
	// Responses are accept, transfer and not_applicable declarations.
	Responses []*Response
	Refs      []Reference
	// ModelDecl is the model declaration, if any.
	ModelDecl *dsl.Decl

	// flowsByEnds lists the flows from one element to another.
	flowsByEnds map[endsKey][]*Symbol
	// byRuntime lists the services declaring each `runtime`, in declaration order.
	byRuntime map[string][]*Symbol
	// facingIn is the first internet-facing service of each boundary (nil: none), for every
	// boundary once facingKnown is set, else for those facingService was asked about.
	facingIn    map[*Symbol]*Symbol
	facingKnown bool
	// refsByDecl indexes Refs by the declaration holding them.
	refsByDecl map[*dsl.Decl][]int
	// lookups indexes the model for editor queries, built on first use.
	lookups lookups
	// partial is set on a model of a focused analysis's closure, where some elements lack
	// some of their flows (Symbol.flowsKnown); wantFlows collects, by id, the elements
	// whose missing flows a fact needed, for the analysis to be done again with them.
	partial   bool
	wantFlows map[string]uint8
}

// Response is an accept, transfer or not_applicable declaration.
type Response struct {
	Decl *dsl.Decl
	File *dsl.File
	// ThreatID is the canonical id of the threat it answers.
	ThreatID string
}

// FlowBetween returns the flows from one element id to another.
func (m *Model) FlowBetween(from, to string) []*Symbol {
	f, t := m.Symbols[from], m.Symbols[to]
	if f == nil || t == nil {
		return nil
	}
	return m.flowsByEnds[endsKey{f, t}]
}

// endsKey is a direction between two elements.
type endsKey struct{ from, to *Symbol }

type builder struct {
	m     *Model
	out   *[]Finding
	seen  map[string]*Symbol
	today string
	// symbols hands out the symbols declared (newSymbol).
	symbols chunks[Symbol]
	// candidates caches, per wanted kinds, the sorted ids an unknown reference is
	// compared with (a model being typed has a few, and each scanned every symbol).
	candidates map[string][]string
	// focus is the file of a focused analysis, or "": outside it, the builder keeps only
	// the references declared threats make and leaves attributes to be read on use.
	focus string
	// index, when the model holds only the closure of the focus, has the whole model's ids
	// for suggestions.
	index *FocusIndex
}

// scope says which part of the files a model is built from.
type scope struct {
	// focus is the file of a focused analysis, or "".
	focus string
	// decls, when not nil, are the only declarations in the model (FocusIndex.closure),
	// index has the whole model's ids, and flows says how many of an element's flows decls
	// hold (by id; flowsSome when absent).
	decls []declAt
	index *FocusIndex
	flows map[string]uint8
	// seeds, in an edited analysis, are the declarations of the focus whose findings are
	// made again (nil: all); decls is their closure.
	seeds map[*dsl.Decl]bool
}

// outOfFocus reports whether file is outside the focus of a focused analysis.
func (b *builder) outOfFocus(file *dsl.File) bool { return b.focus != "" && file.Name != b.focus }

// candidatesOf returns the sorted ids of the symbols of the wanted kinds.
func (b *builder) candidatesOf(want []dsl.Kind) []string {
	return idsOfKinds(&b.candidates, want, func() []string {
		if b.index != nil {
			return b.index.symbolIDs(want)
		}
		return sortedIDs(b.m.Symbols, want, func(s *Symbol) dsl.Kind { return s.Kind })
	})
}

// idsOfKinds returns memo's list for the wanted kinds, made by ids the first time.
func idsOfKinds(memo *map[string][]string, want []dsl.Kind, ids func() []string) []string {
	key := fmt.Sprint(want)
	if out, ok := (*memo)[key]; ok {
		return out
	}
	out := ids()
	if *memo == nil {
		*memo = map[string][]string{}
	}
	(*memo)[key] = out
	return out
}

// sortedIDs returns the sorted ids of the entries of table whose kind is one of want.
func sortedIDs[V any](table map[string]V, want []dsl.Kind, kind func(V) dsl.Kind) []string {
	var out []string
	for id, v := range table {
		if slices.Contains(want, kind(v)) {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

// newSymbol returns a zero symbol from a chunk allocated for many, so a model of thousands
// of declarations costs a few allocations.
func (b *builder) newSymbol() *Symbol { return b.symbols.next(128) }

// chunks hands out zero values of T from slices allocated many at a time.
type chunks[T any] struct {
	free []T
}

// next returns a zero T, allocating n more when none is left.
func (c *chunks[T]) next(n int) *T {
	if len(c.free) == 0 {
		c.free = make([]T, n)
	}
	t := &c.free[0]
	c.free = c.free[1:]
	return t
}

func (b *builder) report(f Finding) { *b.out = append(*b.out, f) }

// sortFindings sorts findings as sort.Slice would with less, moving each finding once:
// findings are large, so it sorts their positions and then permutes them in place.
func sortFindings(fs []Finding, less func(x, y *Finding) bool) {
	order := make([]int32, len(fs))
	for i := range order {
		order[i] = int32(i)
	}
	sort.Slice(order, func(i, j int) bool { return less(&fs[order[i]], &fs[order[j]]) })
	// fs[j] becomes the old fs[order[j]]: follow each cycle of the permutation.
	for i := range order {
		if order[i] < 0 {
			continue
		}
		first, j := fs[i], i
		for {
			k := int(order[j])
			order[j] = -1
			if k == i {
				fs[j] = first
				break
			}
			fs[j] = fs[k]
			j = k
		}
	}
}

func (b *builder) errorAt(file *dsl.File, span dsl.Span, code, format string, args ...any) {
	b.report(Finding{Code: code, Level: dsl.SeverityError, File: file.Name, Span: span, message: fmt.Sprintf(format, args...)})
}

// buildModel declares and resolves the symbols of files. It gives up, returning ctx's error,
// when ctx is done (checked between files and every few hundred symbols): a stale analysis
// of a large model must stop soon, not hold its memory while newer ones run.
//
// For a focused analysis (sc.focus names a file), the facts the rules read are left for
// cacheFacts to compute for the subjects (and worked out on use for others) instead of
// being computed for every symbol, and only the references the focused analysis reads are
// kept; with sc.decls, only those declarations are in the model.
func buildModel(ctx context.Context, files []*dsl.File, out *[]Finding, sc scope) (*Model, error) {
	focus := sc.focus
	// Size the tables from the text: about one symbol per declaration, and a reference per
	// declaration (a flow's endpoints, a threat's target, a response's threat) plus one per
	// other attribute or so.
	decls, attrs := len(sc.decls), 0
	if sc.decls == nil {
		for _, f := range files {
			f.Walk(func(d *dsl.Decl) {
				decls++
				attrs += len(d.Attrs)
			})
		}
	}
	m := &Model{Files: files, Symbols: make(map[string]*Symbol, decls), flowsByEnds: map[endsKey][]*Symbol{}}
	if focus == "" {
		m.Refs = make([]Reference, 0, decls+attrs/2)
	}
	b := &builder{m: m, out: out, focus: focus}
	// Declare every symbol first, so references may point forward and across files.
	if sc.decls != nil {
		b.index = sc.index
		m.partial = true
		for _, at := range sc.decls {
			b.declare(sc.index.files[at.file], sc.index.decl(at))
		}
		for id, level := range sc.flows {
			if s := m.Symbols[id]; s != nil {
				s.flowsKnown = level
			}
		}
	}
	for _, f := range files {
		if sc.decls != nil {
			break
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		f.Walk(func(d *dsl.Decl) { b.declare(f, d) })
	}
	for _, s := range m.Boundaries {
		b.resolveBoundary(s)
	}
	for _, list := range [][]*Symbol{m.Elements, m.Flows} {
		for i, s := range list {
			if i%512 == 0 && ctx.Err() != nil {
				return nil, ctx.Err()
			}
			b.resolveElement(s)
		}
	}
	for _, s := range m.Threats {
		b.resolveRefs(s.File, s.Decl, "on")
	}
	for _, s := range m.Mitigations {
		b.resolveThreatRefs(s.File, s.Decl)
	}
	for _, r := range m.Responses {
		b.recordThreatRef(r.File, r.Decl, r.Decl.Target, "header")
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if cap(m.Refs)-len(m.Refs) > len(m.Refs)/8 {
		// The estimate above was well over: the spare room would be kept with the model
		// (about 6 MB at 10,000 services), and the copy dies before the rules run.
		m.Refs = slices.Clone(m.Refs)
	}
	computeTrust(m)
	if focus == "" {
		cacheAllFacts(m)
	}
	indexModel(m, focus == "")
	return m, nil
}

func (b *builder) declare(f *dsl.File, d *dsl.Decl) {
	m := b.m
	switch {
	case d.Kind == dsl.KindModel:
		if m.ModelDecl != nil {
			b.report(Finding{Code: "duplicate-model", Level: dsl.SeverityWarning, File: f.Name, Span: d.KindSpan,
				message: "the model is declared more than once; keep one `model` declaration per model root"})
			return
		}
		m.ModelDecl = d
		return
	case d.Kind.IsResponse():
		if d.Target != nil {
			m.Responses = append(m.Responses, &Response{Decl: d, File: f, ThreatID: d.Target.String()})
		}
		return
	}
	id := d.ID()
	if id == "" {
		return
	}
	if prev, dup := m.Symbols[id]; dup {
		pl, pc := prev.File.Lines.Position(int(prev.Decl.IDSpan().Start))
		line, col := f.Lines.Position(int(d.IDSpan().Start))
		b.report(Finding{Code: "duplicate-id", Level: dsl.SeverityError, File: f.Name, Span: d.IDSpan(),
			message: fmt.Sprintf("`%s` is already declared as a %s at %s:%d:%d; ids are shared by every file of the model, so rename one", id, prev.Kind, prev.File.Name, pl, pc),
			related: []Related{{File: prev.File.Name, Span: prev.Decl.IDSpan(), Message: "first declared here"}}})
		b.report(Finding{Code: "duplicate-id", Level: dsl.SeverityError, File: prev.File.Name, Span: prev.Decl.IDSpan(),
			message: fmt.Sprintf("`%s` is declared again as a %s at %s:%d:%d; ids are shared by every file of the model, so rename one", id, d.Kind, f.Name, line, col),
			related: []Related{{File: f.Name, Span: d.IDSpan(), Message: "declared again here"}}})
		return
	}
	s := b.newSymbol()
	*s = Symbol{ID: id, Kind: d.Kind, Decl: d, File: f, model: m, span: d.IDSpan()}
	m.Symbols[id] = s
	switch d.Kind {
	case dsl.KindBoundary:
		m.Boundaries = append(m.Boundaries, s)
	case dsl.KindData:
		m.Data = append(m.Data, s)
	case dsl.KindActor, dsl.KindService, dsl.KindStore:
		m.Elements = append(m.Elements, s)
	case dsl.KindFlow:
		m.Flows = append(m.Flows, s)
	case dsl.KindThreat:
		m.Threats = append(m.Threats, s)
	case dsl.KindMitigation:
		m.Mitigations = append(m.Mitigations, s)
	}
}

// lookup resolves an id to a symbol of one of the wanted kinds, reporting unknown ids and
// wrong kinds with a suggestion.
func (b *builder) lookup(file *dsl.File, span dsl.Span, id, attr string, want []dsl.Kind) *Symbol {
	s, ok := b.m.Symbols[id]
	if ok {
		for _, k := range want {
			if s.Kind == k {
				return s
			}
		}
		if attr == "flow" {
			b.errorAt(file, span, "wrong-kind", "a flow connects elements (actors, services, stores); `%s` is %s", id, kindPhrase(s.Kind))
		} else {
			b.errorAt(file, span, "wrong-kind", "`%s` expects %s; `%s` is %s", attr, kindList(want), id, kindPhrase(s.Kind))
		}
		return nil
	}
	candidates := b.candidatesOf(want)
	msg := fmt.Sprintf("unknown %s `%s`", kindWords(want), id)
	if sug := suggest(id, candidates); sug != "" {
		msg += fmt.Sprintf(": did you mean `%s`?", sug)
	} else if len(candidates) == 0 {
		msg += fmt.Sprintf(": no %s is declared in this model; declare `%s`", kindWords(want), id)
	} else {
		msg += ": declare it, or name one of " + strings.Join(clipList(candidates, 6), ", ")
	}
	b.report(Finding{Code: "unknown-ref", Level: dsl.SeverityError, File: file.Name, Span: span, message: msg})
	return nil
}

// suggest returns the candidate closest to word, like dsl.Suggest, and also recognises two
// swapped neighbouring letters (`dzm` for `dmz`).
func suggest(word string, candidates []string) string {
	if s := dsl.Suggest(word, candidates); s != "" {
		return s
	}
	lw := strings.ToLower(word)
	for _, c := range candidates {
		lc := strings.ToLower(c)
		if len(lc) != len(lw) {
			continue
		}
		for i := 0; i+1 < len(lw); i++ {
			if lw[i] != lc[i] {
				if lw[i] == lc[i+1] && lw[i+1] == lc[i] && lw[i+2:] == lc[i+2:] {
					return c
				}
				break
			}
		}
	}
	return ""
}

func clipList(s []string, n int) []string {
	quoted := make([]string, 0, n+1)
	for i, v := range s {
		if i == n {
			quoted = append(quoted, "...")
			break
		}
		quoted = append(quoted, "`"+v+"`")
	}
	return quoted
}

// kindWords names a set of kinds without an article: "boundary", "element or flow".
func kindWords(ks []dsl.Kind) string {
	switch {
	case len(ks) == 4 && ks[0] == dsl.KindActor:
		return "element or flow"
	case len(ks) == 3 && ks[0] == dsl.KindActor:
		return "element"
	}
	parts := make([]string, len(ks))
	for i, k := range ks {
		parts[i] = string(k)
	}
	return strings.Join(parts, " or ")
}

// kindList names a set of kinds with an article: "a boundary", "an element or flow",
// "data".
func kindList(ks []dsl.Kind) string {
	if len(ks) == 1 && ks[0] == dsl.KindData {
		return "data"
	}
	w := kindWords(ks)
	return article(w) + " " + w
}

// kindPhrase names one kind with an article: "a store", "an actor", "data".
func kindPhrase(k dsl.Kind) string {
	switch k {
	case dsl.KindData:
		return "data"
	case dsl.KindNotApplicable:
		return "a not_applicable response"
	}
	return article(string(k)) + " " + string(k)
}

func article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}

func (b *builder) addRef(file *dsl.File, d *dsl.Decl, span dsl.Span, attr, text string, target *Symbol) {
	if d.Kind != dsl.KindThreat && b.outOfFocus(file) {
		return // a focused analysis reads only the targets of declared threats (threatTargets)
	}
	b.m.Refs = append(b.m.Refs, Reference{File: file, Span: span, Attr: attr, Target: target, Text: text, Decl: d})
}

// resolveIdent resolves a plain identifier value of attribute attr.
func (b *builder) resolveIdent(file *dsl.File, d *dsl.Decl, id *dsl.Ident, attr string, want []dsl.Kind) *Symbol {
	s := b.lookup(file, id.Span, id.Name, attr, want)
	b.addRef(file, d, id.Span, attr, id.Name, s)
	return s
}

func (b *builder) resolveBoundary(s *Symbol) {
	d := s.Decl
	if d.Parent != nil && d.Parent.Kind == dsl.KindBoundary {
		s.Boundary = b.m.Symbols[d.Parent.ID()]
	}
	if a := d.Attr("in"); a != nil {
		for _, v := range a.Values {
			if v.Ref == nil || v.Ref.To != nil || v.Ref.Rule != nil {
				continue
			}
			if p := b.resolveIdent(s.File, d, v.Ref.From, "in", []dsl.Kind{dsl.KindBoundary}); p != nil {
				s.Boundary = p
			}
		}
	}
	// A boundary inside itself would make nesting endless.
	seen := map[*Symbol]bool{s: true}
	for p := s.Boundary; p != nil; p = p.Boundary {
		if seen[p] {
			b.errorAt(s.File, d.IDSpan(), "boundary-cycle", "boundary `%s` is nested inside itself through `in`; boundaries must form a tree", s.ID)
			s.Boundary = nil
			return
		}
		seen[p] = true
	}
}

var elementKinds = []dsl.Kind{dsl.KindActor, dsl.KindService, dsl.KindStore}

// refAttrs[kind][name] lists the kinds a reference attribute of an element or flow names;
// built once from the schema, which is a list per kind.
var refAttrs = func() map[dsl.Kind]map[string][]dsl.Kind {
	out := map[dsl.Kind]map[string][]dsl.Kind{}
	for _, k := range targetKinds {
		out[k] = map[string][]dsl.Kind{}
		for _, name := range dsl.AttributeNames(k) {
			if a, _ := dsl.LookupAttribute(k, name); a.Type == dsl.TypeRef {
				out[k][name] = a.RefKinds
			}
		}
	}
	return out
}()

var targetKinds = []dsl.Kind{dsl.KindActor, dsl.KindService, dsl.KindStore, dsl.KindFlow}

func (b *builder) resolveElement(s *Symbol) {
	d := s.Decl
	if !b.outOfFocus(s.File) {
		s.attrs = readAttrs(d) // while the attributes are at hand
	}
	if d.Parent != nil && d.Parent.Kind == dsl.KindBoundary {
		s.Boundary = b.m.Symbols[d.Parent.ID()]
	}
	if s.Kind == dsl.KindFlow {
		if d.From != nil {
			s.From = b.resolveIdent(s.File, d, d.From, "flow", elementKinds)
		}
		if d.To != nil {
			s.To = b.resolveIdent(s.File, d, d.To, "flow", elementKinds)
		}
		if s.From != nil && s.To != nil {
			if s.From == s.To {
				b.report(Finding{Code: "self-flow", Level: dsl.SeverityWarning, File: s.File.Name, Span: d.IDSpan(),
					message: fmt.Sprintf("flow from `%s` to itself: a flow connects two different elements", s.From.ID)})
			}
			s.From.Outbound = append(s.From.Outbound, s)
			s.To.Inbound = append(s.To.Inbound, s)
			if d.Arrow == "<->" {
				s.To.Outbound = append(s.To.Outbound, s)
				s.From.Inbound = append(s.From.Inbound, s)
			}
			key := endsKey{s.From, s.To}
			b.m.flowsByEnds[key] = append(b.m.flowsByEnds[key], s)
			if d.Arrow == "<->" {
				rkey := endsKey{s.To, s.From}
				b.m.flowsByEnds[rkey] = append(b.m.flowsByEnds[rkey], s)
			}
		}
	}
	// The kind's table once (it has every element and flow kind), not per attribute: the
	// lookups were a tenth of a keystroke's model building.
	byName := refAttrs[d.Kind]
	for _, a := range d.Attrs {
		refKinds, ok := byName[a.Key.Name]
		if !ok {
			continue
		}
		for _, v := range a.Values {
			if v.Ref == nil || v.Ref.To != nil || v.Ref.Rule != nil {
				if v.Ref != nil {
					b.errorAt(s.File, v.Span, "wrong-kind", "`%s` names %s by id; `%s` is not an id", a.Key.Name, kindList(refKinds), v.Text)
				}
				continue
			}
			t := b.resolveIdent(s.File, d, v.Ref.From, a.Key.Name, refKinds)
			if t == nil {
				continue
			}
			if a.Key.Name == "in" {
				if s.Boundary != nil && d.Parent != nil && s.Boundary != t {
					b.errorAt(s.File, v.Span, "conflicting-boundary", "`%s` is declared inside boundary `%s` but says `in %s`; keep one", s.ID, s.Boundary.ID, t.ID)
					continue
				}
				s.Boundary = t
			} else {
				s.Data = append(s.Data, t)
			}
		}
	}
}

// resolveRefs resolves `on` references of a threat: an element, a flow by id, or a flow by
// its endpoints.
func (b *builder) resolveRefs(file *dsl.File, d *dsl.Decl, attr string) {
	a := d.Attr(attr)
	if a == nil {
		return
	}
	for _, v := range a.Values {
		if v.Ref == nil {
			continue
		}
		r := v.Ref
		if r.Rule != nil {
			b.errorAt(file, v.Span, "wrong-kind", "`on` names an element or flow, not a threat id like `%s`", r.String())
			continue
		}
		if r.To == nil {
			b.resolveIdent(file, d, r.From, attr, targetKinds)
			continue
		}
		b.addRef(file, d, r.From.Span, attr, r.From.Name, b.lookup(file, r.From.Span, r.From.Name, attr, elementKinds))
		b.addRef(file, d, r.To.Span, attr, r.To.Name, b.lookup(file, r.To.Span, r.To.Name, attr, elementKinds))
		if f := b.flowByRef(r); f != nil {
			b.addRef(file, d, r.Span, attr, f.ID, f)
		} else if b.m.Symbols[r.From.Name] != nil && b.m.Symbols[r.To.Name] != nil {
			b.errorAt(file, v.Span, "unknown-ref", "no flow `%s`: declare `flow %s %s %s { ... }`", r.String(), r.From.Name, r.Arrow, r.To.Name)
		}
	}
}

// flowByRef finds the flow a reference `a -> b` names: by id, or by its endpoints when
// exactly one flow joins them.
func (b *builder) flowByRef(r *dsl.Ref) *Symbol {
	if s := b.m.Symbols[r.Target()]; s != nil && s.Kind == dsl.KindFlow {
		return s
	}
	fl := b.m.FlowBetween(r.From.Name, r.To.Name)
	if len(fl) == 1 {
		return fl[0]
	}
	return nil
}

func (b *builder) resolveThreatRefs(file *dsl.File, d *dsl.Decl) {
	a := d.Attr("mitigates")
	if a == nil {
		return
	}
	for _, v := range a.Values {
		if v.Ref != nil {
			b.recordThreatRef(file, d, v.Ref, "mitigates")
		}
	}
}

// recordThreatRef records a reference to a threat id: a declared threat, or a generated
// one (checked later, once the rules have run). Parts of a generated id that name
// elements are references to those elements.
func (b *builder) recordThreatRef(file *dsl.File, d *dsl.Decl, r *dsl.Ref, attr string) {
	if r == nil || r.From == nil {
		return
	}
	if r.Rule == nil && r.To == nil {
		s := b.m.Symbols[r.From.Name]
		if s != nil && s.Kind != dsl.KindThreat {
			if s.Kind.IsElement() {
				b.errorAt(file, r.Span, "wrong-kind", "`%s` expects a threat; `%s` is %s (a threat a rule generates on it is `RULE@%s`, such as `%s@%s`)", attrWord(attr, d), s.ID, kindPhrase(s.Kind), s.ID, exampleRule(s.Kind), s.ID)
			} else {
				b.errorAt(file, r.Span, "wrong-kind", "`%s` expects a threat; `%s` is %s", attrWord(attr, d), s.ID, kindPhrase(s.Kind))
			}
			s = nil
		}
		b.addRef(file, d, r.Span, attr, r.From.Name, s)
		return
	}
	b.addRef(file, d, r.Span, attr, r.String(), nil)
	if r.To == nil {
		if s := b.m.Symbols[r.From.Name]; s != nil {
			b.addRef(file, d, r.From.Span, attr, s.ID, s)
		}
		return
	}
	for _, id := range []*dsl.Ident{r.From, r.To} {
		if s := b.m.Symbols[id.Name]; s != nil {
			b.addRef(file, d, id.Span, attr, s.ID, s)
		}
	}
}

// exampleRule names a rule that applies to kind k, for messages.
func exampleRule(k dsl.Kind) string {
	switch k {
	case dsl.KindFlow:
		return "unencrypted-flow"
	case dsl.KindStore:
		return "unencrypted-datastore"
	}
	return "unthrottled-internet-entry"
}

func attrWord(attr string, d *dsl.Decl) string {
	if attr == "header" {
		return string(d.Kind)
	}
	return attr
}
