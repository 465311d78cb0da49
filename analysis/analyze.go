package analysis

import (
	"context"
	"fmt"
	"math/bits"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/threatls/threatls/analysis/taxonomy"
	"github.com/threatls/threatls/codelinks"
	"github.com/threatls/threatls/dsl"
)

// Options tune an analysis.
type Options struct {
	// Today decides which acceptances have expired and which mitigations are overdue; the
	// zero value means the current date.
	Today time.Time
	// Threshold is the lowest severity at which open threats are reported as findings.
	Threshold Risk
	// Coverage reports elements and flows for which a STRIDE category that applies to their
	// kind has no threat and no response.
	Coverage bool
	// Code, when set, is the scanned repository: `code` and `evidence` links are checked
	// against it, an implemented mitigation whose evidence is gone counts as planned, and
	// `threatls: mitigates ID` annotations in the code count as mitigations.
	Code *codelinks.Index
	// Focus, when set, names one file of the model: only the findings located in that
	// file are produced, exactly as a whole analysis would produce them, and rules run only
	// on the subjects that file declares or answers. The Result's Threats are then partial.
	// The language server uses it to answer a keystroke before analysing the whole model.
	Focus string
	// Index, with Focus, indexes the model's declarations, so that the focused analysis
	// resolves only those the file's findings can depend on (its closure; see FocusIndex)
	// instead of the whole model. Keep it between focused analyses of a model: only the
	// files that changed are indexed again.
	Index *FocusIndex
	// Base, with Focus and Index, is the focused analysis of the model before its focus
	// file was edited (made with the same Index and options): the findings of the
	// declarations the edit cannot change are taken from it (see analyzeEdit). The
	// Result's Model and Threats then hold less still.
	Base *Base
}

// Related is a secondary location of a finding.
type Related struct {
	File    string
	Span    dsl.Span
	Message string
}

// Finding is one result of the analysis: a syntax or model error, an open threat, a stale
// response, a coverage gap.
type Finding struct {
	// Code is the rule id for generated threats, else the check's name ("syntax",
	// "unknown-ref", "open-threat", "coverage", ...).
	Code  string
	Level dsl.Severity
	File  string
	Span  dsl.Span
	// message is the finding's text (Message), made when asked for from threat when that
	// is set: a large model has a hundred thousand findings about threats, and a
	// language server sends most of them once.
	message string
	threat  *Threat
	// subject is set on a coverage hint, whose message is made from it when asked for.
	subject *Symbol
	// related are the places Related returns, but for a finding about a threat: those are
	// made from the threat when asked for.
	related []Related
	// ThreatID is set on findings about one threat; Explain(result.Threat(ThreatID)) is the
	// Markdown that explains it (why, how the severity was reached, what clears it).
	ThreatID string
	// Risk is the threat's severity, when ThreatID is set.
	Risk Risk
	// Source is set on findings in source files (annotations), where File is the
	// repository-relative path of a file that is not part of the model.
	Source *SourcePos
}

// Related returns the places related to the finding, each with a note: the other
// declaration of a duplicate id, the boundaries a flow crosses, ...
func (f Finding) Related() []Related {
	if f.threat != nil {
		return threatRelated(f.threat)
	}
	return f.related
}

// Message returns the finding's text.
func (f Finding) Message() string {
	if f.threat == nil && f.subject == nil {
		return f.message
	}
	return string(f.AppendMessage(nil))
}

// AppendMessage appends the finding's text to b.
func (f Finding) AppendMessage(b []byte) []byte {
	if f.subject != nil {
		return appendCoverageMessage(b, f.subject)
	}
	t := f.threat
	if t == nil {
		return append(b, f.message...)
	}
	switch {
	case t.State == StatePlanned:
		b = append(b, "threat `"...)
		b = append(b, t.ID...)
		b = append(b, "` ("...)
		b = append(b, t.Rating.Severity.String()...)
		b = append(b, ") is not mitigated yet: "...)
		return append(b, t.StateWhy...)
	case t.Rule != nil:
		b = append(b, "open threat `"...)
		b = append(b, t.ID...)
		b = append(b, "` ("...)
		b = append(b, t.Rating.Severity.String()...)
		b = append(b, "): "...)
		b = append(b, t.Title()...)
		b = append(b, "; "...)
		b = append(b, t.Why...)
		b = append(b, ". Clear it with "...)
		b = append(b, t.Rule.Clears...)
		return append(b, ", or answer it with a mitigation or an accept"...)
	}
	b = append(b, "open threat `"...)
	b = append(b, t.ID...)
	b = append(b, "` ("...)
	b = append(b, t.Rating.Severity.String()...)
	b = append(b, "):"...)
	if t.Title() != t.ID {
		b = append(b, ' ')
		b = append(b, t.Title()...)
		b = append(b, ':')
	}
	b = append(b, " nothing answers it; add a mitigation that `mitigates "...)
	b = append(b, t.ID...)
	return append(b, "`, or an accept, transfer or not_applicable"...)
}

// State is where a threat stands.
type State string

// Threat states.
const (
	StateOpen          State = "open"
	StatePlanned       State = "planned"
	StateMitigated     State = "mitigated"
	StateAccepted      State = "accepted"
	StateTransferred   State = "transferred"
	StateNotApplicable State = "not_applicable"
)

// States lists the states in report order.
var States = []State{StateOpen, StatePlanned, StateMitigated, StateAccepted, StateTransferred, StateNotApplicable}

// Threat is a declared threat or one the rules generated.
type Threat struct {
	ID string
	// Rule generated the threat; nil for a declared one.
	Rule *Rule
	// Symbol is the declared threat; nil for a generated one.
	Symbol *Symbol
	// Target is the element or flow threatened (the first `on` of a declared threat).
	Target *Symbol
	// about is what the threat says of itself: its rule's, shared by every threat of the
	// rule (a large model has a hundred thousand generated threats, and copies of the four
	// took 10 MB at 10,000 services), or the declaration's.
	about  *threatAbout
	Rating Rating
	State  State
	// StateWhy says which declarations put the threat in its state.
	StateWhy    string
	Mitigations []*Symbol
	Responses   []*Response
	// Why says why a rule fired.
	Why string
	// FixTarget is the declaration the fix applies to, and Fix the change that clears
	// this instance (usually the rule's Fix; nil when no single attribute clears it).
	FixTarget *Symbol
	Fix       *Fix
}

