package main

import (
	"math"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"testing"
	"time"
)

// gcPercent returns the collector's setting.
func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

func TestLoadMemoryPausesTheCollectorUntilTheLastLoadIsDone(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(123))
	var m loadMemory
	first, analysed := m.prepare(1 << 10)
	second, _ := m.prepare(1 << 10)
	analysed() // a model this small asked for no huge pages: nothing to end
	if got := gcPercent(); got != -1 {
		t.Fatalf("while loading, GC percent = %d; want -1 (paused)", got)
	}
	first()
	first() // a second call changes nothing
	if got := gcPercent(); got != -1 {
		t.Errorf("with one load still under way, GC percent = %d; want -1", got)
	}
	second()
	if got := gcPercent(); got != 123 {
		t.Errorf("after the loads, GC percent = %d; want the setting before them, 123", got)
	}
}

// TestLoadMemoryLowersTheCollectorForALargeModel: once a large model is parsed, the
// server collects when its heap grows by a quarter; a small model, or a setting of the
// user's own (tuneCollector unset), keeps the setting.
func TestLoadMemoryLowersTheCollectorForALargeModel(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(50))
	for _, tc := range []struct {
		name  string
		tune  bool
		text  int
		after int
	}{
		{"large", true, 1 << 10, largeModelGCPercent},
		{"small", true, 1<<10 - 1, 50},
		{"user's setting", false, 1 << 10, 50},
	} {
		debug.SetGCPercent(50)
		m := &loadMemory{tuneCollector: tc.tune, largeText: 1 << 10, limit: fakeLimit(nil)}
		parsed, analysed := m.prepare(tc.text)
		parsed()
		if got := gcPercent(); got != tc.after {
			t.Errorf("%s: GC percent after the parse = %d; want %d", tc.name, got, tc.after)
		}
		analysed()
		if got := gcPercent(); got != tc.after {
			t.Errorf("%s: GC percent after the first analysis = %d; want %d", tc.name, got, tc.after)
		}
	}
	// Analysed while another load is under way: set when that load is parsed.
	debug.SetGCPercent(50)
	m := loadMemory{tuneCollector: true, largeText: 1 << 10, limit: fakeLimit(nil)}
	parsed, analysed := m.prepare(1 << 10)
	parsed()
	other, _ := m.prepare(10)
	analysed()
	if got := gcPercent(); got != -1 {
		t.Errorf("during the other load, GC percent = %d; want -1 (paused)", got)
	}
	other()
	if got := gcPercent(); got != largeModelGCPercent {
		t.Errorf("after the other load, GC percent = %d; want %d", got, largeModelGCPercent)
	}
}

// fakeLimit is a needLimit that records the limits it sets in *limits (when not nil) and
// whose collections find a live heap of 100 MiB.
func fakeLimit(limits *[]int64) needLimit {
	return needLimit{
		set: func(n int64) {
			if limits != nil {
				*limits = append(*limits, n)
			}
		},
		gc:   func() {},
		live: func() uint64 { return 100 << 20 },
	}
}

// TestNeedLimit: the limit is estimated from the text, set from the live heap after the
// first analysis (down as well as up), and raised when a collection finds a live heap an
// eighth over the need; never lowered by one.
func TestNeedLimit(t *testing.T) {
	var limits []int64
	l := fakeLimit(&limits)
	l.estimate(10 << 20)
	if want := limitFor(10 << 20 * neededPerTextByte); len(limits) != 1 || limits[0] != want {
		t.Fatalf("estimated limits %v; want [%d]", limits, want)
	}
	l.estimate(20 << 20) // a second load keeps the need
	l.measure()
	if want := limitFor(100 << 20); len(limits) != 2 || limits[1] != want {
		t.Fatalf("after measuring 100 MiB, limits %v; want %d last", limits, want)
	}
	l.saw(100<<20 + 12<<20) // within an eighth: the limit holds
	l.saw(50 << 20)         // a smaller heap never lowers it
	if len(limits) != 2 {
		t.Fatalf("limits %v changed for a live heap within the need's eighth", limits)
	}
	l.saw(120 << 20)
	if want := limitFor(120 << 20); len(limits) != 3 || limits[2] != want {
		t.Fatalf("after a live heap of 120 MiB, limits %v; want %d last", limits, want)
	}
	if got, want := limitFor(800<<20), int64(800<<20+100<<20+limitSlack); got != want {
		t.Errorf("limitFor(800 MiB) = %d; want %d", got, want)
	}
	l.saw(maxLimitedNeed + 1) // too large a heap to hold near its peak: no limit
	if len(limits) != 4 || limits[3] != math.MaxInt64 {
		t.Fatalf("after a live heap over maxLimitedNeed, limits %v; want no limit last", limits)
	}

	// A model whose estimate is over maxLimitedNeed is not measured: no collection holds
	// the analysis loop, and no limit is set.
	limits = nil
	huge := fakeLimit(&limits)
	collected := false
	huge.gc = func() { collected = true }
	huge.estimate(maxLimitedNeed/neededPerTextByte + 1)
	huge.measure()
	if collected || len(limits) != 1 || limits[0] != math.MaxInt64 {
		t.Errorf("a huge model: collected %v, limits %v; want no collection, no limit", collected, limits)
	}
}

// TestAfterEachCollection: the function runs after collections, again and again.
func TestAfterEachCollection(t *testing.T) {
	var calls atomic.Int32
	afterEachCollection(func() { calls.Add(1) })
	deadline := time.Now().Add(10 * time.Second)
	for calls.Load() < 3 && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(time.Millisecond) // the cleanups run on their own goroutine
	}
	if n := calls.Load(); n < 3 {
		t.Fatalf("called %d times over collections; want at least 3", n)
	}
}

// TestCommandGCPercent: a command collects at 400, at 250 for a large model.
func TestCommandGCPercent(t *testing.T) {
	for _, tc := range []struct{ text, want int }{
		{0, 400}, {largeModelText - 1, 400}, {largeModelText, 250}, {80 << 20, 250},
	} {
		if got := commandGCPercent(tc.text); got != tc.want {
			t.Errorf("commandGCPercent(%d) = %d; want %d", tc.text, got, tc.want)
		}
	}
}

// TestWholeAnalysisDone: a large model's server collects after every whole analysis and
// takes the first collection's live heap as the need; a small model's does nothing.
func TestWholeAnalysisDone(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(50))
	for _, tc := range []struct {
		name        string
		text        int
		collections int
	}{{"large", 1 << 10, 2}, {"small", 10, 0}} {
		var limits []int64
		m := &loadMemory{tuneCollector: true, largeText: 1 << 10, limit: fakeLimit(&limits)}
		collections := 0
		m.limit.gc = func() { collections++ }
		parsed, _ := m.prepare(tc.text)
		parsed()
		m.wholeAnalysisDone()
		m.wholeAnalysisDone()
		if collections != tc.collections {
			t.Errorf("%s: %d collections after two analyses; want %d", tc.name, collections, tc.collections)
		}
		if tc.collections > 0 && (len(limits) != 2 || limits[1] != limitFor(100<<20)) {
			t.Errorf("%s: limits %v; want the estimate, then the need measured once", tc.name, limits)
		}
	}
}
