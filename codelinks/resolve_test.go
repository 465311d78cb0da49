package codelinks

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestResolveForms(t *testing.T) {
	ix := scan(t, fixture(t))
	tests := []struct {
		ref  string
		form Form
		path string
		line int // the line of a line link, or the symbol's line
		dir  bool
	}{
		{"services/payments/db.go", FormPath, "services/payments/db.go", 0, false},
		{"services/payments", FormPath, "services/payments", 0, true},
		{"services/payments/", FormPath, "services/payments", 0, true},
		{"./services/../services/payments/db.go", FormPath, "services/payments/db.go", 0, false},
		{`services\payments\db.go`, FormPath, "services/payments/db.go", 0, false},
		{".", FormPath, ".", 0, true},
		{"services/**/*.go", FormGlob, "services/**/*.go", 0, false},
		{"services/payments/db.go:22", FormLine, "services/payments/db.go", 22, false},
		{"services/payments/db.go:32", FormLine, "services/payments/db.go", 32, false},
		{"db/schema.sql:1", FormLine, "db/schema.sql", 1, false},
		// Go: functions, methods (Type.Method or Type::Method), consts in a group.
		{"services/payments/db.go#QueryOrders", FormSymbol, "services/payments/db.go", 18, false},
		{"services/payments/db.go#Store", FormSymbol, "services/payments/db.go", 7, false},
		{"services/payments/db.go#Store.Insert", FormSymbol, "services/payments/db.go", 29, false},
		{"services/payments/db.go#Insert", FormSymbol, "services/payments/db.go", 29, false},
		{"services/payments/db.go#Store::Insert", FormSymbol, "services/payments/db.go", 29, false},
		{"services/payments/db.go#maxRows", FormSymbol, "services/payments/db.go", 12, false},
		// Python: classes, methods, functions, module constants.
		{"services/auth/login.py#LoginHandler", FormSymbol, "services/auth/login.py", 11, false},
		{"services/auth/login.py#LoginHandler.post", FormSymbol, "services/auth/login.py", 15, false},
		{"services/auth/login.py#check_password", FormSymbol, "services/auth/login.py", 18, false},
		{"services/auth/login.py#audit", FormSymbol, "services/auth/login.py", 25, false},
		{"services/auth/login.py#MAX_ATTEMPTS", FormSymbol, "services/auth/login.py", 8, false},
		// TypeScript: functions, classes, methods, arrow-function fields and consts.
		{"web/src/app.ts#sanitize", FormSymbol, "web/src/app.ts", 7, false},
		{"web/src/app.ts#App", FormSymbol, "web/src/app.ts", 12, false},
		{"web/src/app.ts#App.render", FormSymbol, "web/src/app.ts", 15, false},
		{"web/src/app.ts#App.handle", FormSymbol, "web/src/app.ts", 19, false},
		{"web/src/app.ts#validate", FormSymbol, "web/src/app.ts", 24, false},
		{"web/src/app.ts#API_URL", FormSymbol, "web/src/app.ts", 4, false},
		// SQL and shell.
		{"db/schema.sql#orders", FormSymbol, "db/schema.sql", 2, false},
		{"db/schema.sql#order_total", FormSymbol, "db/schema.sql", 8, false},
		{"scripts/deploy.sh#deploy", FormSymbol, "scripts/deploy.sh", 5, false},
		// A glob with a symbol names the first matching file that defines it.
		{"services/**/*.go#QueryOrders", FormSymbol, "services/payments/db.go", 18, false},
		// Paths the scan skips still resolve when named.
		{"vendor/lib/lib.go#Lib", FormSymbol, "vendor/lib/lib.go", 4, false},
		{"secrets/keys.go:1", FormLine, "secrets/keys.go", 1, false},
		{"https://example.com/pulls/1", FormURL, "https://example.com/pulls/1", 0, false},
	}
	for _, tt := range tests {
		l := ix.Resolve(tt.ref)
		if !l.OK {
			t.Errorf("Resolve(%q): %s (%s)", tt.ref, l.Problem, l.Code)
			continue
		}
		form := tt.form
		if strings.Contains(tt.ref, "**") && tt.form == FormSymbol {
			form = FormGlob
		}
		if l.Form != form || l.Path != tt.path || l.TargetLine() != tt.line || l.Dir != tt.dir {
			t.Errorf("Resolve(%q) = form %s path %q line %d dir %v; want %s %q %d %v", tt.ref, l.Form, l.Path, l.TargetLine(), l.Dir, form, tt.path, tt.line, tt.dir)
		}
		if l.Form != FormURL && l.Form != FormGlob && l.Abs != filepath.Join(ix.realRoot, filepath.FromSlash(tt.path)) {
			t.Errorf("Resolve(%q).Abs = %q", tt.ref, l.Abs)
		}
		if l.Message("evidence") != "" {
			t.Errorf("Resolve(%q).Message = %q for a link that resolves", tt.ref, l.Message("evidence"))
		}
	}
}

