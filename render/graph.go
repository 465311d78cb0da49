package render

import (
	"fmt"
	"sort"
	"strings"

	"github.com/threatls/threatls/analysis"
	"github.com/threatls/threatls/dsl"
)

// GraphOptions select what a data-flow diagram shows.
type GraphOptions struct {
	// Focus is the id of an element, a flow or a boundary. When set, the diagram shows only
	// it and its neighbours: an element with the elements it exchanges flows with, a flow
	// with its two ends, a boundary with what it holds and their neighbours. CheckFocus
	// tells whether an id can be focused.
	Focus string
}

// diagram is the part of a model a data-flow diagram draws, in drawing order.
type diagram struct {
	title string
	// roots are the top-level boundaries that hold a drawn element; loose are the drawn
	// elements in no boundary.
	roots []*dBoundary
	loose []*dNode
	nodes []*dNode // every drawn element, sorted by id
	edges []*dEdge // every drawn flow, sorted by id
	byID  map[string]*dNode
}

type dBoundary struct {
	sym      *analysis.Symbol
	trust    string
	children []*dBoundary
	nodes    []*dNode
}

type dNode struct {
	sym  *analysis.Symbol
	open openMark
}

type dEdge struct {
	sym      *analysis.Symbol
	from, to *dNode
	both     bool
	open     openMark
}

// openMark counts the open threats on an element or flow.
type openMark struct {
	count int
	worst analysis.Risk
}

// text is the marker written next to an element or flow with open threats, so the diagram
// does not tell them apart by colour alone: "⚠ 2 open (high)".
func (m openMark) text() string {
	if m.count == 0 {
		return ""
	}
	return fmt.Sprintf("⚠ %d open (%s)", m.count, m.worst)
}

// CheckFocus reports whether id names an element, a flow or a boundary of the model, with
// a suggestion when it does not.
func CheckFocus(res *analysis.Result, id string) error {
	if s := res.Model.Symbols[id]; s != nil {
		switch s.Kind {
		case dsl.KindActor, dsl.KindService, dsl.KindStore, dsl.KindFlow, dsl.KindBoundary:
			return nil
		}
		return fmt.Errorf("`%s` is %s %s; focus on an element, a flow or a boundary", id, article(string(s.Kind)), s.Kind)
	}
	var ids []string
	for _, list := range [][]*analysis.Symbol{res.Model.Elements, res.Model.Flows, res.Model.Boundaries} {
		for _, s := range list {
			ids = append(ids, s.ID)
		}
	}
	sort.Strings(ids)
	msg := fmt.Sprintf("no element, flow or boundary `%s` in the model", id)
	if s := dsl.Suggest(id, ids); s != "" {
		msg += fmt.Sprintf("; did you mean `%s`?", s)
	}
	return fmt.Errorf("%s", msg)
}

func article(w string) string {
	if w != "" && strings.ContainsRune("aeiou", rune(w[0])) {
		return "an"
	}
	return "a"
}

// openThreats counts the open threats per target id.
func openThreats(res *analysis.Result) map[string]openMark {
	out := map[string]openMark{}
	for _, t := range res.Threats {
		if t.State != analysis.StateOpen || t.Target == nil {
			continue
		}
		m := out[t.Target.ID]
		if m.count == 0 || t.Rating.Severity > m.worst {
			m.worst = t.Rating.Severity
		}
		m.count++
		out[t.Target.ID] = m
	}
	return out
}

// modelTitle is the model's title, or "" when it has none.
func modelTitle(res *analysis.Result) string {
	if res.Model.ModelDecl == nil {
		return ""
	}
	return res.Model.ModelDecl.TitleText()
}

// effectiveTrust is a boundary's trust: its own, its nearest ancestor's, or medium.
func effectiveTrust(b *analysis.Symbol) string {
	seen := map[*analysis.Symbol]bool{}
	for p := b; p != nil && !seen[p]; p = p.Boundary {
		seen[p] = true
		if v := attrWord(p.Decl, "trust"); v != "" {
			return v
		}
	}
	return "medium"
}

// attrWord returns the first value of an attribute, or "".
func attrWord(d *dsl.Decl, key string) string { return d.Word(key) }

// attrWords returns every value of an attribute.
func attrWords(d *dsl.Decl, key string) []string { return d.Words(key) }

