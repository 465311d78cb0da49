// Package files finds the .threat files of a model on disk.
package files

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unsafe"
)

// Ext is the extension of model files.
const Ext = ".threat"

// skipDir reports whether a directory is never part of a model: version control, vendored
// and installed dependencies, and hidden folders.
func skipDir(name string) bool {
	switch name {
	case "node_modules", "vendor", "third_party", "testdata":
		return true
	}
	return strings.HasPrefix(name, ".") && name != "." && name != ".."
}

// Find returns the .threat files under root, sorted. Symbolic links to directories are not
// followed, so a model never reaches outside its root through one.
func Find(root string) ([]string, error) {
	info, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", root, unwrapPath(err))
	}
	if !info.IsDir() {
		if filepath.Ext(root) != Ext {
			return nil, fmt.Errorf("%s is not a %s file", root, Ext)
		}
		return []string{root}, nil
	}
	var out []string
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == root {
				return err
			}
			return nil // an unreadable folder inside the model is skipped
		}
		if d.IsDir() {
			if path != root && skipDir(d.Name()) {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() && filepath.Ext(path) == Ext {
			out = append(out, path)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("walking %s: %w", root, err)
	}
	sort.Strings(out)
	return out, nil
}

// ReadText returns the text of the file at path. The bytes read become the string without
// a copy: a model's text is parsed once and kept, and nothing else holds the bytes.
func ReadText(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	return unsafe.String(unsafe.SliceData(data), len(data)), nil
}

// TotalSize returns the sum of the sizes of the named files; files it cannot stat count 0.
func TotalSize(names []string) int {
	total := 0
	for _, name := range names {
		if info, err := os.Stat(name); err == nil {
			total += int(info.Size())
		}
	}
	return total
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// WriteAtomic replaces the file at path with data: it writes a temporary file in the same
// folder and renames it over the original, so the file is never left truncated. The
// original's permissions are kept.
func WriteAtomic(path string, data []byte) error {
	info, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, unwrapPath(err))
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	name := tmp.Name()
	cleanup := func() { _ = os.Remove(name) }
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		cleanup()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Chmod(info.Mode().Perm()); err != nil {
		tmp.Close()
		cleanup()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		cleanup()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(name, path); err != nil {
		cleanup()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
