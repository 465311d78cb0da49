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
func (p *Parser) ParseAll(srcs []Source) []*File { return p.parseAll(srcs, false) }

// ParseAllDiscardingTokens is ParseAll with ParseDiscardingTokens: for analysing a model.
func (p *Parser) ParseAllDiscardingTokens(srcs []Source) []*File { return p.parseAll(srcs, true) }

func (p *Parser) parseAll(srcs []Source, discardTokens bool) []*File {
	out := make([]*File, len(srcs))
	workers := min(runtime.GOMAXPROCS(0), len(srcs))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var scratch Scratch
			for i := range next {
				if discardTokens {
					out[i] = p.ParseDiscardingTokens(srcs[i].Name, srcs[i].Text, &scratch)
				} else {
					out[i] = p.Parse(srcs[i].Name, srcs[i].Text)
				}
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
