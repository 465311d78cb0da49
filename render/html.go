package render

import (
	"fmt"
	"html"
	"strings"
	"time"

	"github.com/threatls/threatls/analysis"
	"github.com/threatls/threatls/dsl"
)

// htmlStyle is the report's whole style sheet; the page loads nothing else.
const htmlStyle = `
:root { --open: #c0392b; --open-bg: #fdecea; --warn-bg: #fff4d6; --line: #d8d8d8; --muted: #5a5a5a; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1d1d1d; background: #fafafa; }
main { max-width: 1200px; margin: 0 auto; padding: 24px 28px 48px; background: #ffffff; }
h1 { font-size: 1.7em; margin: 0 0 4px; }
h2 { font-size: 1.3em; margin: 36px 0 12px; padding-bottom: 4px; border-bottom: 2px solid #e5e5e5; }
h3 { font-size: 1.05em; margin: 0 0 6px; }
code { font: 0.9em/1.3 ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; background: #f1f1f1; padding: 1px 4px; border-radius: 3px; overflow-wrap: anywhere; }
.facts { color: var(--muted); margin: 0 0 12px; }
blockquote { margin: 8px 0 16px; padding: 4px 14px; border-left: 4px solid #e0e0e0; color: #333; white-space: pre-line; }
table { border-collapse: collapse; margin: 8px 0 16px; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.total td { font-weight: bold; }
.open-mark { color: var(--open); font-weight: bold; }
.attention { background: var(--warn-bg); border: 1px solid #f0d78c; border-radius: 6px; padding: 8px 16px; }
.attention li { margin: 2px 0; }
figure.dfd { margin: 0; overflow-x: auto; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
figure.dfd svg { display: block; max-width: 100%; height: auto; }
figcaption, .legend { color: var(--muted); font-size: 0.92em; margin: 6px 0; }
details { margin: 8px 0; }
pre { background: #f6f6f6; padding: 10px; overflow-x: auto; font-size: 0.85em; }
article.threat { border: 1px solid var(--line); border-left: 6px solid #9aa5b1; border-radius: 6px; padding: 12px 16px; margin: 14px 0; }
article.threat.open { border-left-color: var(--open); background: #fffafa; }
article.threat.planned { border-left-color: #d68910; }
article.threat.accepted { border-left-color: #2874a6; }
article.threat.mitigated { border-left-color: #1e8449; }
article.threat table { width: 100%; margin: 6px 0; }
article.threat th { width: 130px; background: #fafafa; font-weight: 600; }
.state { display: inline-block; padding: 0 8px; border-radius: 10px; background: #eef0f2; font-weight: 600; }
.state.open { background: var(--open); color: #fff; }
.state.planned { background: #fdebd0; }
.state.mitigated { background: #d5f5e3; }
.state.accepted { background: #d6eaf8; }
.sev { font-weight: 600; }
.sev.critical, .sev.high { color: var(--open); }
.flag { color: var(--open); font-weight: bold; }
table.coverage td { font-size: 0.9em; }
table.coverage td.gap { background: var(--warn-bg); font-weight: bold; }
table.coverage td.na { color: #999; text-align: center; }
table.coverage td.has-open { background: var(--open-bg); }
ul.compact { margin: 4px 0 8px; padding-left: 22px; }
footer { margin-top: 32px; color: var(--muted); font-size: 0.9em; }
@media print { body { background: #fff; } main { max-width: none; padding: 0; } article.threat { break-inside: avoid; } }
`

