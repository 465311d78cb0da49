package codelinks

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// symlinkFixture copies the fixture next to a folder outside it, and links out of and
// within the copy:
//
//	repo/out        -> ../outside           (a folder outside the root)
//	repo/out-abs    -> /abs/path/outside    (the same, absolute)
//	repo/secret.go  -> ../outside/secret.go (a file outside the root)
//	repo/gone-out   -> ../outside/missing   (a broken link that would leave the root)
//	repo/broken     -> nowhere              (a broken link inside the root)
//	repo/current    -> services/payments    (a folder inside the root)
//	repo/db-abs.go  -> /abs/path/repo/services/payments/db.go (absolute, inside)
//	repo/loop       -> loop
func symlinkFixture(t *testing.T) (root, outside string) {
	t.Helper()
	root = fixture(t)
	outside = filepath.Join(filepath.Dir(root), "outside")
	write(t, outside, "secret.go", "package outside\n\n// threatls: mitigates from-outside\nfunc Secret() {}\n")
	links := map[string]string{
		"out":       filepath.Join("..", "outside"),
		"out-abs":   outside,
		"secret.go": filepath.Join("..", "outside", "secret.go"),
		"gone-out":  filepath.Join("..", "outside", "missing"),
		"broken":    "nowhere",
		"current":   filepath.Join("services", "payments"),
		"db-abs.go": filepath.Join(root, "services", "payments", "db.go"),
		"loop":      "loop",
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			t.Skipf("symbolic links are not available: %v", err)
		}
	}
	return root, outside
}

func TestResolveSymlinks(t *testing.T) {
	root, _ := symlinkFixture(t)
	ix := scan(t, root)
	real, _ := filepath.EvalSymlinks(root)

	// Links that stay inside the root are followed; Abs is the real place.
	for ref, want := range map[string]string{
		"current":                 "services/payments",
		"current/db.go":           "services/payments/db.go",
		"current/db.go:3":         "services/payments/db.go",
		"current/db.go#Store":     "services/payments/db.go",
		"current/*.go#Refund":     "services/payments/orders.go",
		"current/../web/src":      "web/src", // cleaned lexically: current/.. is the root
		"db-abs.go#QueryOrders":   "services/payments/db.go",
		"services/payments/db.go": "services/payments/db.go",
	} {
		l := ix.Resolve(ref)
		if !l.OK || l.Abs != filepath.Join(real, filepath.FromSlash(want)) {
			t.Errorf("Resolve(%q) = ok %v abs %q problem %q; want %s", ref, l.OK, l.Abs, l.Problem, want)
		}
	}

	// Links that leave the root are refused, whatever the form.
	for _, ref := range []string{"out", "out/secret.go", "out/secret.go:1", "out/secret.go#Secret", "out-abs/secret.go", "secret.go", "secret.go#Secret", "gone-out", "out/**/*.go"} {
		l := ix.Resolve(ref)
		if l.OK || l.Code != CodeOutside {
			t.Errorf("Resolve(%q) = ok %v %s %q; want %s", ref, l.OK, l.Code, l.Problem, CodeOutside)
			continue
		}
		first := strings.FieldsFunc(ref, func(r rune) bool { return r == '/' || r == ':' || r == '#' })[0]
		if want := "`" + first + "` is a symbolic link that leads outside the model root; links must stay inside it"; l.Problem != want {
			t.Errorf("Resolve(%q).Problem = %q, want %q", ref, l.Problem, want)
		}
		if l.Snippet(5) != "" {
			t.Errorf("Resolve(%q) gives a snippet", ref)
		}
	}
	for ref, want := range map[string]string{
		"broken": "`broken` is a broken symbolic link",
		"loop":   "`loop` is a broken symbolic link",
		"loop/x": "`loop` is a broken symbolic link",
	} {
		if l := ix.Resolve(ref); l.OK || l.Code != CodeMissing || l.Problem != want {
			t.Errorf("Resolve(%q) = %s %q, want %q", ref, l.Code, l.Problem, want)
		}
	}

	// The scan follows no link: nothing from outside, no file twice.
	for _, a := range ix.Annotations() {
		if a.ID == "from-outside" || strings.HasPrefix(a.File, "current/") || strings.HasPrefix(a.File, "out") {
			t.Errorf("the scan followed a link: %s:%d %s", a.File, a.Line, a.ID)
		}
	}
	for _, f := range ix.Files() {
		if strings.HasPrefix(f, "out") || strings.HasPrefix(f, "current") || f == "secret.go" {
			t.Errorf("the scan listed a link: %s", f)
		}
	}
	if st := ix.Stats(); st.Symlinks != 8 {
		t.Errorf("stats = %+v", st)
	}
	// Update does not follow links either.
	if ix.Update("out/secret.go") || ix.Update("secret.go") || ix.Update("current/db.go") {
		t.Error("Update followed a link")
	}
	if len(ix.AnnotationsFor("from-outside")) != 0 {
		t.Error("Update read a file outside the root")
	}
	// Rel refuses paths outside the root.
	if _, ok := ix.Rel(filepath.Join(filepath.Dir(root), "outside", "secret.go")); ok {
		t.Error("Rel accepted a path outside the root")
	}
	if rel, ok := ix.Rel(filepath.Join(root, "services", "payments", "db.go")); !ok || rel != "services/payments/db.go" {
		t.Errorf("Rel = %q %v", rel, ok)
	}
}

// A root reached through a symbolic link works: paths are relative to the real root.
func TestRootThroughSymlink(t *testing.T) {
	root := fixture(t)
	alias := filepath.Join(t.TempDir(), "alias")
	if err := os.Symlink(root, alias); err != nil {
		t.Skipf("symbolic links are not available: %v", err)
	}
	ix := scan(t, alias)
	if len(ix.Annotations()) != 14 {
		t.Errorf("annotations through an aliased root: %s", annString(ix.Annotations()))
	}
	if l := ix.Resolve("services/payments/db.go#QueryOrders"); !l.OK {
		t.Error(l.Problem)
	}
	if rel, ok := ix.Rel(filepath.Join(alias, "web", "src", "app.ts")); !ok || rel != "web/src/app.ts" {
		t.Errorf("Rel through the alias = %q %v", rel, ok)
	}
}
