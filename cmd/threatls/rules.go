package main

import (
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
	fs := newCommand("rules", rulesHelp, stderr)
	format := fs.String("format", "text", "output `format`: text or markdown")
	rest, code, ok := fs.parse(args)
	if !ok {
		return code
	}
	if len(rest) > 0 {
		fmt.Fprintf(stderr, "threatls rules: unexpected argument %q; rules takes no paths (run 'threatls rules --help')\n", rest[0])
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
