package main

import (
	"fmt"
	"io"

	"github.com/threatls/threatls/render"
)

const reportHelp = `Usage: threatls report [--format markdown|html] [--today DATE] [PATH]

Writes the threat register of one model for reviewers: counts by state and severity and
what needs attention, the data-flow diagram, every threat with its target, STRIDE
categories, severity and how it was computed, state, mitigations with evidence and
responses, the acceptances with owner and expiry (those ending within 30 days called out),
and a STRIDE coverage matrix per element and flow.

Formats: markdown (the diagram as Mermaid, for a repository or wiki) and html (one
self-contained page with the diagram as inline SVG: no script, nothing fetched).

Exit status: 0 when the report was written, 2 on a usage error or an unreadable model.

Example:
  threatls report examples/webshop > THREATS.md
  threatls report --format html --today 2027-01-01 examples/webshop > register.html

Flags:
`

func runReport(args []string, stdout, stderr io.Writer) int {
	fs := newCommand("report", reportHelp, stderr)
	format := fs.String("format", "markdown", "output `format`: markdown or html")
	today := fs.String("today", "", "judge expiry and due dates as of this `date` (YYYY-MM-DD) instead of today")
	paths, code, ok := fs.parse(args)
	if !ok {
		return code
	}
	if *format != "markdown" && *format != "html" {
		fmt.Fprintf(stderr, "threatls report: --format %q is not supported; use markdown or html\n", *format)
		return exitUsage
	}
	res, m, code, ok := loadOneModel("report", paths, *today, stderr)
	if !ok {
		return code
	}
	aopts, _ := todayOption("report", *today, stderr)
	opts := render.ReportOptions{Today: aopts.Today, Root: m.root, Generator: "threatls " + version}
	if *format == "html" {
		fmt.Fprint(stdout, render.ReportHTML(res, opts))
	} else {
		fmt.Fprint(stdout, render.ReportMarkdown(res, opts))
	}
	return exitOK
}