func TestResolveGlobs(t *testing.T) {
	ix := scan(t, fixture(t))
	tests := []struct {
		ref     string
		matches string
	}{
		{"services/**/*.go", "services/payments/db.go services/payments/orders.go"},
		{"**/*.py", "services/auth/login.py"},
		{"web/src/*.ts", "web/src/app.ts"},
		{"services/*", "services/auth services/payments"},
		{"services/**", "services/auth services/auth/login.py services/payments services/payments/db.go services/payments/orders.go"},
		{"services/pay*/[do]*.go", "services/payments/db.go services/payments/orders.go"},
		{"**/db.?o", "services/payments/db.go"},
		// Globs do not reach ignored and skipped folders unless their fixed part names them.
		{"**/keys.go", ""},
		{"**/lib.go", ""},
		{"vendor/**/*.go", "vendor/lib/lib.go"},
		{".hidden/*.go", ".hidden/x.go"},
	}
	for _, tt := range tests {
		l := ix.Resolve(tt.ref)
		if got := strings.Join(l.Matches, " "); got != tt.matches {
			t.Errorf("Resolve(%q).Matches = %q, want %q", tt.ref, got, tt.matches)
		}
		if l.OK != (tt.matches != "") || l.Form != FormGlob {
			t.Errorf("Resolve(%q) = ok %v form %s: %s", tt.ref, l.OK, l.Form, l.Problem)
		}
		if l.Snippet(3) != "" {
			t.Errorf("Resolve(%q).Snippet should be empty for a glob", tt.ref)
		}
	}
}

