package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"

	"github.com/threatls/threatls/analysis"
	"github.com/threatls/threatls/dsl"
	"github.com/threatls/threatls/internal/files"
	"github.com/threatls/threatls/render"
)

const diffHelp = `Usage: threatls diff [flags] BASE [HEAD]

Shows what a change did to the model's security: threats opened and closed, newly
accepted threats, acceptances extended, severities changed, and elements and flows added
without any threat considered.

BASE and HEAD are git revisions (origin/main, HEAD~1, a commit): the model is read from
the folder --path in each revision. Without HEAD, BASE is compared with the working tree.
When BASE and HEAD are both existing folders or .threat files, they are compared instead.

Exit status: 0 when no threat of --fail-on severity or higher was opened and the change
added no model error, 1 otherwise, 2 on a usage error (an unknown revision, no git).

Example:
  threatls diff origin/main                       # the working tree against main
  threatls diff --path examples/webshop --format markdown origin/main HEAD > comment.md
  threatls diff old-model/ new-model/

Flags:
`

func runDiff(args []string, stdout, stderr io.Writer) int {
	fs := newCommand("diff", diffHelp, stderr)
	format := fs.String("format", "text", "output `format`: text or markdown (a pull-request comment)")
	failOn := fs.String("fail-on", "high", "exit 1 when an opened threat has this `severity` or higher: none, note, low, medium, high, critical")
	root := fs.String("path", ".", "the model root `folder` (or .threat file) inside each git revision")
	today := fs.String("today", "", "judge expiry and due dates as of this `date` (YYYY-MM-DD) instead of today")
	args, code, ok := fs.parse(args)
	if !ok {
		return code
	}
	if *format != "text" && *format != "markdown" {
		fmt.Fprintf(stderr, "threatls diff: --format %q is not supported; use text or markdown\n", *format)
		return exitUsage
	}
	threshold := analysis.Risk(len(analysis.RiskNames)) // none
	if *failOn != "none" {
		r, err := analysis.ParseRisk(*failOn)
		if err != nil {
			fmt.Fprintf(stderr, "threatls diff: --fail-on: %v (or none)\n", err)
			return exitUsage
		}
		threshold = r
	}
	opts, ok := todayOption("diff", *today, stderr)
	if !ok {
		return exitUsage
	}
	if len(args) < 1 || len(args) > 2 {
		fmt.Fprintf(stderr, "threatls diff: want BASE [HEAD], got %d arguments; run 'threatls diff --help'\n", len(args))
		return exitUsage
	}

	var baseFiles, headFiles []*dsl.File
	var baseName, headName string
	var err error
	if len(args) == 2 && exists(args[0]) && exists(args[1]) {
		baseName, headName = args[0], args[1]
		if baseFiles, err = readTree(args[0]); err == nil {
			headFiles, err = readTree(args[1])
		}
	} else {
		baseName = args[0]
		if baseFiles, err = readRevision(args[0], *root); err == nil {
			if len(args) == 2 {
				headName = args[1]
				headFiles, err = readRevision(args[1], *root)
			} else {
				headName = "working tree"
				headFiles, err = readTree(*root)
			}
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "threatls diff: %v\n", err)
		return exitUsage
	}
	changes := render.Diff(analysis.Analyze(baseFiles, opts), analysis.Analyze(headFiles, opts))
	dopts := render.DiffOptions{Base: baseName, Head: headName, FailOn: threshold}
	if *format == "markdown" {
		fmt.Fprint(stdout, render.DiffMarkdown(changes, dopts))
	} else {
		fmt.Fprint(stdout, render.DiffText(changes, dopts))
	}
	if len(changes.NewOpen(threshold)) > 0 || len(changes.NewErrors) > 0 {
		return exitFail
	}
	return exitOK
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// readTree parses the model under a folder (or one file) of the working tree. A folder
// without .threat files is an empty model.
func readTree(root string) ([]*dsl.File, error) {
	models, err := loadModels([]string{root})
	if err != nil {
		return nil, err
	}
	return models[0].files, nil
}

// readRevision parses the model under root as it is in a git revision. File names are
// relative to the current folder, as for the working tree, so both sides read alike.
func readRevision(rev, root string) ([]*dsl.File, error) {
	if _, err := git("rev-parse", "--verify", "--quiet", rev+"^{commit}"); err != nil {
		return nil, fmt.Errorf("%q is not a git revision here (and not two existing paths to compare): %v", rev, err)
	}
	prefix, err := git("rev-parse", "--show-prefix")
	if err != nil {
		return nil, err
	}
	prefix = strings.TrimSpace(prefix)
	out, err := git("ls-tree", "-r", "-z", "--full-name", "--name-only", rev, "--", root)
	if err != nil {
		return nil, err
	}
	rootFull := path.Clean(path.Join(prefix, filepath.ToSlash(root)))
	p := dsl.NewParser()
	var parsed []*dsl.File
	for _, name := range strings.Split(out, "\x00") {
		if name == "" || path.Ext(name) != files.Ext || skippedIn(rootFull, name) {
			continue
		}
		text, err := git("cat-file", "blob", rev+":"+name)
		if err != nil {
			return nil, err
		}
		display, err := filepath.Rel(filepath.FromSlash(prefix+"."), filepath.FromSlash(name))
		if err != nil {
			display = name
		}
		parsed = append(parsed, p.Parse(display, text))
	}
	return parsed, nil
}

// skippedIn reports whether a file below root lies in a folder a model skips (hidden
// folders, node_modules, vendor, third_party, testdata), like files.Find.
func skippedIn(root, name string) bool {
	rel := name
	if root != "." && root != "" {
		rel = strings.TrimPrefix(name, root+"/")
	}
	dirs := strings.Split(rel, "/")
	for _, d := range dirs[:len(dirs)-1] {
		switch d {
		case "node_modules", "vendor", "third_party", "testdata":
			return true
		}
		if strings.HasPrefix(d, ".") {
			return true
		}
	}
	return false
}

// git runs git in the current folder and returns its output.
func git(args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return "", fmt.Errorf("git %s: %s", strings.Join(args, " "), msg)
	}
	return stdout.String(), nil
}
