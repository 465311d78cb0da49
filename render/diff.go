package render

import (
	"fmt"
	"sort"
	"strings"

	"github.com/threatls/threatls/analysis"
	"github.com/threatls/threatls/dsl"
)

// ThreatChange is one threat whose standing changed between two versions of a model.
type ThreatChange struct {
	ID    string
	Title string
	// Target names the element or flow threatened ("flow storefront->api"), "" if none.
	Target string
	// Severity is the severity in the newer version, or in the older one for a threat
	// that is gone; OldSeverity is the older one's (equal when unchanged or new).
	Severity, OldSeverity analysis.Risk
	// Rating explains Severity (likelihood × impact).
	Rating string
	// From and To are the states before and after; "" when the threat did not exist.
	From, To analysis.State
	// Why says why it is in its new state, or why it is gone.
	Why string
	// Owner, Until and Reason describe the acceptance (newly accepted or extended);
	// OldUntil is the earlier end date, "" when there was none.
	Owner, Until, OldUntil, Reason string
}

// ElementChange is an element or flow added or removed.
type ElementChange struct {
	ID    string
	Kind  dsl.Kind
	Title string
	// Threats counts the threats on it (in the version that has it), cleared-by-design
	// rule instances included.
	Threats int
}

// Changes is what a change did to a model's security.
type Changes struct {
	// Opened are threats open now that were not open before: new ones, and ones whose
	// mitigation, acceptance or other answer went away.
	Opened []ThreatChange
	// Closed were open before and are not now: mitigated, transferred, not applicable,
	// planned, or gone from the model (Why says which). Newly accepted ones are listed in
	// Accepted instead.
	Closed []ThreatChange
	// Accepted are threats accepted now that were not accepted before.
	Accepted []ThreatChange
	// Extended are threats accepted before and now whose acceptance ends later now.
	Extended []ThreatChange
	// Severity are threats in both versions whose severity changed.
	Severity []ThreatChange
	// StateChanged are threats in both versions whose state changed in another way
	// (mitigated to planned, accepted to mitigated, ...).
	StateChanged []ThreatChange
	// Unconsidered are elements and flows added without any threat on them, generated or
	// declared, and no rule cleared by design: new attack surface nobody looked at.
	Unconsidered []ElementChange
	// Added and Removed are every element and flow added or removed.
	Added, Removed []ElementChange
	// NewErrors are model errors (syntax, references) of the newer version that the older
	// one did not have; a broken model hides threats.
	NewErrors []string
}

// Empty reports whether nothing security-relevant changed.
func (c *Changes) Empty() bool {
	return len(c.Opened)+len(c.Closed)+len(c.Accepted)+len(c.Extended)+len(c.Severity)+len(c.StateChanged)+len(c.Unconsidered)+len(c.NewErrors) == 0
}

// NewOpen returns the opened threats of severity threshold or higher.
func (c *Changes) NewOpen(threshold analysis.Risk) []ThreatChange {
	var out []ThreatChange
	for _, t := range c.Opened {
		if t.Severity >= threshold {
			out = append(out, t)
		}
	}
	return out
}

