package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/threatls/threatls/analysis"
	"github.com/threatls/threatls/internal/sarifcheck"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// binary is the threatls command built once for all tests.
var binary string

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "threatls-cli-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "threatls")
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "building threatls: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	stdout, stderr string
	code           int
}

// threatls runs the binary in dir with args, as a user would.
func threatls(t *testing.T, dir string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("running threatls %s: %v", strings.Join(args, " "), err)
		}
		code = ee.ExitCode()
	}
	return result{stdout.String(), stderr.String(), code}
}

func (r result) wantCode(t *testing.T, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit status %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
	}
}

// writeModel writes files into a new temporary folder and returns it.
func writeModel(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// A model with one open threat of severity high and nothing else to report at error level.
const highModel = `boundary dmz { trust low }
actor customer { kind browser }
data order { classification confidential }
service api "API" {
  in dmz
  handles order
  validates_input
  rate_limited
  audit_logging
}
flow customer -> api { carries order; encrypted; authenticated token; authorized rbac }
threat sqli "SQL injection" { on api; likelihood medium; impact high }
`

var findingLine = regexp.MustCompile(`^(\S+):(\d+):(\d+): (error|warning|info|hint): (.+) \[([a-z0-9-]+)\]$`)

func TestCheckText(t *testing.T) {
	dir := writeModel(t, map[string]string{"model.threat": highModel})
	r := threatls(t, dir, "check")
	r.wantCode(t, 1)
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	want := []string{
		"model.threat:12:8: error: open threat `sqli` (high): SQL injection: nothing answers it; add a mitigation that `mitigates sqli`, or an accept, transfer or not_applicable [open-threat]",
		".: 1 file, threats: 1 open, 0 planned, 0 mitigated, 0 accepted, 0 transferred, 0 not applicable; 1 error, 0 warnings, 0 info, 0 hints",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("stdout:\n%s\nwant:\n%s", r.stdout, strings.Join(want, "\n"))
	}
	if r.stderr != "" {
		t.Errorf("stderr: %s", r.stderr)
	}

	// A path names the model root; file names are as the user would open them.
	r = threatls(t, filepath.Dir(dir), "check", filepath.Base(dir))
	r.wantCode(t, 1)
	if !strings.HasPrefix(r.stdout, filepath.Join(filepath.Base(dir), "model.threat")+":12:8: error: ") {
		t.Errorf("stdout: %s", r.stdout)
	}
}

func TestCheckSeveralModels(t *testing.T) {
	parent := writeModel(t, map[string]string{
		"one/model.threat": highModel,
		"two/model.threat": highModel + "mitigation pq { mitigates sqli; status implemented }\n",
	})
	r := threatls(t, parent, "check", "two", "one")
	r.wantCode(t, 1)
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "two: 1 file, threats: 0 open") ||
		!strings.HasPrefix(lines[1], filepath.Join("one", "model.threat")+":12:8: error: open threat `sqli`") ||
		!strings.HasPrefix(lines[2], "one: 1 file, threats: 1 open") {
		t.Errorf("each model is checked on its own, in the order given:\n%s", r.stdout)
	}
}

func TestCheckFailOn(t *testing.T) {
	dir := writeModel(t, map[string]string{"model.threat": highModel})
	for _, tc := range []struct {
		args []string
		code int
	}{
		{nil, 1}, // default: high
		{[]string{"--fail-on", "high"}, 1},
		{[]string{"--fail-on", "medium"}, 1},
		{[]string{"--fail-on=low"}, 1},
		{[]string{"--fail-on", "critical"}, 0},
		{[]string{"--fail-on", "none"}, 0},
		{[]string{"-fail-on", "CRITICAL"}, 0},
	} {
		r := threatls(t, dir, append([]string{"check"}, tc.args...)...)
		if r.code != tc.code {
			t.Errorf("check %s: exit %d, want %d\n%s%s", strings.Join(tc.args, " "), r.code, tc.code, r.stdout, r.stderr)
		}
	}

	// Answering the threat makes the default check pass.
	answered := writeModel(t, map[string]string{"model.threat": highModel + "mitigation pq { mitigates sqli; status implemented }\n"})
	threatls(t, answered, "check").wantCode(t, 0)

	// Model errors fail whatever --fail-on says.
	broken := writeModel(t, map[string]string{"model.threat": highModel + "service worker { in dmzz }\nflow worker -> {\n"})
	r := threatls(t, broken, "check", "--fail-on", "none")
	r.wantCode(t, 1)
	if !strings.Contains(r.stdout, "unknown boundary `dmzz`: did you mean `dmz`? [unknown-ref]") || !strings.Contains(r.stdout, "[syntax]") {
		t.Errorf("stdout:\n%s", r.stdout)
	}
	// Warnings alone do not fail.
	warn := writeModel(t, map[string]string{"model.threat": highModel + "mitigation pq { mitigates sqli; status implemented }\naccept sqli { reason \"x\"; owner \"y\"; until 2020-01-01 }\n"})
	threatls(t, warn, "check").wantCode(t, 0)
}

