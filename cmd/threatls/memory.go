package main

import (
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
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
	// nor GOMEMLIMIT is set): a large model then lowers it and sets a memory limit.
	tuneCollector bool
	// largeText is the size of a large model's text, largeModelText unless set.
	largeText int
	// limit holds a large model's server to what the model needs; large is set once a
	// large model is loaded.
	limit needLimit
	large bool
}

// A large model's server collects when its heap has grown by a quarter rather than by
// half, from the end of its parse on, and holds its memory to an eighth beyond what the
// model needs (needLimit). Smaller models keep 50: at 1,000 services, 25 made a
// keystroke 5-7 ms slower (33 -> 39 ms).
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
// hugepages.Region.End): the server lives on, and its heap shrinks after the load. For a
// large model, the collector's setting is lowered once parsed (largeModelGCPercent), and
// the memory limit follows what the model needs (needLimit): estimated once parsed,
// measured once a whole analysis is done (wholeAnalysisDone).
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
	large := m.largeText
	if large == 0 {
		large = largeModelText
	}
	tune := m.tuneCollector && textBytes >= large
	if tune {
		m.gcPercent = largeModelGCPercent // set when the loads under way are parsed
		m.large = true
	}
	m.mu.Unlock()
	parsed = sync.OnceFunc(func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		m.loading--
		if m.loading == 0 {
			debug.SetGCPercent(m.gcPercent)
		}
		if tune {
			m.limit.estimate(textBytes)
		}
	})
	analysed = sync.OnceFunc(region.End)
	return parsed, analysed
}

// wholeAnalysisDone is called when the server's analysis loop finishes a whole analysis
// and no change waits (lsp.Options.Analysed): for a large model it collects then, the
// analysis's garbage at its largest and nobody waiting, and measures the need the first
// time (needLimit.measure). Without it the collection came with the next request: at
// 10,000 services, hovers right after an analysis took 4-12 ms instead of about 1 while
// one marked 320 MB.
func (m *loadMemory) wholeAnalysisDone() {
	m.mu.Lock()
	large := m.large
	m.mu.Unlock()
	if large {
		m.limit.measure()
	}
}

// needLimit sets the soft memory limit (debug.SetMemoryLimit) of a large model's server
// to an eighth beyond what the model needs, plus limitSlack for the runtime's own memory.
// The need is the live heap once the first whole analysis is done (with no change
// waiting; see wholeAnalysisDone): a collection then finds the syntax trees, the indexes
// and the analysis's result, and each later
// analysis lets go of the last one's result before it begins, so its live heap peaks near
// that figure again (315 MiB measured, 323-339 MiB at the peaks, at 10,000 services).
// Until then, the need is estimated from the text (neededPerTextByte). After every
// collection, a live heap beyond an eighth over the need becomes the need (a model that
// grew, or a text that needs more than the estimate): the limit follows it up, so that the
// collector does not run without pause.
//
// The collector's setting alone lets the heap grow by its percentage beyond the live heap
// at the last collection, and keeps freed memory mapped until the runtime returns it,
// slowly: at 10,000 services the server reached 446 MiB at GOGC 25, and 384-397 with
// the limit; the collector runs more often near the peak (a keystroke's diagnostics took
// 15-19 ms before, 19-57 with it; the whole model's 1.6 s before, 2.4-3.3 with it), and
// the runtime returns freed memory at once. A need over maxLimitedNeed sets no limit.
type needLimit struct {
	mu   sync.Mutex
	need uint64 // bytes; 0 until estimated
	// measured is set once a collection after a whole analysis set the need.
	measured bool
	// watching is set once collections are watched (afterEachCollection).
	watching bool
	// set applies a limit, gc collects and live returns the live heap the last collection
	// found (debug.SetMemoryLimit, runtime.GC and liveHeap unless set: tests).
	set  func(int64)
	gc   func()
	live func() uint64
}