// threatAbout is what a threat says of itself (Threat.about).
type threatAbout struct {
	title      string
	stride     []string
	cwe, capec []int
}

// Title returns the threat's title: its rule's, or the declaration's (its id when it has
// none).
func (t *Threat) Title() string {
	if t.about == nil {
		return t.ID
	}
	return t.about.title
}

// Stride returns the STRIDE categories of the threat: its rule's, or those declared.
func (t *Threat) Stride() []string { return t.aboutOrNone().stride }

// CWE returns the CWE ids of the threat: its rule's, or those declared.
func (t *Threat) CWE() []int { return t.aboutOrNone().cwe }

// CAPEC returns the CAPEC ids of the threat: its rule's, or those declared.
func (t *Threat) CAPEC() []int { return t.aboutOrNone().capec }

func (t *Threat) aboutOrNone() *threatAbout {
	if t.about == nil {
		return &threatAbout{}
	}
	return t.about
}

// Generated reports whether a rule generated the threat.
func (t *Threat) Generated() bool { return t.Rule != nil }

// Result is the outcome of an analysis.
type Result struct {
	Model *Model
	// Threats are every declared and generated threat, sorted by id.
	Threats  []*Threat
	Findings []Finding
	Rules    []*Rule
	// byID indexes the declared threats until the generated ones join them; from then on
	// Threats is sorted by id and Threat searches it (a map of a hundred thousand threats
	// took 11 MB at 10,000 services).
	byID map[string]*Threat
	// on indexes Threats by target, built on first use by ThreatsOn.
	onOnce sync.Once
	on     map[*Symbol][]*Threat
	// edited is set on an edited analysis that took findings from its base (Options.Base).
	edited bool
}

// Threat returns the threat with the given id, or nil.
func (r *Result) Threat(id string) *Threat {
	if r.byID != nil {
		return r.byID[id]
	}
	return findThreat(r.Threats, id)
}

// Counts returns how many threats are in each state.
func (r *Result) Counts() map[State]int {
	c := map[State]int{}
	for _, t := range r.Threats {
		c[t.State]++
	}
	return c
}

// Summary returns a one-line summary: "threats: 2 open, 1 planned, 5 mitigated, ...".
func (r *Result) Summary() string {
	c := r.Counts()
	parts := make([]string, 0, len(States))
	for _, s := range States {
		parts = append(parts, fmt.Sprintf("%d %s", c[s], strings.ReplaceAll(string(s), "_", " ")))
	}
	return "threats: " + strings.Join(parts, ", ")
}

// Analyze resolves the files of one model, runs the rules and reports every finding.
func Analyze(files []*dsl.File, opts Options) *Result {
	res, _ := AnalyzeContext(context.Background(), files, opts)
	return res
}

// AnalyzeContext is Analyze that gives up when ctx is done (between its steps, and every
// few hundred subjects while the rules run), returning ctx's error and no result.
func AnalyzeContext(ctx context.Context, files []*dsl.File, opts Options) (*Result, error) {
	if ix := opts.Index; opts.Focus != "" && ix != nil {
		if opts.Base != nil {
			if res, ok, err := analyzeEdit(ctx, files, opts); ok || err != nil {
				return res, err
			}
		}
		ix.Update(files)
		// The closure leaves out the flows of some elements one flow away (a shared
		// actor's); when a fact reads them after all, the analysis is done again with them.
		want := map[string]uint8{}
		for {
			decls, flows := ix.closure(opts.Focus, want)
			if decls == nil {
				break
			}
			res, err := analyze(ctx, files, opts, scope{focus: opts.Focus, decls: decls, index: ix, flows: flows})
			if err != nil {
				return nil, err
			}
			if !wantMore(want, res.Model.wantFlows) {
				if len(res.Model.wantFlows) > 0 {
					break // cannot happen: the closure holds what was asked; resolve everything
				}
				ix.noteWants(opts.Focus, want)
				return res, nil
			}
		}
	}
	return analyze(ctx, files, opts, scope{focus: opts.Focus})
}

// analyze runs an analysis of the part of files sc says.
func analyze(ctx context.Context, files []*dsl.File, opts Options, sc scope) (*Result, error) {
	today := opts.Today
	if today.IsZero() {
		today = time.Now()
	}
	a := &analyzer{ctx: ctx, opts: opts, today: today.Format("2006-01-02"), res: &Result{byID: map[string]*Threat{}, Rules: Catalog()}, seeds: sc.seeds}
	if sc.seeds == nil { // an edited analysis takes them from the new parse itself
		for _, f := range files {
			for _, d := range f.Diagnostics {
				a.res.Findings = append(a.res.Findings, diagnosticFinding(f, d))
			}
		}
	}
	if sc.decls != nil {
		a.index = sc.index
	}
	m, err := buildModel(ctx, files, &a.res.Findings, sc)
	if err != nil {
		return nil, err
	}
	a.m = m
	a.res.Model = a.m
	if opts.Focus != "" {
		a.focusOn(opts.Focus)
		cacheFacts(a.subjects)
	}
	for _, step := range []func(){a.lint, a.declaredThreats, a.rulesAndLinks, a.respond, a.reportThreats, a.coverage} {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		step()
	}
	if ctx.Err() != nil {
		return nil, ctx.Err() // a step may have stopped early
	}
	if opts.Focus != "" {
		a.res.Findings = inFile(a.res.Findings, opts.Focus)
	}
	sortByPlace(a.res.Findings)
	return a.res, nil
}

// sortByPlace sorts findings by file and place, in a total order, so that the output does
// not depend on the order findings were made in.
func sortByPlace(fs []Finding) {
	sortFindings(fs, func(x, y *Finding) bool {
		if x.File != y.File {
			return x.File < y.File
		}
		if x.Span.Start != y.Span.Start {
			return x.Span.Start < y.Span.Start
		}
		if x.Code != y.Code {
			return x.Code < y.Code
		}
		if x.ThreatID != y.ThreatID {
			return x.ThreatID < y.ThreatID
		}
		if x.Span.End != y.Span.End {
			return x.Span.End < y.Span.End
		}
		return x.Message() < y.Message()
	})
}

