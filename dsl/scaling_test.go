package dsl

import (
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// adversarial inputs of about n bytes each: shapes that once made the parser or the
// formatter quadratic, or ran them out of memory.
var adversarial = map[string]func(n int) string{
	"deep nesting":       func(n int) string { return rep("boundary a { ", n/2) + rep("} ", n/2) },
	"deep unclosed":      func(n int) string { return rep("boundary a { ", n) },
	"errors and decls":   func(n int) string { return rep("service a { in b }\n= = = = = = = =\n", n) },
	"errors in a block":  func(n int) string { return "service a {\n" + rep("  in b = = = = = = = = = =\n", n) + "}\n" },
	"long list":          func(n int) string { return "service a { tech " + rep("a, ", n) + "b }" },
	"unterminated lines": func(n int) string { return rep("data a \"x\n", n) },
	"junk":               func(n int) string { return rep("x ", n) },
	"open braces":        func(n int) string { return rep("{", n) },
	"close braces":       func(n int) string { return rep("}", n) },
	"keywords":           func(n int) string { return rep("service ", n) },
	"keyword lines":      func(n int) string { return rep("service\n", n) },
	"trailing comments":  func(n int) string { return "service a {\n" + rep("  in b // c\n", n) + "}\n" },
	"block comments":     func(n int) string { return rep("/* */", n) },
	"many attributes":    func(n int) string { return "service a {\n" + rep("  in b\n", n) + "}\n" },
	"headers only":       func(n int) string { return rep("service a\n  in b\n", n) },
	"nested unclosed":    func(n int) string { return "boundary a {\n" + rep("  service x {\n", n) },
	"one-line decls":     func(n int) string { return rep("data d { classification public }\n", n) },
}

// rep repeats s to about n bytes.
func rep(s string, n int) string { return strings.Repeat(s, max(1, n/len(s))) }

// TestAdversarialScaling checks that parsing and formatting stay about linear: eight times
// the input may not take 24 times as long (in CPU time, the best of five runs), where
// quadratic work would take 64 times as long.
func TestAdversarialScaling(t *testing.T) {
	if os.Getenv("THREATLS_SCALING") == "" {
		t.Skip("timing test of some seconds: set THREATLS_SCALING=1 to run it")
	}
	p := NewParser()
	run := func(src string) time.Duration {
		best := time.Duration(1 << 62)
		Format(p.Parse("a.threat", src)) // warm up
		for range 5 {
			runtime.GC() // not to charge this run for the garbage of the last
			start := cpuTime()
			f := p.Parse("a.threat", src)
			Format(f)
			best = min(best, cpuTime()-start)
		}
		return best
	}
	for name, mk := range adversarial {
		small, large := mk(20_000), mk(160_000)
		t1, t8 := run(small), run(large)
		if t8 > 30*time.Millisecond && t8 > 24*t1 {
			t.Errorf("%s: %d bytes take %v, %d bytes %v: not linear", name, len(small), t1, len(large), t8)
		}
	}
}

// TestAdversarialProperties runs the fuzz properties on the adversarial inputs.
func TestAdversarialProperties(t *testing.T) {
	p := NewParser()
	for name, mk := range adversarial {
		src := mk(20_000)
		f := p.Parse("a.threat", src)
		checkTokens(t, src, f)
		checkSpans(t, src, f)
		out := Format(f)
		checkFormatProperties(t, src, out)
		if again := Format(p.Parse("a.threat", out)); again != out {
			t.Errorf("%s: Format is not idempotent", name)
		}
	}
}