func TestCheckUsageErrors(t *testing.T) {
	dir := writeModel(t, map[string]string{"model.threat": highModel, "notes.txt": "not a model", "empty/README": "no model here"})
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"check", "--format", "xml"}, `threatls check: --format "xml" is not supported; use text, json or sarif`},
		{[]string{"check", "--fail-on", "severe"}, `threatls check: --fail-on: unknown severity "severe": expected one of note, low, medium, high, critical (or none)`},
		{[]string{"check", "--today", "2026-13-01"}, `threatls check: --today "2026-13-01" is not a date; write YYYY-MM-DD, such as 2027-06-30`},
		{[]string{"check", "--bogus"}, "threatls check: unknown flag -bogus; run 'threatls check --help' for the flags"},
		{[]string{"check", "--format"}, "threatls check: flag needs an argument: -format; run 'threatls check --help' for the flags"},
		{[]string{"check", "no-such-folder"}, "threatls check: reading no-such-folder: no such file or directory; name a model folder or a .threat file"},
		{[]string{"check", "empty"}, "threatls check: no .threat files under empty; name the folder that holds the model"},
		{[]string{"check", "notes.txt"}, "threatls check: notes.txt is not a .threat file"},
		{[]string{"fmt", "-x"}, "threatls fmt: unknown flag -x; run 'threatls fmt --help' for the flags"},
		{[]string{"fmt", "no-such-folder"}, "threatls fmt: reading no-such-folder: no such file or directory"},
		{[]string{"rules", "--format", "pdf"}, `threatls rules: --format "pdf" is not supported; use text or markdown`},
		{[]string{"rules", "extra"}, `threatls rules: unexpected argument "extra"`},
		{[]string{"chek"}, `threatls: unknown command "chek"; did you mean "check"?`},
		{nil, "Usage:"},
	} {
		r := threatls(t, dir, tc.args...)
		if r.code != 2 {
			t.Errorf("threatls %s: exit %d, want 2", strings.Join(tc.args, " "), r.code)
		}
		if !strings.Contains(r.stderr, tc.want) {
			t.Errorf("threatls %s: stderr %q does not say %q", strings.Join(tc.args, " "), r.stderr, tc.want)
		}
		if r.stdout != "" {
			t.Errorf("threatls %s: stdout %q on a usage error", strings.Join(tc.args, " "), r.stdout)
		}
	}
}

func TestCheckFlagsAfterPaths(t *testing.T) {
	dir := writeModel(t, map[string]string{"model.threat": highModel})
	before := threatls(t, dir, "check", "--format", "json", "--fail-on", "critical", ".")
	after := threatls(t, dir, "check", ".", "--format", "json", "--fail-on", "critical")
	before.wantCode(t, 0)
	after.wantCode(t, 0)
	if before.stdout != after.stdout || !strings.HasPrefix(after.stdout, "{") {
		t.Errorf("flags after the path are not honoured:\n%s", after.stdout)
	}
	// After --, everything is a path.
	r := threatls(t, dir, "check", "--", "--format")
	r.wantCode(t, 2)
	if !strings.Contains(r.stderr, "reading --format") {
		t.Errorf("stderr: %s", r.stderr)
	}
}

func TestCheckDeterministic(t *testing.T) {
	for _, format := range []string{"text", "json", "sarif"} {
		first := threatls(t, ".", "check", "--format", format, "--today", "2026-11-27", "testdata/sample")
		for i := 0; i < 3; i++ {
			if again := threatls(t, ".", "check", "--format", format, "--today", "2026-11-27", "testdata/sample"); again.stdout != first.stdout {
				t.Fatalf("--format %s: run %d differs", format, i)
			}
		}
	}
}