type analyzer struct {
	ctx   context.Context
	opts  Options
	today string
	m     *Model
	res   *Result
	// superseded maps a superseded rule instance id to the id that covers it.
	superseded map[string]string
	// code holds what the code links and annotations say.
	code *codeLinks
	// evidenceReported records mitigations already reported for missing evidence.
	evidenceReported map[string]bool
	// focus is Options.Focus; subjects are the elements and flows rules run on in a
	// focused analysis (nil: every one).
	focus    string
	subjects map[*Symbol]bool
	// index, when the model holds only the closure of the focus, has the whole model's
	// ids, which suggestions are made from.
	index *FocusIndex
	// seeds, in an edited analysis, are the declarations of the focus whose findings are
	// made again (nil: all).
	seeds map[*dsl.Decl]bool
}

// inFocus reports whether findings about a declaration of file are wanted.
func (a *analyzer) inFocus(file *dsl.File) bool { return a.focus == "" || file.Name == a.focus }

// focusOn restricts the analysis to what file needs: the rules run on the elements and
// flows it declares and on those whose generated threats its mitigations and responses
// name (their states and orphan checks depend on whether those threats fire).
func (a *analyzer) focusOn(file string) {
	a.focus = file
	a.subjects = map[*Symbol]bool{}
	for _, list := range [][]*Symbol{a.m.Elements, a.m.Flows} {
		for _, s := range list {
			if s.File.Name == file && a.seeded(s.Decl) {
				a.subjects[s] = true
			}
		}
	}
	answer := func(r *dsl.Ref) {
		if r == nil || r.Rule == nil {
			return
		}
		_, target, _ := strings.Cut(a.canonicalThreatID(r), "@")
		if s := a.m.Symbols[target]; s != nil {
			a.subjects[s] = true
		}
	}
	for _, s := range a.m.Mitigations {
		if s.File.Name != file || !a.seeded(s.Decl) {
			continue
		}
		if at := s.Decl.Attr("mitigates"); at != nil {
			for _, v := range at.Values {
				answer(v.Ref)
			}
		}
	}
	for _, r := range a.m.Responses {
		if r.File.Name == file && a.seeded(r.Decl) {
			answer(r.Decl.Target)
		}
	}
}

// seeded reports whether the findings of a declaration of the focus are wanted.
func (a *analyzer) seeded(d *dsl.Decl) bool { return a.seeds == nil || a.seeds[d] }

// stateShows reports whether a threat's state shows in the focused file: in its own finding,
// or in findings about its mitigations and responses (missing evidence, overdue, expired).
func (a *analyzer) stateShows(t *Threat) bool {
	if t.Symbol != nil && a.inFocus(t.Symbol.File) || t.Symbol == nil && t.Target != nil && a.inFocus(t.Target.File) {
		return true
	}
	for _, m := range t.Mitigations {
		if a.inFocus(m.File) {
			return true
		}
	}
	for _, r := range t.Responses {
		if a.inFocus(r.File) {
			return true
		}
	}
	return false
}

// inFile returns the findings located in one model file.
func inFile(fs []Finding, file string) []Finding {
	out := fs[:0]
	for _, f := range fs {
		if f.File == file && f.Source == nil {
			out = append(out, f)
		}
	}
	return out
}

func (a *analyzer) add(f Finding) { a.res.Findings = append(a.res.Findings, f) }

func (a *analyzer) at(s *Symbol, code string, level dsl.Severity, format string, args ...any) {
	a.add(Finding{Code: code, Level: level, File: s.File.Name, Span: s.Decl.IDSpan(), message: fmt.Sprintf(format, args...)})
}

func (a *analyzer) consider(target *Symbol, stride ...string) {
	if target == nil {
		return
	}
	for _, s := range stride {
		target.considered |= strideBit(s)
	}
}

// lint reports model hygiene problems: things that keep the analysis from knowing enough.
func (a *analyzer) lint() {
	used := map[*Symbol]bool{}
	for _, list := range [][]*Symbol{a.m.Flows, a.m.Elements} {
		for _, s := range list {
			for _, d := range s.Data {
				used[d] = true
			}
		}
	}
	for _, d := range a.m.Data {
		if !a.inFocus(d.File) {
			continue
		}
		if d.Decl.Attr("classification") == nil {
			a.at(d, "unclassified-data", dsl.SeverityInfo, "data `%s` has no classification; impact is computed as internal. Add `classification public|internal|confidential|restricted`", d.ID)
		}
		if !used[d] {
			a.at(d, "unused-data", dsl.SeverityHint, "data `%s` is not carried, handled or stored by anything; name it in a flow's `carries`, a service's `handles` or a store's `stores`, or remove it", d.ID)
		}
	}
	for _, s := range a.m.Elements {
		if !a.inFocus(s.File) {
			continue
		}
		if s.Boundary == nil && s.Kind != dsl.KindActor {
			a.at(s, "outside-boundary", dsl.SeverityInfo, "%s `%s` is in no boundary, so trust and crossings are guessed (high trust); add `in BOUNDARY`", s.Kind, s.ID)
		}
		if len(s.Inbound) == 0 && len(s.Outbound) == 0 {
			a.at(s, "isolated-element", dsl.SeverityHint, "%s `%s` has no flows; connect it (`flow %s -> OTHER { ... }`) or remove it", s.Kind, s.ID, s.ID)
		}
	}
	for _, b := range a.m.Boundaries {
		if !a.inFocus(b.File) {
			continue
		}
		if b.Decl.Attr("trust") == nil && b.Boundary == nil {
			a.at(b, "boundary-without-trust", dsl.SeverityWarning, "boundary `%s` has no `trust`; it counts as medium. Add `trust untrusted|low|medium|high`", b.ID)
		}
	}
	for _, f := range a.m.Flows {
		if !a.inFocus(f.File) {
			continue
		}
		if len(f.Data) == 0 {
			a.at(f, "flow-without-data", dsl.SeverityInfo, "flow `%s` carries no data, so its impact is guessed; add `carries DATA`", f.ID)
		}
	}
	for _, s := range a.m.Mitigations {
		if !a.inFocus(s.File) {
			continue
		}
		if s.Decl.Attr("status") == nil {
			a.at(s, "mitigation-without-status", dsl.SeverityInfo, "mitigation `%s` has no status and counts as planned; add `status implemented` once it is in place", s.ID)
		}
	}
}

