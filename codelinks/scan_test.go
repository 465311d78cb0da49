package codelinks

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestScanFixture(t *testing.T) {
	ix := scan(t, fixture(t))
	want := `db/schema.sql:7:24 mitigates sqli (the app role may only SELECT and INSERT)
generated/keep.go:3:24 mitigates reincluded
scripts/deploy.sh:2:23 component deployer
services/auth/login.py:14:27 mitigates brute-force@api (lockout after 5 tries)
services/auth/login.py:14:44 mitigates credential-stuffing (lockout after 5 tries)
services/auth/login.py:20:75 mitigates timing-attack
services/auth/login.py:23:21 exposes unknown-threat
services/payments/db.go:17:24 mitigates sqli (prepared statements only)
services/payments/db.go:22:104 exposes sqli
services/payments/db.go:27:24 mitigates tampering@api->db
services/payments/db.go:27:43 mitigates repudiation@api
services/payments/orders.go:6:24 component payments
web/src/app.ts:1:24 component web
web/src/app.ts:6:24 mitigates xss@web
`
	if got := annString(ix.Annotations()); got != want {
		t.Errorf("annotations:\n%s\nwant:\n%s", got, want)
	}
	// Nothing from skipped, ignored, hidden, generated, binary places, strings or docstrings.
	for _, a := range ix.Annotations() {
		for _, bad := range []string{"vendored", "node-modules", "build-output", "ignored", "in-log", "hidden", "in-generated-code", "in-binary", "string", "not-a-comment", "in-template", "in-sql-string", "raw-string"} {
			if strings.Contains(a.ID, bad) {
				t.Errorf("annotation %s:%d %s should not be found", a.File, a.Line, a.ID)
			}
		}
	}
	probs := ix.Problems()
	if len(probs) != 1 || probs[0].File != "services/auth/login.py" || probs[0].Line != 24 ||
		probs[0].Message != "unknown threatls annotation `mitigate`; did you mean `mitigates`?" {
		t.Errorf("problems = %+v", probs)
	}
	files := strings.Join(ix.Files(), " ")
	for _, skipped := range []string{"vendor/", "node_modules/", "build/", "secrets/", "app.log", "generated/gen.go", "tmp1/", ".hidden/"} {
		if strings.Contains(files, skipped) {
			t.Errorf("files include %s: %s", skipped, files)
		}
	}
	for _, kept := range []string{"generated/keep.go", "assets/logo.png", "docs/notes.md", "gen/api.pb.go"} {
		if !strings.Contains(files, kept) {
			t.Errorf("files lack %s: %s", kept, files)
		}
	}
	st := ix.Stats()
	if st.Binary != 1 || st.Generated != 1 || st.Ignored != 2 || st.SkippedDirs != 6 || st.Annotations != 14 {
		t.Errorf("stats = %+v", st)
	}
}

func TestScanAnnotationPositions(t *testing.T) {
	ix := scan(t, fixture(t))
	got := ix.AnnotationsFor("sqli")
	if len(got) != 3 {
		t.Fatalf("AnnotationsFor(sqli) = %s", annString(got))
	}
	a := got[1] // services/payments/db.go:17
	src, err := os.ReadFile(filepath.Join(ix.Root(), "services/payments/db.go"))
	if err != nil {
		t.Fatal(err)
	}
	if string(src[a.Span.Start:a.Span.End]) != "sqli" {
		t.Errorf("span covers %q", src[a.Span.Start:a.Span.End])
	}
	if c := string(src[a.Comment.Start:a.Comment.End]); c != "// threatls: mitigates sqli -- prepared statements only" {
		t.Errorf("comment span covers %q", c)
	}
	if a.Text != "threatls: mitigates sqli -- prepared statements only" {
		t.Errorf("text = %q", a.Text)
	}
	if len(ix.AnnotationsIn("web/src/app.ts")) != 2 {
		t.Errorf("AnnotationsIn(app.ts) = %v", ix.AnnotationsIn("web/src/app.ts"))
	}
}

