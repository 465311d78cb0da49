package analysis

import (
	"context"
	"maps"
	"strings"

	"github.com/threatls/threatls/dsl"
)

// A keystroke changes one declaration of the file being edited, and most of the file's
// findings do not depend on it. An edited analysis (Options.Base) finds the declarations
// of the file whose findings can depend on the edited one (their closures hold it: see
// FocusIndex.dependents), analyses only those, and takes every other finding of the file
// from the analysis of the text before the edit, moved with the text after the edit.
//
// It applies when the edit lies inside one declaration, keeps the number of lines and the
// columns of other declarations (messages name them) and moves nothing else but by the
// edit's length; otherwise the file is analysed as a focused analysis does. An edit that
// changes the declaration's ids or references moves its entries in the index (rekey),
// and the declarations depending on it before the edit and after it are made again.

// Base is a focused analysis of the same model before an edit of its focus file, which a
// focused analysis after the edit starts from (Options.Base). Its options must be the
// options of the new analysis, and its files the new files except for the focus file.
type Base struct {
	// Files are the files that analysis was given, in the same order.
	Files []*dsl.File
	// Findings are its findings, unchanged.
	Findings []Finding
}

// textEdit is where two texts differ: old[Start:OldEnd] became new[Start:NewEnd]. The
// offsets are a span's (dsl.Span).
type textEdit struct {
	start, oldEnd, newEnd int32
}

// diffTexts returns the one range where old and new differ, by their common prefix and
// suffix.
func diffTexts(old, new string) textEdit {
	n := min(len(old), len(new))
	p := 0
	for p < n && old[p] == new[p] {
		p++
	}
	s := 0
	for s < n-p && old[len(old)-1-s] == new[len(new)-1-s] {
		s++
	}
	return textEdit{start: int32(p), oldEnd: int32(len(old) - s), newEnd: int32(len(new) - s)}
}

// keepsLines reports whether the edit from old to new keeps the number of lines. Lines end
// as dsl.LineIndex ends them: at "\n", "\r\n" or a lone "\r". The texts around the edit
// are the same, so the line ends of the edited parts, with one byte either side (an edit
// may split or join "\r\n"), tell.
func (e textEdit) keepsLines(old, new string) bool {
	lo := max(int(e.start)-1, 0)
	return lineEnds(old[lo:min(int(e.oldEnd)+1, len(old))]) == lineEnds(new[lo:min(int(e.newEnd)+1, len(new))])
}

// lineEnds counts the line ends in s.
func lineEnds(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\n':
			n++
		case '\r':
			if i+1 >= len(s) || s[i+1] != '\n' {
				n++
			}
		}
	}
	return n
}

// move returns where an old span is in the new text, and false when the edit is inside it.
func (e textEdit) move(sp dsl.Span) (dsl.Span, bool) {
	switch {
	case sp.End <= e.start:
		return sp, true
	case sp.Start >= e.oldEnd:
		d := e.newEnd - e.oldEnd
		return dsl.Span{Start: sp.Start + d, End: sp.End + d}, true
	}
	return sp, false
}