// declaredThreats turns threat declarations into threats.
func (a *analyzer) declaredThreats() {
	for _, s := range a.m.Threats {
		d := s.Decl
		t := &Threat{ID: s.ID, Symbol: s, about: &threatAbout{title: s.Title(), stride: words(d, "stride")}}
		targets := a.threatTargets(d)
		if len(targets) > 0 {
			t.Target = targets[0]
		}
		for _, tgt := range targets {
			a.consider(tgt, t.Stride()...)
		}
		if !a.inFocus(s.File) {
			// Outside the focus only the threat's existence, target and STRIDE matter.
			a.addThreat(t)
			continue
		}
		l, lok := enumValue(d, "likelihood", dsl.Levels)
		i, iok := enumValue(d, "impact", dsl.Levels)
		lw, iw := "as declared", "as declared"
		if !lok {
			l, lw = levelMedium, "not declared, assumed medium"
		}
		if !iok {
			i, iw = levelMedium, "not declared, assumed medium"
		}
		t.Rating = rate(l, lw, i, iw)
		t.about.cwe = a.taxonomyIDs(s, "cwe", taxonomy.CatalogCWE)
		t.about.capec = a.taxonomyIDs(s, "capec", taxonomy.CatalogCAPEC)
		a.addThreat(t)
	}
}

// threatTargets returns the elements and flows a declared threat is `on`, in order.
func (a *analyzer) threatTargets(d *dsl.Decl) []*Symbol {
	at := d.Attr("on")
	if at == nil {
		return nil
	}
	var out []*Symbol
	for _, v := range at.Values {
		if v.Ref == nil {
			continue
		}
		want := v.Span
		if v.Ref.To == nil {
			want = v.Ref.From.Span
		}
		for _, i := range a.m.refsByDecl[d] {
			r := a.m.Refs[i]
			if r.Attr == "on" && r.Span == want && r.Target != nil {
				out = append(out, r.Target)
				break
			}
		}
	}
	return out
}

func (a *analyzer) taxonomyIDs(s *Symbol, attr, catalog string) []int {
	at := s.Decl.Attr(attr)
	if at == nil {
		return nil
	}
	var out []int
	for _, v := range at.Values {
		id, ok := taxonomy.ParseID(catalog, v.Text)
		if !ok {
			a.add(Finding{Code: "unknown-" + attr, Level: dsl.SeverityError, File: s.File.Name, Span: v.Span, message: fmt.Sprintf("`%s` is not a %s id; write the number, as in `%s 89`", v.Text, catalog, attr)})
			continue
		}
		var e taxonomy.Entry
		var found bool
		if catalog == taxonomy.CatalogCWE {
			e, found = taxonomy.CWE(id)
		} else {
			e, found = taxonomy.CAPEC(id)
		}
		if !found {
			a.add(Finding{Code: "unknown-" + attr, Level: dsl.SeverityWarning, File: s.File.Name, Span: v.Span, message: fmt.Sprintf("%s-%d is not in threatls's %s table; check the id at %s", catalog, id, catalog, taxonomy.Entry{Catalog: catalog, ID: id}.URL())})
		} else if problem := e.Problem(); problem != "" {
			a.add(Finding{Code: "problem-" + attr, Level: dsl.SeverityWarning, File: s.File.Name, Span: v.Span, message: problem})
		}
		if out == nil {
			out = make([]int, 0, len(at.Values))
		}
		out = append(out, id)
	}
	return out
}

func (a *analyzer) addThreat(t *Threat) {
	a.res.Threats = append(a.res.Threats, t)
	if a.res.byID != nil {
		a.res.byID[t.ID] = t
	}
}

// runRules evaluates every rule on every subject of its kinds.
func (a *analyzer) runRules() {
	a.superseded = map[string]string{}
	supersedes := map[string][]string{
		"cleartext-credentials-in-transit": {"unencrypted-flow", "unprotected-flow-integrity", "unverified-server-identity"},
		"unencrypted-flow":                 {"unprotected-flow-integrity", "unverified-server-identity"},
	}
	bySubject := map[dsl.Kind][]*Symbol{}
	for _, list := range [][]*Symbol{a.m.Elements, a.m.Flows} {
		for _, s := range list {
			if s.Kind == dsl.KindFlow && (s.From == nil || s.To == nil) {
				continue // an unresolved endpoint is reported; the flow's facts are unknown
			}
			if a.subjects != nil && !a.subjects[s] {
				continue
			}
			bySubject[s.Kind] = append(bySubject[s.Kind], s)
		}
	}
	// Rules by rank and subjects by id: each worker's threats come out sorted by id.
	sortSubjects(bySubject)
	ranked := rulesByRank(a.res.Rules)
	lists := make([][]*Symbol, len(ranked))
	n := 0
	for i, r := range ranked {
		lists[i] = subjectsOf(r, bySubject)
		n += len(lists[i])
	}
	// A whole analysis shares the evaluations among the cores: the facts the rules read are
	// all worked out (a focused one works some out on use, and has few subjects).
	workers := 1
	if a.focus == "" {
		workers = workersFor(n, 4096)
	}
	work := make([]ruleWork, workers)
	inParallel(workers, func(w int) { work[w].run(a.ctx, ranked, lists, w, workers) })
	if a.ctx.Err() != nil {
		return // AnalyzeContext reports the cancellation
	}
	var fired []*Threat
	for i := range work {
		for _, m := range work[i].marks {
			m.s.considered |= m.stride
			if m.cleared >= 0 {
				m.s.cleared.add(m.cleared)
			}
		}
		fired = append(fired, work[i].fired...)
	}
	sortGenerated(fired)
	// coveredBy[id] lists the fired threats that supersede id, in id order.
	coveredBy := map[string][]string{}
	for _, t := range fired {
		for _, covered := range supersedes[t.Rule.ID] {
			cid := covered + "@" + t.Target.ID
			if findThreat(fired, cid) != nil {
				coveredBy[cid] = append(coveredBy[cid], t.ID)
			}
		}
	}
	// A superseded threat points at a covering threat that is itself reported.
	for cid, by := range coveredBy {
		a.superseded[cid] = by[0]
		for _, b := range by {
			if len(coveredBy[b]) == 0 {
				a.superseded[cid] = b
				break
			}
		}
		c := findThreat(fired, cid)
		a.consider(c.Target, c.Stride()...)
	}
	declared := len(a.res.Threats) // the generated threats follow, sorted
	a.res.Threats = slices.Grow(a.res.Threats, len(fired))
	a.res.byID = nil // Threats is sorted below: Threat searches it
	for _, t := range fired {
		if _, gone := a.superseded[t.ID]; !gone {
			a.addThreat(t)
		}
	}
	a.res.Threats = sortMerging(a.res.Threats, declared)
}

func byThreatID(x, y *Threat) int { return strings.Compare(x.ID, y.ID) }