// ReportHTML returns the threat register as one self-contained HTML page: the same content
// as ReportMarkdown, with the data-flow diagram as inline SVG. The page has no script and
// fetches nothing (its Content-Security-Policy forbids it), so it opens offline and can be
// attached to a ticket or archived as it is.
func ReportHTML(res *analysis.Result, opts ReportOptions) string {
	today := opts.today()
	m := modelOf(res, opts)
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
	b.WriteString("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
	b.WriteString("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n")
	fmt.Fprintf(&b, "<title>Threat register: %s</title>\n", esc(m.title))
	b.WriteString("<style>" + htmlStyle + "</style>\n</head>\n<body>\n<main>\n")
	fmt.Fprintf(&b, "<h1>Threat register: %s</h1>\n", esc(m.title))
	var facts []string
	if m.owner != "" {
		facts = append(facts, "Owner: "+esc(m.owner))
	}
	if m.version != "" {
		facts = append(facts, "Version: "+esc(m.version))
	}
	if m.reviewed != "" {
		facts = append(facts, "Reviewed: "+esc(m.reviewed))
	}
	facts = append(facts, "As of: "+today.Format("2006-01-02"))
	fmt.Fprintf(&b, "<p class=\"facts\">%s</p>\n", strings.Join(facts, " · "))
	if m.description != "" {
		fmt.Fprintf(&b, "<blockquote>%s</blockquote>\n", esc(m.description))
	}
	b.WriteString("<nav><a href=\"#summary\">Summary</a> · <a href=\"#diagram\">Diagram</a> · <a href=\"#threats\">Threats</a> · <a href=\"#acceptances\">Acceptances</a> · <a href=\"#coverage\">STRIDE coverage</a></nav>\n")

	// Summary.
	b.WriteString("<section id=\"summary\">\n<h2>Summary</h2>\n")
	fmt.Fprintf(&b, "<p>%d threats: %s.</p>\n", len(res.Threats), esc(strings.TrimPrefix(res.Summary(), "threats: ")))
	c := counts(res)
	b.WriteString("<table class=\"counts\">\n<thead><tr><th>State</th>")
	for i := len(analysis.RiskNames) - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "<th class=\"num\">%s</th>", analysis.RiskNames[i])
	}
	b.WriteString("<th class=\"num\">total</th></tr></thead>\n<tbody>\n")
	total := make([]int, len(analysis.RiskNames))
	for _, s := range analysis.States {
		sum := 0
		fmt.Fprintf(&b, "<tr><td>%s</td>", stateName(s))
		for i := len(analysis.RiskNames) - 1; i >= 0; i-- {
			n := c[s][i]
			sum += n
			total[i] += n
			if s == analysis.StateOpen && n > 0 && analysis.Risk(i) >= analysis.RiskHigh {
				fmt.Fprintf(&b, "<td class=\"num open-mark\">%d</td>", n)
			} else {
				fmt.Fprintf(&b, "<td class=\"num\">%d</td>", n)
			}
		}
		fmt.Fprintf(&b, "<td class=\"num\">%d</td></tr>\n", sum)
	}
	b.WriteString("<tr class=\"total\"><td>total</td>")
	all := 0
	for i := len(analysis.RiskNames) - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "<td class=\"num\">%d</td>", total[i])
		all += total[i]
	}
	fmt.Fprintf(&b, "<td class=\"num\">%d</td></tr>\n</tbody>\n</table>\n", all)
	if cs := callouts(res, today); len(cs) > 0 {
		b.WriteString("<div class=\"attention\" role=\"note\"><strong>Needs attention</strong>\n<ul>\n")
		for _, x := range cs {
			fmt.Fprintf(&b, "<li>⚠ %s</li>\n", htmlRich(x))
		}
		b.WriteString("</ul></div>\n")
	}
	b.WriteString("</section>\n")

	// Diagram.
	b.WriteString("<section id=\"diagram\">\n<h2>Data-flow diagram</h2>\n<figure class=\"dfd\">\n")
	b.WriteString(SVG(res, GraphOptions{}))
	b.WriteString("</figure>\n<p class=\"legend\">Actors are rectangles, services rounded rectangles, stores cylinders; dashed boxes are trust boundaries, tinted by trust and labelled with it. " +
		"Elements and flows with open threats are red, with a thicker outline, and marked “⚠ N open (worst severity)”.</p>\n")
	b.WriteString("<details><summary>Mermaid source of the diagram</summary>\n<pre><code>")
	b.WriteString(esc(Mermaid(res, GraphOptions{})))
	b.WriteString("</code></pre>\n</details>\n</section>\n")

	// Threats.
	b.WriteString("<section id=\"threats\">\n<h2>Threats</h2>\n")
	if len(res.Threats) == 0 {
		b.WriteString("<p>No threats: none is declared and no rule fired.</p>\n")
	} else {
		b.WriteString("<table class=\"threat-index\">\n<thead><tr><th>Threat</th><th>Target</th><th>STRIDE</th><th>Severity</th><th>State</th></tr></thead>\n<tbody>\n")
		for _, t := range sortedThreats(res) {
			fmt.Fprintf(&b, "<tr><td><a href=\"#%s\"><code>%s</code></a></td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>\n",
				anchor(t.ID), esc(t.ID), htmlRich(targetsRich(res, t)), esc(strideLettersOf(t.Stride())), sevHTML(t.Rating.Severity), stateHTML(t.State))
		}
		b.WriteString("</tbody>\n</table>\n")
		for _, t := range sortedThreats(res) {
			writeThreatHTML(&b, res, t, today)
		}
	}
	b.WriteString("</section>\n")

	// Acceptances.
	b.WriteString("<section id=\"acceptances\">\n<h2>Acceptances</h2>\n")
	accs := acceptances(res, today)
	if len(accs) == 0 {
		b.WriteString("<p>No threat is accepted.</p>\n")
	} else {
		fmt.Fprintf(&b, "<p>Acceptances ending within %d days are called out.</p>\n", ExpiringWithin)
		b.WriteString("<table class=\"acceptances\">\n<thead><tr><th>Threat</th><th>Owner</th><th>Until</th><th>Status</th><th>Approved by</th><th>Reason</th></tr></thead>\n<tbody>\n")
		for _, a := range accs {
			status := esc(a.status())
			if a.expired() || a.expiring() {
				status = "<span class=\"flag\">⚠ " + status + "</span>"
			}
			fmt.Fprintf(&b, "<tr><td><code>%s</code></td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>\n",
				esc(a.threat), esc(orDash(a.owner)), esc(orDash(a.until)), status, esc(orDash(a.approvedBy)), esc(orDash(a.reason)))
		}
		b.WriteString("</tbody>\n</table>\n")
	}
	b.WriteString("</section>\n")

	// Coverage.
	b.WriteString("<section id=\"coverage\">\n<h2>STRIDE coverage</h2>\n")
	b.WriteString("<p>Threats considered per element and flow, by STRIDE category and state. <strong>GAP</strong>: the category applies to the element's kind and no threat, generated or declared, covers it. –: the category does not apply to the kind.</p>\n")
	b.WriteString("<table class=\"coverage\">\n<thead><tr><th>Element</th>")
	for _, cat := range dsl.StrideCats {
		fmt.Fprintf(&b, "<th>%s</th>", esc(strideTitle(cat)))
	}
	b.WriteString("</tr></thead>\n<tbody>\n")
	for _, r := range coverage(res) {
		fmt.Fprintf(&b, "<tr><td>%s <code>%s</code></td>", r.sym.Kind, esc(r.sym.ID))
		for _, cell := range r.cells {
			class := ""
			switch {
			case cell.empty() && cell.applies:
				class = "gap"
			case cell.empty():
				class = "na"
			case cell.byState[analysis.StateOpen] > 0:
				class = "has-open"
			}
			if class != "" {
				fmt.Fprintf(&b, "<td class=\"%s\">%s</td>", class, esc(cell.text()))
			} else {
				fmt.Fprintf(&b, "<td>%s</td>", esc(cell.text()))
			}
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</tbody>\n</table>\n</section>\n")
	if opts.Generator != "" {
		fmt.Fprintf(&b, "<footer>Generated by %s.</footer>\n", esc(opts.Generator))
	}
	b.WriteString("</main>\n</body>\n</html>\n")
	return b.String()
}

func writeThreatHTML(b *strings.Builder, res *analysis.Result, t *analysis.Threat, today time.Time) {
	fmt.Fprintf(b, "<article class=\"threat %s\" id=\"%s\">\n", t.State, anchor(t.ID))
	fmt.Fprintf(b, "<h3><code>%s</code> %s</h3>\n", esc(t.ID), esc(oneLine(t.Title())))
	b.WriteString("<table>\n")
	row := func(k, v string) { fmt.Fprintf(b, "<tr><th scope=\"row\">%s</th><td>%s</td></tr>\n", k, v) }
	row("State", stateHTML(t.State))
	row("Severity", sevHTML(t.Rating.Severity)+" — "+htmlRich(ticks(t.Rating.Why())))
	row("Target", htmlRich(targetsRich(res, t)))
	if len(t.Stride()) > 0 {
		row("STRIDE", esc(strideNames(t.Stride())))
	}
	row("Origin", htmlRich(origin(t)))
	if t.Rule != nil {
		row("Why", htmlRich(ticks(t.Why)))
		row("Clears it", htmlRich(ticks(t.Rule.Clears)))
	}
	if t.Symbol != nil {
		if d := attrWord(t.Symbol.Decl, "description"); d != "" {
			row("Description", esc(d))
		}
	}
	if refs := taxonomyRefs(t); len(refs) > 0 {
		parts := make([]string, len(refs))
		for i, r := range refs {
			if r.url != "" {
				parts[i] = fmt.Sprintf("<a href=\"%s\" rel=\"noopener noreferrer\">%s</a>", esc(r.url), esc(r.label))
			} else {
				parts[i] = esc(r.label)
			}
		}
		row("References", strings.Join(parts, "<br>"))
	}
	if len(t.Mitigations) > 0 {
		var items []string
		for _, s := range t.Mitigations {
			m := mitigationOf(s, today)
			line := "<code>" + esc(s.ID) + "</code>"
			if s.Title() != s.ID {
				line += " " + esc(oneLine(s.Title()))
			}
			line += " — <strong>" + esc(m.status) + "</strong>"
			if m.due != "" {
				line += ", due " + esc(m.due)
				if m.overdue {
					line += " <span class=\"flag\">⚠ OVERDUE</span>"
				}
			}
			for _, d := range m.details {
				line += ", " + esc(d)
			}
			if len(m.evidence) > 0 {
				ev := make([]string, len(m.evidence))
				for i, e := range m.evidence {
					ev[i] = "<code>" + esc(e) + "</code>"
				}
				line += "; evidence: " + strings.Join(ev, ", ")
			} else if m.status == "implemented" || m.status == "verified" {
				line += "; no evidence given"
			}
			items = append(items, "<li>"+line+"</li>")
		}
		row("Mitigations", "<ul class=\"compact\">"+strings.Join(items, "")+"</ul>")
	}
	if len(t.Responses) > 0 {
		var items []string
		for _, r := range t.Responses {
			items = append(items, "<li>"+htmlResponse(responseOf(r, today))+"</li>")
		}
		row("Responses", "<ul class=\"compact\">"+strings.Join(items, "")+"</ul>")
	}
	b.WriteString("</table>\n</article>\n")
}

func htmlResponse(a responseInfo) string {
	return describeResponse(a, responseStyle{
		strong: func(s string) string { return "<strong>" + s + "</strong>" },
		esc:    esc,
		flag:   func(s string) string { return " <span class=\"flag\">⚠ " + esc(s) + "</span>" },
		code:   func(s string) string { return "<code>" + esc(s) + "</code>" },
	})
}

func stateHTML(s analysis.State) string {
	if s == analysis.StateOpen {
		return "<span class=\"state open\">⚠ OPEN</span>"
	}
	return fmt.Sprintf("<span class=\"state %s\">%s</span>", s, esc(stateName(s)))
}

func sevHTML(r analysis.Risk) string {
	return fmt.Sprintf("<span class=\"sev %s\">%s</span>", r, r)
}

func esc(s string) string { return html.EscapeString(s) }

func htmlRich(r rich) string {
	var b strings.Builder
	for _, s := range r {
		if s.code {
			b.WriteString("<code>" + esc(s.text) + "</code>")
		} else {
			b.WriteString(esc(s.text))
		}
	}
	return b.String()
}
