package render

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/threatls/threatls/analysis"
	"github.com/threatls/threatls/analysis/taxonomy"
	"github.com/threatls/threatls/dsl"
)

// ReportOptions tune the threat register.
type ReportOptions struct {
	// Today decides which acceptances have expired or expire soon and which mitigations
	// are overdue; the zero value means the current date. Pass the date the analysis used.
	Today time.Time
	// Root names the model in the heading when it has no title (a folder or file path).
	Root string
	// Generator is written at the end of the report ("threatls 0.1.0"); empty leaves the
	// line out.
	Generator string
}

// ExpiringWithin is how close an acceptance's end must be to be called out as expiring.
const ExpiringWithin = 30 // days

func (o ReportOptions) today() time.Time {
	t := o.Today
	if t.IsZero() {
		t = time.Now()
	}
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// seg is a piece of rich text: plain text, or an identifier shown as code.
type seg struct {
	text string
	code bool
}

// rich is text that both the Markdown and the HTML writer can escape for their format.
type rich []seg

func plain(s string) rich { return rich{{text: s}} }
func code(s string) rich  { return rich{{text: s, code: true}} }

func (r rich) plus(parts ...rich) rich {
	out := append(rich(nil), r...)
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// ticks reads text in which analysis marks identifiers with backticks (`api`), as the
// explanations of ratings and rules do.
func ticks(s string) rich {
	var out rich
	for i, part := range strings.Split(s, "`") {
		if part != "" {
			out = append(out, seg{text: part, code: i%2 == 1})
		}
	}
	return out
}

func joinRich(parts []rich, sep string) rich {
	var out rich
	for i, p := range parts {
		if i > 0 {
			out = append(out, seg{text: sep})
		}
		out = append(out, p...)
	}
	return out
}

// stateName writes a state for people: "not applicable".
func stateName(s analysis.State) string { return strings.ReplaceAll(string(s), "_", " ") }

// strideNames writes STRIDE categories for people.
func strideNames(cats []string) string {
	names := make([]string, len(cats))
	for i, c := range cats {
		names[i] = strideTitle(c)
	}
	return strings.Join(names, ", ")
}

func strideTitle(c string) string {
	if d, ok := dsl.StrideDoc[c]; ok {
		name, _, _ := strings.Cut(d, ":")
		return name
	}
	return c
}

// strideLetters are the column heads of the coverage matrix.
var strideLetters = map[string]string{
	"spoofing": "S", "tampering": "T", "repudiation": "R",
	"information_disclosure": "I", "denial_of_service": "D", "elevation_of_privilege": "E",
}

// sortedThreats orders threats for the register: open first (states in analysis.States
// order), the most severe first, then by id.
func sortedThreats(res *analysis.Result) []*analysis.Threat {
	rank := map[analysis.State]int{}
	for i, s := range analysis.States {
		rank[s] = i
	}
	out := append([]*analysis.Threat(nil), res.Threats...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if rank[a.State] != rank[b.State] {
			return rank[a.State] < rank[b.State]
		}
		if a.Rating.Severity != b.Rating.Severity {
			return a.Rating.Severity > b.Rating.Severity
		}
		return a.ID < b.ID
	})
	return out
}

// threatTargets returns every element and flow a threat is on: a generated threat's
// target, and each `on` of a declared threat.
func threatTargets(res *analysis.Result, t *analysis.Threat) []*analysis.Symbol {
	if t.Symbol == nil {
		if t.Target == nil {
			return nil
		}
		return []*analysis.Symbol{t.Target}
	}
	var refs []analysis.Reference
	for _, r := range res.Model.Refs {
		if r.Decl == t.Symbol.Decl && r.Attr == "on" && r.Target != nil && r.Target.Kind.IsElement() {
			refs = append(refs, r)
		}
	}
	var out []*analysis.Symbol
	seen := map[*analysis.Symbol]bool{}
	for _, r := range refs {
		// `on a -> b` records both ends and the flow; the flow is the target.
		inner := false
		for _, o := range refs {
			if o.Target.Kind == dsl.KindFlow && r.Target.Kind != dsl.KindFlow && o.Span.Start <= r.Span.Start && r.Span.End <= o.Span.End && o.Span != r.Span {
				inner = true
			}
		}
		if !inner && !seen[r.Target] {
			seen[r.Target] = true
			out = append(out, r.Target)
		}
	}
	if len(out) == 0 && t.Target != nil {
		out = append(out, t.Target)
	}
	return out
}

// symbolRef names an element or flow: "service `payments` (Payments API)".
func symbolRef(s *analysis.Symbol) rich {
	r := plain(string(s.Kind) + " ").plus(code(s.ID))
	title := ""
	if s.Kind == dsl.KindFlow {
		title = oneLine(s.Decl.TitleText())
	} else if s.Title() != s.ID {
		title = oneLine(s.Title())
	}
	if title != "" {
		r = r.plus(plain(" (" + title + ")"))
	}
	return r
}

// position returns "file:line" for a declaration.
func position(s *analysis.Symbol) string {
	line := 1
	if s.File.Lines != nil {
		line, _ = s.File.Lines.Position(int(s.Decl.IDSpan().Start))
	}
	return fmt.Sprintf("%s:%d", s.File.Name, line)
}

func responsePosition(r *analysis.Response) string {
	line := 1
	if r.File.Lines != nil {
		line, _ = r.File.Lines.Position(int(r.Decl.IDSpan().Start))
	}
	return fmt.Sprintf("%s:%d", r.File.Name, line)
}

// origin says where a threat comes from.
func origin(t *analysis.Threat) rich {
	if t.Rule != nil {
		return plain("generated by rule ").plus(code(t.Rule.ID), plain(": "+t.Rule.Condition))
	}
	if t.Symbol != nil {
		return plain("declared at ").plus(code(position(t.Symbol)))
	}
	return plain("declared")
}

// taxonomyRefs lists a threat's CWE and CAPEC entries with their names and links.
type taxRef struct{ label, url string }

func taxonomyRefs(t *analysis.Threat) []taxRef {
	var out []taxRef
	for _, id := range t.CWE() {
		if e, ok := taxonomy.CWE(id); ok {
			out = append(out, taxRef{e.Label(), e.URL()})
		} else {
			out = append(out, taxRef{fmt.Sprintf("CWE-%d", id), ""})
		}
	}
	for _, id := range t.CAPEC() {
		if e, ok := taxonomy.CAPEC(id); ok {
			out = append(out, taxRef{e.Label(), e.URL()})
		} else {
			out = append(out, taxRef{fmt.Sprintf("CAPEC-%d", id), ""})
		}
	}
	return out
}

// mitigationInfo is what the register says about one mitigation.
type mitigationInfo struct {
	sym      *analysis.Symbol
	status   string
	due      string
	overdue  bool
	evidence []string
	details  []string // kind, ticket, owner
}

func mitigationOf(s *analysis.Symbol, today time.Time) mitigationInfo {
	m := mitigationInfo{sym: s, status: attrWord(s.Decl, "status"), due: attrWord(s.Decl, "due"), evidence: attrWords(s.Decl, "evidence")}
	if m.status == "" {
		m.status = "no status (counts as planned)"
	}
	done := m.status == "implemented" || m.status == "verified"
	if m.due != "" && !done && m.due < today.Format("2006-01-02") {
		m.overdue = true
	}
	for _, k := range []string{"kind", "ticket", "owner"} {
		if v := attrWord(s.Decl, k); v != "" {
			m.details = append(m.details, k+" "+v)
		}
	}
	return m
}

// acceptance is what the register says about one accept, transfer or not_applicable.
type responseInfo struct {
	r          *analysis.Response
	kind       dsl.Kind
	threat     string
	owner      string
	until      string
	reason     string
	to         string // transfer
	approvedBy string
	ticket     string
	days       int // days from today to until (accept); negative when expired
	hasUntil   bool
}

func (a responseInfo) expired() bool  { return a.hasUntil && a.days < 0 }
func (a responseInfo) expiring() bool { return a.hasUntil && a.days >= 0 && a.days <= ExpiringWithin }

// status says where an acceptance stands: "valid", "expires in 12 days", "expired".
func (a responseInfo) status() string {
	switch {
	case a.kind != dsl.KindAccept:
		return ""
	case !a.hasUntil:
		return "incomplete: no valid until date"
	case a.expired():
		return fmt.Sprintf("EXPIRED %s ago", dayCount(-a.days))
	case a.days == 0:
		return "EXPIRES TODAY"
	case a.expiring():
		return fmt.Sprintf("EXPIRES in %s", dayCount(a.days))
	}
	return "valid"
}

func dayCount(n int) string {
	if n == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}

func responseOf(r *analysis.Response, today time.Time) responseInfo {
	d := r.Decl
	a := responseInfo{r: r, kind: d.Kind, threat: r.ThreatID, owner: attrWord(d, "owner"), until: attrWord(d, "until"),
		reason: attrWord(d, "reason"), to: attrWord(d, "to"), approvedBy: attrWord(d, "approved_by"), ticket: attrWord(d, "ticket")}
	if u, err := time.Parse("2006-01-02", a.until); err == nil {
		a.hasUntil = true
		a.days = int(u.Sub(today).Hours() / 24)
	}
	return a
}

// acceptances lists every accept of the model, soonest expiry first.
func acceptances(res *analysis.Result, today time.Time) []responseInfo {
	var out []responseInfo
	for _, r := range res.Model.Responses {
		if r.Decl.Kind == dsl.KindAccept {
			out = append(out, responseOf(r, today))
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].until != out[j].until {
			return out[i].until < out[j].until
		}
		return out[i].threat < out[j].threat
	})
	return out
}