// ruleWork is one worker's share of runRules: of each rule's subjects, the w-th of n
// parts. What the evaluations mark on the subjects is applied once the workers are done.
type ruleWork struct {
	fired   []*Threat
	marks   []ruleMark
	threats chunks[Threat]
}

// ruleMark is what a rule that holds on s marks on it: the STRIDE category it considered,
// and the rule's index when the instance is cleared by design (else -1).
type ruleMark struct {
	s       *Symbol
	stride  strideSet
	cleared int
}

func (rw *ruleWork) run(ctx context.Context, ranked []*Rule, lists [][]*Symbol, w, n int) {
	evals := 0
	for i, r := range ranked {
		list := lists[i]
		lo, hi := part(len(list), w, n)
		for _, s := range list[lo:hi] {
			if evals++; evals%1024 == 0 && ctx.Err() != nil {
				return
			}
			h := r.eval(s)
			if !h.holds {
				continue
			}
			m := ruleMark{s: s, stride: strideBit(r.Stride), cleared: -1}
			if h.cleared {
				// Thousands of instances are cleared by design: remember which, and make
				// their records only when asked (Result.Cleared).
				m.cleared = r.index
				rw.marks = append(rw.marks, m)
				continue
			}
			rw.marks = append(rw.marks, m)
			t := rw.threats.next(256)
			*t = ruleThreat(r, s, h)
			rw.fired = append(rw.fired, t)
		}
	}
}

// ruleThreat is the threat rule r makes of hit h on s.
func ruleThreat(r *Rule, s *Symbol, h hit) Threat {
	t := Threat{ID: r.ID + "@" + s.ID, Rule: r, Target: s, about: &r.about, Rating: h.rating, Why: h.why, FixTarget: h.fixTarget, Fix: r.Fix}
	if h.fix != nil {
		t.Fix = h.fix
	}
	if h.cleared {
		t.State, t.StateWhy = StateMitigated, "mitigated by design: "+h.why
	}
	return t
}

// ruleSet is a set of rules, one bit per place in the catalog.
type ruleSet [2]uint64

func (rs *ruleSet) add(i int)     { rs[i/64] |= 1 << (i % 64) }
func (rs ruleSet) has(i int) bool { return rs[i/64]&(1<<(i%64)) != 0 }

// clearedThreat makes the record of rule r cleared by design on s, by evaluating the rule
// again: the facts it reads do not change once the analysis is over.
func clearedThreat(r *Rule, s *Symbol) *Threat {
	t := ruleThreat(r, s, r.eval(s))
	return &t
}

// Cleared returns the rule instances whose condition holds but whose control is declared,
// threats mitigated by design, sorted by id. The records are made on each call. In a
// focused analysis, only those on its subjects.
func (r *Result) Cleared() []*Threat {
	var out []*Threat
	for _, list := range [][]*Symbol{r.Model.Elements, r.Model.Flows} {
		for _, s := range list {
			if s.cleared == (ruleSet{}) {
				continue
			}
			for _, rule := range r.Rules {
				if s.cleared.has(rule.index) {
					out = append(out, clearedThreat(rule, s))
				}
			}
		}
	}
	sortGenerated(out)
	return out
}

// ClearedThreat returns the rule instance cleared by design with the given id (`RULE@id`
// of an element or flow), or nil.
func (r *Result) ClearedThreat(id string) *Threat {
	ruleID, target, ok := strings.Cut(id, "@")
	s := r.Model.Symbols[target]
	if !ok || s == nil {
		return nil
	}
	for _, rule := range r.Rules {
		if rule.ID == ruleID && s.cleared.has(rule.index) {
			return clearedThreat(rule, s)
		}
	}
	return nil
}

// findThreat returns the threat with the given id in a list sorted by id, or nil.
func findThreat(sorted []*Threat, id string) *Threat {
	i, ok := slices.BinarySearchFunc(sorted, id, func(t *Threat, id string) int { return strings.Compare(t.ID, id) })
	if !ok {
		return nil
	}
	return sorted[i]
}

// canonicalThreatID maps a threat reference to the id threats use: a generated id written
// with a named flow's endpoints becomes `rule@flowname`.
func (a *analyzer) canonicalThreatID(r *dsl.Ref) string {
	if r.Rule != nil && r.To != nil {
		if a.m.Symbols[r.Target()] == nil {
			if fl := a.m.FlowBetween(r.From.Name, r.To.Name); len(fl) == 1 {
				return r.Rule.Name + "@" + fl[0].ID
			}
		}
	}
	return r.String()
}

type answer struct {
	file *dsl.File
	decl *dsl.Decl
	ref  *dsl.Ref
}

// respond applies mitigations and responses to threats and reports the ones that answer
// no threat.
func (a *analyzer) respond() {
	mitigations := map[string][]*Symbol{}
	responses := map[string][]*Response{}
	var answers []answer
	for _, s := range a.m.Mitigations {
		if at := s.Decl.Attr("mitigates"); at != nil {
			for _, v := range at.Values {
				if v.Ref == nil {
					continue
				}
				id := a.canonicalThreatID(v.Ref)
				mitigations[id] = append(mitigations[id], s)
				answers = append(answers, answer{s.File, s.Decl, v.Ref})
			}
		}
	}
	for _, r := range a.m.Responses {
		r.ThreatID = a.canonicalThreatID(r.Decl.Target)
		responses[r.ThreatID] = append(responses[r.ThreatID], r)
		answers = append(answers, answer{r.File, r.Decl, r.Decl.Target})
	}
	for i, t := range a.res.Threats {
		if i%1024 == 0 && a.ctx.Err() != nil {
			return // AnalyzeContext reports the cancellation
		}
		t.Mitigations = mitigations[t.ID]
		t.Responses = responses[t.ID]
		if len(t.Mitigations)+len(t.Responses) > 0 {
			a.consider(t.Target, t.Stride()...)
		}
		if a.focus != "" && !a.stateShows(t) {
			continue
		}
		a.state(t)
	}
	for _, ans := range answers {
		if a.inFocus(ans.file) {
			a.checkAnswer(ans)
		}
	}
}