func TestResolveProblems(t *testing.T) {
	ix := scan(t, fixture(t))
	tests := []struct{ ref, code, problem string }{
		// A renamed symbol, a moved symbol, an unknown one.
		{"services/payments/db.go#QueryOrder", CodeSymbol, "no such symbol; the file defines `QueryOrders`"},
		{"services/payments/db.go#Refund", CodeSymbol, "no such symbol; `Refund` is defined in `services/payments/orders.go`"},
		{"services/payments/db.go#Zzzzzzzz", CodeSymbol, "no such symbol; the file defines `Store`, `maxRows`, `tableRef`, `QueryOrders`, `Store.Insert`"},
		{"services/auth/login.py#LoginHandler.get", CodeSymbol, "no such symbol; the file defines `LoginHandler.post`"},
		{"web/src/app.ts#App.rendr", CodeSymbol, "no such symbol; the file defines `App.render`"},
		{"docs/notes.md#Notes", CodeSymbol, "threatls cannot find symbols in .md files; link a line instead (`docs/notes.md:LINE`)"},
		{"services/payments#X", CodeSymbol, "`services/payments` is a folder; a symbol needs a file"},
		{"services/**/*.go#Nope", CodeSymbol, "no such symbol in the 2 files the pattern matches"},
		{"web/**/*.ts#Nope", CodeSymbol, "no such symbol in the file the pattern matches"},
		// Lines.
		{"services/payments/db.go:33", CodeLine, "line 33 is past the end; the file has 32 lines"},
		{"services/payments/db.go:0", CodeLine, "line 0 is not a line; lines count from 1"},
		{"services/payments:3", CodeLine, "`services/payments` is a folder; a line needs a file"},
		{"services/**/*.go:3", CodeLine, "a line needs a single file, not a pattern"},
		// Missing files, with the closest existing one.
		{"services/payments/db.py", CodeMissing, "no such file or folder; did you mean `services/payments/db.go`?"},
		{"services/billing/db.go", CodeMissing, "no such folder `services/billing`; a file of that name is at `services/payments/db.go`"},
		{"services/payments/ordres.go", CodeMissing, "no such file or folder; did you mean `services/payments/orders.go`?"},
		{"services/payments/db.go/x", CodeMissing, "`services/payments/db.go` is a file, not a folder"},
		{"nothing/**/*.go", CodeMissing, "no such folder `nothing`"},
		{"servces/**/*.go", CodeMissing, "no such folder `servces`; did you mean `services`?"},
		{"services/payments/db.go/*.go", CodeMissing, "`services/payments/db.go` is a file, not a folder"},
		{"**/*.rs", CodeMissing, "the pattern matches no file (patterns skip hidden, vendored, generated and ignored folders unless the pattern names them)"},
		// Confinement.
		{"/etc/passwd", CodeOutside, "absolute paths are not allowed; write the path relative to the model root"},
		{`C:\Windows\system.ini`, CodeOutside, "absolute paths are not allowed; write the path relative to the model root"},
		{"../outside.go", CodeOutside, "the path leaves the model root through `..`; links must stay inside it"},
		{"services/../../outside.go:3", CodeOutside, "the path leaves the model root through `..`; links must stay inside it"},
		{"../**/*.go", CodeOutside, "the path leaves the model root through `..`; links must stay inside it"},
		{"file:///etc/passwd", CodeOutside, "file URLs are not allowed; write a path relative to the model root"},
		// Malformed.
		{"", CodeInvalid, "empty link; write a repository-relative path such as `services/api/main.go`"},
		{"x.go#", CodeInvalid, "nothing after `#`; name a function or type, as in `x.go#Handler`"},
		{"x.go:1-3", CodeInvalid, "a link names one line; write `x.go:1`"},
		{"services/[a-", CodeInvalid, "malformed pattern (check the `[...]` classes)"},
	}
	for _, tt := range tests {
		l := ix.Resolve(tt.ref)
		if l.OK || l.Code != tt.code || l.Problem != tt.problem {
			t.Errorf("Resolve(%q) = ok %v %s %q\nwant %s %q", tt.ref, l.OK, l.Code, l.Problem, tt.code, tt.problem)
		}
		if l.Abs != "" || l.Snippet(5) != "" {
			t.Errorf("Resolve(%q): a failed link has Abs %q or a snippet", tt.ref, l.Abs)
		}
	}
	// The absolute form of a path inside the root is suggested relative.
	l := ix.Resolve(filepath.Join(ix.Root(), "services", "payments", "db.go"))
	if l.OK || l.Code != CodeOutside || !strings.HasSuffix(l.Problem, ": `services/payments/db.go`") {
		t.Errorf("absolute path inside the root: %+v", l)
	}
	if got := ix.Resolve("services/payments/db.go#QueryOrder").Message("evidence"); got != "evidence services/payments/db.go#QueryOrder: no such symbol; the file defines `QueryOrders`" {
		t.Errorf("Message = %q", got)
	}
}

func TestResolveDeletedFile(t *testing.T) {
	root := fixture(t)
	ix := scan(t, root)
	if l := ix.Resolve("services/payments/orders.go#Refund"); !l.OK {
		t.Fatalf("before: %s", l.Problem)
	}
	if err := os.Remove(filepath.Join(root, "services/payments/orders.go")); err != nil {
		t.Fatal(err)
	}
	// Resolve looks at the disk, so a deleted file is reported even before Update.
	for _, ref := range []string{"services/payments/orders.go", "services/payments/orders.go:3", "services/payments/orders.go#Refund"} {
		if l := ix.Resolve(ref); l.OK || l.Code != CodeMissing || !strings.HasPrefix(l.Problem, "no such file or folder") {
			t.Errorf("after deleting, Resolve(%q) = %+v", ref, l)
		}
	}
}

