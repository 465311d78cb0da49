package main

import (
	"runtime/debug"
	"testing"
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

// TestLoadMemoryLowersTheCollectorForALargeModel: once a large model is analysed, the
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
		m := &loadMemory{tuneCollector: tc.tune, largeText: 1 << 10}
		parsed, analysed := m.prepare(tc.text)
		parsed()
		analysed()
		if got := gcPercent(); got != tc.after {
			t.Errorf("%s: GC percent after the first analysis = %d; want %d", tc.name, got, tc.after)
		}
	}
	// Analysed while another load is under way: set when that load is parsed.
	debug.SetGCPercent(50)
	m := loadMemory{tuneCollector: true, largeText: 1 << 10}
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