// state works out a threat's state from its mitigations and responses.
func (a *analyzer) state(t *Threat) {
	t.State = StateOpen
	var planned, done []string
	for _, m := range t.Mitigations {
		status := word(m.Decl, "status")
		if len(a.code.annotated[t.ID]) == 0 && a.evidenceMissing(m) {
			why := a.missingWhy(m)
			// Deleted code must not leave a phantom control behind.
			planned = append(planned, "`"+m.ID+"` ("+status+", but its evidence is missing)")
			if a.evidenceReported == nil {
				a.evidenceReported = map[string]bool{}
			}
			if !a.evidenceReported[m.ID] {
				a.evidenceReported[m.ID] = true
				a.at(m, "missing-evidence", dsl.SeverityWarning, "mitigation `%s` is %s but none of its evidence exists (%s); it counts as planned until the evidence is fixed", m.ID, status, why)
			}
			continue
		}
		switch status {
		case "implemented", "verified":
			done = append(done, "`"+m.ID+"` ("+status+")")
		default:
			if status == "" {
				status = "no status"
			}
			planned = append(planned, "`"+m.ID+"` ("+status+")")
			if due := word(m.Decl, "due"); due != "" && due < a.today {
				a.at(m, "overdue-mitigation", dsl.SeverityWarning, "mitigation `%s` was due on %s and is still %s; update its status or its due date", m.ID, due, status)
			}
		}
	}
	var accepted, transferred, na string
	for _, r := range t.Responses {
		switch r.Decl.Kind {
		case dsl.KindAccept:
			until := word(r.Decl, "until")
			if until != "" && until < a.today {
				a.add(Finding{Code: "expired-acceptance", Level: dsl.SeverityWarning, File: r.File.Name, Span: r.Decl.IDSpan(), ThreatID: t.ID,
					message: fmt.Sprintf("the acceptance of `%s` expired on %s, so the threat is open again; review it and extend `until`, or mitigate the threat", t.ID, until)})
				continue
			}
			if until == "" || word(r.Decl, "owner") == "" || word(r.Decl, "reason") == "" {
				continue // incomplete acceptances are reported by the schema check and do not count
			}
			accepted = "accepted by " + word(r.Decl, "owner") + " until " + until + ": " + word(r.Decl, "reason")
		case dsl.KindTransfer:
			transferred = "transferred to " + word(r.Decl, "to")
		case dsl.KindNotApplicable:
			na = "not applicable: " + word(r.Decl, "reason")
		}
	}
	if anns := a.code.annotated[t.ID]; len(anns) > 0 {
		done = append(done, annotationNote(anns))
	}
	switch {
	case len(done) > 0:
		t.State, t.StateWhy = StateMitigated, "mitigated by "+strings.Join(done, ", ")
	case na != "":
		t.State, t.StateWhy = StateNotApplicable, na
	case transferred != "":
		t.State, t.StateWhy = StateTransferred, transferred
	case accepted != "":
		t.State, t.StateWhy = StateAccepted, accepted
	case len(planned) > 0:
		t.State, t.StateWhy = StatePlanned, "planned: "+strings.Join(planned, ", ")
	default:
		t.StateWhy = "no mitigation, acceptance, transfer or not_applicable names it"
	}
}

// checkAnswer reports a mitigation or response that names no threat.
func (a *analyzer) checkAnswer(ans answer) {
	r := ans.ref
	id := a.canonicalThreatID(r)
	if a.res.Threat(id) != nil {
		return
	}
	report := func(level dsl.Severity, code, format string, args ...any) {
		a.add(Finding{Code: code, Level: level, File: ans.file.Name, Span: r.Span, message: fmt.Sprintf(format, args...)})
	}
	what := string(ans.decl.Kind)
	if r.Rule == nil {
		if r.To != nil {
			return // reported by the parser
		}
		if s := a.m.Symbols[r.From.Name]; s != nil {
			return // wrong kind, reported while resolving
		}
		// A plain id names a declared threat (generated ones are written RULE@target).
		var ids []string
		if a.index != nil {
			ids = a.index.symbolIDs([]dsl.Kind{dsl.KindThreat})
		}
		for _, t := range a.res.Threats {
			if t.Rule == nil && a.index == nil {
				ids = append(ids, t.ID)
			}
		}
		msg := fmt.Sprintf("unknown threat `%s`", r.From.Name)
		if s := suggest(r.From.Name, ids); s != "" {
			msg += fmt.Sprintf(": did you mean `%s`?", s)
		} else {
			msg += "; name a declared threat or a generated one (`RULE@element`)"
		}
		report(dsl.SeverityError, "unknown-ref", "%s", msg)
		return
	}
	var rule *Rule
	var ruleIDs []string
	for _, x := range a.res.Rules {
		ruleIDs = append(ruleIDs, x.ID)
		if x.ID == r.Rule.Name {
			rule = x
		}
	}
	if rule == nil {
		msg := fmt.Sprintf("unknown rule `%s`", r.Rule.Name)
		if s := suggest(r.Rule.Name, ruleIDs); s != "" {
			msg += fmt.Sprintf(": did you mean `%s`?", s)
		} else {
			msg += "; the rules are listed in docs/rules.md"
		}
		report(dsl.SeverityError, "unknown-rule", "%s", msg)
		return
	}
	target := strings.TrimPrefix(id, rule.ID+"@")
	sym := a.m.Symbols[target]
	if sym == nil {
		report(dsl.SeverityError, "unknown-ref", "%s", a.unknownTarget(rule, r))
		return
	}
	if !kindIn(sym.Kind, rule.Subjects) {
		report(dsl.SeverityError, "wrong-kind", "rule `%s` applies to %s; `%s` is %s, so `%s` never fires", rule.ID, kindPlural(rule.Subjects), sym.ID, kindPhrase(sym.Kind), id)
		return
	}
	if by, ok := a.superseded[id]; ok {
		report(dsl.SeverityWarning, "orphan-response", "`%s` is covered by `%s` on the same flow, which is reported instead; answer `%s`", id, by, by)
		return
	}
	if c := a.res.ClearedThreat(id); c != nil {
		report(dsl.SeverityWarning, "orphan-response", "`%s` no longer fires (%s), so this %s answers nothing; remove it", id, strings.TrimPrefix(c.StateWhy, "mitigated by design: "), what)
		return
	}
	report(dsl.SeverityWarning, "orphan-response", "`%s` does not fire: %s `%s` does not meet the condition of `%s` (%s), so this %s answers nothing; remove it", id, sym.Kind, sym.ID, rule.ID, rule.Condition, what)
}

