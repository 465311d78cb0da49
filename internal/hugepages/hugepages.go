// Package hugepages prepares the Go heap for a large model: on Linux it asks for
// transparent huge pages on the memory the parser and the analysis are about to fill.
//
// Since Go 1.21.1 the runtime no longer asks Linux for huge pages on its heap. Where
// transparent huge pages are enabled only for memory that asks ("madvise", the default of
// Ubuntu and of many virtual machines), each 4 KiB page a process touches for the first time
// then costs a page fault: about 15 µs in the virtual machines CI and many developers run
// on, which was half of the time of `threatls check` on a model of 1,000 services. A 2 MiB
// page costs one fault for 512 of them.
package hugepages

// Region is heap memory Reserve asked huge pages for.
type Region struct {
	start, end uintptr
	ended      bool
}

// Reserve grows the heap by about n bytes that Linux may back with 2 MiB pages, and frees
// them again at once, so that the allocations that follow fill them. It returns the
// region asked for, or nil when it asked for none: always on other systems; when n is
// under 4 MiB, when huge pages are not enabled for memory that asks (they are "never", or
// "always" and need no asking), when GODEBUG has disablethp=1, when Linux commits memory
// strictly (vm.overcommit_memory = 2), or when n would not fit the memory available. n is
// capped below the memory available and the Go memory limit.
//
// Call it once, early, from the process's owner (package main): the block must be fresh
// memory, which the runtime does not zero (one placed in memory the heap used before is
// zeroed first, page by page); it turns the collector off while it allocates the block
// and then runs a collection to free it.
func Reserve(n int) *Region {
	return reserve(n)
}

// End stops asking for huge pages on the region, for a process that lives on after its
// load: memory its heap touches there from now on gets 4 KiB pages, and Linux's khugepaged
// no longer fills the pages the collector gives back into whole 2 MiB pages again (which
// would grow a long-running server's memory back towards its peak). Huge pages in place
// stay. End on nil does nothing; only the first call does anything. End is not safe for
// concurrent use.
func (r *Region) End() {
	if r == nil || r.ended {
		return
	}
	r.ended = true
	r.stopAsking()
}

// heapPerTextByte is the heap a model takes per byte of its text once parsed and analysed,
// rounded up: 45-70 bytes at 1,000 and 10,000 services (the language server holds more
// than `check`).
const heapPerTextByte = 64

// ReserveForText reserves the heap a model of textBytes bytes of text will take, as Reserve.
func ReserveForText(textBytes int) *Region {
	return Reserve(textBytes * heapPerTextByte)
}
