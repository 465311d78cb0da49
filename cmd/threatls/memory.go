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
}

// prepare readies memory for loading a model of textBytes bytes of text: it asks for huge
// pages on the heap the syntax trees and the first analysis will fill, and pauses the
// collector until parsed is called. A parse makes little garbage (nearly all it allocates
// is the tree it keeps), so collecting during it is work for nothing: at 1,000 services
// the server collected eight times while reading the model. A memory limit (GOMEMLIMIT)
// still holds during the pause. analysed ends the asking for huge pages (see
// hugepages.Region.End): the server lives on, and its heap shrinks after the load.
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
	return parsed, sync.OnceFunc(region.End)
}