// unknownTarget explains why the element or flow part of a generated threat id resolves to
// nothing, with a suggestion when one is close.
func (a *analyzer) unknownTarget(rule *Rule, r *dsl.Ref) string {
	id := rule.ID + "@" + r.Target()
	if r.To != nil {
		from, to := a.m.Symbols[r.From.Name], a.m.Symbols[r.To.Name]
		if from != nil && to != nil {
			if fl := a.m.FlowBetween(r.From.Name, r.To.Name); len(fl) > 1 {
				names := make([]string, len(fl))
				for i, f := range fl {
					names[i] = "`" + rule.ID + "@" + f.ID + "`"
				}
				return fmt.Sprintf("`%s` is ambiguous: %d flows join `%s` and `%s`; name one by its flow's name: %s", id, len(fl), r.From.Name, r.To.Name, strings.Join(names, ", "))
			}
			if back := a.m.FlowBetween(r.To.Name, r.From.Name); len(back) == 1 {
				return fmt.Sprintf("`%s` names no flow: the flow between `%s` and `%s` goes the other way; did you mean `%s@%s`?", id, r.From.Name, r.To.Name, rule.ID, back[0].ID)
			}
			return fmt.Sprintf("`%s` names no flow: no flow from `%s` to `%s` is declared", id, r.From.Name, r.To.Name)
		}
	}
	// Suggest among the ids the rule could generate: flows by id and by their endpoints,
	// and the elements of the rule's kinds.
	var candidates []string
	canonical := map[string]string{}
	target := func(id string, d *dsl.Decl, endsResolve bool) {
		candidates = append(candidates, id)
		canonical[id] = id
		if d.Kind == dsl.KindFlow && endsResolve && d.Name != nil {
			ends := d.From.Name + d.Arrow + d.To.Name
			candidates = append(candidates, ends)
			canonical[ends] = id
		}
	}
	if a.index != nil {
		isElement := func(id *dsl.Ident) bool {
			k, ok := a.index.symbolKind(id.Name)
			return ok && kindIn(k, elementKinds)
		}
		for _, id := range a.index.symbolIDs(rule.Subjects) {
			d := a.index.decl(a.index.byID[id][0])
			target(id, d, d.From != nil && d.To != nil && isElement(d.From) && isElement(d.To))
		}
	} else {
		for _, list := range [][]*Symbol{a.m.Elements, a.m.Flows} {
			for _, s := range list {
				if kindIn(s.Kind, rule.Subjects) {
					target(s.ID, s.Decl, s.From != nil && s.To != nil)
				}
			}
		}
	}
	sort.Strings(candidates)
	msg := fmt.Sprintf("`%s` names no %s `%s`", id, kindWords(rule.Subjects), r.Target())
	if sug := suggest(r.Target(), candidates); sug != "" {
		return msg + fmt.Sprintf(": did you mean `%s@%s`?", rule.ID, canonical[sug])
	}
	var missing []string
	for _, part := range []*dsl.Ident{r.From, r.To} {
		if part != nil && a.m.Symbols[part.Name] == nil {
			missing = append(missing, "`"+part.Name+"`")
		}
	}
	if len(missing) > 0 {
		return msg + fmt.Sprintf(": %s is not declared", strings.Join(missing, " and "))
	}
	return msg
}

