package dsl

import (
	"runtime"
	"sync"
)

// Source is a file to parse: its name and text.
type Source struct {
	Name, Text string
}

// ParseAll parses files on every core and returns them in the order given.
func (p *Parser) ParseAll(srcs []Source) []*File {
	out := make([]*File, len(srcs))
	workers := min(runtime.GOMAXPROCS(0), len(srcs))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i] = p.Parse(srcs[i].Name, srcs[i].Text)
			}
		}()
	}
	for i := range srcs {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}