func TestSnippet(t *testing.T) {
	ix := scan(t, fixture(t))
	tests := []struct{ ref, want string }{
		{"services/payments/db.go#QueryOrders", "func QueryOrders(db *sql.DB, customer string) (*sql.Rows, error) {\n\tconst doc = \"// threatls: mitigates not-in-a-string\""},
		{"services/payments/db.go:7", "// Store reads and writes orders.\ntype Store struct {\n\tdb *sql.DB"},
		{"services/payments/db.go", "// Package payments stores orders.\npackage payments"},
		{"services/payments/db.go:32", "\treturn err\n}"},
	}
	for _, tt := range tests {
		l := ix.Resolve(tt.ref)
		n := strings.Count(tt.want, "\n") + 1
		if tt.ref == "services/payments/db.go:32" {
			n = 3 // the file ends: fewer lines come back
		}
		if got := l.Snippet(n); got != tt.want {
			t.Errorf("Resolve(%q).Snippet(%d) = %q, want %q", tt.ref, n, got, tt.want)
		}
	}
	if got := ix.Resolve("services/payments").Snippet(3); got != "" {
		t.Errorf("folder snippet = %q", got)
	}
	if got := ix.Resolve("assets/blob.js:1").Snippet(3); got != "" {
		t.Errorf("binary snippet = %q", got)
	}
	for ref, lang := range map[string]string{"services/payments/db.go": "go", "services/auth/login.py": "python", "web/src/app.ts": "typescript", "db/schema.sql": "sql", "docs/notes.md": ""} {
		if got := ix.Resolve(ref).Lang(); got != lang {
			t.Errorf("Lang(%s) = %q, want %q", ref, got, lang)
		}
	}
}

func TestResolveCacheFollowsEdits(t *testing.T) {
	root := fixture(t)
	ix := scan(t, root)
	if l := ix.Resolve("services/payments/orders.go#Refund"); !l.OK {
		t.Fatal(l.Problem)
	}
	// Rename the function; the size changes, so the cached symbols are dropped even without
	// Update.
	write(t, root, "services/payments/orders.go", "package payments\n\n// RefundOrder gives the money back.\nfunc RefundOrder(id string) error { return nil }\n")
	if l := ix.Resolve("services/payments/orders.go#Refund"); l.OK || l.Problem != "no such symbol; the file defines `RefundOrder`" {
		t.Errorf("after the rename: %+v", l)
	}
}

func TestResolveConcurrentWithUpdate(t *testing.T) {
	root := fixture(t)
	ix := scan(t, root)
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				ix.Resolve("services/payments/db.go#QueryOrders")
				ix.Resolve("services/**/*.go")
				ix.Resolve("services/payments/nope.go")
				ix.AnnotationsFor("sqli")
				ix.Problems()
			}
		}()
	}
	for j := 0; j < 50; j++ {
		write(t, root, "services/new.go", "// threatls: mitigates n"+strings.Repeat("x", j%3)+"\n")
		ix.Update("services/new.go")
		ix.Update("services")
	}
	wg.Wait()
}

// TestSuggestionFollowsNewFiles: the "did you mean" of a missing path is remembered
// between resolutions, and forgotten when a file comes or goes.
func TestSuggestionFollowsNewFiles(t *testing.T) {
	root := t.TempDir()
	write(t, root, "api/handler.go", "package api\n")
	ix := scan(t, root)
	const ref = "api/handlers.go"
	for i := 0; i < 2; i++ {
		if l := ix.Resolve(ref); l.OK || !strings.Contains(l.Problem, "`api/handler.go`") {
			t.Fatalf("resolution %d: %+v, want a suggestion of api/handler.go", i, l)
		}
	}
	write(t, root, "api/handlers.go", "package api\n")
	ix.Update("api/handlers.go")
	if l := ix.Resolve(ref); !l.OK {
		t.Fatalf("after the file was created: %+v", l)
	}
	write(t, root, "api/handlerz.go", "package api\n")
	ix.Update("api/handlerz.go")
	if err := os.Remove(filepath.Join(root, "api", "handlers.go")); err != nil {
		t.Fatal(err)
	}
	ix.Update("api/handlers.go")
	if l := ix.Resolve(ref); l.OK || !strings.Contains(l.Problem, "did you mean") {
		t.Fatalf("after the file was removed again: %+v", l)
	}
}

