package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/threatls/threatls/analysis"
	"github.com/threatls/threatls/codelinks"
	"github.com/threatls/threatls/dsl"
	"github.com/threatls/threatls/internal/files"
	"github.com/threatls/threatls/internal/hugepages"
)

const checkHelp = `Usage: threatls check [flags] [PATH...]

Parses every .threat file under each PATH (a model root folder, or one file), resolves the
model, runs the built-in rule catalog and reports model errors, open threats, expired
acceptances and stale responses as file:line:col: severity: message [code].

Exit status: 0 when nothing reaches --fail-on, 1 when an open threat reaches it or the model
has errors, 2 on a usage error.

Example:
  threatls check examples/webshop
  threatls check --format sarif --fail-on critical . > threatls.sarif

Flags:
`

// model is one model root and its parsed files.
type model struct {
	root   string
	files  []*dsl.File
	byName map[string]*dsl.File // files by name: every finding of a report looks its file up
}

// newModel returns the model of root's parsed files.
func newModel(root string, files []*dsl.File) model {
	m := model{root: root, files: files, byName: make(map[string]*dsl.File, len(files))}
	for _, f := range files {
		m.byName[f.Name] = f
	}
	return m
}

// loadModels reads the models named on the command line.
func loadModels(paths []string) ([]model, error) {
	if len(paths) == 0 {
		paths = []string{"."}
	}
	names := make([][]string, len(paths))
	textBytes := 0
	for i, root := range paths {
		found, err := files.Find(root)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("%w; name a model folder or a .threat file", err)
			}
			return nil, err
		}
		if len(found) == 0 {
			return nil, fmt.Errorf("no .threat files under %s; name the folder that holds the model", root)
		}
		names[i] = found
		textBytes += files.TotalSize(found)
	}
	// The command collects rarely already (see main), a large model's a little less so
	// (commandGCPercent); huge pages spare it the page faults.
	tuneCommandCollector(textBytes)
	hugepages.ReserveForText(textBytes)
	p := dsl.NewParser()
	out := make([]model, 0, len(paths))
	for i, root := range paths {
		parsed, errs := p.ReadAndParseDiscardingTokens(names[i], func(j int) (string, error) {
			return files.ReadText(names[i][j])
		})
		for j, err := range errs {
			if err != nil {
				return nil, fmt.Errorf("reading %s: %w", names[i][j], err)
			}
		}
		out = append(out, newModel(root, parsed))
	}
	return out, nil
}

func runCheck(args []string, stdout, stderr io.Writer) int {
	fs := newCommand("check", checkHelp, stderr)
	format := fs.String("format", "text", "output `format`: text, json or sarif")
	failOn := fs.String("fail-on", "high", "exit 1 when an open threat has this `severity` or higher: none, note, low, medium, high, critical")
	coverage := fs.Bool("coverage", false, "report STRIDE-per-element coverage gaps")
	checkCode := fs.Bool("code", true, "check code and evidence links, and read threatls: annotations in the source files under the model root (--code=false: skip)")
	today := fs.String("today", "", "judge expiry and due dates as of this `date` (YYYY-MM-DD) instead of today")
	paths, code, ok := fs.parse(args)
	if !ok {
		return code
	}
	opts := analysis.Options{Coverage: *coverage}
	if *today != "" {
		t, err := time.Parse("2006-01-02", *today)
		if err != nil {
			fmt.Fprintf(stderr, "threatls check: --today %q is not a date; write YYYY-MM-DD, such as 2027-06-30\n", *today)
			return exitUsage
		}
		opts.Today = t
	}
	threshold := analysis.Risk(len(analysis.RiskNames)) // none: no threat fails
	if *failOn != "none" {
		r, err := analysis.ParseRisk(*failOn)
		if err != nil {
			fmt.Fprintf(stderr, "threatls check: --fail-on: %v (or none)\n", err)
			return exitUsage
		}
		threshold = r
	}
	if *format != "text" && *format != "json" && *format != "sarif" {
		fmt.Fprintf(stderr, "threatls check: --format %q is not supported; use text, json or sarif\n", *format)
		return exitUsage
	}
	// The source files are scanned while the model is read and parsed: a repository's
	// scan takes as long as parsing a large model.
	var scans []func() (*codelinks.Index, error)
	if *checkCode {
		scans = startScans(paths)
	}
	models, err := loadModels(paths)
	if err != nil {
		fmt.Fprintf(stderr, "threatls check: %v\n", err)
		return exitUsage
	}
	results := make([]checked, 0, len(models))
	failed := false
	for i, m := range models {
		mopts := opts
		if *checkCode {
			ix, err := scans[i]()
			if err != nil {
				fmt.Fprintf(stderr, "threatls check: %v\n", err)
				return exitFail
			}
			mopts.Code = ix
		}
		res := analysis.Analyze(m.files, mopts)
		results = append(results, checked{model: m, res: res})
		for _, f := range res.Findings {
			if f.ThreatID != "" && strings.HasPrefix(f.Code, "planned") {
				continue
			}
			if f.ThreatID != "" && f.Code != "expired-acceptance" {
				if f.Risk >= threshold {
					failed = true
				}
			} else if f.Level == dsl.SeverityError {
				failed = true
			}
		}
	}
	// One write per finding would be one system call each: buffer the report.
	out := bufio.NewWriterSize(stdout, 64<<10)
	switch *format {
	case "json":
		err = writeJSON(out, results)
	case "sarif":
		err = writeSARIF(out, results)
	default:
		writeText(out, results)
	}
	if ferr := out.Flush(); err == nil && ferr != nil {
		err = fmt.Errorf("writing the report: %w", ferr)
	}
	if err != nil {
		fmt.Fprintf(stderr, "threatls check: %v\n", err)
		return exitFail
	}
	if failed {
		return exitFail
	}
	return exitOK
}

