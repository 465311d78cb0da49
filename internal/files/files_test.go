package files

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
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

func TestReadText(t *testing.T) {
	dir := t.TempDir()
	for _, size := range []int{0, 1, 4095, 4096, 4097, 100_000} {
		text := strings.Repeat("é", size/2) + strings.Repeat("x", size%2)
		path := filepath.Join(dir, "f.threat")
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := ReadText(path)
		if err != nil || got != text {
			t.Errorf("ReadText of %d bytes: got %d bytes, %v; want the file's text", len(text), len(got), err)
		}
	}
	if _, err := ReadText(filepath.Join(dir, "missing.threat")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadText of a missing file: %v; want fs.ErrNotExist", err)
	}
}
