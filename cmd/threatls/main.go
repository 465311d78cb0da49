// Command threatls checks, formats and serves threat models written in the .threat
// language.
//
//	threatls check [flags] [PATH...]   report open threats and model errors
//	threatls fmt [-l] [-w] [-d] [PATH...]  format .threat files
//	threatls serve                      run the language server on stdin/stdout
//	threatls version                    print the version
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"

	"github.com/threatls/threatls/dsl"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

const usage = `threatls: threat models next to your code.

Usage:
  threatls check [flags] [PATH...]      report open threats and model errors
  threatls fmt [-l] [-w] [-d] [PATH...] format .threat files
  threatls rules [--format markdown]    list the built-in rule catalog
  threatls graph [--format mermaid|dot|svg] [--focus ID] [PATH]
                                        draw the data-flow diagram
  threatls report [--format markdown|html] [PATH]
                                        write the threat register for reviewers
  threatls diff [flags] BASE [HEAD]     what a change did to the model's security
  threatls serve                        run the language server (LSP on stdin/stdout)
  threatls version                      print the version

Each PATH is a model root (a folder: every .threat file below it forms one model) or a
single .threat file. Without PATH, the current folder is the model root.

Example:
  threatls check --fail-on critical examples/webshop

Run 'threatls COMMAND --help' (or 'threatls help COMMAND') for the flags of a command.
`

// exit codes
const (
	exitOK    = 0
	exitFail  = 1 // findings at or above the threshold, or an error
	exitUsage = 2
)

func main() {
	// A command runs briefly and allocates much while parsing: collect garbage less often
	// (see commandGCPercent). The language server chooses its own setting (serve.go).
	if os.Getenv("GOGC") == "" && (len(os.Args) < 2 || os.Args[1] != "serve") {
		debug.SetGCPercent(commandGCPercentDefault)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one command line and returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "check":
		return runCheck(args[1:], stdout, stderr)
	case "fmt":
		return runFmt(args[1:], stdout, stderr)
	case "rules":
		return runRules(args[1:], stdout, stderr)
	case "serve":
		return runServe(ctx, args[1:], stdin, stdout, stderr)
	case "graph":
		return runGraph(args[1:], stdout, stderr)
	case "report":
		return runReport(args[1:], stdout, stderr)
	case "diff":
		return runDiff(args[1:], stdout, stderr)
	case "version", "--version", "-version":
		return runVersion(args[1:], stdout, stderr)
	case "help", "-h", "--help", "-help":
		if len(args) > 1 && args[1] != "help" && !strings.HasPrefix(args[1], "-") {
			// `threatls help check` is `threatls check --help`.
			return run(ctx, []string{args[1], "--help"}, stdin, stdout, stderr)
		}
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	msg := fmt.Sprintf("threatls: unknown command %q", args[0])
	if s := dsl.Suggest(args[0], commands); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	fmt.Fprintf(stderr, "%s\n\n%s", msg, usage)
	return exitUsage
}

var commands = []string{"check", "fmt", "rules", "graph", "report", "diff", "serve", "version", "help"}

const versionHelp = `Usage: threatls version

Prints the version of threatls.

Example:
  threatls version

`

func runVersion(args []string, stdout, stderr io.Writer) int {
	fs := newCommand("version", versionHelp, stderr)
	rest, code, ok := fs.parse(args)
	if !ok {
		return code
	}
	if len(rest) > 0 {
		fmt.Fprintf(stderr, "threatls version: unexpected argument %q; version takes none\n", rest[0])
		return exitUsage
	}
	fmt.Fprintf(stdout, "threatls %s\n", version)
	return exitOK
}
