package analysis

import (
	"runtime"
	"sync"
)

// workersFor returns how many goroutines share n pieces of work: the cores (at most four,
// where more stop paying) when there are at least enough pieces, else one.
func workersFor(n, enough int) int {
	if n < enough {
		return 1
	}
	return max(1, min(runtime.GOMAXPROCS(0), 4, n))
}

// inParallel runs fn(0) ... fn(workers-1) on their own goroutines and waits for them all.
func inParallel(workers int, fn func(w int)) {
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(w)
		}()
	}
	wg.Wait()
}

// part returns the bounds of the w-th of n even parts of a list of length l.
func part(l, w, n int) (lo, hi int) { return l * w / n, l * (w + 1) / n }
