package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/threatls/threatls/analysis"
)

const rulesHelp = `Usage: threatls rules [--format text|markdown]

Lists the built-in rule catalog: id, STRIDE category and title. With --format markdown it
prints the reference that docs/rules.md holds.

Example:
  threatls rules
  threatls rules --format markdown > docs/rules.md

Flags:
`

func runRules(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("rules", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "text", "output `format`: text or markdown")
	fs.Usage = func() {
		fmt.Fprint(stderr, rulesHelp)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return exitOK
		}
		return exitUsage
	}
	switch *format {
	case "markdown":
		fmt.Fprint(stdout, analysis.RulesMarkdown())
	case "text":
		for _, r := range analysis.Catalog() {
			fmt.Fprintf(stdout, "%-36s %-24s %s\n", r.ID, r.Stride, r.Title)
		}
	default:
		fmt.Fprintf(stderr, "threatls rules: --format %q is not supported; use text or markdown\n", *format)
		return exitUsage
	}
	return exitOK
}