// strideApplies is STRIDE per element: the categories each kind is subject to (as the
// analysis' coverage hints use them).
func strideApplies(s *analysis.Symbol) map[string]bool {
	cats := map[dsl.Kind][]string{
		dsl.KindActor:   {"spoofing", "repudiation"},
		dsl.KindService: dsl.StrideCats,
		dsl.KindStore:   {"tampering", "information_disclosure", "denial_of_service"},
		dsl.KindFlow:    {"tampering", "information_disclosure", "denial_of_service"},
	}[s.Kind]
	if s.Kind == dsl.KindStore && attrWord(s.Decl, "kind") == "log" {
		cats = []string{"tampering", "repudiation", "information_disclosure", "denial_of_service"}
	}
	out := map[string]bool{}
	for _, c := range cats {
		out[c] = true
	}
	return out
}

// covCell is one cell of the STRIDE coverage matrix.
type covCell struct {
	applies  bool
	byState  map[analysis.State]int
	byDesign int // rule instances whose control is declared
}

func (c covCell) empty() bool { return len(c.byState) == 0 && c.byDesign == 0 }

// text summarises the cell: "1 open, 2 mitigated", "gap", "n/a".
func (c covCell) text() string {
	if c.empty() {
		if c.applies {
			return "GAP"
		}
		return "–"
	}
	var parts []string
	for _, s := range analysis.States {
		if n := c.byState[s]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, stateName(s)))
		}
	}
	if c.byDesign > 0 {
		parts = append(parts, fmt.Sprintf("%d by design", c.byDesign))
	}
	return strings.Join(parts, ", ")
}

