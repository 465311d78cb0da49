package render

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/threatls/threatls/analysis"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// examples are the models the goldens are made from.
var examples = []struct{ name, dir, focus string }{
	{"webshop", "../examples/webshop", "payments"},
	{"internal-service", "../examples/internal-service", "reporting"},
	{"escaping", "testdata/escaping", "api"},
}

// goldenFile compares got with testdata/golden/name, or rewrites it with -update.
func goldenFile(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./render -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the golden file; run go test ./render -update and review the diff\n%s", name, firstDiff(string(want), got))
	}
}

// firstDiff shows the first line that differs.
func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + itoa(i+1) + ":\n  want: " + w + "\n  got:  " + g
		}
	}
	return ""
}

func itoa(n int) string { return strings.TrimSpace(strings.Repeat(" ", 0) + fmtInt(n)) }

func fmtInt(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

func TestGoldens(t *testing.T) {
	for _, ex := range examples {
		t.Run(ex.name, func(t *testing.T) {
			res := load(t, ex.dir)
			ropts := ReportOptions{Today: today, Root: ex.name}
			goldenFile(t, ex.name+".mmd", Mermaid(res, GraphOptions{}))
			goldenFile(t, ex.name+"-focus.mmd", Mermaid(res, GraphOptions{Focus: ex.focus}))
			goldenFile(t, ex.name+".dot", DOT(res, GraphOptions{}))
			goldenFile(t, ex.name+"-focus.dot", DOT(res, GraphOptions{Focus: ex.focus}))
			goldenFile(t, ex.name+".svg", SVG(res, GraphOptions{}))
			goldenFile(t, ex.name+".report.md", ReportMarkdown(res, ropts))
			goldenFile(t, ex.name+".report.html", ReportHTML(res, ropts))
		})
	}
}

// Output does not depend on map order or on how the model is split into files.
func TestDeterministic(t *testing.T) {
	res := load(t, "../examples/webshop")
	first := Mermaid(res, GraphOptions{}) + DOT(res, GraphOptions{}) + SVG(res, GraphOptions{}) + ReportHTML(res, ReportOptions{Today: today})
	for i := 0; i < 5; i++ {
		res := load(t, "../examples/webshop")
		if got := Mermaid(res, GraphOptions{}) + DOT(res, GraphOptions{}) + SVG(res, GraphOptions{}) + ReportHTML(res, ReportOptions{Today: today}); got != first {
			t.Fatalf("run %d differs", i)
		}
	}
}

func TestFocus(t *testing.T) {
	res := load(t, "../examples/webshop")
	cases := []struct {
		focus       string
		want, never []string
	}{
		// An element and its neighbours, with the flows between them.
		{"worker", []string{"e_worker", "e_events", "e_psp", "e_orders_hdb", "e_audit_hlog"}, []string{"e_customer", "e_storefront", "e_clerk"}},
		// A flow and its two ends.
		{"capture", []string{"e_worker", "e_psp", "Capture and refund"}, []string{"e_events", "e_payments"}},
		// A boundary: what it holds, and their neighbours.
		{"dmz", []string{"e_storefront", "e_customer", "e_clerk", "e_payments", "e_audit_hlog"}, []string{"e_worker", "e_events"}},
	}
	for _, c := range cases {
		got := Mermaid(res, GraphOptions{Focus: c.focus})
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("focus %s: no %q in\n%s", c.focus, w, got)
			}
		}
		for _, n := range c.never {
			if strings.Contains(got, n) {
				t.Errorf("focus %s: %q should not be drawn\n%s", c.focus, n, got)
			}
		}
	}
	if err := CheckFocus(res, "paymnts"); err == nil || !strings.Contains(err.Error(), "did you mean `payments`") {
		t.Errorf("CheckFocus(paymnts) = %v, want a suggestion", err)
	}
	if err := CheckFocus(res, "card"); err == nil || !strings.Contains(err.Error(), "data") {
		t.Errorf("CheckFocus(card) = %v, want: data cannot be focused", err)
	}
	for _, id := range []string{"payments", "capture", "storefront->payments", "shop-vpc"} {
		if err := CheckFocus(res, id); err != nil {
			t.Errorf("CheckFocus(%s) = %v", id, err)
		}
	}
}