// Diff compares two analyses of a model, base (before the change) and head (after).
// Either may be an empty model. Threats, elements and flows are matched by id.
func Diff(base, head *analysis.Result) *Changes {
	c := &Changes{}
	baseThreats := map[string]*analysis.Threat{}
	for _, t := range base.Threats {
		baseThreats[t.ID] = t
	}
	headThreats := map[string]*analysis.Threat{}
	for _, t := range head.Threats {
		headThreats[t.ID] = t
	}
	headCleared := map[string]*analysis.Threat{}
	for _, t := range head.Cleared() {
		headCleared[t.ID] = t
	}
	baseUntil, headUntil := acceptUntil(base), acceptUntil(head)

	for _, t := range head.Threats {
		old := baseThreats[t.ID]
		ch := threatChange(head, t)
		if old != nil {
			ch.From, ch.OldSeverity = old.State, old.Rating.Severity
		}
		switch {
		case t.State == analysis.StateOpen && (old == nil || old.State != analysis.StateOpen):
			c.Opened = append(c.Opened, ch)
		case t.State == analysis.StateAccepted && (old == nil || old.State != analysis.StateAccepted):
			acceptDetails(head, t, &ch)
			ch.OldUntil = baseUntil[t.ID]
			c.Accepted = append(c.Accepted, ch)
		case old != nil && old.State == analysis.StateOpen && t.State != analysis.StateOpen:
			c.Closed = append(c.Closed, ch)
		case old != nil && old.State != t.State:
			c.StateChanged = append(c.StateChanged, ch)
		}
		if old != nil && old.State == analysis.StateAccepted && t.State == analysis.StateAccepted &&
			headUntil[t.ID] != "" && baseUntil[t.ID] != "" && headUntil[t.ID] > baseUntil[t.ID] {
			ext := threatChange(head, t)
			ext.From, ext.OldSeverity = old.State, old.Rating.Severity
			acceptDetails(head, t, &ext)
			ext.OldUntil = baseUntil[t.ID]
			c.Extended = append(c.Extended, ext)
		}
		if old != nil && old.Rating.Severity != t.Rating.Severity {
			c.Severity = append(c.Severity, ch)
		}
	}
	for _, old := range base.Threats {
		if headThreats[old.ID] != nil || old.State != analysis.StateOpen {
			continue
		}
		ch := threatChange(base, old)
		ch.From, ch.To = old.State, ""
		if cl := headCleared[old.ID]; cl != nil {
			ch.Why = cl.StateWhy
		} else if old.Rule != nil {
			ch.Why = "the rule no longer fires, or its target was removed"
		} else {
			ch.Why = "the threat was removed from the model"
		}
		c.Closed = append(c.Closed, ch)
	}

	// Elements and flows.
	baseSyms := symbolsByID(base)
	headSyms := symbolsByID(head)
	considered := consideredTargets(head)
	for _, id := range sortedKeys(headSyms) {
		if baseSyms[id] != nil {
			continue
		}
		s := headSyms[id]
		e := ElementChange{ID: id, Kind: s.Kind, Title: elementTitle(s), Threats: considered[s]}
		c.Added = append(c.Added, e)
		if considered[s] == 0 {
			c.Unconsidered = append(c.Unconsidered, e)
		}
	}
	baseConsidered := consideredTargets(base)
	for _, id := range sortedKeys(baseSyms) {
		if headSyms[id] == nil {
			s := baseSyms[id]
			c.Removed = append(c.Removed, ElementChange{ID: id, Kind: s.Kind, Title: elementTitle(s), Threats: baseConsidered[s]})
		}
	}

	// Model errors.
	had := map[string]bool{}
	for _, f := range base.Findings {
		if f.Level == dsl.SeverityError && f.ThreatID == "" {
			had[f.Code+"\x00"+f.Message()] = true
		}
	}
	for _, f := range head.Findings {
		if f.Level == dsl.SeverityError && f.ThreatID == "" && !had[f.Code+"\x00"+f.Message()] {
			c.NewErrors = append(c.NewErrors, fmt.Sprintf("%s: %s [%s]", f.File, f.Message(), f.Code))
		}
	}

	sev := func(list []ThreatChange) {
		sort.SliceStable(list, func(i, j int) bool {
			if list[i].Severity != list[j].Severity {
				return list[i].Severity > list[j].Severity
			}
			return list[i].ID < list[j].ID
		})
	}
	for _, l := range [][]ThreatChange{c.Opened, c.Closed, c.Accepted, c.Extended, c.Severity, c.StateChanged} {
		sev(l)
	}
	return c
}

func threatChange(res *analysis.Result, t *analysis.Threat) ThreatChange {
	ch := ThreatChange{ID: t.ID, Title: oneLine(t.Title()), Severity: t.Rating.Severity, OldSeverity: t.Rating.Severity,
		Rating: t.Rating.Why(), To: t.State, Why: t.StateWhy}
	var targets []string
	for _, s := range threatTargets(res, t) {
		targets = append(targets, string(s.Kind)+" "+s.ID)
	}
	ch.Target = strings.Join(targets, ", ")
	return ch
}

// acceptDetails fills in who accepted a threat and until when.
func acceptDetails(res *analysis.Result, t *analysis.Threat, ch *ThreatChange) {
	for _, r := range t.Responses {
		if r.Decl.Kind != dsl.KindAccept {
			continue
		}
		until := attrWord(r.Decl, "until")
		if until > ch.Until {
			ch.Owner, ch.Until, ch.Reason = attrWord(r.Decl, "owner"), until, oneLine(attrWord(r.Decl, "reason"))
		}
	}
}

