package files

import (
	"os"
	"path/filepath"
	"testing"
)

func TestTotalSize(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.threat"), filepath.Join(dir, "b.threat")
	if err := os.WriteFile(a, []byte("model m {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(b, []byte("é\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := TotalSize([]string{a, b, filepath.Join(dir, "missing.threat")}); got != 11+3 {
		t.Errorf("TotalSize = %d; want 14 (bytes, a missing file counting 0)", got)
	}
}