func TestCheckTextFormat(t *testing.T) {
	r := threatls(t, ".", "check", "--today", "2026-11-27", "testdata/sample")
	r.wantCode(t, 1)
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	for _, l := range lines[:len(lines)-1] {
		if !findingLine.MatchString(l) {
			t.Errorf("not file:line:col: severity: message [code]: %q", l)
		}
	}
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "testdata/sample: 2 files, threats: ") {
		t.Errorf("summary line %q", last)
	}
}

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/threatls -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("output differs from %s (run go test ./cmd/threatls -update if the change is intended):\n%s", path, lineDiff(string(want), got))
	}
}

// lineDiff shows the first lines where two texts differ.
func lineDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	n := 0
	for i := 0; i < max(len(wl), len(gl)) && n < 10; i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			fmt.Fprintf(&b, "line %d:\n  want %s\n  got  %s\n", i+1, w, g)
			n++
		}
	}
	return b.String()
}

type jsonReport struct {
	Version int `json:"version"`
	Models  []struct {
		Root     string         `json:"root"`
		Files    []string       `json:"files"`
		Summary  map[string]int `json:"summary"`
		Threats  []jsonThreat   `json:"threats"`
		Findings []jsonFinding  `json:"findings"`
	} `json:"models"`
}

func TestCheckJSON(t *testing.T) {
	r := threatls(t, ".", "check", "--format", "json", "--today", "2026-11-27", "testdata/sample")
	r.wantCode(t, 1)
	golden(t, "sample.json", r.stdout)
	var rep jsonReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Version != 1 || len(rep.Models) != 1 || len(rep.Models[0].Files) != 2 {
		t.Fatalf("report: %+v", rep)
	}
	m := rep.Models[0]
	for _, s := range analysis.States {
		if _, ok := m.Summary[string(s)]; !ok {
			t.Errorf("summary lacks %s", s)
		}
	}
	states := map[string]string{}
	for _, th := range m.Threats {
		states[th.ID] = th.State
	}
	for id, st := range map[string]string{
		"sqli": "planned", "unthrottled-internet-entry@api": "open", "query-injection@api->db": "not_applicable",
		"weak-password-storage@db": "transferred", "direct-datastore-exposure@api->db": "mitigated",
	} {
		if states[id] != st {
			t.Errorf("%s: %q, want %q", id, states[id], st)
		}
	}
}

func TestCheckSARIF(t *testing.T) {
	for _, root := range []string{"testdata/sample", "../../examples/webshop", "../../examples/internal-service"} {
		t.Run(filepath.Base(root), func(t *testing.T) {
			if _, err := os.Stat(root); err != nil {
				t.Skipf("%s: %v", root, err)
			}
			r := threatls(t, ".", "check", "--format", "sarif", "--fail-on", "none", "--coverage", "--today", "2026-11-27", root)
			if r.code != 0 && r.code != 1 {
				r.wantCode(t, 0)
			}
			if err := sarifcheck.Validate([]byte(r.stdout)); err != nil {
				t.Fatalf("the SARIF output does not match the SARIF 2.1.0 schema: %v", err)
			}
			var log struct {
				Runs []struct {
					Tool struct {
						Driver struct {
							Rules []struct{ ID string } `json:"rules"`
						} `json:"driver"`
					} `json:"tool"`
					Results []struct {
						RuleID    string `json:"ruleId"`
						Locations []struct {
							PhysicalLocation struct {
								ArtifactLocation struct{ URI string } `json:"artifactLocation"`
							} `json:"physicalLocation"`
						} `json:"locations"`
					} `json:"results"`
				} `json:"runs"`
			}
			if err := json.Unmarshal([]byte(r.stdout), &log); err != nil {
				t.Fatal(err)
			}
			run := log.Runs[0]
			rules := map[string]bool{}
			for _, r := range run.Tool.Driver.Rules {
				rules[r.ID] = true
			}
			if len(run.Results) == 0 {
				t.Fatalf("no results")
			}
			for _, res := range run.Results {
				if !rules[res.RuleID] {
					t.Errorf("result rule %s is not described in tool.driver.rules", res.RuleID)
				}
				if uri := res.Locations[0].PhysicalLocation.ArtifactLocation.URI; !strings.HasSuffix(uri, ".threat") || strings.Contains(uri, "\\") {
					t.Errorf("artifact URI %q", uri)
				}
			}
		})
	}
}

