package analysis

import (
	"slices"
	"sort"

	"github.com/threatls/threatls/dsl"
)

// A focused analysis (Options.Focus) needs the findings of one file only. Resolving the
// whole model for them costs as much as analysing it; instead the analysis resolves the
// declarations those findings can depend on: the closure of the file. FocusIndex finds
// them without resolving anything, from the ids each declaration declares and mentions.
//
// The closure holds:
//   - every declaration of the file, those declaring the same ids and those mentioning its
//     ids;
//   - the subjects the rules run on (the file's elements and flows, and the targets of the
//     generated threats its mitigations and responses answer), everything mentioning them
//     (their flows, threats and answers), the flows joining the ends of a subject flow;
//   - for the elements one flow away from a subject (an end): the flows into them, and all
//     their flows when data flows into them (the rules read their inputs and their data);
//   - the services sharing a subject's runtime, and for a subject store the services of its
//     boundary with the flows into them (which is internet-facing);
//   - and, transitively, every declaration an included one names, the other declarations
//     of its id, and the boundaries around included ones, so that everything included
//     resolves as in the whole model.
//
// Lists keep the model's order (file, then text), so "first" means the same in both.

// FocusIndex indexes the declarations of a model's files by the ids they declare and
// mention, for focused analyses. Update it with the model's files before each focused
// analysis: only the files that changed are indexed again. It is not safe for concurrent
// use.
type FocusIndex struct {
	files []*dsl.File
	per   []*fileSummary
	// byID lists the declarations of each symbol id (more than one: a duplicate).
	byID map[string][]declAt
	// mentions lists the declarations that mention each id, in a reference, a flow's end,
	// or (for references written with ends, `a -> b`) under pairKey of the ends; and, under
	// runtimeKey and modelKey, the services of a runtime and the `model` declarations.
	mentions map[string][]declAt
	// ids memoises symbolIDs by the kinds asked for, until a file changes.
	ids map[string][]string
	// shape counts the changes to the index's keys: an edit that keeps every key and
	// shape (most keystrokes) leaves it, so closures computed before still hold.
	shape uint64
	// wants holds, by file, the flows its focused analyses asked for beyond the closure
	// (Model.wantFlows), until the shape changes; wantsGrew counts their growth.
	wants     map[string]map[string]uint8
	wantsGrew uint64
	// deps caches the dependents of the declaration edited last (see dependents).
	deps dependentsCache
}

// declAt is the place of a declaration in the model's order: its file's, and its own in
// the file's summary (pre-order). The declaration itself is looked up (FocusIndex.decl),
// so that an edit that keeps a file's keys replaces its summary and nothing else.
type declAt struct {
	file, seq int32
}

// decl returns the declaration at a place.
func (ix *FocusIndex) decl(at declAt) *dsl.Decl { return ix.per[at.file].decls[at.seq] }

func (x declAt) before(y declAt) bool {
	return x.file < y.file || x.file == y.file && x.seq < y.seq
}

// fileSummary is what FocusIndex keeps of one file.
type fileSummary struct {
	decls []*dsl.Decl // pre-order, as File.Walk
	// parent[i] is the place of decls[i].Parent in decls, or -1.
	parent []int
	// ids[i] is the symbol id decls[i] declares, or "".
	ids []string
	// mentioned[i] lists the keys decls[i] is indexed under in mentions.
	mentioned [][]string
	// shapes[i] is what the closure reads of decls[i] besides its keys.
	shapes []declShape
}

// declShape is what a closure reads of a declaration besides the keys it is indexed under:
// its kind, a flow's arrow, and which of the threats it answers are generated (`rule@x`).
// Declarations with the same keys and shapes make the same closures.
type declShape struct {
	kind  dsl.Kind
	arrow string
	// rules has bit i set when the i-th reference a mitigation's `mitigates` or a
	// response's target names is a generated threat (the first 63; bit 63: any later).
	rules uint64
}

