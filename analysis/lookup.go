package analysis

import (
	"sync"

	"github.com/threatls/threatls/dsl"
)

// Lookups for editor queries (hover, references, code lenses) on large models: each is an
// index built once per result, on first use, instead of a scan of every reference or
// threat per query. Results are shared by concurrent requests, hence sync.Once.

// lookups indexes a Model's symbols and references. Each index is one list, in groups:
// counted first, then filled, rather than a slice grown per key (at 10,000 services the
// indexes took 135 ms on the first hover after each whole analysis, and many small
// allocations).
type lookups struct {
	once sync.Once
	// refsIn holds, per file, the indexes in Refs of resolved references, in Refs order.
	refsIn map[*dsl.File][]int32
	// refsTo holds, per target symbol, the indexes in Refs of the references to it.
	refsTo map[*Symbol][]int32
	// declaredIn holds, per file, the symbols declared there.
	declaredIn map[*dsl.File][]*Symbol
}

func (m *Model) index() *lookups {
	l := &m.lookups
	l.once.Do(func() {
		resolved := func(yield func(int32, *dsl.File, *Symbol) bool) {
			for i, r := range m.Refs {
				if r.Target != nil && !yield(int32(i), r.File, r.Target) {
					return
				}
			}
		}
		l.refsIn = groupBy(func(yield func(*dsl.File, int32) bool) {
			resolved(func(i int32, f *dsl.File, _ *Symbol) bool { return yield(f, i) })
		})
		l.refsTo = groupBy(func(yield func(*Symbol, int32) bool) {
			resolved(func(i int32, _ *dsl.File, s *Symbol) bool { return yield(s, i) })
		})
		l.declaredIn = groupBy(func(yield func(*dsl.File, *Symbol) bool) {
			for _, list := range [][]*Symbol{m.Boundaries, m.Data, m.Elements, m.Flows, m.Threats, m.Mitigations} {
				for _, s := range list {
					if !yield(s.File, s) {
						return
					}
				}
			}
		})
	})
	return l
}

// groupBy groups the values pairs yields by key, each group in the order yielded: it runs
// pairs twice, to count the groups' sizes and then to fill them, all in one list.
func groupBy[K comparable, V any](pairs func(yield func(K, V) bool)) map[K][]V {
	counts := map[K]int{}
	total := 0
	for k := range pairs {
		counts[k]++
		total++
	}
	all := make([]V, total)
	out := make(map[K][]V, len(counts))
	at := 0
	for k, n := range counts {
		out[k] = all[at : at : at+n]
		at += n
	}
	for k, v := range pairs {
		out[k] = append(out[k], v)
	}
	return out
}

// SymbolAt returns the symbol declared or referenced at offset off of file, and the span of
// its name there.
func (m *Model) SymbolAt(file *dsl.File, off int) (*Symbol, dsl.Span, bool) {
	l := m.index()
	for _, i := range l.refsIn[file] {
		if r := m.Refs[i]; r.Span.Contains(off) {
			return r.Target, r.Span, true
		}
	}
	for _, s := range l.declaredIn[file] {
		if s.Decl.IDSpan().Contains(off) {
			return s, s.Decl.IDSpan(), true
		}
	}
	return nil, dsl.Span{}, false
}

// ReferencesTo returns every reference to the symbol with the given id.
func (m *Model) ReferencesTo(id string) []Reference {
	s := m.Symbols[id]
	if s == nil {
		return []Reference{}
	}
	idx := m.index().refsTo[s]
	out := make([]Reference, 0, len(idx))
	for _, i := range idx {
		out = append(out, m.Refs[i])
	}
	return out
}

// ThreatsOn returns the threats whose target is the symbol with the given id, in id order.
func (r *Result) ThreatsOn(id string) []*Threat {
	r.onOnce.Do(func() {
		r.on = groupBy(func(yield func(*Symbol, *Threat) bool) {
			for _, t := range r.Threats {
				if t.Target != nil && !yield(t.Target, t) {
					return
				}
			}
		})
	})
	if r.Model == nil {
		return nil
	}
	return r.on[r.Model.Symbols[id]]
}