// analyzeEdit runs an edited analysis of opts.Focus from opts.Base; ok is false when it
// does not apply (the caller then updates the index and analyses the file as usual).
func analyzeEdit(ctx context.Context, files []*dsl.File, opts Options) (res *Result, ok bool, err error) {
	ix, base := opts.Index, opts.Base
	fi := ix.fileIndex(opts.Focus)
	if fi < 0 || len(base.Files) != len(files) || len(ix.files) != len(files) || files[fi].Name != opts.Focus {
		return nil, false, nil
	}
	for i, f := range files {
		if ix.files[i] != base.Files[i] || i != fi && f != base.Files[i] {
			return nil, false, nil
		}
	}
	oldFile, newFile := base.Files[fi], files[fi]
	if ix.wants[opts.Focus] == nil {
		return nil, false, nil
	}
	edit := diffTexts(oldFile.Text, newFile.Text)
	if !edit.keepsLines(oldFile.Text, newFile.Text) {
		return nil, false, nil
	}
	// The index takes the new file's summary, made again only for the edited declaration
	// and those around it.
	oldSum := ix.per[fi]
	newSum, edited, rekeyed, ok := resummarize(oldSum, newFile, edit)
	if !ok {
		return nil, false, nil
	}
	oldOwner := owners(oldSum)
	// The declarations whose findings are made again: the edited one, those around it,
	// and those whose closures hold it.
	again := make([]bool, len(newSum.decls))
	for p := edited; p >= 0; p = newSum.parent[p] {
		again[p] = true
	}
	want := ix.wants[opts.Focus]
	dependOn := func(places []int) {
		for _, p := range places {
			for _, x := range ix.dependents(fi, p, want) {
				again[x] = true
			}
		}
	}
	if rekeyed == nil {
		ix.files[fi], ix.per[fi] = newFile, newSum
		dependOn([]int{edited})
	} else {
		// The edit changes ids or references (a reference being typed): only the closures
		// that held the changed declarations before or hold them now change, so their
		// owners are made again. A suggestion for an unknown id is made from every id of
		// the model, with its kind and, for a named flow, its ends (found by review): every
		// unknown reference's is made again.
		dependOn(rekeyed)
		ix.rekey(fi, newFile, newSum, rekeyed)
		dependOn(rekeyed)
		for _, f := range base.Findings {
			if f.Code == "unknown-ref" {
				if o := oldOwner(f.Span); o >= 0 {
					again[o] = true
				}
			}
		}
	}
	var seeds []int
	for i, yes := range again {
		if yes {
			seeds = append(seeds, i)
		}
	}
	if len(newSum.decls) >= 64 && 2*len(seeds) > len(newSum.decls) {
		return nil, false, nil // as much work as the whole file
	}

	// The base's findings of the other declarations, moved; not its syntax and schema
	// diagnostics, which the new parse has.
	type diagKey struct {
		code, message string
		level         dsl.Severity
		span          dsl.Span
	}
	parseDiags := map[diagKey]int{}
	for _, d := range oldFile.Diagnostics {
		parseDiags[diagKey{d.Code, d.Message, d.Severity, d.Span}]++
	}
	kept := make([]Finding, 0, len(base.Findings))
	for _, f := range base.Findings {
		if k := (diagKey{f.Code, f.message, f.Level, f.Span}); len(f.related) == 0 && f.ThreatID == "" && parseDiags[k] > 0 {
			parseDiags[k]--
			continue
		}
		owner := oldOwner(f.Span)
		if owner < 0 {
			return nil, false, nil // a finding outside every declaration: analyse anew
		}
		if again[owner] {
			continue
		}
		moved, ok := moveFinding(f, edit)
		if !ok {
			return nil, false, nil
		}
		kept = append(kept, moved)
	}

	seeded := make(map[*dsl.Decl]bool, len(seeds))
	for _, i := range seeds {
		seeded[newSum.decls[i]] = true
	}
	want = maps.Clone(want)
	for {
		decls, flows := ix.closureOf(fi, seeds, want)
		res, err = analyze(ctx, files, opts, scope{focus: opts.Focus, decls: decls, index: ix, flows: flows, seeds: seeded})
		if err != nil {
			return nil, true, err
		}
		if !wantMore(want, res.Model.wantFlows) {
			if len(res.Model.wantFlows) > 0 {
				return nil, false, nil // cannot happen: the closure holds what was asked
			}
			break
		}
	}
	ix.noteWants(opts.Focus, want)

	newOwner := owners(newSum)
	out := make([]Finding, 0, len(newFile.Diagnostics)+len(kept)+len(res.Findings))
	for _, d := range newFile.Diagnostics {
		out = append(out, diagnosticFinding(newFile, d))
	}
	out = append(out, kept...)
	for _, f := range res.Findings {
		if owner := newOwner(f.Span); owner >= 0 && again[owner] {
			out = append(out, f)
		} else if owner < 0 {
			return nil, false, nil
		}
	}
	sortByPlace(out)
	res.Findings, res.edited = out, true
	return res, true, nil
}

// editedDecl returns the place (in both summaries, which have the same keys) of the
// innermost declaration holding the edit, when every other declaration only moved with
// the text after the edit, and none begins on the line the edit ends on after it (its
// column would change, and a duplicate id's message names it).
func editedDecl(oldSum, newSum *fileSummary, edit textEdit, newText string) (int, bool) {
	edited := -1
	for i, d := range newSum.decls {
		o := oldSum.decls[i].Span
		if d.Span.Start < edit.start && edit.newEnd < d.Span.End && o.Start < edit.start && edit.oldEnd < o.End {
			edited = i // pre-order: a nested declaration comes after those around it
		}
	}
	if edited < 0 {
		return -1, false
	}
	around := make([]bool, len(newSum.decls))
	for p := edited; p >= 0; p = newSum.parent[p] {
		around[p] = true
	}
	d := edit.newEnd - edit.oldEnd
	eol := int32(len(newText))
	if i := strings.IndexAny(newText[edit.newEnd:], "\r\n"); i >= 0 {
		eol = edit.newEnd + int32(i)
	}
	for i, nd := range newSum.decls {
		o := oldSum.decls[i].Span
		if around[i] {
			if nd.Span.Start != o.Start || nd.Span.End != o.End+d {
				return -1, false
			}
			continue
		}
		if moved, ok := edit.move(o); !ok || moved != nd.Span || edit.newEnd <= nd.Span.Start && nd.Span.Start < eol {
			return -1, false
		}
	}
	return edited, true
}

