package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/threatls/threatls/analysis"
	"github.com/threatls/threatls/dsl"
	"github.com/threatls/threatls/render"
)

const graphHelp = `Usage: threatls graph [--format mermaid|dot|svg] [--focus ID] [PATH]

Draws the model's data-flow diagram: trust boundaries as nested clusters, actors as boxes,
services rounded, stores as cylinders, flows as arrows labelled with their name and the data
they carry. Elements and flows with open threats are red and marked "⚠ N open (severity)".
PATH is a model root folder or one .threat file; without it, the current folder.

Formats: mermaid (paste into Markdown, GitHub renders it), dot (render with Graphviz:
threatls graph --format dot | dot -Tsvg > dfd.svg), svg (laid out by threatls itself,
no Graphviz needed).

Exit status: 0 when the diagram was written, 2 on a usage error or an unreadable model.
A model with errors is drawn as far as it could be read, with a warning.

Example:
  threatls graph examples/webshop
  threatls graph --format dot --focus payments examples/webshop | dot -Tsvg > payments.svg

Flags:
`

func runGraph(args []string, stdout, stderr io.Writer) int {
	fs := newCommand("graph", graphHelp, stderr)
	format := fs.String("format", "mermaid", "output `format`: mermaid, dot or svg")
	focus := fs.String("focus", "", "draw only this element, flow or boundary `ID` and its neighbours")
	today := fs.String("today", "", "judge expiry and due dates as of this `date` (YYYY-MM-DD) instead of today")
	paths, code, ok := fs.parse(args)
	if !ok {
		return code
	}
	if *format != "mermaid" && *format != "dot" && *format != "svg" {
		fmt.Fprintf(stderr, "threatls graph: --format %q is not supported; use mermaid, dot or svg\n", *format)
		return exitUsage
	}
	res, _, code, ok := loadOneModel("graph", paths, *today, stderr)
	if !ok {
		return code
	}
	if *focus != "" {
		if err := render.CheckFocus(res, *focus); err != nil {
			fmt.Fprintf(stderr, "threatls graph: --focus: %v\n", err)
			return exitUsage
		}
	}
	opts := render.GraphOptions{Focus: *focus}
	switch *format {
	case "dot":
		fmt.Fprint(stdout, render.DOT(res, opts))
	case "svg":
		fmt.Fprint(stdout, render.SVG(res, opts))
	default:
		fmt.Fprint(stdout, render.Mermaid(res, opts))
	}
	return exitOK
}

// loadOneModel reads and analyses the one model a graph or report command names. It warns
// about model errors (the output shows what could be read) and returns false with the exit
// code on a usage error.
func loadOneModel(cmd string, paths []string, today string, stderr io.Writer) (*analysis.Result, model, int, bool) {
	opts, ok := todayOption(cmd, today, stderr)
	if !ok {
		return nil, model{}, exitUsage, false
	}
	if len(paths) > 1 {
		fmt.Fprintf(stderr, "threatls %s: one model at a time; got %d paths\n", cmd, len(paths))
		return nil, model{}, exitUsage, false
	}
	models, err := loadModels(paths)
	if err != nil {
		fmt.Fprintf(stderr, "threatls %s: %v\n", cmd, err)
		return nil, model{}, exitUsage, false
	}
	m := models[0]
	if len(m.files) == 0 {
		fmt.Fprintf(stderr, "threatls %s: no .threat files in %s\n", cmd, m.root)
		return nil, model{}, exitUsage, false
	}
	// Code links and annotations count here as in check, so the pictures agree with it.
	if ix, err := scanCode(context.Background(), m.root); err == nil {
		opts.Code = ix
	} else {
		fmt.Fprintf(stderr, "threatls %s: %v (code links are not checked)\n", cmd, err)
	}
	res := analysis.Analyze(m.files, opts)
	errs := 0
	for _, f := range res.Findings {
		if f.Level == dsl.SeverityError && f.ThreatID == "" {
			errs++
		}
	}
	if errs > 0 {
		fmt.Fprintf(stderr, "threatls %s: warning: %s has %d model %s (see threatls check); the output shows what could be read\n", cmd, m.root, errs, map[bool]string{true: "error", false: "errors"}[errs == 1])
	}
	return res, m, exitOK, true
}

// todayOption parses --today into analysis options.
func todayOption(cmd, today string, stderr io.Writer) (analysis.Options, bool) {
	var opts analysis.Options
	if today == "" {
		return opts, true
	}
	t, err := time.Parse("2006-01-02", today)
	if err != nil {
		fmt.Fprintf(stderr, "threatls %s: --today %q is not a date; write YYYY-MM-DD, such as 2027-06-30\n", cmd, today)
		return opts, false
	}
	opts.Today = t
	return opts, true
}