type covRow struct {
	sym   *analysis.Symbol
	cells []covCell // in dsl.StrideCats order
}

// coverage builds the STRIDE-per-element matrix: for every element and flow, the threats
// considered in each category by state, the rule instances cleared by design, and the
// categories that apply to its kind but nobody considered (gaps).
func coverage(res *analysis.Result) []covRow {
	idx := map[string]int{}
	for i, c := range dsl.StrideCats {
		idx[c] = i
	}
	rows := map[*analysis.Symbol]*covRow{}
	var order []*analysis.Symbol
	for _, list := range [][]*analysis.Symbol{sortSymbols(res.Model.Elements), sortSymbols(res.Model.Flows)} {
		for _, s := range list {
			ap := strideApplies(s)
			r := &covRow{sym: s, cells: make([]covCell, len(dsl.StrideCats))}
			for i, c := range dsl.StrideCats {
				r.cells[i] = covCell{applies: ap[c], byState: map[analysis.State]int{}}
			}
			rows[s] = r
			order = append(order, s)
		}
	}
	for _, t := range res.Threats {
		for _, s := range threatTargets(res, t) {
			if r := rows[s]; r != nil {
				for _, c := range t.Stride() {
					if i, ok := idx[c]; ok {
						r.cells[i].byState[t.State]++
					}
				}
			}
		}
	}
	for _, t := range res.Cleared() {
		if r := rows[t.Target]; r != nil {
			for _, c := range t.Stride() {
				if i, ok := idx[c]; ok {
					r.cells[i].byDesign++
				}
			}
		}
	}
	out := make([]covRow, 0, len(order))
	for _, s := range order {
		out = append(out, *rows[s])
	}
	return out
}