func shapeOf(d *dsl.Decl) declShape {
	sh := declShape{kind: d.Kind, arrow: d.Arrow}
	n := 0
	note := func(r *dsl.Ref) {
		if r != nil && r.Rule != nil {
			sh.rules |= 1 << min(n, 63)
		}
		n++
	}
	if d.Kind.IsResponse() {
		note(d.Target)
	}
	if d.Kind == dsl.KindMitigation {
		if a := d.Attr("mitigates"); a != nil {
			for _, v := range a.Values {
				note(v.Ref)
			}
		}
	}
	return sh
}

// NewFocusIndex returns an empty index.
func NewFocusIndex() *FocusIndex {
	return &FocusIndex{byID: map[string][]declAt{}, mentions: map[string][]declAt{}}
}

// Update indexes files, the model's files in the order analyses are given them. Files
// indexed before at the same place are kept.
func (ix *FocusIndex) Update(files []*dsl.File) {
	if len(files) != len(ix.files) {
		ix.rebuild(files)
		return
	}
	for i, f := range files {
		if ix.files[i] == f {
			continue
		}
		s := summarize(f)
		ix.files[i] = f
		if s.sameKeys(ix.per[i]) {
			// Most keystrokes change no id and no reference: the entries stay where they
			// are, and now name the new file's declarations.
			ix.per[i] = s
			continue
		}
		ix.remove(i)
		ix.reshaped()
		ix.per[i] = s
		ix.insert(i)
	}
}

// reshaped notes a change of the index's keys: what was derived from them is stale.
func (ix *FocusIndex) reshaped() {
	ix.ids = nil
	ix.shape++
	ix.wants = nil
	ix.deps = dependentsCache{}
}

// sameKeys reports whether s indexes its declarations under the same keys, in the same
// places and with the same shapes, as t.
func (s *fileSummary) sameKeys(t *fileSummary) bool {
	if len(s.decls) != len(t.decls) || !slices.Equal(s.ids, t.ids) || !slices.Equal(s.shapes, t.shapes) {
		return false
	}
	for i := range s.mentioned {
		if !slices.Equal(s.mentioned[i], t.mentioned[i]) {
			return false
		}
	}
	return true
}

// rebuild indexes every file anew. The entries come in model order, so each list is
// appended to.
func (ix *FocusIndex) rebuild(files []*dsl.File) {
	per := make([]*fileSummary, len(files))
	// The files are summarised on every core, then merged in order.
	workers := workersFor(len(files), 2)
	inParallel(workers, func(w int) {
		for i := w; i < len(files); i += workers {
			per[i] = summarize(files[i])
		}
	})
	decls, keys := 0, 0
	for _, s := range per {
		decls += len(s.decls)
		for _, k := range s.mentioned {
			keys += len(k)
		}
	}
	*ix = FocusIndex{files: slices.Clone(files), per: per, shape: ix.shape + 1,
		byID: make(map[string][]declAt, decls), mentions: make(map[string][]declAt, keys/4)}
	for file := range per {
		ix.entries(file, func(t table, key string, at declAt) {
			m := ix.table(t)
			m[key] = append(m[key], at)
		})
	}
}

// table names one of the index's tables.
type table int

const (
	byIDTable table = iota
	mentionsTable
)

func (ix *FocusIndex) table(t table) map[string][]declAt {
	if t == byIDTable {
		return ix.byID
	}
	return ix.mentions
}

// entries calls fn with every entry the declarations of file make: in byID under the id a
// declaration declares, in mentions under each key it is mentioned by.
func (ix *FocusIndex) entries(file int, fn func(t table, key string, at declAt)) {
	s := ix.per[file]
	for i := range s.decls {
		at := declAt{file: int32(file), seq: int32(i)}
		if id := s.ids[i]; id != "" {
			fn(byIDTable, id, at)
		}
		for _, k := range s.mentioned[i] {
			fn(mentionsTable, k, at)
		}
	}
}

