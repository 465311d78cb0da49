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
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

const usage = `threatls: threat models next to your code.

Usage:
  threatls check [flags] [PATH...]      report open threats and model errors
  threatls fmt [-l] [-w] [-d] [PATH...] format .threat files
  threatls rules [--format markdown]    list the built-in rule catalog
  threatls serve                        run the language server (LSP on stdin/stdout)
  threatls version                      print the version

Each PATH is a model root (a folder: every .threat file below it forms one model) or a
single .threat file. Without PATH, the current folder is the model root.
Run 'threatls COMMAND --help' for the flags of a command.
`

// exit codes
const (
	exitOK    = 0
	exitFail  = 1 // findings at or above the threshold, or an error
	exitUsage = 2
)

func main() {
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
	case "version", "--version", "-version":
		fmt.Fprintf(stdout, "threatls %s\n", version)
		return exitOK
	case "help", "-h", "--help", "-help":
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	fmt.Fprintf(stderr, "threatls: unknown command %q\n\n%s", args[0], usage)
	return exitUsage
}