// counts tallies threats by state and severity.
func counts(res *analysis.Result) map[analysis.State][]int {
	out := map[analysis.State][]int{}
	for _, s := range analysis.States {
		out[s] = make([]int, len(analysis.RiskNames))
	}
	for _, t := range res.Threats {
		if out[t.State] == nil {
			out[t.State] = make([]int, len(analysis.RiskNames))
		}
		if sev := int(t.Rating.Severity); sev >= 0 && sev < len(analysis.RiskNames) {
			out[t.State][sev]++
		}
	}
	return out
}

// modelInfo is the model declaration's attributes.
type modelInfo struct {
	title, owner, version, reviewed, description string
}

func modelOf(res *analysis.Result, opts ReportOptions) modelInfo {
	m := modelInfo{title: modelTitle(res)}
	if d := res.Model.ModelDecl; d != nil {
		m.owner, m.version, m.reviewed, m.description = attrWord(d, "owner"), attrWord(d, "version"), attrWord(d, "reviewed"), attrWord(d, "description")
	}
	if m.title == "" {
		m.title = opts.Root
	}
	if m.title == "" {
		m.title = "Threat model"
	}
	return m
}

// callouts are the things a reviewer should see first: severe open threats, acceptances
// expiring soon or expired, overdue mitigations, model errors.
func callouts(res *analysis.Result, today time.Time) []rich {
	var out []rich
	severe := 0
	for _, t := range res.Threats {
		if t.State == analysis.StateOpen && t.Rating.Severity >= analysis.RiskHigh {
			severe++
		}
	}
	if severe > 0 {
		out = append(out, plain(fmt.Sprintf("%d open %s of severity high or critical.", severe, pluralWord(severe, "threat"))))
	}
	for _, a := range acceptances(res, today) {
		switch {
		case a.expired():
			out = append(out, plain("The acceptance of ").plus(code(a.threat), plain(fmt.Sprintf(" expired on %s (%s ago); the threat is open again.", a.until, dayCount(-a.days)))))
		case a.expiring():
			out = append(out, plain("The acceptance of ").plus(code(a.threat), plain(fmt.Sprintf(" expires on %s, in %s (owner %s).", a.until, dayCount(a.days), orDash(a.owner)))))
		}
	}
	for _, s := range sortSymbols(res.Model.Mitigations) {
		if m := mitigationOf(s, today); m.overdue {
			out = append(out, plain("Mitigation ").plus(code(s.ID), plain(fmt.Sprintf(" was due on %s and is still %s.", m.due, m.status))))
		}
	}
	errs := 0
	for _, f := range res.Findings {
		if f.Level == dsl.SeverityError && f.ThreatID == "" {
			errs++
		}
	}
	if errs > 0 {
		out = append(out, plain(fmt.Sprintf("The model has %d %s (run threatls check); this register shows what could be read.", errs, pluralWord(errs, "error"))))
	}
	return out
}

func pluralWord(n int, w string) string {
	if n == 1 {
		return w
	}
	return w + "s"
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}
