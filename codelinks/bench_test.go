package codelinks

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// makeTree writes n source files (Go, Python and TypeScript in turn, about 3 KB each) in
// folders of 100, one file in ten annotated, plus a vendor folder and an ignored folder
// the scan must skip.
func makeTree(tb testing.TB, n int) string {
	tb.Helper()
	root := tb.TempDir()
	var goBody, pyBody, tsBody strings.Builder
	for i := 0; i < 60; i++ {
		fmt.Fprintf(&goBody, "// helper%d does one small thing.\nfunc helper%d(x int) int { return x + %d }\n\n", i, i, i)
		fmt.Fprintf(&pyBody, "def helper%d(x):\n    # add a constant\n    return x + %d\n\n", i, i)
		fmt.Fprintf(&tsBody, "export function helper%d(x: number): number {\n  return x + %d; // add\n}\n", i, i)
	}
	write(tb, root, ".gitignore", "ignored/\n*.tmp\n")
	for i := 0; i < n; i++ {
		dir := fmt.Sprintf("pkg%03d/sub%d", i/100, i%3)
		ann := ""
		if i%10 == 0 {
			ann = fmt.Sprintf("threatls: mitigates threat-%d -- generated", i)
		}
		var name, text string
		switch i % 3 {
		case 0:
			name = fmt.Sprintf("file%d.go", i)
			text = "package p\n\n// " + ann + "\n" + goBody.String()
		case 1:
			name = fmt.Sprintf("file%d.py", i)
			text = "import os\n\n# " + ann + "\n" + pyBody.String()
		default:
			name = fmt.Sprintf("file%d.ts", i)
			text = "import x from 'x';\n\n// " + ann + "\n" + tsBody.String()
		}
		p := filepath.Join(root, filepath.FromSlash(dir), name)
		if i%100 == 0 {
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				tb.Fatal(err)
			}
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	for i := 0; i < 100; i++ {
		write(tb, root, fmt.Sprintf("vendor/dep%d/dep.go", i), "// threatls: mitigates vendored\npackage dep\n")
		write(tb, root, fmt.Sprintf("ignored/x%d.go", i), "// threatls: mitigates ignored\npackage x\n")
	}
	return root
}

// BenchmarkScan10k scans a tree of 10,000 source files (about 30 MB).
func BenchmarkScan10k(b *testing.B) {
	root := makeTree(b, 10000)
	b.ResetTimer()
	var ix *Index
	for i := 0; i < b.N; i++ {
		var err error
		ix, err = (&Repo{Root: root}).Scan(context.Background())
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	st := ix.Stats()
	if st.Files != 10001 || st.Annotations != 1000 || st.Read != 10000 {
		b.Fatalf("stats = %+v", st)
	}
	b.ReportMetric(float64(st.Files), "files")
}

// BenchmarkResolveSymbol resolves a `path#symbol` link in a scanned tree (cached after the
// first call, as the language server sees it on every keystroke).
func BenchmarkResolveSymbol(b *testing.B) {
	root := makeTree(b, 300)
	ix, err := (&Repo{Root: root}).Scan(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if l := ix.Resolve("pkg000/sub0/file0.go#helper59"); !l.OK {
			b.Fatal(l.Problem)
		}
	}
}

// BenchmarkResolveGlob resolves a `**` pattern against the 10,000-file index.
func BenchmarkResolveGlob(b *testing.B) {
	root := makeTree(b, 10000)
	ix, err := (&Repo{Root: root}).Scan(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if l := ix.Resolve("pkg05*/**/*.ts"); !l.OK {
			b.Fatal(l.Problem)
		}
	}
}

func TestScanTree(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 1,000 files")
	}
	ix := scan(t, makeTree(t, 1000))
	if st := ix.Stats(); st.Files != 1001 || st.Annotations != 100 || st.SkippedDirs != 2 {
		t.Errorf("stats = %+v", st)
	}
}