// acceptUntil maps threat ids to the latest `until` of their acceptances.
func acceptUntil(res *analysis.Result) map[string]string {
	out := map[string]string{}
	for _, r := range res.Model.Responses {
		if r.Decl.Kind == dsl.KindAccept {
			if u := attrWord(r.Decl, "until"); u > out[r.ThreatID] {
				out[r.ThreatID] = u
			}
		}
	}
	return out
}

func symbolsByID(res *analysis.Result) map[string]*analysis.Symbol {
	out := map[string]*analysis.Symbol{}
	for _, list := range [][]*analysis.Symbol{res.Model.Elements, res.Model.Flows} {
		for _, s := range list {
			out[s.ID] = s
		}
	}
	return out
}

func sortedKeys(m map[string]*analysis.Symbol) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// consideredTargets counts the threats (and cleared rule instances) on each element and
// flow.
func consideredTargets(res *analysis.Result) map[*analysis.Symbol]int {
	out := map[*analysis.Symbol]int{}
	for _, t := range res.Threats {
		for _, s := range threatTargets(res, t) {
			out[s]++
		}
	}
	for _, t := range res.Cleared() {
		if t.Target != nil {
			out[t.Target]++
		}
	}
	return out
}

func elementTitle(s *analysis.Symbol) string {
	if s.Kind == dsl.KindFlow {
		return oneLine(s.Decl.TitleText())
	}
	if s.Title() != s.ID {
		return oneLine(s.Title())
	}
	return ""
}

// headline summarises the changes in one line of counts.
func (c *Changes) headline(threshold analysis.Risk) string {
	var parts []string
	add := func(n int, one, many string) {
		if n == 1 {
			parts = append(parts, "1 "+one)
		} else if n > 1 {
			parts = append(parts, fmt.Sprintf("%d %s", n, many))
		}
	}
	add(len(c.Opened), "threat opened", "threats opened")
	if n := len(c.NewOpen(threshold)); n > 0 && n != len(c.Opened) {
		parts[len(parts)-1] += fmt.Sprintf(" (%d at %s or above)", n, threshold)
	}
	add(len(c.Closed), "closed", "closed")
	add(len(c.Accepted), "newly accepted", "newly accepted")
	add(len(c.Extended), "acceptance extended", "acceptances extended")
	add(len(c.Severity), "severity changed", "severities changed")
	add(len(c.StateChanged), "other state change", "other state changes")
	add(len(c.Unconsidered), "element or flow added without threats considered", "elements and flows added without threats considered")
	add(len(c.NewErrors), "new model error", "new model errors")
	return strings.Join(parts, ", ")
}

// DiffOptions tune how changes are written.
type DiffOptions struct {
	// Base and Head name the two versions ("origin/main", "HEAD", a folder).
	Base, Head string
	// FailOn is the severity from which an opened threat fails the check; the comment
	// marks those threats.
	FailOn analysis.Risk
}

