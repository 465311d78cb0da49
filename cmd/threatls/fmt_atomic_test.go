package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

const unformattedModel = "service   api   {   tech go }\n// a comment that must survive\nstore db {}\n"

// leftovers returns the temporary files WriteAtomic may have left in dir.
func leftovers(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			out = append(out, e.Name())
		}
	}
	return out
}

// TestFmtWriteReadOnlyDir: fmt -w in a folder where no file can be created fails and
// leaves the original file as it was. (Root ignores the permission bits; the test is then
// skipped and TestFmtWriteCannotComplete covers the failure.)
func TestFmtWriteReadOnlyDir(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.threat")
	if err := os.WriteFile(path, []byte(unformattedModel), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o755) })
	if f, err := os.CreateTemp(dir, "probe"); err == nil {
		f.Close()
		os.Remove(f.Name())
		t.Skip("the folder is writable despite its mode (running as root)")
	}
	r := threatls(t, dir, "fmt", "-w", "m.threat")
	if r.code == 0 {
		t.Fatalf("fmt -w in a read-only folder succeeded: %+v", r)
	}
	if got, _ := os.ReadFile(path); string(got) != unformattedModel {
		t.Fatalf("the original changed:\n%s", got)
	}
	if !strings.Contains(r.stderr, "m.threat") {
		t.Errorf("the error does not name the file: %q", r.stderr)
	}
}

// TestFmtWriteCannotComplete: the new text cannot be written in full (the file-size limit
// stops the temporary file, as a full disk would); fmt -w reports the failure, the
// original is intact and no temporary file is left behind.
func TestFmtWriteCannotComplete(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.threat")
	// Large enough that the formatted text exceeds the limit set below.
	text := strings.Repeat(unformattedModel, 200)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	// The limit applies to the child only: run it through sh's ulimit (512-byte blocks).
	cmd := exec.Command("sh", "-c", `ulimit -f 1 && exec "$0" fmt -w m.threat`, binary)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("fmt -w under a 512-byte file-size limit succeeded:\n%s", out)
	}
	if ee, ok := err.(*exec.ExitError); ok {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			t.Fatalf("threatls was killed by %v instead of reporting the error", ws.Signal())
		}
	}
	if got, _ := os.ReadFile(path); string(got) != text {
		t.Fatalf("the original changed (%d bytes, was %d)", len(got), len(text))
	}
	if l := leftovers(t, dir); len(l) > 0 {
		t.Fatalf("temporary files left behind: %v", l)
	}
	if !strings.Contains(string(out), "m.threat") {
		t.Errorf("the error does not name the file: %q", out)
	}
}
