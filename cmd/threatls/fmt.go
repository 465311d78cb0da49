package main

import (
	"fmt"
	"io"
	"os"

	"github.com/threatls/threatls/dsl"
	"github.com/threatls/threatls/internal/files"
	"github.com/threatls/threatls/internal/textdiff"
)

const fmtHelp = `Usage: threatls fmt [-l] [-w] [-d] [PATH...]

Formats .threat files in the canonical layout, keeping every comment. A declaration with a
syntax error is left exactly as written. Without flags, prints the formatted text; each PATH
is a folder (every .threat file below it) or a file. Without PATH, the current folder.

Example:
  threatls fmt -d examples/     # show what would change
  threatls fmt -w .             # rewrite files in place (atomically)

Flags:
`

func runFmt(args []string, stdout, stderr io.Writer) int {
	fs := newCommand("fmt", fmtHelp, stderr)
	list := fs.Bool("l", false, "list files whose formatting differs")
	write := fs.Bool("w", false, "write the result back to each file instead of printing it")
	diff := fs.Bool("d", false, "print a unified diff of the changes")
	paths, code, ok := fs.parse(args)
	if !ok {
		return code
	}
	if len(paths) == 0 {
		paths = []string{"."}
	}
	p := dsl.NewParser()
	code = exitOK
	for _, root := range paths {
		names, err := files.Find(root)
		if err != nil {
			fmt.Fprintf(stderr, "threatls fmt: %v\n", err)
			return exitUsage
		}
		for _, name := range names {
			data, err := os.ReadFile(name)
			if err != nil {
				fmt.Fprintf(stderr, "threatls fmt: reading %s: %v\n", name, err)
				code = exitFail
				continue
			}
			src := string(data)
			out := dsl.Format(p.Parse(name, src))
			changed := out != src
			if *list && changed {
				fmt.Fprintln(stdout, name)
			}
			if *diff && changed {
				fmt.Fprint(stdout, textdiff.Unified(name+".orig", name, src, out))
			}
			if *write && changed {
				if err := files.WriteAtomic(name, []byte(out)); err != nil {
					fmt.Fprintf(stderr, "threatls fmt: %v\n", err)
					code = exitFail
				}
			}
			if !*list && !*diff && !*write {
				fmt.Fprint(stdout, out)
			}
		}
	}
	return code
}
