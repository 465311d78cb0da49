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
	onEveryCore(len(srcs), func(i int, _ *Scratch) { out[i] = p.Parse(srcs[i].Name, srcs[i].Text) })
	return out
}

// ParseAllDiscardingTokens is ParseAll with ParseDiscardingTokens: for analysing a model.
func (p *Parser) ParseAllDiscardingTokens(srcs []Source) []*File {
	out := make([]*File, len(srcs))
	onEveryCore(len(srcs), func(i int, s *Scratch) {
		out[i] = p.ParseDiscardingTokens(srcs[i].Name, srcs[i].Text, s)
	})
	return out
}

// ReadAndParseDiscardingTokens reads and parses the files named names on every core, with
// ParseDiscardingTokens, and returns them in the order given. read(i) returns the text of
// file i; the worker that parses a file reads it, so reading one file overlaps parsing
// another. When read fails, the file is nil and errs[i] holds the error (errs is nil when
// every file was read).
func (p *Parser) ReadAndParseDiscardingTokens(names []string, read func(i int) (string, error)) (parsed []*File, errs []error) {
	parsed = make([]*File, len(names))
	readErrs := make([]error, len(names))
	onEveryCore(len(names), func(i int, s *Scratch) {
		text, err := read(i)
		if err != nil {
			readErrs[i] = err
			return
		}
		parsed[i] = p.ParseDiscardingTokens(names[i], text, s)
	})
	for _, err := range readErrs {
		if err != nil {
			return parsed, readErrs
		}
	}
	return parsed, nil
}

// onEveryCore calls do(i, scratch) for i in [0, n) on one worker per core; each worker
// has its own scratch buffer.
func onEveryCore(n int, do func(i int, s *Scratch)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var scratch Scratch
			for i := range next {
				do(i, &scratch)
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}
