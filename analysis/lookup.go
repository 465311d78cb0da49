package analysis

import (
	"sync"

	"github.com/threatls/threatls/dsl"
)

// Lookups for editor queries (hover, references, code lenses) on large models: each is an
// index built once per result, on first use, instead of a scan of every reference or
// threat per query. Results are shared by concurrent requests, hence sync.Once.

// lookups indexes a Model's symbols and references.
type lookups struct {
	once sync.Once
	// refsIn lists, per file, the indexes in Refs of resolved references, in Refs order.
	refsIn map[*dsl.File][]int
	// refsTo lists, per target id, the indexes in Refs of the references to it.
	refsTo map[string][]int
	// declaredIn lists, per file, the symbols declared there.
	declaredIn map[*dsl.File][]*Symbol
}

func (m *Model) index() *lookups {
	l := &m.lookups
	l.once.Do(func() {
		l.refsIn = map[*dsl.File][]int{}
		l.refsTo = map[string][]int{}
		for i, r := range m.Refs {
			if r.Target == nil {
				continue
			}
			l.refsIn[r.File] = append(l.refsIn[r.File], i)
			l.refsTo[r.Target.ID] = append(l.refsTo[r.Target.ID], i)
		}
		l.declaredIn = map[*dsl.File][]*Symbol{}
		for _, s := range m.Symbols {
			l.declaredIn[s.File] = append(l.declaredIn[s.File], s)
		}
	})
	return l
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
	idx := m.index().refsTo[id]
	out := make([]Reference, 0, len(idx))
	for _, i := range idx {
		out = append(out, m.Refs[i])
	}
	return out
}

// ThreatsOn returns the threats whose target is the symbol with the given id, in id order.
func (r *Result) ThreatsOn(id string) []*Threat {
	r.onOnce.Do(func() {
		r.on = map[string][]*Threat{}
		for _, t := range r.Threats {
			if t.Target != nil {
				r.on[t.Target.ID] = append(r.on[t.Target.ID], t)
			}
		}
	})
	return r.on[id]
}