func summarize(f *dsl.File) *fileSummary {
	s := &fileSummary{}
	var walk func(ds []*dsl.Decl, parent int)
	walk = func(ds []*dsl.Decl, parent int) {
		for _, d := range ds {
			i := len(s.decls)
			s.decls = append(s.decls, d)
			s.parent = append(s.parent, parent)
			s.ids = append(s.ids, symbolID(d))
			s.mentioned = append(s.mentioned, indexKeys(d))
			s.shapes = append(s.shapes, shapeOf(d))
			walk(d.Children, i)
		}
	}
	walk(f.Decls, -1)
	return s
}

// symbolID returns the id a declaration declares a symbol under, or "".
func symbolID(d *dsl.Decl) string {
	if d.Kind == dsl.KindModel || d.Kind.IsResponse() {
		return ""
	}
	return d.ID()
}

// indexKeys returns the keys a declaration is indexed under in mentions.
func indexKeys(d *dsl.Decl) []string {
	keys := mentionKeys(d)
	if rt := d.Word("runtime"); rt != "" {
		keys = append(keys, runtimeKey(rt))
	}
	if d.Kind == dsl.KindModel {
		keys = append(keys, modelKey)
	}
	return keys
}

// resummarize returns the summary of f, an edit of the file old summarises, and the place
// of the declaration holding the edit, when every declaration but that one and those
// around it only moved with the text after the edit (editedDecl). Only those are
// summarised again: the others' text is unchanged, so are their keys (the summaries share
// them). rekeyed lists those of them whose id, keys or shape changed (nil: none).
func resummarize(old *fileSummary, f *dsl.File, edit textEdit) (s *fileSummary, edited int, rekeyed []int, ok bool) {
	s = &fileSummary{decls: make([]*dsl.Decl, 0, len(old.decls)), parent: old.parent, ids: old.ids, mentioned: old.mentioned, shapes: old.shapes}
	same := true
	var walk func(ds []*dsl.Decl, parent int)
	walk = func(ds []*dsl.Decl, parent int) {
		for _, d := range ds {
			i := len(s.decls)
			if i >= len(old.decls) || old.parent[i] != parent {
				same = false
				return
			}
			s.decls = append(s.decls, d)
			walk(d.Children, i)
		}
	}
	walk(f.Decls, -1)
	if !same || len(s.decls) != len(old.decls) {
		return nil, -1, nil, false
	}
	if edited, ok = editedDecl(old, s, edit, f.Text); !ok {
		return nil, -1, nil, false
	}
	for p := edited; p >= 0; p = old.parent[p] {
		d := s.decls[p]
		id, keys, shape := symbolID(d), indexKeys(d), shapeOf(d)
		if id == old.ids[p] && shape == old.shapes[p] && slices.Equal(keys, old.mentioned[p]) {
			continue
		}
		if rekeyed == nil { // the old summary keeps its own
			s.ids, s.mentioned, s.shapes = slices.Clone(old.ids), slices.Clone(old.mentioned), slices.Clone(old.shapes)
		}
		s.ids[p], s.mentioned[p], s.shapes[p] = id, keys, shape
		rekeyed = append(rekeyed, p)
	}
	return s, edited, rekeyed, true
}

// rekey replaces the summary of file fi with s, which differs from it only in the keys of
// the declarations at places rekeyed, and moves their entries. Closures computed before
// no longer hold (dependents), nor the ids by kind (symbolIDs); the flows analyses asked
// for still do.
func (ix *FocusIndex) rekey(fi int, f *dsl.File, s *fileSummary, rekeyed []int) {
	old := ix.per[fi]
	for _, p := range rekeyed {
		at := declAt{file: int32(fi), seq: int32(p)}
		this := func(x declAt) bool { return x == at }
		if id := old.ids[p]; id != "" {
			deleteEntries(ix.byID, id, this)
		}
		for _, k := range old.mentioned[p] {
			deleteEntries(ix.mentions, k, this)
		}
		if id := s.ids[p]; id != "" {
			ix.byID[id] = insertBlock(ix.byID[id], []declAt{at})
		}
		for _, k := range s.mentioned[p] {
			ix.mentions[k] = insertBlock(ix.mentions[k], []declAt{at})
		}
	}
	ix.files[fi], ix.per[fi] = f, s
	ix.shape++
	ix.deps = dependentsCache{}
	ix.ids = nil // a kind changed keeps the id but moves it between kinds (found by review)
}

