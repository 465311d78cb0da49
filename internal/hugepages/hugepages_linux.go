package hugepages

import (
	"bytes"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"unsafe"
)

const (
	hugePage       = 2 << 20
	madvHugePage   = 14 // MADV_HUGEPAGE
	madvNoHugePage = 15 // MADV_NOHUGEPAGE
	minReserve     = 2 * hugePage
	maxReserve     = 4 << 30
)

func reserve(n int) *Region {
	if n < minReserve || !askedFor() || strings.Contains(os.Getenv("GODEBUG"), "disablethp=1") || strictOvercommit() {
		return nil
	}
	n = min(n, maxReserve, available()/4)
	if limit := debug.SetMemoryLimit(-1); limit < math.MaxInt64 {
		n = min(n, int(limit/2))
	}
	if n < minReserve {
		return nil
	}
	// A large allocation is mapped fresh from the system and not written to: the runtime
	// knows new memory is zero. It must not start a collection of its own: the one below
	// frees it.
	gcPercent := debug.SetGCPercent(-1)
	b := make([]byte, n)
	base := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	start := (base + hugePage - 1) &^ (hugePage - 1)
	end := (base + uintptr(n)) &^ (hugePage - 1)
	_, _, errno := syscall.Syscall(syscall.SYS_MADVISE, start, end-start, madvHugePage)
	runtime.KeepAlive(b)
	b = nil
	debug.SetGCPercent(gcPercent)
	// Free the block now: until a collection frees it, new objects would go to memory
	// mapped after it, without huge pages.
	runtime.GC()
	if errno != 0 {
		return nil
	}
	return &Region{start: start, end: end}
}

func (r *Region) stopAsking() {
	// The heap never gives its address space back: the range is still mapped.
	_, _, _ = syscall.Syscall(syscall.SYS_MADVISE, r.start, r.end-r.start, madvNoHugePage)
}

// askedFor reports whether Linux gives transparent huge pages to memory that asks for them
// and only to it.
func askedFor() bool {
	mode, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	return err == nil && bytes.Contains(mode, []byte("[madvise]"))
}

// strictOvercommit reports whether Linux refuses memory beyond its commit limit
// (vm.overcommit_memory = 2): there, the block Reserve maps counts against the limit
// although it is never written, and the runtime cannot survive a refused mapping.
func strictOvercommit() bool {
	mode, err := os.ReadFile("/proc/sys/vm/overcommit_memory")
	return err != nil || strings.TrimSpace(string(mode)) == "2"
}

// available returns the memory Linux says is available, in bytes, or 0.
func available() int {
	info, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(info)) {
		if rest, ok := strings.CutPrefix(line, "MemAvailable:"); ok {
			kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}