// TestFoundFollowsUpdates: Found remembers its answers, and forgets them when a file
// changes.
func TestFoundFollowsUpdates(t *testing.T) {
	root := t.TempDir()
	write(t, root, "api/handler.go", "package api\n")
	ix := scan(t, root)
	for i := 0; i < 2; i++ {
		if !ix.Found("api/handler.go") || ix.Found("api/gone.go") {
			t.Fatalf("pass %d: Found disagrees with the tree", i)
		}
	}
	write(t, root, "api/gone.go", "package api\n")
	ix.Update("api/gone.go")
	if !ix.Found("api/gone.go") {
		t.Fatal("a created file is not found after Update")
	}
	if err := os.Remove(filepath.Join(root, "api", "handler.go")); err != nil {
		t.Fatal(err)
	}
	ix.Update("api/handler.go")
	if ix.Found("api/handler.go") {
		t.Fatal("a removed file is still found after Update")
	}
	// Without Update, Found keeps its answer until Resolve, which reads the disk, learns
	// better.
	if !ix.Found("api/gone.go") {
		t.Fatal("an existing file is not found")
	}
	if err := os.Remove(filepath.Join(root, "api", "gone.go")); err != nil {
		t.Fatal(err)
	}
	if !ix.Found("api/gone.go") {
		t.Fatal("Found looked at the disk without being told of a change")
	}
	if ix.Resolve("api/gone.go").OK || ix.Found("api/gone.go") {
		t.Fatal("Found does not follow what Resolve found")
	}
}

// TestRememberedFollowsUpdatesAndResolve: Remembered gives Resolve's answer, problem and
// suggestion included, without looking at the disk again until Update reports a change or
// Resolve looks again.
func TestRememberedFollowsUpdatesAndResolve(t *testing.T) {
	root := t.TempDir()
	write(t, root, "api/handler.go", "package api\n")
	ix := scan(t, root)
	if l := ix.Remembered("api/handlr.go"); l.OK || !strings.Contains(l.Problem, "did you mean") {
		t.Fatalf("a missing file: %+v", l)
	}
	if l := ix.Remembered("api/handler.go"); !l.OK {
		t.Fatalf("an existing file: %+v", l)
	}
	// Created behind the index's back: Remembered keeps its answer.
	answers := ix.Answers()
	write(t, root, "api/handlr.go", "package api\n")
	if l := ix.Remembered("api/handlr.go"); l.OK {
		t.Fatal("Remembered looked at the disk without being told of a change")
	}
	// Resolve finding the same changes no answer.
	if l := ix.Resolve("api/handler.go"); !l.OK || ix.Answers() != answers {
		t.Fatalf("Resolve of an unchanged link: %+v, answers %d -> %d", l, answers, ix.Answers())
	}
	// Resolve looks, and Remembered follows it; Answers says so.
	if l := ix.Resolve("api/handlr.go"); !l.OK {
		t.Fatalf("Resolve does not find a created file: %+v", l)
	}
	if l := ix.Remembered("api/handlr.go"); !l.OK {
		t.Fatal("Remembered does not follow what Resolve found")
	}
	if ix.Answers() == answers {
		t.Fatal("Answers did not change when Resolve found otherwise than Remembered said")
	}
	answers = ix.Answers()
	// Removed and reported: forgotten.
	if err := os.Remove(filepath.Join(root, "api", "handler.go")); err != nil {
		t.Fatal(err)
	}
	ix.Update("api/handler.go")
	if l := ix.Remembered("api/handler.go"); l.OK {
		t.Fatal("a removed file is still remembered after Update")
	}
	if ix.Answers() == answers {
		t.Fatal("Answers did not change when Update reported a change")
	}
}
