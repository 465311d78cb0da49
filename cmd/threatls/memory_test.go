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