func kindIn(k dsl.Kind, ks []dsl.Kind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

// kindPlural names kinds in the plural: "flows", "services and stores".
func kindPlural(ks []dsl.Kind) string {
	parts := make([]string, len(ks))
	for i, k := range ks {
		parts[i] = string(k) + "s"
	}
	return strings.Join(parts, " and ")
}

// reportThreats turns open and planned threats into findings, sharing the threats among
// the cores in a whole analysis: there are thousands, each with a message to write. The
// findings of the threats and of coverage are counted first and written in place: a
// large model has a hundred thousand, and growing the list by doubling while writing them
// held up to twice their memory (36 MB at 10,000 services).
func (a *analyzer) reportThreats() {
	workers := 1
	if a.focus == "" {
		workers = workersFor(len(a.res.Threats), 2048)
	}
	counts := make([]int, workers+1) // counts[w+1]: the findings of part w
	inParallel(workers, func(w int) {
		lo, hi := part(len(a.res.Threats), w, workers)
		for _, t := range a.res.Threats[lo:hi] {
			if a.reportable(t) {
				counts[w+1]++
			}
		}
	})
	for w := range workers {
		counts[w+1] += counts[w] // counts[w]: where part w starts
	}
	start := len(a.res.Findings)
	a.reserveFindings(counts[workers] + a.coverageCount())
	a.res.Findings = a.res.Findings[:start+counts[workers]]
	inParallel(workers, func(w int) {
		lo, hi := part(len(a.res.Threats), w, workers)
		a.threatFindings(a.res.Threats[lo:hi], a.res.Findings[start+counts[w]:start+counts[w+1]])
	})
}

// reserveFindings makes room for n more findings, exactly.
func (a *analyzer) reserveFindings(n int) {
	fs := a.res.Findings
	if cap(fs)-len(fs) >= n {
		return
	}
	grown := make([]Finding, len(fs), len(fs)+n)
	copy(grown, fs)
	a.res.Findings = grown
}

// reportable reports whether a threat has a finding: it is open at or above the
// threshold, or planned.
func (a *analyzer) reportable(t *Threat) bool {
	switch t.State {
	case StateOpen:
		return t.Rating.Severity >= a.opts.Threshold
	case StatePlanned:
		return true
	}
	return false
}

// threatFindings writes the findings of the reportable threats among threats into out,
// which has room for exactly those. A cancelled analysis leaves out partly written:
// AnalyzeContext reports the cancellation.
func (a *analyzer) threatFindings(threats []*Threat, out []Finding) {
	n := 0
	for i, t := range threats {
		if i%1024 == 0 && a.ctx.Err() != nil {
			return
		}
		if !a.reportable(t) {
			continue
		}
		file, span := threatLocation(t)
		// The message and the related places are made from t when asked for
		// (Finding.AppendMessage, Finding.Related).
		f := Finding{File: file.Name, Span: span, ThreatID: t.ID, Risk: t.Rating.Severity, threat: t}
		if t.State == StatePlanned {
			f.Code, f.Level = "planned-threat", dsl.SeverityInfo
		} else {
			f.Level = t.Rating.Severity.Level()
			if t.Rule != nil {
				f.Code = t.Rule.ID
			} else {
				f.Code = "open-threat"
			}
		}
		out[n] = f
		n++
	}
}

// threatLocation places a threat's finding: a declared threat at its id, a generated one at
// the element or flow it targets.
func threatLocation(t *Threat) (*dsl.File, dsl.Span) {
	if t.Symbol != nil {
		return t.Symbol.File, t.Symbol.idSpan()
	}
	return t.Target.File, t.Target.idSpan()
}

// threatRelated returns the related places of a threat's finding: the target of a declared
// threat; for a generated one, the boundaries a flow crosses and where its fix belongs.
func threatRelated(t *Threat) []Related {
	if t.Symbol != nil {
		if t.Target == nil {
			return nil
		}
		return []Related{{File: t.Target.File.Name, Span: t.Target.idSpan(), Message: "the threatened " + string(t.Target.Kind) + " `" + t.Target.ID + "`"}}
	}
	s := t.Target
	var ends [2]*Symbol // the ends of a flow that sit in a boundary
	n := 0
	if s.Kind == dsl.KindFlow {
		for _, end := range [2]*Symbol{s.From, s.To} {
			if end != nil && end.Boundary != nil {
				ends[n] = end
				n++
			}
		}
	}
	size := n
	fix := t.FixTarget != nil && t.FixTarget != s
	if fix {
		size++
	}
	if size == 0 {
		return nil
	}
	rel := make([]Related, 0, size)
	for _, end := range ends[:n] {
		rel = append(rel, Related{File: end.Boundary.File.Name, Span: end.Boundary.idSpan(), Message: zoneNote(end)})
	}
	if fix {
		rel = append(rel, Related{File: t.FixTarget.File.Name, Span: t.FixTarget.idSpan(), Message: "the control belongs on `" + t.FixTarget.ID + "`"})
	}
	return rel
}

// strideApplies is STRIDE per element: the categories each kind is subject to.
func strideApplies(s *Symbol) []string {
	switch s.Kind {
	case dsl.KindActor:
		return []string{"spoofing", "repudiation"}
	case dsl.KindService:
		return dsl.StrideCats
	case dsl.KindStore:
		if word(s.Decl, "kind") == "log" {
			return []string{"tampering", "repudiation", "information_disclosure", "denial_of_service"}
		}
		return []string{"tampering", "information_disclosure", "denial_of_service"}
	case dsl.KindFlow:
		return []string{"tampering", "information_disclosure", "denial_of_service"}
	}
	return nil
}

// coverage reports STRIDE categories no threat or response considered for an element.
func (a *analyzer) coverage() {
	for s := range a.uncoveredSubjects {
		// The message is made from s when asked for (Finding.AppendMessage).
		a.add(Finding{Code: "coverage", Level: dsl.SeverityHint, File: s.File.Name, Span: s.Decl.IDSpan(), subject: s})
	}
}

// coverageCount returns how many findings coverage adds.
func (a *analyzer) coverageCount() int {
	n := 0
	for range a.uncoveredSubjects {
		n++
	}
	return n
}

// uncoveredSubjects yields the elements and flows of the focus that coverage reports:
// with some STRIDE category no threat or response considered (none without
// Options.Coverage).
func (a *analyzer) uncoveredSubjects(yield func(*Symbol) bool) {
	if !a.opts.Coverage {
		return
	}
	for _, list := range [][]*Symbol{a.m.Elements, a.m.Flows} {
		for _, s := range list {
			if a.inFocus(s.File) && uncovered(s) != 0 && !yield(s) {
				return
			}
		}
	}
}

// uncovered returns the STRIDE categories that apply to an element or flow and that no
// threat or response on it considered.
func uncovered(s *Symbol) strideSet {
	var missing strideSet
	for _, c := range strideApplies(s) {
		if b := strideBit(c); s.considered&b == 0 {
			missing |= b
		}
	}
	return missing
}

// appendCoverageMessage appends the message of the coverage hint on s.
func appendCoverageMessage(b []byte, s *Symbol) []byte {
	b = append(b, "STRIDE coverage: no "...)
	missing := uncovered(s)
	n, total := 0, bits.OnesCount8(uint8(missing))
	for i, c := range dsl.StrideCats {
		if missing&(1<<i) == 0 {
			continue
		}
		switch {
		case n == 0:
		case n == total-1:
			b = append(b, " or "...)
		default:
			b = append(b, ", "...)
		}
		n++
		for j := 0; j < len(c); j++ {
			if c[j] == '_' {
				b = append(b, ' ')
			} else {
				b = append(b, c[j])
			}
		}
	}
	b = append(b, " threat considered for "...)
	b = append(b, s.Kind...)
	b = append(b, " `"...)
	b = append(b, s.ID...)
	return append(b, "`; declare a threat (or not_applicable) for each, or turn coverage hints off"...)
}

// Explain returns Markdown that explains a threat: what, why, severity, state, references.
func Explain(t *Threat) string {
	var b strings.Builder
	b.Grow(1024)
	fmt.Fprintf(&b, "**%s** `%s`\n\n", t.Title(), t.ID)
	if t.Rule != nil {
		fmt.Fprintf(&b, "Generated by rule `%s` (%s): %s.\n\n", t.Rule.ID, strideName(t.Rule.Stride), t.Rule.Condition)
		fmt.Fprintf(&b, "- Why it fired: %s\n", t.Why)
		fmt.Fprintf(&b, "- What clears it: %s. %s\n", t.Rule.Clears, t.Rule.Hint)
	} else if len(t.Stride()) > 0 {
		names := make([]string, len(t.Stride()))
		for i, s := range t.Stride() {
			names[i] = strideName(s)
		}
		fmt.Fprintf(&b, "- STRIDE: %s\n", strings.Join(names, ", "))
	}
	if why := t.Rating.Why(); why != "" { // a threat cleared by design is not rated
		fmt.Fprintf(&b, "- Severity: %s\n", why)
	}
	fmt.Fprintf(&b, "- State: %s — %s\n", t.State, t.StateWhy)
	for _, id := range t.CWE() {
		if e, ok := taxonomy.CWE(id); ok {
			fmt.Fprintf(&b, "- [%s](%s)\n", e.Label(), e.URL())
		} else {
			fmt.Fprintf(&b, "- CWE-%d\n", id)
		}
	}
	for _, id := range t.CAPEC() {
		if e, ok := taxonomy.CAPEC(id); ok {
			fmt.Fprintf(&b, "- [%s](%s)\n", e.Label(), e.URL())
		} else {
			fmt.Fprintf(&b, "- CAPEC-%d\n", id)
		}
	}
	return b.String()
}

func strideName(s string) string {
	if d, ok := dsl.StrideDoc[s]; ok {
		name, _, _ := strings.Cut(d, ":")
		return name
	}
	return s
}
