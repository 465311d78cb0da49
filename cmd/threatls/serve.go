package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"

	"github.com/threatls/threatls/lsp"
)

const serveHelp = `Usage: threatls serve [--stdio] [--log FILE] [--log-level LEVEL]

Runs the threatls language server: LSP over standard input and output. Editors start it
themselves; the VS Code extension and the Neovim plugin in editors/ do. The model root is the
editor's workspace folder: every .threat file below it forms one model.

Example:
  threatls serve --log /tmp/threatls.log

Flags:
`

func runServe(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Bool("stdio", true, "speak LSP over standard input and output (the default; accepted for VS Code)")
	logFile := fs.String("log", "", "write the log to this `file` instead of standard error")
	level := fs.String("log-level", "info", "log `level`: debug, info, warn or error")
	fs.Usage = func() {
		fmt.Fprint(stderr, serveHelp)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return exitOK
		}
		return exitUsage
	}
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(*level)); err != nil {
		fmt.Fprintf(stderr, "threatls serve: --log-level %q: use debug, info, warn or error\n", *level)
		return exitUsage
	}
	logOut := stderr
	if *logFile != "" {
		f, err := os.OpenFile(*logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			fmt.Fprintf(stderr, "threatls serve: %v\n", err)
			return exitUsage
		}
		defer f.Close()
		logOut = f
	}
	log := slog.New(slog.NewTextHandler(logOut, &slog.HandlerOptions{Level: lv}))
	ownCollector := os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == ""
	if ownCollector {
		// The server lives long and holds the model: collect when the heap has grown by half
		// (not doubled), so the editor's memory stays near what the model needs; by a
		// quarter for a large model (loadMemory). A fixed limit instead made the collector
		// run without pause on models larger than it. GOGC and GOMEMLIMIT override this.
		debug.SetGCPercent(50)
	}
	mem := &loadMemory{tuneCollector: ownCollector}
	return lsp.Serve(ctx, stdio{stdin, stdout}, lsp.Options{Log: log, Version: version, PrepareLoad: mem.prepare, Analysed: mem.wholeAnalysisDone})
}

// stdio joins standard input and output into one connection.
type stdio struct {
	io.Reader
	io.Writer
}

// Close closes standard input and output.
func (s stdio) Close() error {
	if c, ok := s.Reader.(io.Closer); ok {
		_ = c.Close()
	}
	if c, ok := s.Writer.(io.Closer); ok {
		return c.Close()
	}
	return nil
}