// owners returns a function giving the place in s of the innermost declaration holding a
// span, or -1.
func owners(s *fileSummary) func(dsl.Span) int {
	return func(sp dsl.Span) int {
		// The last declaration starting at or before the span, then out to one holding it.
		lo, hi := 0, len(s.decls)
		for lo < hi {
			m := (lo + hi) / 2
			if s.decls[m].Span.Start <= sp.Start {
				lo = m + 1
			} else {
				hi = m
			}
		}
		for i := lo - 1; i >= 0; i = s.parent[i] {
			if d := s.decls[i].Span; d.Start <= sp.Start && sp.End <= d.End {
				return i
			}
		}
		return -1
	}
}

// moveFinding moves a finding of the focus file, and its related places in that file,
// with the text after the edit. A kept finding about a threat takes its message along
// instead of the threat, which would hold the whole earlier analysis in memory for as
// long as the finding is kept (found by review).
func moveFinding(f Finding, edit textEdit) (Finding, bool) {
	if f.threat != nil || f.subject != nil {
		f.message, f.related = f.Message(), f.Related()
		f.threat, f.subject = nil, nil
	}
	var ok bool
	if f.Span, ok = edit.move(f.Span); !ok {
		return f, false
	}
	copied := false // the list is the earlier finding's until a place in it moves
	for i, r := range f.related {
		if r.File != f.File {
			continue
		}
		if !copied {
			f.related, copied = append([]Related(nil), f.related...), true
		}
		if f.related[i].Span, ok = edit.move(r.Span); !ok {
			return f, false
		}
	}
	return f, true
}

// diagnosticFinding is the finding of a syntax or schema diagnostic of a file.
func diagnosticFinding(f *dsl.File, d dsl.Diagnostic) Finding {
	return Finding{Code: d.Code, Level: d.Severity, File: f.Name, Span: d.Span, message: d.Message}
}

// wantMore adds asked to want, and reports whether that grew it.
func wantMore(want, asked map[string]uint8) bool {
	grew := false
	for id, level := range asked {
		if want[id] < level {
			want[id], grew = level, true
		}
	}
	return grew
}

// dependentsCache is FocusIndex.dependents's answer for one declaration.
type dependentsCache struct {
	valid            bool
	shape, wantsGrew uint64
	file, seq        int
	list             []int
}

// dependents returns the places of the declarations of file fi whose closures (alone,
// with the flows want asks for) hold the declaration at place seq: those whose findings
// can change when it does. Typing goes on in one declaration, so the last answer is kept
// until the index's shape or the wants change.
func (ix *FocusIndex) dependents(fi, seq int, want map[string]uint8) []int {
	c := &ix.deps
	if c.valid && c.shape == ix.shape && c.wantsGrew == ix.wantsGrew && c.file == fi && c.seq == seq {
		return c.list
	}
	b := ix.newClosureBuilder()
	b.watch, b.target, b.byBoundary = true, declAt{file: int32(fi), seq: int32(seq)}, map[string]boundaryServices{}
	var out []int
	one := []int{0}
	for x := range ix.per[fi].decls {
		b.reset()
		one[0] = x
		b.from(fi, one, want)
		if b.found {
			out = append(out, x)
		}
	}
	*c = dependentsCache{valid: true, shape: ix.shape, wantsGrew: ix.wantsGrew, file: fi, seq: seq, list: out}
	return out
}

// noteWants records the flows a focused analysis of file asked for.
func (ix *FocusIndex) noteWants(file string, want map[string]uint8) {
	if ix.wants == nil {
		ix.wants = map[string]map[string]uint8{}
	}
	w := ix.wants[file]
	if w == nil {
		w = map[string]uint8{}
		ix.wants[file] = w
	}
	if wantMore(w, want) {
		ix.wantsGrew++
	}
}