func TestHelp(t *testing.T) {
	for _, cmd := range []string{"check", "fmt", "rules", "version", "serve"} {
		for _, flag := range []string{"--help", "-h"} {
			r := threatls(t, ".", cmd, flag)
			r.wantCode(t, 0)
			out := r.stdout + r.stderr
			if !strings.Contains(out, "Usage: threatls "+cmd) || !strings.Contains(out, "Example:\n  threatls "+cmd) {
				t.Errorf("threatls %s %s does not say how to use it, with an example:\n%s", cmd, flag, out)
			}
		}
		if r := threatls(t, ".", "help", cmd); r.code != 0 || !strings.Contains(r.stdout+r.stderr, "Usage: threatls "+cmd) {
			t.Errorf("threatls help %s: %d\n%s%s", cmd, r.code, r.stdout, r.stderr)
		}
	}
	for _, arg := range []string{"help", "--help", "-h"} {
		r := threatls(t, ".", arg)
		r.wantCode(t, 0)
		for _, cmd := range []string{"check", "fmt", "rules", "serve", "version"} {
			if !strings.Contains(r.stdout, "threatls "+cmd) {
				t.Errorf("threatls %s does not list %s", arg, cmd)
			}
		}
		if !strings.Contains(r.stdout, "Example:") {
			t.Errorf("threatls %s has no example", arg)
		}
	}
	r := threatls(t, ".", "check", "--help")
	for _, f := range []string{"-format", "-fail-on", "-today", "-coverage"} {
		if !strings.Contains(r.stderr, f) {
			t.Errorf("check --help does not document %s", f)
		}
	}
}

func TestVersion(t *testing.T) {
	for _, arg := range []string{"version", "--version"} {
		r := threatls(t, ".", arg)
		r.wantCode(t, 0)
		if !regexp.MustCompile(`^threatls \S+\n$`).MatchString(r.stdout) {
			t.Errorf("threatls %s: %q", arg, r.stdout)
		}
	}
	threatls(t, ".", "version", "extra").wantCode(t, 2)
}

func TestRulesMarkdownIsDocs(t *testing.T) {
	r := threatls(t, ".", "rules", "--format", "markdown")
	r.wantCode(t, 0)
	doc, err := os.ReadFile("../../docs/rules.md")
	if err != nil {
		t.Fatal(err)
	}
	if string(doc) != r.stdout {
		t.Errorf("docs/rules.md is out of date; regenerate it: go run ./cmd/threatls rules --format markdown > docs/rules.md\n%s", lineDiff(string(doc), r.stdout))
	}
	for _, rule := range analysis.Catalog() {
		if !strings.Contains(r.stdout, "### "+rule.ID+"\n") {
			t.Errorf("docs/rules.md lacks %s", rule.ID)
		}
	}
	text := threatls(t, ".", "rules")
	text.wantCode(t, 0)
	if n := strings.Count(text.stdout, "\n"); n != len(analysis.Catalog()) {
		t.Errorf("rules lists %d lines, want %d", n, len(analysis.Catalog()))
	}
}

const unformatted = "service   api{in dmz;tech go}\nboundary dmz {\n trust low\n}\n"