// DiffMarkdown writes the changes as a pull-request comment. It starts with the HTML
// comment `<!-- threatls-diff -->`, so a bot can find and update its earlier comment.
func DiffMarkdown(c *Changes, opts DiffOptions) string {
	var b strings.Builder
	b.WriteString("<!-- threatls-diff -->\n")
	b.WriteString("### Threat model changes\n\n")
	if opts.Base != "" || opts.Head != "" {
		fmt.Fprintf(&b, "Comparing %s with %s.\n\n", mdCode(orDash(opts.Base)), mdCode(orDash(opts.Head)))
	}
	if c.Empty() {
		b.WriteString("No change to the model's security: no threat opened, closed, accepted or re-rated, and nothing added without threats considered.\n")
		if len(c.Added)+len(c.Removed) > 0 {
			b.WriteString("\n")
			writeElementsMarkdown(&b, c)
		}
		return b.String()
	}
	fmt.Fprintf(&b, "**%s.**\n\n", c.headline(opts.FailOn))
	if failing := c.NewOpen(opts.FailOn); len(failing) > 0 {
		fmt.Fprintf(&b, "> [!WARNING]\n> %d new open %s at severity %s or above. Mitigate, accept or re-rate %s before merging.\n\n",
			len(failing), pluralWord(len(failing), "threat"), opts.FailOn, map[bool]string{true: "it", false: "them"}[len(failing) == 1])
	}
	if len(c.NewErrors) > 0 {
		b.WriteString("#### ⚠ New model errors\n\nA broken model hides threats; fix these first (`threatls check` shows where).\n\n")
		for _, e := range c.NewErrors {
			fmt.Fprintf(&b, "- %s\n", mdEsc(e))
		}
		b.WriteString("\n")
	}
	if len(c.Opened) > 0 {
		b.WriteString("#### ⚠ Opened\n\n| Threat | Target | Severity | Before |\n|---|---|---|---|\n")
		for _, t := range c.Opened {
			sev := t.Severity.String()
			if t.Severity >= opts.FailOn {
				sev = "⚠ **" + sev + "**"
			}
			before := "new"
			if t.From != "" {
				before = "was " + stateName(t.From)
			}
			fmt.Fprintf(&b, "| %s %s | %s | %s | %s |\n", mdCode(t.ID), mdEsc(t.Title), mdTarget(t.Target), sev, before)
		}
		b.WriteString("\n")
	}
	if len(c.Closed) > 0 {
		b.WriteString("#### Closed\n\n| Threat | Target | Severity | Now |\n|---|---|---|---|\n")
		for _, t := range c.Closed {
			now := "gone: " + mdRich(ticks(t.Why))
			if t.To != "" {
				now = "**" + stateName(t.To) + "**"
				if rest, ok := strings.CutPrefix(t.Why, stateName(t.To)); ok {
					now += mdRich(ticks(rest))
				} else {
					now += ": " + mdRich(ticks(t.Why))
				}
			}
			fmt.Fprintf(&b, "| %s %s | %s | %s | %s |\n", mdCode(t.ID), mdEsc(t.Title), mdTarget(t.Target), t.Severity, now)
		}
		b.WriteString("\n")
	}
	if len(c.Accepted) > 0 {
		b.WriteString("#### Newly accepted\n\n| Threat | Severity | Owner | Until | Reason |\n|---|---|---|---|---|\n")
		for _, t := range c.Accepted {
			until := orDash(t.Until)
			if t.OldUntil != "" && t.OldUntil != t.Until {
				until += " (renewed; was until " + t.OldUntil + ")"
			}
			fmt.Fprintf(&b, "| %s %s | %s | %s | %s | %s |\n", mdCode(t.ID), mdEsc(t.Title), t.Severity, mdEsc(orDash(t.Owner)), until, mdEsc(orDash(t.Reason)))
		}
		b.WriteString("\n")
	}
	if len(c.Extended) > 0 {
		b.WriteString("#### Acceptances extended\n\n| Threat | Severity | Owner | Until | Reason |\n|---|---|---|---|---|\n")
		for _, t := range c.Extended {
			fmt.Fprintf(&b, "| %s %s | %s | %s | %s → **%s** | %s |\n", mdCode(t.ID), mdEsc(t.Title), t.Severity, mdEsc(orDash(t.Owner)), t.OldUntil, t.Until, mdEsc(orDash(t.Reason)))
		}
		b.WriteString("\n")
	}
	if len(c.Severity) > 0 {
		b.WriteString("#### Severity changed\n\n| Threat | Before | After | Now computed as |\n|---|---|---|---|\n")
		for _, t := range c.Severity {
			arrow := "↑"
			if t.Severity < t.OldSeverity {
				arrow = "↓"
			}
			fmt.Fprintf(&b, "| %s %s | %s | %s **%s** | %s |\n", mdCode(t.ID), mdEsc(t.Title), t.OldSeverity, arrow, t.Severity, mdRich(ticks(t.Rating)))
		}
		b.WriteString("\n")
	}
	if len(c.StateChanged) > 0 {
		b.WriteString("#### Other state changes\n\n| Threat | Severity | Before | After |\n|---|---|---|---|\n")
		for _, t := range c.StateChanged {
			fmt.Fprintf(&b, "| %s %s | %s | %s | **%s**: %s |\n", mdCode(t.ID), mdEsc(t.Title), t.Severity, stateName(t.From), stateName(t.To), mdRich(ticks(t.Why)))
		}
		b.WriteString("\n")
	}
	if len(c.Unconsidered) > 0 {
		b.WriteString("#### Added without threats considered\n\nNo threat, generated or declared, is on these yet. Declare the threats that apply (or a `not_applicable`), or describe their controls so the rules can judge them.\n\n")
		for _, e := range c.Unconsidered {
			fmt.Fprintf(&b, "- %s %s", e.Kind, mdCode(e.ID))
			if e.Title != "" {
				fmt.Fprintf(&b, " (%s)", mdEsc(e.Title))
			}
			b.WriteString("\n")
		}
		b.WriteString("\n")
	}
	writeElementsMarkdown(&b, c)
	return b.String()
}

