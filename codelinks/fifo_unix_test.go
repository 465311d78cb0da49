//go:build unix

package codelinks

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// A named pipe blocks whoever opens it for reading until a writer comes. Links to pipes,
// inside or outside the root, must come back at once: a link out of the root is refused
// before anything is opened, and a pipe inside is not a regular file.
func TestResolveNeverOpensRefusedTargets(t *testing.T) {
	root, outside := symlinkFixture(t)
	if err := syscall.Mkfifo(filepath.Join(outside, "pipe"), 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	if err := syscall.Mkfifo(filepath.Join(root, "pipe"), 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	if err := os.Symlink(filepath.Join("..", "outside", "pipe"), filepath.Join(root, "pipe-out")); err != nil {
		t.Fatal(err)
	}
	ix := scan(t, root) // the scan must not open the pipe either
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ref, code := range map[string]string{
			"pipe-out": CodeOutside, "pipe-out:1": CodeOutside, "pipe-out#X": CodeOutside, "out/pipe:1": CodeOutside,
			"pipe": CodeMissing, "pipe:1": CodeMissing, "pipe#X": CodeMissing,
		} {
			if l := ix.Resolve(ref); l.OK || l.Code != code {
				t.Errorf("Resolve(%q) = ok %v %s %q; want %s", ref, l.OK, l.Code, l.Problem, code)
			}
		}
		ix.Update("pipe")
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Resolve blocked: it opened a named pipe")
	}
}