// Open threats are marked with text as well as colour, on elements and on flows.
func TestOpenThreatsMarked(t *testing.T) {
	res := load(t, "../examples/webshop")
	open := openThreats(res)
	if open["worker"].count == 0 || open["storefront->audit-log"].count == 0 {
		t.Fatalf("the example should have open threats on worker and storefront->audit-log: %v", open)
	}
	for name, out := range map[string]string{"mermaid": Mermaid(res, GraphOptions{}), "dot": DOT(res, GraphOptions{}), "svg": SVG(res, GraphOptions{})} {
		for _, id := range []string{"worker", "storefront->audit-log"} {
			if !strings.Contains(out, open[id].text()) {
				t.Errorf("%s: no marker %q for %s", name, open[id].text(), id)
			}
		}
		if !strings.Contains(out, colourOpen) {
			t.Errorf("%s: open threats are not coloured", name)
		}
	}
}

func TestEscaping(t *testing.T) {
	if got := mermaidText(`a "b" <c> & #d; ` + "`e`"); got != "a #34;b#34; #60;c#62; #38; #35;d; #96;e#96;" {
		t.Errorf("mermaidText = %q", got)
	}
	if got := dotQuote("a \"b\" \\ c\nd"); got != `"a \"b\" \\ c\nd"` {
		t.Errorf("dotQuote = %s", got)
	}
	if got := mermaidID("e", "end"); got != "e_end" {
		t.Errorf("mermaidID(end) = %s", got)
	}
	if mermaidID("e", "a-b") == mermaidID("e", "a_b") {
		t.Error("mermaidID collides for a-b and a_b")
	}
	res := load(t, "testdata/escaping")
	html := ReportHTML(res, ReportOptions{Today: today})
	if strings.Contains(html, "<script") || strings.Contains(html, "<b>bold") {
		t.Error("model text reaches the HTML unescaped")
	}
	md := ReportMarkdown(res, ReportOptions{Today: today})
	if strings.Contains(strings.ReplaceAll(md, `\<script`, ""), "<script") {
		t.Error("model text reaches the Markdown unescaped")
	}
	if !strings.Contains(SVG(res, GraphOptions{}), "Zahlungsdienst – Kartenzahlung") {
		t.Error("non-ASCII text should stay as it is")
	}
}

// The register calls out acceptances that end within 30 days and ones that expired.
func TestExpiringAcceptances(t *testing.T) {
	res := loadText(t, "m.threat", `
boundary net { trust untrusted }
actor a { in net }
service s { in net }
flow a -> s { encrypted; authenticated token; authorized rbac }
threat soon "Soon" { on s; stride spoofing }
threat later "Later" { on s; stride tampering }
threat gone "Gone" { on s; stride repudiation }
accept soon { reason "r"; owner "o@example.com"; until 2026-12-20 }
accept later { reason "r"; owner "o@example.com"; until 2027-06-30 }
accept gone { reason "r"; owner "o@example.com"; until 2026-11-30 }
`)
	for _, out := range []string{ReportMarkdown(res, ReportOptions{Today: today}), ReportHTML(res, ReportOptions{Today: today})} {
		for _, want := range []string{"EXPIRES in 19 days", "expires on 2026-12-20, in 19 days", "EXPIRED 1 day ago", "expired on 2026-11-30"} {
			if !strings.Contains(out, want) {
				t.Errorf("no %q in the report", want)
			}
		}
		if strings.Contains(out, "later</code> expires") || strings.Contains(out, "`later` expires") {
			t.Error("an acceptance ending in seven months is called out")
		}
	}
}

func TestCoverage(t *testing.T) {
	res := loadText(t, "m.threat", `
boundary net { trust untrusted }
actor a { in net }
store db { in net; kind log; append_only; encrypted_at_rest; access_control; backup }
flow a -> db { encrypted; authenticated token; authorized rbac }
threat t1 { on a, db; stride spoofing, tampering }
`)
	rows := map[string]covRow{}
	for _, r := range coverage(res) {
		rows[r.sym.ID] = r
	}
	// Actor: S has t1 (open), R applies and is a gap, I does not apply.
	if got := rows["a"].cells[0].text(); got != "1 open" {
		t.Errorf("a/S = %q", got)
	}
	if got := rows["a"].cells[2].text(); got != "GAP" {
		t.Errorf("a/R = %q", got)
	}
	if got := rows["a"].cells[3].text(); got != "–" {
		t.Errorf("a/I = %q", got)
	}
	// A declared threat on two targets counts for both.
	if got := rows["db"].cells[1].text(); !strings.Contains(got, "1 open") {
		t.Errorf("db/T = %q", got)
	}
	// Log stores are subject to repudiation.
	if !rows["db"].cells[2].applies {
		t.Error("a log store should be subject to repudiation")
	}
}

