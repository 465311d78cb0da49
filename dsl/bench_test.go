package dsl

import (
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/threatls/threatls/internal/gen"
)

var (
	largeOnce sync.Once
	largeText string
)

// largeModel returns a generated model of about 1 MB as one file: 1000 services with their
// data, stores, flows, threats, mitigations, responses and comments.
func largeModel() string {
	largeOnce.Do(func() {
		files := gen.Model(1000, 1)
		names := make([]string, 0, len(files))
		for name := range files {
			names = append(names, name)
		}
		sort.Strings(names)
		var b strings.Builder
		for _, name := range names {
			b.WriteString(files[name])
			b.WriteString("\n")
		}
		largeText = b.String()
	})
	return largeText
}

func TestLargeModel(t *testing.T) {
	src := largeModel()
	p := NewParser()
	start := time.Now()
	f := p.Parse("large.threat", src)
	elapsed := time.Since(start)
	t.Logf("parsed %d bytes, %d declarations in %v (%.1f MB/s)", len(src), len(f.Decls), elapsed, float64(len(src))/1e6/elapsed.Seconds())
	for _, d := range f.Diagnostics[:min(len(f.Diagnostics), 10)] {
		line, col := f.Lines.Position(int(d.Span.Start))
		t.Errorf("%d:%d: %s", line, col, d.Message)
	}
	if len(f.Decls) < 8000 {
		t.Errorf("%d declarations, want at least 8000", len(f.Decls))
	}
	out := Format(f)
	checkFormatProperties(t, src, out)
	if again := Format(p.Parse("large.threat", out)); again != out {
		t.Error("Format is not idempotent on the large model")
	}
}

func BenchmarkLex(b *testing.B) {
	src := largeModel()
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		Lex(src)
	}
}

func BenchmarkParse(b *testing.B) {
	src := largeModel()
	p := NewParser()
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		p.Parse("large.threat", src)
	}
}

// BenchmarkParseFiles parses the model as the files it is generated in, as a language server
// or `threatls check` would.
func BenchmarkParseFiles(b *testing.B) {
	files := gen.Model(1000, 1)
	p := NewParser()
	size := 0
	for _, text := range files {
		size += len(text)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		for name, text := range files {
			p.Parse(name, text)
		}
	}
}

func BenchmarkFormat(b *testing.B) {
	src := largeModel()
	f := NewParser().Parse("large.threat", src)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		Format(f)
	}
}

// BenchmarkParseAll parses the model's files concurrently, keeping their tokens, as the
// language server does for open files.
func BenchmarkParseAll(b *testing.B) { benchParseAll(b, (*Parser).ParseAll) }

// BenchmarkParseAllDiscardingTokens parses the model's files concurrently, as `threatls
// check` and the language server's loading do.
func BenchmarkParseAllDiscardingTokens(b *testing.B) {
	benchParseAll(b, (*Parser).ParseAllDiscardingTokens)
}

func benchParseAll(b *testing.B, parseAll func(*Parser, []Source) []*File) {
	files := gen.Model(1000, 1)
	srcs := make([]Source, 0, len(files))
	for name, text := range files {
		srcs = append(srcs, Source{Name: name, Text: text})
	}
	sort.Slice(srcs, func(i, j int) bool { return srcs[i].Name < srcs[j].Name })
	p := NewParser()
	size := 0
	for _, s := range srcs {
		size += len(s.Text)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		parseAll(p, srcs)
	}
	// CPU time, which other processes on a busy machine do not inflate as they do ns/op.
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}

// BenchmarkKeystrokeParse parses a file of the 1,000-service model after a character is
// typed in the middle of it (then deleted, in turn): in whole, and with Reparse from the
// parse before, with tokens and without them (as the language server does).
func BenchmarkKeystrokeParse(b *testing.B) {
	text := gen.Model(1000, 1)["services-000.threat"]
	at := len(text)/2 + strings.Index(text[len(text)/2:], "\n  tech ") + len("\n  tech")
	typed := text[:at] + "x" + text[at:]
	p := NewParser()
	versions := [2]string{typed, text} // each run types or deletes the character
	b.Run("parse", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			p.Parse("f", versions[i%2])
		}
	})
	for _, start := range []struct {
		name  string
		parse func() *File
	}{
		{"reparse", func() *File { return p.Parse("f", text) }},
		{"reparse-without-tokens", func() *File { return p.ParseDiscardingTokens("f", text, new(Scratch)) }},
	} {
		b.Run(start.name, func(b *testing.B) {
			f := start.parse()
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				f = p.Reparse(f, versions[i%2])
			}
		})
	}
}