type checked struct {
	model model
	res   *analysis.Result
}

func fileByName(m model, name string) *dsl.File { return m.byName[name] }

func writeText(w io.Writer, results []checked) {
	// file:line:col: level: message [code], appended into one reused line: a large model
	// has a hundred thousand findings, and fmt would allocate for each of their values.
	var b []byte
	for _, c := range results {
		for _, f := range c.res.Findings {
			name, line, col := f.File, 1, 1
			switch file := fileByName(c.model, f.File); {
			case f.Source != nil:
				name, line, col = sourcePath(c.model, f.File), f.Source.Line, f.Source.Col
			case file != nil:
				line, col = file.Lines.Position(int(f.Span.Start))
			}
			b = append(b[:0], name...)
			b = append(b, ':')
			b = strconv.AppendInt(b, int64(line), 10)
			b = append(b, ':')
			b = strconv.AppendInt(b, int64(col), 10)
			b = append(b, ": "...)
			b = append(b, f.Level.String()...)
			b = append(b, ": "...)
			b = f.AppendMessage(b)
			b = append(b, " ["...)
			b = append(b, f.Code...)
			b = append(b, "]\n"...)
			_, _ = w.Write(b)
		}
		fmt.Fprintf(w, "%s: %s, %s; %s\n", c.model.root, plural(len(c.model.files), "file"), c.res.Summary(), levelCounts(c.res.Findings))
	}
}

// levelCounts summarises findings by level: "2 errors, 1 warning, 0 info, 3 hints".
func levelCounts(fs []analysis.Finding) string {
	n := map[dsl.Severity]int{}
	for _, f := range fs {
		n[f.Level]++
	}
	return fmt.Sprintf("%s, %s, %d info, %s", plural(n[dsl.SeverityError], "error"), plural(n[dsl.SeverityWarning], "warning"), n[dsl.SeverityInfo], plural(n[dsl.SeverityHint], "hint"))
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// sourcePath returns the path of a source file (repository-relative to the model root) as
// the user named the root.
func sourcePath(m model, rel string) string {
	root := m.root
	if info, err := os.Stat(root); err == nil && !info.IsDir() {
		root = filepath.Dir(root)
	}
	return filepath.Join(root, filepath.FromSlash(rel))
}

// startScans starts scanning the source files under each model root (as loadModels names
// them, in the same order) and returns the functions that wait for each index.
func startScans(paths []string) []func() (*codelinks.Index, error) {
	if len(paths) == 0 {
		paths = []string{"."}
	}
	out := make([]func() (*codelinks.Index, error), len(paths))
	for i, root := range paths {
		out[i] = startScan(context.Background(), root)
	}
	return out
}

// scanCode scans the source files under a model root (a folder, or a .threat file's
// folder) for code links and annotations.
func scanCode(ctx context.Context, root string) (*codelinks.Index, error) {
	return startScan(ctx, root)()
}

// startScan starts scanCode in the background; the function it returns waits for it.
func startScan(ctx context.Context, root string) func() (*codelinks.Index, error) {
	dir := root
	if info, err := os.Stat(root); err == nil && !info.IsDir() {
		dir = filepath.Dir(root)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return func() (*codelinks.Index, error) { return nil, err }
	}
	wait := (&codelinks.Repo{Root: abs}).ScanInBackground(ctx)
	return func() (*codelinks.Index, error) {
		ix, err := wait()
		if err != nil {
			return nil, fmt.Errorf("scanning %s for code links: %w", root, err)
		}
		return ix, nil
	}
}