// deleteEntries deletes the entries of key that match from table, and the key when none
// is left.
func deleteEntries(table map[string][]declAt, key string, match func(declAt) bool) {
	if l := slices.DeleteFunc(table[key], match); len(l) > 0 {
		table[key] = l
	} else {
		delete(table, key)
	}
}

// mentionKeys returns the keys a declaration is indexed under in mentions: the ids in its
// references (a response's threat, the values of attributes the schema types as
// references, which alone the analysis resolves) and a flow's ends, and the ends of
// references written `a -> b`.
func mentionKeys(d *dsl.Decl) []string {
	var keys []string
	ref := func(r *dsl.Ref) {
		if r == nil || r.From == nil {
			return
		}
		keys = append(keys, r.From.Name)
		if r.To != nil {
			keys = append(keys, r.To.Name, r.Target(), pairKey(r.From.Name, r.To.Name))
		}
	}
	if d.From != nil {
		keys = append(keys, d.From.Name)
	}
	if d.To != nil {
		keys = append(keys, d.To.Name)
	}
	if d.From != nil && d.To != nil {
		keys = append(keys, pairKey(d.From.Name, d.To.Name))
	}
	ref(d.Target)
	for _, a := range d.Attrs {
		if spec, ok := dsl.LookupAttribute(d.Kind, a.Key.Name); !ok || spec.Type != dsl.TypeRef {
			continue
		}
		for _, v := range a.Values {
			ref(v.Ref)
		}
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

// runtimeKey is the key of the declarations with `runtime rt`.
func runtimeKey(rt string) string { return "\x01" + rt }

// modelKey is the key of the `model` declarations.
const modelKey = "\x02model"

// pairKey is the key of two ends, in either order.
func pairKey(a, b string) string {
	if b < a {
		a, b = b, a
	}
	return "\x00" + a + "\x00" + b
}

// insert adds the entries of one file. They sort together (by file, then place), so each
// list takes them as one block.
func (ix *FocusIndex) insert(file int) {
	var blocks [2]map[string][]declAt
	ix.entries(file, func(t table, key string, at declAt) {
		if blocks[t] == nil {
			blocks[t] = map[string][]declAt{}
		}
		blocks[t][key] = append(blocks[t][key], at)
	})
	for t, keys := range blocks {
		m := ix.table(table(t))
		for key, block := range keys {
			m[key] = insertBlock(m[key], block)
		}
	}
}

// remove drops the entries of one file, from each list once.
func (ix *FocusIndex) remove(file int) {
	var done [2]map[string]bool
	ix.entries(file, func(t table, key string, _ declAt) {
		if done[t] == nil {
			done[t] = map[string]bool{}
		}
		if done[t][key] {
			return
		}
		done[t][key] = true
		deleteEntries(ix.table(t), key, func(x declAt) bool { return int(x.file) == file })
	})
}

// insertBlock inserts block, entries of one file in order, into the sorted list.
func insertBlock(list, block []declAt) []declAt {
	if len(block) == 0 {
		return list
	}
	i := sort.Search(len(list), func(i int) bool { return block[0].before(list[i]) })
	return slices.Insert(list, i, block...)
}

// declaredIn reports whether a declaration of file fi declares id.
func (ix *FocusIndex) declaredIn(id string, fi int) bool {
	for _, at := range ix.byID[id] {
		if int(at.file) == fi {
			return true
		}
	}
	return false
}

// symbolKind returns the kind of the symbol id names (its first declaration), if any.
func (ix *FocusIndex) symbolKind(id string) (dsl.Kind, bool) {
	if l := ix.byID[id]; len(l) > 0 {
		return ix.decl(l[0]).Kind, true
	}
	return "", false
}

// How many of an element's flows a closure holds (Symbol.flowsKnown).
const (
	flowsSome uint8 = iota // perhaps not all: the facts that read its flows ask for them
	flowsInto              // every flow into it (a two-way one goes both ways)
	flowsAll               // every flow it is an end of
)

// closure returns the declarations a focused analysis of file needs, in model order, and
// how many of their flows it holds for the elements that are not flowsSome; nil when file
// is not indexed. want asks for the flows of more elements, by id (Model.wantFlows).
func (ix *FocusIndex) closure(file string, want map[string]uint8) ([]declAt, map[string]uint8) {
	fi := ix.fileIndex(file)
	if fi < 0 {
		return nil, nil
	}
	return ix.closureOf(fi, nil, want)
}

// closureOf is closure for some of the declarations of file fi: those whose places in its
// summary seeds lists (nil: all).
func (ix *FocusIndex) closureOf(fi int, seeds []int, want map[string]uint8) ([]declAt, map[string]uint8) {
	c := ix.newClosureBuilder()
	c.from(fi, seeds, want)
	sort.Slice(c.list, func(i, j int) bool { return c.list[i].before(c.list[j]) })
	return c.list, c.known
}

// fileIndex returns the place of file in the index, or -1.
func (ix *FocusIndex) fileIndex(file string) int {
	for i, f := range ix.files {
		if f.Name == file {
			return i
		}
	}
	return -1
}

func (ix *FocusIndex) newClosureBuilder() *closureBuilder {
	return &closureBuilder{ix: ix, in: make([][]uint64, len(ix.per)), known: map[string]uint8{}, boundaries: map[string]bool{}}
}

// from adds the closure of the seeds of file fi (places in its summary; nil: all).
func (c *closureBuilder) from(fi int, seeds []int, want map[string]uint8) {
	ix := c.ix
	s := ix.per[fi]
	var subjects []declAt
	hasModel := false
	seed := func(i int) {
		d := s.decls[i]
		at := declAt{file: int32(fi), seq: int32(i)}
		c.add(at)
		hasModel = hasModel || d.Kind == dsl.KindModel
		if id := s.ids[i]; id != "" {
			c.addAll(ix.byID[id])
			c.addAll(ix.mentions[id])
			c.known[id] = flowsAll
		}
		if d.Kind.IsElement() || d.Kind == dsl.KindFlow {
			subjects = append(subjects, at)
		}
		// The targets of the generated threats the file's mitigations and responses answer.
		answer := func(r *dsl.Ref) {
			if r == nil || r.Rule == nil || r.From == nil {
				return
			}
			subjects = append(subjects, ix.byID[r.Target()]...)
			if r.To != nil {
				for _, x := range ix.mentions[pairKey(r.From.Name, r.To.Name)] {
					if ix.decl(x).Kind == dsl.KindFlow {
						subjects = append(subjects, x)
					}
				}
			}
		}
		if d.Kind == dsl.KindMitigation {
			if a := d.Attr("mitigates"); a != nil {
				for _, v := range a.Values {
					answer(v.Ref)
				}
			}
		}
		if d.Kind.IsResponse() {
			answer(d.Target)
		}
	}
	if seeds == nil {
		for i := range s.decls {
			seed(i)
		}
	} else {
		for _, i := range seeds {
			seed(i)
		}
	}
	if hasModel {
		c.addAll(ix.mentions[modelKey])
	}
	if c.found {
		return
	}
	// ends are the elements one flow away from a subject; dst those data flows into.
	ends := map[string]bool{}
	dst := map[string]bool{}
	flowEnds := func(f *dsl.Decl) {
		if f.From == nil || f.To == nil {
			return
		}
		ends[f.From.Name], ends[f.To.Name] = true, true
		dst[f.To.Name] = true
		if f.Arrow == "<->" {
			dst[f.From.Name] = true
		}
	}
	for _, sub := range subjects {
		c.add(sub)
		d := ix.decl(sub)
		id := ix.per[sub.file].ids[sub.seq]
		if id == "" {
			continue
		}
		c.known[id] = flowsAll
		for _, x := range ix.mentions[id] {
			c.add(x)
			if xd := ix.decl(x); xd.Kind == dsl.KindFlow && (xd.From != nil && xd.From.Name == id || xd.To != nil && xd.To.Name == id) {
				flowEnds(xd)
			}
		}
		if d.Kind == dsl.KindFlow && d.From != nil && d.To != nil {
			// Answers and threats naming the flow by its ends, and the flows joining them.
			c.addAll(ix.mentions[pairKey(d.From.Name, d.To.Name)])
			flowEnds(d)
		}
		if rt := d.Word("runtime"); rt != "" && d.Kind == dsl.KindService {
			for _, x := range ix.mentions[runtimeKey(rt)] {
				if ix.decl(x).Kind == dsl.KindService {
					c.add(x)
				}
			}
		}
		if d.Kind == dsl.KindStore {
			c.boundaryServices(d)
		}
	}
	for e := range ends {
		// An end declared in the file has all its flows, as when every declaration of the
		// file is a seed (its own are then added); so a closure of some of them holds what
		// their facts read without asking (found by review: the flows of an actor of the
		// file, which a receiver's data comes from).
		if ix.declaredIn(e, fi) {
			c.flowsOf(e, flowsAll)
			continue
		}
		// An actor's flows are rarely read (it is no subject of the rules that read a
		// receiver's data or a sender's inputs), and a shared one has many: its facts ask.
		if k, _ := ix.symbolKind(e); k == dsl.KindActor {
			continue
		}
		if dst[e] {
			c.flowsOf(e, flowsAll)
		} else {
			c.flowsOf(e, flowsInto)
		}
	}
	for id, level := range want {
		c.flowsOf(id, level)
	}
	if !c.found {
		c.complete()
	}
}

// reset empties the builder for another closure, keeping its memory.
func (c *closureBuilder) reset() {
	for _, at := range c.list {
		c.in[at.file][at.seq/64] = 0
	}
	c.list, c.next, c.found = c.list[:0], 0, false
	clear(c.known)
	clear(c.boundaries)
}

// flowsOf adds the flows of element id: those into it, or all.
func (c *closureBuilder) flowsOf(id string, level uint8) {
	if c.known[id] >= level {
		return
	}
	c.known[id] = level
	for _, x := range c.ix.mentions[id] {
		f := c.ix.decl(x)
		if f.Kind != dsl.KindFlow || f.From == nil || f.To == nil {
			continue
		}
		into := f.To.Name == id || f.Arrow == "<->" && f.From.Name == id
		if into || level == flowsAll && f.From.Name == id {
			c.add(x)
		}
	}
}

type closureBuilder struct {
	ix *FocusIndex
	// in[file] has bit seq set for each declaration of the file in the closure (made on
	// first use; a bit set rather than a map: the closure tests membership for every
	// declaration anything in it names).
	in   [][]uint64
	list []declAt
	// known says, by element id, how many of its flows are in the closure.
	known map[string]uint8
	// boundaries are those whose services are in the closure (boundaryServices).
	boundaries map[string]bool
	// next is where complete resumes: the declarations from list[next] on have not had
	// what they name added yet.
	next int
	// For FocusIndex.dependents, which asks of many closures whether they hold one
	// declaration: watch makes add note target's arrival in found, and building stops
	// there; byBoundary keeps, from one closure to the next, the services of a boundary and
	// the flows into them (boundaryServices), which every store in the boundary adds.
	watch, found bool
	target       declAt
	byBoundary   map[string]boundaryServices
}

// boundaryServices are the services of a boundary and the flows into them.
type boundaryServices struct {
	services []string
	decls    []declAt
}

func (c *closureBuilder) add(at declAt) {
	bits := c.in[at.file]
	if bits == nil {
		bits = make([]uint64, (len(c.ix.per[at.file].decls)+63)/64)
		c.in[at.file] = bits
	}
	word, bit := at.seq/64, uint64(1)<<(at.seq%64)
	if bits[word]&bit != 0 {
		return
	}
	bits[word] |= bit
	c.list = append(c.list, at)
	if c.watch && at == c.target {
		c.found = true
	}
	// The boundaries a declaration is nested in.
	if p := c.ix.per[at.file].parent[at.seq]; p >= 0 {
		c.add(declAt{file: at.file, seq: int32(p)})
	}
}

func (c *closureBuilder) addAll(list []declAt) {
	for _, at := range list {
		c.add(at)
	}
}

// boundaryServices adds, for a store, the services of the boundaries it may sit in and the
// flows into them (facingService).
func (c *closureBuilder) boundaryServices(store *dsl.Decl) {
	var bounds []string
	if p := store.Parent; p != nil && p.Kind == dsl.KindBoundary {
		bounds = append(bounds, p.ID())
	}
	for _, a := range store.Attrs {
		// Every `in`: the model takes a boundary from each, the first one as well as a
		// repeated one (found by the edited analysis's test).
		if a.Key.Name != "in" {
			continue
		}
		for _, v := range a.Values {
			if v.Ref != nil && v.Ref.From != nil {
				bounds = append(bounds, v.Ref.From.Name)
			}
		}
	}
	for _, b := range bounds {
		if c.boundaries[b] {
			continue // another store of the boundary brought them
		}
		c.boundaries[b] = true
		if known, ok := c.byBoundary[b]; ok {
			c.addAll(known.decls)
			for _, id := range known.services {
				c.known[id] = max(c.known[id], flowsInto)
			}
			continue
		}
		var services []declAt
		for _, x := range c.ix.mentions[b] {
			if c.ix.decl(x).Kind == dsl.KindService {
				services = append(services, x)
			}
		}
		for _, bd := range c.ix.byID[b] {
			// Its children follow it in pre-order.
			sum := c.ix.per[bd.file]
			for i := int(bd.seq) + 1; i < len(sum.decls) && sum.parent[i] >= int(bd.seq); i++ {
				if sum.parent[i] == int(bd.seq) && sum.decls[i].Kind == dsl.KindService {
					services = append(services, declAt{file: bd.file, seq: int32(i)})
				}
			}
		}
		var memo boundaryServices
		for _, svc := range services {
			id := c.ix.decl(svc).ID()
			c.add(svc)
			if c.byBoundary != nil {
				memo.services = append(memo.services, id)
				memo.decls = append(memo.decls, svc)
				memo.decls = append(memo.decls, c.flowsInto(id)...)
			}
			c.flowsOf(id, flowsInto)
		}
		if c.byBoundary != nil {
			c.byBoundary[b] = memo
		}
	}
}

// flowsInto returns the flows into element id (a two-way one either way).
func (c *closureBuilder) flowsInto(id string) []declAt {
	var out []declAt
	for _, x := range c.ix.mentions[id] {
		f := c.ix.decl(x)
		if f.Kind == dsl.KindFlow && f.From != nil && f.To != nil && (f.To.Name == id || f.Arrow == "<->" && f.From.Name == id) {
			out = append(out, x)
		}
	}
	return out
}

// complete adds, transitively, the declarations of every id an included declaration
// mentions, the flows joining the ends it names a flow by, and the other declarations of
// its own id (the first of them is the symbol: found by fuzzing, a threat declared after
// a mitigation of the same id is none), so that everything resolves as in the whole model.
func (c *closureBuilder) complete() {
	for ; c.next < len(c.list) && !c.found; c.next++ {
		at := c.list[c.next]
		if id := c.ix.per[at.file].ids[at.seq]; id != "" {
			c.addAll(c.ix.byID[id])
		}
		for _, k := range c.ix.per[at.file].mentioned[at.seq] {
			if isPairKey(k) {
				for _, x := range c.ix.mentions[k] {
					if c.ix.decl(x).Kind == dsl.KindFlow {
						c.add(x)
					}
				}
				continue
			}
			c.addAll(c.ix.byID[k])
		}
	}
}

func isPairKey(k string) bool { return k != "" && k[0] == 0 }

// symbolIDs returns the sorted ids of the symbols of the wanted kinds in the whole model:
// what a focused analysis suggests from, as the whole one does from its symbols.
func (ix *FocusIndex) symbolIDs(want []dsl.Kind) []string {
	return idsOfKinds(&ix.ids, want, func() []string {
		return sortedIDs(ix.byID, want, func(l []declAt) dsl.Kind { return ix.decl(l[0]).Kind })
	})
}
