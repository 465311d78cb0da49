package main

import (
	"runtime/debug"
	"sync"

	"github.com/threatls/threatls/internal/hugepages"
)

// loadMemory readies the process's memory for reading models. Only package main touches
// the process's collector: the packages it uses may run side by side in one process (the
// tests run many servers), and one pause ending another's would be wrong.
type loadMemory struct {
	mu        sync.Mutex
	loading   int  // loads under way
	gcPercent int  // the collector's setting before the first of them
	reserved  bool // huge pages were asked for: a load after that would find no fresh heap
	// tuneCollector is set when the collector's setting is the server's own (neither GOGC
	// nor GOMEMLIMIT is set): a large model then lowers it once analysed.
	tuneCollector bool
	// largeText is the size of a large model's text, largeModelText unless set.
	largeText int
}

// A large model's server collects when its heap has grown by a quarter rather than by
// half, from its first whole analysis on. At 10,000 services (14 MB of text) the live heap
// peaks near 340 MB while the whole model is analysed again after an edit: at GOGC 50 the
// process reached 760 MiB, at 25 about 590 MiB, the whole analysis taking 1.9-2.3 s
// instead of 1.5-1.6 s and a keystroke's own diagnostics no slower. Smaller models keep
// 50: at 1,000 services, 25 made a keystroke 5-7 ms slower (33 -> 39 ms).
const (
	largeModelText      = 4 << 20
	largeModelGCPercent = 25
)

// prepare readies memory for loading a model of textBytes bytes of text: it asks for huge
// pages on the heap the syntax trees and the first analysis will fill, and pauses the
// collector until parsed is called. A parse makes little garbage (nearly all it allocates
// is the tree it keeps), so collecting during it is work for nothing: at 1,000 services
// the server collected eight times while reading the model. A memory limit (GOMEMLIMIT)
// still holds during the pause. analysed ends the asking for huge pages (see
// hugepages.Region.End): the server lives on, and its heap shrinks after the load; and
// for a large model it lowers the collector's setting (largeModelGCPercent).
func (m *loadMemory) prepare(textBytes int) (parsed, analysed func()) {
	m.mu.Lock()
	if m.loading == 0 {
		m.gcPercent = debug.SetGCPercent(-1)
	}
	m.loading++
	// Reserve needs fresh memory (see hugepages.Reserve): the first large load finds it; a
	// later one (a folder added to the workspace) would have the block zeroed page by page.
	var region *hugepages.Region
	if !m.reserved {
		region = hugepages.ReserveForText(textBytes)
		m.reserved = region != nil
	}
	m.mu.Unlock()
	parsed = sync.OnceFunc(func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		m.loading--
		if m.loading == 0 {
			debug.SetGCPercent(m.gcPercent)
		}
	})
	large := m.largeText
	if large == 0 {
		large = largeModelText
	}
	tune := m.tuneCollector && textBytes >= large
	analysed = sync.OnceFunc(func() {
		region.End()
		if !tune {
			return
		}
		m.mu.Lock()
		defer m.mu.Unlock()
		if m.loading == 0 {
			debug.SetGCPercent(largeModelGCPercent)
		} else {
			m.gcPercent = largeModelGCPercent // set when the loads under way are parsed
		}
	})
	return parsed, analysed
}