// neededPerTextByte estimates the live heap a model needs per byte of its text: the
// server needed 22 bytes per byte at 10,000 generated services. Models with more prose
// (descriptions, comments) need less.
const neededPerTextByte = 22

// maxLimitedNeed is the largest need the limit holds memory to. Beyond it each collection
// marks over a gigabyte (seconds of a core), and with the heap held near its peak they ran
// one after another: a whole analysis of 50,000 services (a need of 1.5 GiB) took 46 s
// instead of 13, a hover 60-190 ms instead of 10. There, the collector's setting alone
// governs.
const maxLimitedNeed = 1 << 30

// limitSlack is room beyond the need and its eighth for the runtime's own memory.
const limitSlack = 16 << 20

// limitFor returns the memory limit for a need of need bytes.
func limitFor(need uint64) int64 { return int64(need + need/8 + limitSlack) }

// estimate sets the need from the size of the model's text, and watches collections.
func (l *needLimit) estimate(textBytes int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.need == 0 {
		l.setNeedLocked(uint64(textBytes) * neededPerTextByte)
	}
	if !l.watching {
		l.watching = true
		afterEachCollection(func() { l.saw(l.liveHeap()) })
	}
}

// measure collects and, the first time, makes the live heap the need. It runs on the
// server's analysis loop after each whole analysis (about 0.15 s at 10,000 services), and
// not at all for a need over maxLimitedNeed, which sets no limit: a collection of such a
// heap would hold the loop, and the next keystroke, for seconds.
func (l *needLimit) measure() {
	l.mu.Lock()
	unlimited := l.need > maxLimitedNeed
	l.mu.Unlock()
	if unlimited {
		return
	}
	if l.gc != nil {
		l.gc()
	} else {
		runtime.GC()
	}
	live := l.liveHeap()
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.measured {
		l.measured = true
		l.setNeedLocked(live)
	}
}

// saw notes the live heap a collection found.
func (l *needLimit) saw(live uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if live > l.need+l.need/8 {
		l.setNeedLocked(live)
	}
}

func (l *needLimit) setNeedLocked(need uint64) {
	l.need = need
	limit := limitFor(need)
	if need > maxLimitedNeed {
		limit = math.MaxInt64 // no limit
	}
	if l.set != nil {
		l.set(limit)
		return
	}
	debug.SetMemoryLimit(limit)
}

func (l *needLimit) liveHeap() uint64 {
	if l.live != nil {
		return l.live()
	}
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// afterEachCollection calls fn after every collection from now on, on the runtime's
// cleanup goroutine: a cleanup of an object nobody holds runs once a collection freed it,
// and arms the next.
func afterEachCollection(fn func()) {
	runtime.AddCleanup(new(collectionSentinel), func(struct{}) {
		fn()
		afterEachCollection(fn)
	}, struct{}{})
}

// collectionSentinel is too large to share its memory with other objects (the runtime
// puts tiny ones together), so the first collection after it is made frees it.
type collectionSentinel [32]byte

// tuneCommandCollector sets the collector for a command reading a model of textBytes
// bytes (commandGCPercent), unless GOGC is set.
func tuneCommandCollector(textBytes int) {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(commandGCPercent(textBytes))
	}
}

// commandGCPercent is the collector's setting for a command (check, report, ...) reading a
// model of textBytes bytes: 400, as main sets it, or largeModelCommandGCPercent for a
// large model, which then needs less fresh memory (slow to get in a virtual machine):
// `check` at 10,000 services took 1.26-1.33 s at 250 against 1.40-1.98 s at 400, eight
// runs each, alternating; at 50,000 services 9.2-9.3 s against 9.0-13.3; at 1,000, where
// 250 was no quicker, the setting stays.
func commandGCPercent(textBytes int) int {
	if textBytes >= largeModelText {
		return largeModelCommandGCPercent
	}
	return commandGCPercentDefault
}

const (
	commandGCPercentDefault    = 400
	largeModelCommandGCPercent = 250
)
