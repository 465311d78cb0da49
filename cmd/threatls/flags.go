package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// command is the flag set of one command and what its --help prints.
type command struct {
	*flag.FlagSet
	help   string
	stderr io.Writer
}

// newCommand returns the flag set of a command; help is its usage text with an example,
// printed with the flags on --help.
func newCommand(name, help string, stderr io.Writer) *command {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // parse errors are reported by parse, in one line
	return &command{FlagSet: fs, help: help, stderr: stderr}
}

// usage prints the command's help and flags.
func (c *command) usage() {
	fmt.Fprint(c.stderr, c.help)
	c.SetOutput(c.stderr)
	c.PrintDefaults()
	c.SetOutput(io.Discard)
}

// parse parses flags that may come before, between or after the paths
// (`threatls check examples/webshop --format json`), as users type them; everything after
// `--` is a path. It returns the paths, or false and the exit code to stop with: exitOK
// after --help, exitUsage after a bad flag, which it explains.
func (c *command) parse(args []string) ([]string, int, bool) {
	var paths []string
	for {
		if err := c.Parse(args); err != nil {
			if err == flag.ErrHelp {
				c.usage()
				return nil, exitOK, false
			}
			msg := err.Error()
			if name, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
				msg = fmt.Sprintf("unknown flag %s", name)
			}
			fmt.Fprintf(c.stderr, "threatls %s: %s; run 'threatls %s --help' for the flags\n", c.Name(), msg, c.Name())
			return nil, exitUsage, false
		}
		rest := c.Args()
		if len(rest) == 0 {
			return paths, 0, true
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(paths, rest...), 0, true
		}
		paths = append(paths, rest[0])
		args = rest[1:]
	}
}