func writeElementsMarkdown(b *strings.Builder, c *Changes) {
	if len(c.Added)+len(c.Removed) == 0 {
		return
	}
	fmt.Fprintf(b, "<details><summary>Elements and flows: %d added, %d removed</summary>\n\n", len(c.Added), len(c.Removed))
	for _, e := range c.Added {
		fmt.Fprintf(b, "- added %s %s", e.Kind, mdCode(e.ID))
		if e.Title != "" {
			fmt.Fprintf(b, " (%s)", mdEsc(e.Title))
		}
		fmt.Fprintf(b, ": %d %s\n", e.Threats, pluralWord(e.Threats, "threat"))
	}
	for _, e := range c.Removed {
		fmt.Fprintf(b, "- removed %s %s", e.Kind, mdCode(e.ID))
		if e.Title != "" {
			fmt.Fprintf(b, " (%s)", mdEsc(e.Title))
		}
		b.WriteString("\n")
	}
	b.WriteString("\n</details>\n")
}

// mdTarget writes "flow a->b, service c" with the ids as code.
func mdTarget(target string) string {
	if target == "" {
		return "–"
	}
	var parts []string
	for _, t := range strings.Split(target, ", ") {
		kind, id, ok := strings.Cut(t, " ")
		if !ok {
			parts = append(parts, mdEsc(t))
			continue
		}
		parts = append(parts, kind+" "+mdCode(id))
	}
	return strings.Join(parts, ", ")
}

// DiffText writes the changes as plain text, one line per change, for terminals and logs.
func DiffText(c *Changes, opts DiffOptions) string {
	var b strings.Builder
	line := func(kind string, t ThreatChange, rest string) {
		fmt.Fprintf(&b, "%-10s %s (%s)", kind, t.ID, t.Severity)
		if t.Target != "" {
			fmt.Fprintf(&b, " on %s", t.Target)
		}
		if rest != "" {
			b.WriteString(": " + rest)
		}
		b.WriteString("\n")
	}
	for _, e := range c.NewErrors {
		fmt.Fprintf(&b, "%-10s %s\n", "error", e)
	}
	for _, t := range c.Opened {
		before := "new"
		if t.From != "" {
			before = "was " + stateName(t.From)
		}
		line("opened", t, before)
	}
	for _, t := range c.Closed {
		if t.To == "" {
			line("closed", t, "gone: "+t.Why)
		} else {
			why := t.Why
			if !strings.HasPrefix(why, stateName(t.To)) {
				why = stateName(t.To) + ": " + why
			}
			line("closed", t, why)
		}
	}
	for _, t := range c.Accepted {
		s := fmt.Sprintf("by %s until %s", orDash(t.Owner), orDash(t.Until))
		if t.OldUntil != "" && t.OldUntil != t.Until {
			s += " (renewed; was until " + t.OldUntil + ")"
		}
		line("accepted", t, s)
	}
	for _, t := range c.Extended {
		line("extended", t, fmt.Sprintf("by %s until %s (was %s)", orDash(t.Owner), t.Until, t.OldUntil))
	}
	for _, t := range c.Severity {
		line("severity", t, fmt.Sprintf("%s -> %s: %s", t.OldSeverity, t.Severity, t.Rating))
	}
	for _, t := range c.StateChanged {
		line("state", t, fmt.Sprintf("%s -> %s: %s", stateName(t.From), stateName(t.To), t.Why))
	}
	for _, e := range c.Unconsidered {
		fmt.Fprintf(&b, "%-10s %s %s: added without threats considered\n", "unmodeled", e.Kind, e.ID)
	}
	if c.Empty() {
		b.WriteString("no change to the model's security\n")
	} else {
		b.WriteString(c.headline(opts.FailOn) + "\n")
	}
	return b.String()
}