func sortSymbols(s []*analysis.Symbol) []*analysis.Symbol {
	out := append([]*analysis.Symbol(nil), s...)
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// inBoundary reports whether s sits in boundary b, directly or in a nested one.
func inBoundary(s, b *analysis.Symbol) bool {
	seen := map[*analysis.Symbol]bool{}
	for p := s.Boundary; p != nil && !seen[p]; p = p.Boundary {
		if p == b {
			return true
		}
		seen[p] = true
	}
	return false
}

// buildDiagram selects what to draw: everything, or the focus and its neighbours.
func buildDiagram(res *analysis.Result, opts GraphOptions) *diagram {
	m := res.Model
	open := openThreats(res)
	flows := sortSymbols(m.Flows)
	elements := sortSymbols(m.Elements)

	showNode := map[*analysis.Symbol]bool{}
	showFlow := map[*analysis.Symbol]bool{}
	drawable := func(f *analysis.Symbol) bool { return f.From != nil && f.To != nil }
	if focus := m.Symbols[opts.Focus]; opts.Focus != "" && focus != nil {
		var centre []*analysis.Symbol
		switch focus.Kind {
		case dsl.KindFlow:
			if drawable(focus) {
				showFlow[focus] = true
				showNode[focus.From], showNode[focus.To] = true, true
			}
		case dsl.KindBoundary:
			for _, e := range elements {
				if inBoundary(e, focus) {
					centre = append(centre, e)
				}
			}
		default:
			centre = []*analysis.Symbol{focus}
		}
		for _, c := range centre {
			showNode[c] = true
			for _, f := range flows {
				if drawable(f) && (f.From == c || f.To == c) {
					showFlow[f] = true
					showNode[f.From], showNode[f.To] = true, true
				}
			}
		}
	} else if opts.Focus == "" {
		for _, e := range elements {
			showNode[e] = true
		}
		for _, f := range flows {
			if drawable(f) {
				showFlow[f] = true
			}
		}
	}

	d := &diagram{title: modelTitle(res), byID: map[string]*dNode{}}
	for _, e := range elements {
		if showNode[e] {
			n := &dNode{sym: e, open: open[e.ID]}
			d.nodes = append(d.nodes, n)
			d.byID[e.ID] = n
		}
	}
	for _, f := range flows {
		if showFlow[f] {
			d.edges = append(d.edges, &dEdge{sym: f, from: d.byID[f.From.ID], to: d.byID[f.To.ID], both: f.Decl.Arrow == "<->", open: open[f.ID]})
		}
	}

	// Boundaries: those holding a drawn element, with their ancestors, nested as declared.
	boxes := map[*analysis.Symbol]*dBoundary{}
	var box func(b *analysis.Symbol, seen map[*analysis.Symbol]bool) *dBoundary
	box = func(b *analysis.Symbol, seen map[*analysis.Symbol]bool) *dBoundary {
		if x := boxes[b]; x != nil {
			return x
		}
		x := &dBoundary{sym: b, trust: effectiveTrust(b)}
		boxes[b] = x
		seen[b] = true
		if p := b.Boundary; p != nil && !seen[p] {
			parent := box(p, seen)
			parent.children = append(parent.children, x)
		} else {
			d.roots = append(d.roots, x)
		}
		return x
	}
	for _, n := range d.nodes {
		if b := n.sym.Boundary; b != nil {
			x := box(b, map[*analysis.Symbol]bool{})
			x.nodes = append(x.nodes, n)
		} else {
			d.loose = append(d.loose, n)
		}
	}
	var sortBoxes func([]*dBoundary)
	sortBoxes = func(bs []*dBoundary) {
		sort.Slice(bs, func(i, j int) bool { return bs[i].sym.ID < bs[j].sym.ID })
		for _, b := range bs {
			sortBoxes(b.children)
		}
	}
	sortBoxes(d.roots)
	return d
}

// nodeLines are the lines of an element's label: its title, its kind and id, and the open
// threat marker.
func nodeLines(n *dNode) []string {
	lines := []string{oneLine(n.sym.Title()), fmt.Sprintf("%s %s", n.sym.Kind, n.sym.ID)}
	if n.sym.Title() == n.sym.ID {
		lines = []string{n.sym.ID, string(n.sym.Kind)}
	}
	if t := n.open.text(); t != "" {
		lines = append(lines, t)
	}
	return lines
}

// flowName is how a flow is called on the diagram: its title, else its name, else "".
func flowName(f *analysis.Symbol) string {
	if t := oneLine(f.Decl.TitleText()); t != "" {
		return t
	}
	if f.Decl.Name != nil {
		return f.Decl.Name.Name
	}
	return ""
}

// edgeLines are the lines of a flow's label: its name, the data it carries, and the open
// threat marker.
func edgeLines(e *dEdge) []string {
	var lines []string
	if n := flowName(e.sym); n != "" {
		lines = append(lines, n)
	}
	var data []string
	for _, x := range e.sym.Data {
		data = append(data, x.ID)
	}
	if len(data) > 0 {
		lines = append(lines, "["+strings.Join(data, ", ")+"]")
	}
	if t := e.open.text(); t != "" {
		lines = append(lines, t)
	}
	return lines
}

// boundaryLabel names a boundary with its trust: "DMZ (trust low)".
func boundaryLabel(b *dBoundary) string {
	return fmt.Sprintf("%s (trust %s)", oneLine(b.sym.Title()), b.trust)
}

// oneLine folds a multi-line title into one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
