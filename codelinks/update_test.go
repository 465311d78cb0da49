package codelinks

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestUpdate(t *testing.T) {
	root := fixture(t)
	ix := scan(t, root)
	count := func(id string) int { return len(ix.AnnotationsFor(id)) }

	// A modified file is re-read.
	write(t, root, "services/payments/orders.go", "package payments\n\n// threatls: mitigates refund-fraud\nfunc Refund(id string) error { return nil }\n")
	if !ix.Update("services/payments/orders.go") {
		t.Error("Update(modified) = false")
	}
	if count("refund-fraud") != 1 || count("payments") != 0 {
		t.Errorf("after modifying: %s", annString(ix.Annotations()))
	}
	// Nothing changed: Update says so.
	if ix.Update("services/payments/orders.go") {
		t.Error("Update(unchanged) = true")
	}
	// A change outside comments (no annotation moved) is not a change for the index.
	write(t, root, "services/payments/orders.go", "package payments\n\n// threatls: mitigates refund-fraud\nfunc Refund(id string) error { return nil } // same\n")
	if ix.Update("services/payments/orders.go") {
		t.Error("Update(code-only change) = true")
	}

	// A new file appears, with a malformed annotation.
	write(t, root, "web/src/new.ts", "// threatls: mitigats xss@web\nexport function fresh() {}\n")
	if !ix.Update("web/src/new.ts") {
		t.Error("Update(new file) = false")
	}
	if !strings.Contains(strings.Join(ix.Files(), " "), "web/src/new.ts") || len(ix.Problems()) != 2 {
		t.Errorf("after adding: files %v problems %+v", ix.Files(), ix.Problems())
	}
	if l := ix.Resolve("web/src/*.ts"); len(l.Matches) != 2 {
		t.Errorf("glob after adding: %v", l.Matches)
	}

	// A deleted file is dropped.
	if err := os.Remove(filepath.Join(root, "web/src/new.ts")); err != nil {
		t.Fatal(err)
	}
	if !ix.Update("web/src/new.ts") || len(ix.Problems()) != 1 {
		t.Errorf("after deleting: problems %+v", ix.Problems())
	}

	// A new folder is walked; a deleted one is dropped with everything in it.
	write(t, root, "services/billing/invoice.py", "# threatls: mitigates invoice-tampering\ndef invoice():\n    pass\n")
	write(t, root, "services/billing/vendor/dep.py", "# threatls: mitigates vendored-again\n")
	if !ix.Update("services/billing") || count("invoice-tampering") != 1 || count("vendored-again") != 0 {
		t.Errorf("after adding a folder: %s", annString(ix.Annotations()))
	}
	if ix.Update("services/billing") || ix.Update("services") {
		t.Error("Update(unchanged folder) = true")
	}
	if l := ix.Resolve("services/billing/*.py#invoice"); !l.OK {
		t.Errorf("glob into the new folder: %s", l.Problem)
	}
	if err := os.RemoveAll(filepath.Join(root, "services/billing")); err != nil {
		t.Fatal(err)
	}
	if !ix.Update("services/billing") || count("invoice-tampering") != 0 {
		t.Errorf("after deleting a folder: %s", annString(ix.Annotations()))
	}
	for _, f := range ix.Files() {
		if strings.HasPrefix(f, "services/billing") {
			t.Errorf("deleted file still listed: %s", f)
		}
	}

	// Ignored and skipped places stay out.
	write(t, root, "debug.log", "// threatls: mitigates logged\n")
	write(t, root, "vendor/lib/more.go", "// threatls: mitigates vendored-more\n")
	write(t, root, "secrets/more.go", "// threatls: mitigates secret-more\n")
	for _, p := range []string{"debug.log", "vendor/lib/more.go", "secrets/more.go", "vendor", ".hidden/x.go"} {
		if ix.Update(p) {
			t.Errorf("Update(%s) = true for a skipped path", p)
		}
	}
	if count("logged")+count("vendored-more")+count("secret-more") != 0 {
		t.Errorf("skipped files were read: %s", annString(ix.Annotations()))
	}

	// A changed .gitignore rescans: un-ignoring secrets/ brings its files in.
	write(t, root, ".gitignore", "*.log\n")
	if !ix.Update(".gitignore") || count("secret-more") != 1 || count("ignored-secret") != 1 {
		t.Errorf("after changing .gitignore: %s", annString(ix.Annotations()))
	}

	// Paths outside the root are refused; OS separators are accepted.
	for _, p := range []string{"../x.go", "/etc/passwd", "", "."} {
		if ix.Update(p) {
			t.Errorf("Update(%q) = true", p)
		}
	}
	write(t, root, "services/auth/extra.py", "# threatls: exposes extra\n")
	if !ix.Update(`services\auth\extra.py`) {
		t.Error("Update with backslashes failed")
	}
	if count("extra") != 1 {
		t.Errorf("extra: %s", annString(ix.Annotations()))
	}
}

// Update reports a renamed symbol through Resolve, and keeps Stats current.
func TestUpdateThenResolve(t *testing.T) {
	root := fixture(t)
	ix := scan(t, root)
	before := ix.Stats()
	write(t, root, "services/payments/db.go", strings.Replace(mustRead(t, root, "services/payments/db.go"), "func QueryOrders(", "func QueryOrdersByCustomer(", 1))
	ix.Update("services/payments/db.go")
	if l := ix.Resolve("services/payments/db.go#QueryOrders"); l.OK || l.Problem != "no such symbol; the file defines `QueryOrdersByCustomer`" {
		t.Errorf("after renaming: %+v", l)
	}
	write(t, root, "a.go", "// threatls: mitigates one, two\n")
	ix.Update("a.go")
	after := ix.Stats()
	if after.Files != before.Files+1 || after.Annotations != before.Annotations+2 {
		t.Errorf("stats before %+v after %+v", before, after)
	}
}

func mustRead(t *testing.T, root, rel string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