func TestScanRejectsBadRoots(t *testing.T) {
	if _, err := (&Repo{Root: "relative/path"}).Scan(context.Background()); err == nil {
		t.Error("a relative root should be refused")
	}
	if _, err := (&Repo{Root: filepath.Join(t.TempDir(), "missing")}).Scan(context.Background()); err == nil {
		t.Error("a missing root should be an error")
	}
	f := filepath.Join(t.TempDir(), "file.go")
	write(t, filepath.Dir(f), "file.go", "package x\n")
	if _, err := (&Repo{Root: f}).Scan(context.Background()); err == nil {
		t.Error("a file root should be an error")
	}
}

func TestScanCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (&Repo{Root: fixture(t)}).Scan(ctx); err == nil {
		t.Error("a cancelled scan should fail")
	}
}

func TestScanLargeFile(t *testing.T) {
	root := t.TempDir()
	var b strings.Builder
	b.WriteString("package big\n\n// threatls: mitigates too-big\nfunc Big() {}\n")
	for b.Len() <= DefaultMaxFileSize {
		b.WriteString("// padding padding padding padding padding padding padding padding\n")
	}
	write(t, root, "big.go", b.String())
	write(t, root, "small.go", "package big\n\n// threatls: mitigates small\nfunc Small() {}\n")
	ix := scan(t, root)
	if got := annString(ix.Annotations()); got != "small.go:3:24 mitigates small\n" {
		t.Errorf("annotations = %q", got)
	}
	if ix.Stats().Large != 1 {
		t.Errorf("stats = %+v", ix.Stats())
	}
	// Links still reach the file; symbols are not searched in it.
	if l := ix.Resolve("big.go:4"); !l.OK {
		t.Errorf("big.go:4: %s", l.Problem)
	}
	if l := ix.Resolve("big.go#Big"); l.OK || l.Code != CodeSymbol || !strings.Contains(l.Problem, "too large") {
		t.Errorf("big.go#Big = %+v", l)
	}
	// A smaller limit applies to both.
	ix2, err := (&Repo{Root: root, MaxFileSize: 10}).Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(ix2.Annotations()) != 0 || ix2.Stats().Large != 2 {
		t.Errorf("with a 10-byte limit: %s %+v", annString(ix2.Annotations()), ix2.Stats())
	}
}

func TestNestedGitignore(t *testing.T) {
	root := t.TempDir()
	write(t, root, ".gitignore", "*.gen.go\n")
	write(t, root, "a/.gitignore", "local/\n!keep.gen.go\n")
	write(t, root, "a/x.gen.go", "// threatls: mitigates root-rule\n")
	write(t, root, "a/keep.gen.go", "// threatls: mitigates kept\n")
	write(t, root, "a/local/y.go", "// threatls: mitigates nested-rule\n")
	write(t, root, "b/local/z.go", "// threatls: mitigates other-folder\n")
	ix := scan(t, root)
	want := "a/keep.gen.go:1:24 mitigates kept\nb/local/z.go:1:24 mitigates other-folder\n"
	if got := annString(ix.Annotations()); got != want {
		t.Errorf("annotations:\n%s\nwant:\n%s", got, want)
	}
}

func TestSkipDir(t *testing.T) {
	for name, want := range map[string]bool{
		".git": true, ".venv": true, "node_modules": true, "vendor": true, "third_party": true,
		"dist": true, "build": true, "target": true, "testdata": true, "src": false, "services": false, ".": false,
	} {
		if SkipDir(name) != want {
			t.Errorf("SkipDir(%q) = %v", name, !want)
		}
	}
}

func TestNilIndex(t *testing.T) {
	var ix *Index
	if ix.Annotations() != nil || ix.AnnotationsFor("x") != nil || ix.AnnotationsIn("x") != nil || ix.Problems() != nil || ix.Files() != nil || ix.Stats() != (Stats{}) {
		t.Error("a nil index should hold nothing")
	}
}

// TestScanInBackground: waiting gives Scan's outcome, as often as asked, errors included.
func TestScanInBackground(t *testing.T) {
	wait := (&Repo{Root: fixture(t)}).ScanInBackground(context.Background())
	first, err := wait()
	if err != nil || len(first.Annotations()) == 0 {
		t.Fatalf("scan in the background: %v, %d annotations", err, len(first.Annotations()))
	}
	if again, err := wait(); again != first || err != nil {
		t.Fatalf("a second wait gave another outcome: %p, %v", again, err)
	}
	if _, err := (&Repo{Root: "relative/path"}).ScanInBackground(context.Background())(); err == nil {
		t.Error("a relative root should be refused in the background too")
	}
}