func TestFmt(t *testing.T) {
	dir := writeModel(t, map[string]string{"a.threat": unformatted, "sub/b.threat": "boundary dmz { trust low }\n"})
	a, b := filepath.Join(dir, "a.threat"), filepath.Join(dir, "sub", "b.threat")
	if err := os.Chmod(a, 0o640); err != nil {
		t.Fatal(err)
	}
	bInfo, _ := os.Stat(b)

	// Printing: the formatted text of every file.
	r := threatls(t, dir, "fmt", "a.threat")
	r.wantCode(t, 0)
	formatted := r.stdout
	if formatted == unformatted || !strings.Contains(formatted, "service api {") {
		t.Fatalf("fmt printed:\n%s", formatted)
	}
	if data, _ := os.ReadFile(a); string(data) != unformatted {
		t.Errorf("fmt without -w changed the file")
	}

	// -l lists only the files that would change.
	r = threatls(t, dir, "fmt", "-l", ".")
	r.wantCode(t, 0)
	if r.stdout != "a.threat\n" {
		t.Errorf("fmt -l: %q", r.stdout)
	}

	// -d prints a unified diff.
	r = threatls(t, dir, "fmt", "-d", ".")
	r.wantCode(t, 0)
	if !strings.HasPrefix(r.stdout, "--- a.threat.orig\n+++ a.threat\n@@ ") || !strings.Contains(r.stdout, "-service   api{in dmz;tech go}") {
		t.Errorf("fmt -d:\n%s", r.stdout)
	}

	// -w rewrites the file in place, keeping its permissions, and leaves formatted files alone.
	r = threatls(t, dir, "fmt", "-w", ".")
	r.wantCode(t, 0)
	if r.stdout != "" {
		t.Errorf("fmt -w printed %q", r.stdout)
	}
	data, _ := os.ReadFile(a)
	if string(data) != formatted {
		t.Errorf("fmt -w wrote:\n%s\nwant:\n%s", data, formatted)
	}
	info, _ := os.Stat(a)
	if info.Mode().Perm() != 0o640 {
		t.Errorf("fmt -w changed the permissions to %v", info.Mode().Perm())
	}
	if info2, _ := os.Stat(b); !info2.ModTime().Equal(bInfo.ModTime()) {
		t.Errorf("fmt -w rewrote an already formatted file")
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("fmt -w left %s behind", e.Name())
		}
	}
	if r := threatls(t, dir, "fmt", "-l", "."); r.stdout != "" {
		t.Errorf("after fmt -w, fmt -l still lists %q", r.stdout)
	}
}

func TestFmtKeepsBrokenDeclarations(t *testing.T) {
	const src = "boundary dmz   { trust low }\nservice api { in dmz\n  tech go,\n"
	dir := writeModel(t, map[string]string{"a.threat": src})
	threatls(t, dir, "fmt", "-w", "a.threat").wantCode(t, 0)
	data, _ := os.ReadFile(filepath.Join(dir, "a.threat"))
	if !strings.Contains(string(data), "service api { in dmz\n  tech go,\n") || len(data) == 0 {
		t.Errorf("fmt -w changed a declaration with a syntax error:\n%s", data)
	}
}

// TestExamplesGolden checks the example models against golden findings, and that they are
// free of syntax, schema and reference errors.
func TestExamplesGolden(t *testing.T) {
	for _, name := range []string{"webshop", "internal-service"} {
		t.Run(name, func(t *testing.T) {
			root := filepath.Join("..", "..", "examples", name)
			if _, err := os.Stat(root); err != nil {
				t.Skipf("%s: %v", root, err)
			}
			r := threatls(t, filepath.Join("..", ".."), "check", "--format", "json", "--today", "2026-11-27", "examples/"+name)
			if r.code != 0 && r.code != 1 {
				r.wantCode(t, 0)
			}
			var rep jsonReport
			if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
				t.Fatal(err)
			}
			for _, f := range rep.Models[0].Findings {
				switch f.Code {
				case "syntax", "schema", "unknown-ref", "wrong-kind", "duplicate-id", "unknown-rule":
					t.Errorf("%s:%d:%d: %s [%s]", f.File, f.Range.Start.Line, f.Range.Start.Column, f.Message, f.Code)
				}
			}
			golden(t, name+".json", r.stdout)
		})
	}
}

// TestExamplesShowEveryState: between them, the examples show every threat state.
func TestExamplesShowEveryState(t *testing.T) {
	seen := map[string]bool{}
	for _, name := range []string{"webshop", "internal-service"} {
		if _, err := os.Stat(filepath.Join("..", "..", "examples", name)); err != nil {
			t.Skipf("examples/%s: %v", name, err)
		}
		r := threatls(t, filepath.Join("..", ".."), "check", "--format", "json", "--today", "2026-11-27", "examples/"+name)
		var rep jsonReport
		if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
			t.Fatal(err)
		}
		for _, th := range rep.Models[0].Threats {
			seen[th.State] = true
		}
	}
	for _, s := range analysis.States {
		if !seen[string(s)] {
			t.Errorf("no example threat is %s", s)
		}
	}
}