// needTool finds a program; without it the test fails under CI and is skipped elsewhere.
func needTool(t *testing.T, name, install string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not installed; CI must install it: %s", name, install)
		}
		t.Skipf("%s is not installed (%s); skipping", name, install)
	}
	return p
}

// Every DOT golden renders with Graphviz without a warning.
func TestDOTRendersWithGraphviz(t *testing.T) {
	dot := needTool(t, "dot", "apt-get install -y graphviz")
	names, _ := filepath.Glob("testdata/golden/*.dot")
	if len(names) == 0 {
		t.Fatal("no DOT goldens")
	}
	for _, name := range names {
		cmd := exec.Command(dot, "-Tsvg", name)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Errorf("dot -Tsvg %s: %v\n%s", name, err, stderr.String())
			continue
		}
		if stderr.Len() > 0 {
			t.Errorf("dot -Tsvg %s warns:\n%s", name, stderr.String())
		}
		if !strings.Contains(stdout.String(), "<svg") || !strings.Contains(stdout.String(), "cluster") {
			t.Errorf("dot -Tsvg %s: no SVG with clusters", name)
		}
	}
}

// Every Mermaid golden, and every mermaid block of the Markdown goldens, parses with
// mermaid's own parser (testdata/mermaid-check, installed with npm ci).
func TestMermaidParses(t *testing.T) {
	node := needTool(t, "node", "apt-get install -y nodejs npm")
	dir := filepath.Join("testdata", "mermaid-check")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "mermaid")); err != nil {
		msg := "mermaid is not installed: run npm ci --prefix render/testdata/mermaid-check"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	cmd := exec.Command(node, "check.mjs", "../golden", "../../../cmd/threatls/testdata/render")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("mermaid check failed: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), " passed, 0 failed") {
		t.Fatalf("mermaid check did not report its count:\n%s", out)
	}
	t.Logf("%s", out)
}

// The HTML report opens in a browser without console errors or blocked requests, and
// shows the diagram.
func TestHTMLInChromium(t *testing.T) {
	chromium := needTool(t, "chromium", "apt-get install -y chromium")
	res := load(t, "../examples/webshop")
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	if err := os.WriteFile(page, []byte(ReportHTML(res, ReportOptions{Today: today})), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
		"--disable-sync", "--no-first-run", "--user-data-dir=" + filepath.Join(dir, "profile"), "--enable-logging=stderr", "--v=0"}
	cmd := exec.Command(chromium, append(args, "--dump-dom", "file://"+page)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, stderr.String())
	}
	dom := stdout.String()
	for _, want := range []string{`<svg xmlns="http://www.w3.org/2000/svg" class="threatls-dfd"`, `class="node service`, `class="flow open"`, `class="boundary"`, "Threat register"} {
		if !strings.Contains(dom, want) {
			t.Errorf("the rendered page has no %q", want)
		}
	}
	if n := strings.Count(dom, `class="node `); n != len(res.Model.Elements) {
		t.Errorf("the diagram shows %d elements, want %d", n, len(res.Model.Elements))
	}
	for _, line := range strings.Split(stderr.String(), "\n") {
		if strings.Contains(line, "CONSOLE") || strings.Contains(line, "Refused to") || strings.Contains(line, "Content Security Policy") || strings.Contains(line, "Uncaught") {
			t.Errorf("browser console: %s", line)
		}
	}
	// A screenshot renders too (look at it with the file viewer when changing the layout).
	shot := filepath.Join(dir, "report.png")
	cmd = exec.Command(chromium, append(args, "--window-size=1280,2000", "--screenshot="+shot, "file://"+page)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium --screenshot: %v\n%s", err, out)
	}
	if info, err := os.Stat(shot); err != nil || info.Size() < 10000 {
		t.Errorf("no screenshot: %v", err)
	}
	if dst := os.Getenv("THREATLS_SCREENSHOT"); dst != "" {
		data, _ := os.ReadFile(shot)
		_ = os.WriteFile(dst, data, 0o644)
	}
}

var _ = analysis.StateOpen
