package render

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/threatls/threatls/analysis"
	"github.com/threatls/threatls/dsl"
)

// Layout constants, in SVG user units (pixels).
const (
	svgMargin     = 16.0
	svgFont       = 12.0 // element labels
	svgEdgeFont   = 10.5 // flow labels
	svgLineH      = 15.0
	svgEdgeLineH  = 13.0
	svgNodePadX   = 14.0
	svgNodePadY   = 8.0
	svgNodeMinW   = 96.0
	svgCylinderRY = 6.0
	svgBoxPad     = 14.0
	svgBoxTitleH  = 20.0
	svgRowGap     = 40.0
	svgMinColGap  = 80.0
	svgMaxColGap  = 230.0
	svgParallel   = 30.0 // distance between flows joining the same two elements
	svgFontFamily = "Helvetica, Arial, 'DejaVu Sans', sans-serif"
)

// SVG returns the data-flow diagram as a standalone SVG image, laid out by threatls itself
// (no Graphviz, no script): trust boundaries as nested dashed rectangles tinted by trust,
// elements in columns that follow the direction of the flows, flows as arrows with their
// labels. Elements and flows with open threats are drawn in red with a "⚠ N open
// (severity)" marker.
func SVG(res *analysis.Result, opts GraphOptions) string {
	d := buildDiagram(res, opts)
	return svgDiagram(d, opts)
}

// textWidth estimates the width of s in a sans-serif font of the given size: wide
// (East Asian, symbol) characters count as one em, others as 0.6 em.
func textWidth(s string, size float64) float64 {
	w := 0.0
	for _, r := range s {
		if r >= 0x2E80 || (r >= 0x2600 && r <= 0x27BF) {
			w += size
		} else if r >= 'A' && r <= 'Z' || r == 'm' || r == 'w' || r == 'M' || r == 'W' {
			w += size * 0.72
		} else {
			w += size * 0.58
		}
	}
	return w
}

// item is a box to place: an element or a boundary with what it holds.
type item struct {
	node     *dNode
	box      *dBoundary
	children []*item
	rank     int // column
	order    int // position in the column
	w, h     float64
	x, y     float64 // relative to the parent's inner origin until placed, then absolute
}

func (it *item) id() string {
	if it.node != nil {
		return it.node.sym.ID
	}
	return it.box.sym.ID
}

// rankItems assigns the items of one container their columns and their order in a
// column. An item's column is its distance along the flows between the items (a flow
// between two elements inside one item belongs to that item's own layout) from the nearest
// item nothing flows into, the least trusted first, so data runs left to right from the
// untrusted side and the diagram stays compact. Within a column, items follow the mean
// position of their neighbours in earlier columns, which keeps most flows from crossing.
func (l *svgLayout) rankItems(items []*item, trust string) {
	owner := map[*dNode]*item{}
	var collect func(it, top *item)
	collect = func(it, top *item) {
		if it.node != nil {
			owner[it.node] = top
		}
		for _, c := range it.children {
			collect(c, top)
		}
	}
	for _, it := range items {
		collect(it, it)
	}
	out := map[*item][]*item{}
	adj := map[*item][]*item{}
	hasIn := map[*item]bool{}
	seen := map[[2]*item]bool{}
	for _, e := range l.edges {
		a, z := owner[e.from], owner[e.to]
		if a == nil || z == nil || a == z || seen[[2]*item{a, z}] {
			continue
		}
		seen[[2]*item{a, z}] = true
		out[a] = append(out[a], z)
		adj[a] = append(adj[a], z)
		adj[z] = append(adj[z], a)
		hasIn[z] = true
	}
	for _, list := range out {
		sort.Slice(list, func(i, j int) bool { return itemLess(list[i], list[j], trust) })
	}
	order := append([]*item(nil), items...)
	sort.Slice(order, func(i, j int) bool {
		if hasIn[order[i]] != hasIn[order[j]] {
			return !hasIn[order[i]]
		}
		return itemLess(order[i], order[j], trust)
	})
	// Breadth-first from the sources; what they do not reach starts a new search.
	ranked := map[*item]bool{}
	for _, start := range order {
		if ranked[start] {
			continue
		}
		start.rank, ranked[start] = 0, true
		queue := []*item{start}
		for len(queue) > 0 {
			n := queue[0]
			queue = queue[1:]
			for _, m := range out[n] {
				if !ranked[m] {
					m.rank, ranked[m] = n.rank+1, true
					queue = append(queue, m)
				}
			}
		}
	}
	// Order within columns by the barycentre of the neighbours already placed.
	cols := map[int][]*item{}
	maxRank := 0
	for _, it := range order {
		cols[it.rank] = append(cols[it.rank], it)
		maxRank = max(maxRank, it.rank)
	}
	pos := map[*item]float64{}
	for r := 0; r <= maxRank; r++ {
		col := cols[r]
		bary := map[*item]float64{}
		for _, it := range col {
			sum, n := 0.0, 0
			for _, m := range adj[it] {
				if p, ok := pos[m]; ok && m.rank < r {
					sum += p
					n++
				}
			}
			if n > 0 {
				bary[it] = sum / float64(n)
			} else {
				bary[it] = math.Inf(1)
			}
		}
		sort.SliceStable(col, func(i, j int) bool {
			if bary[col[i]] != bary[col[j]] {
				return bary[col[i]] < bary[col[j]]
			}
			return itemLess(col[i], col[j], trust)
		})
		for i, it := range col {
			it.order = i
			if len(col) > 1 {
				pos[it] = float64(i) / float64(len(col)-1)
			} else {
				pos[it] = 0.5
			}
		}
	}
}

// itemLess orders items by trust (boundaries by their own, elements by their container's),
// then by id.
func itemLess(a, b *item, trust string) bool {
	ta, tb := itemTrust(a, trust), itemTrust(b, trust)
	if ta != tb {
		return ta < tb
	}
	return a.id() < b.id()
}

func itemTrust(it *item, container string) int {
	t := container
	if it.box != nil {
		t = it.box.trust
	}
	return dsl.Rank(dsl.TrustLevels, t)
}

// nodeSize is the size of an element's shape.
func nodeSize(n *dNode) (float64, float64) {
	w := 0.0
	for _, l := range nodeLines(n) {
		w = max(w, textWidth(l, svgFont))
	}
	w = max(svgNodeMinW, w+2*svgNodePadX)
	h := float64(len(nodeLines(n)))*svgLineH + 2*svgNodePadY
	if n.sym.Kind == dsl.KindStore {
		h += 2 * svgCylinderRY
	}
	return math.Ceil(w), math.Ceil(h)
}

type svgLayout struct {
	colGap float64
	edges  []*dEdge
}

// build makes the items of one container (a boundary, or the whole diagram), lays out
// what each boundary holds, and sizes them.
func (l *svgLayout) build(bs []*dBoundary, nodes []*dNode) []*item {
	var items []*item
	for _, n := range nodes {
		w, h := nodeSize(n)
		items = append(items, &item{node: n, w: w, h: h})
	}
	for _, b := range bs {
		it := &item{box: b}
		it.children = l.build(b.children, b.nodes)
		l.rankItems(it.children, b.trust)
		iw, ih := l.arrange(it.children)
		tw := textWidth(boundaryLabel(b), svgFont) + 2*svgBoxPad
		it.w = math.Ceil(max(iw+2*svgBoxPad, tw))
		it.h = math.Ceil(ih + 2*svgBoxPad + svgBoxTitleH)
		// Centre the contents under a title wider than them.
		dx := (it.w - iw - 2*svgBoxPad) / 2
		for _, c := range it.children {
			c.x += svgBoxPad + dx
			c.y += svgBoxPad + svgBoxTitleH
		}
		items = append(items, it)
	}
	return items
}

// arrange places items in columns by rank, each column centred vertically, and returns the
// size they take. Positions are relative to the container's inner origin.
func (l *svgLayout) arrange(items []*item) (float64, float64) {
	cols := map[int][]*item{}
	var keys []int
	for _, it := range items {
		if _, ok := cols[it.rank]; !ok {
			keys = append(keys, it.rank)
		}
		cols[it.rank] = append(cols[it.rank], it)
	}
	sort.Ints(keys)
	var colW, colH []float64
	totalH := 0.0
	for _, k := range keys {
		col := cols[k]
		sort.SliceStable(col, func(i, j int) bool { return col[i].order < col[j].order })
		w, h := 0.0, 0.0
		for i, it := range col {
			w = max(w, it.w)
			if i > 0 {
				h += svgRowGap
			}
			h += it.h
		}
		colW = append(colW, w)
		colH = append(colH, h)
		totalH = max(totalH, h)
	}
	x := 0.0
	for i, k := range keys {
		if i > 0 {
			x += l.colGap
		}
		y := (totalH - colH[i]) / 2
		for _, it := range cols[k] {
			it.x = x + (colW[i]-it.w)/2
			it.y = y
			y += it.h + svgRowGap
		}
		x += colW[i]
	}
	return x, totalH
}

// place turns relative positions into absolute ones.
func place(items []*item, ox, oy float64, boxes *[]*item, nodes map[*dNode]*item) {
	for _, it := range items {
		it.x += ox
		it.y += oy
		if it.box != nil {
			*boxes = append(*boxes, it)
			place(it.children, it.x, it.y, boxes, nodes)
		} else {
			nodes[it.node] = it
		}
	}
}

type point struct{ x, y float64 }

type rect struct{ x, y, w, h float64 }

// overlap is the area two rectangles share.
func (r rect) overlap(o rect) float64 {
	w := math.Min(r.x+r.w, o.x+o.w) - math.Max(r.x, o.x)
	h := math.Min(r.y+r.h, o.y+o.h) - math.Max(r.y, o.y)
	if w <= 0 || h <= 0 {
		return 0
	}
	return w * h
}

// clip returns where the segment from the centre of it towards p leaves its rectangle.
func clip(it *item, p point) point {
	c := point{it.x + it.w/2, it.y + it.h/2}
	dx, dy := p.x-c.x, p.y-c.y
	if dx == 0 && dy == 0 {
		return c
	}
	t := math.Inf(1)
	if dx != 0 {
		t = math.Min(t, (it.w/2+2)/math.Abs(dx))
	}
	if dy != 0 {
		t = math.Min(t, (it.h/2+2)/math.Abs(dy))
	}
	return point{c.x + dx*t, c.y + dy*t}
}

func svgDiagram(d *diagram, opts GraphOptions) string {
	// Leave room between columns for the widest flow label.
	colGap := svgMinColGap
	for _, e := range d.edges {
		for _, line := range edgeLines(e) {
			colGap = max(colGap, textWidth(line, svgEdgeFont)+24)
		}
	}
	colGap = math.Min(colGap, svgMaxColGap)
	l := &svgLayout{colGap: colGap, edges: d.edges}
	items := l.build(d.roots, d.loose)
	l.rankItems(items, "untrusted")
	w, h := l.arrange(items)

	title := d.title
	if opts.Focus != "" {
		if title != "" {
			title += " — "
		}
		title += "focus: " + opts.Focus
	}
	top := svgMargin
	if title != "" {
		top += 24
	}
	var boxes []*item
	nodes := map[*dNode]*item{}
	place(items, svgMargin, top, &boxes, nodes)
	width := math.Ceil(max(w+2*svgMargin, textWidth(title, 15)+2*svgMargin, 200))
	height := math.Ceil(max(h+top+svgMargin, 60))

	var b strings.Builder
	alt := "Data-flow diagram"
	if title != "" {
		alt += ": " + title
	}
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="threatls-dfd" width="%s" height="%s" viewBox="0 0 %s %s" role="img" aria-labelledby="tl-dfd-title" font-family="%s">`+"\n",
		num(width), num(height), num(width), num(height), xmlEscape(svgFontFamily))
	fmt.Fprintf(&b, "<title id=\"tl-dfd-title\">%s</title>\n", xmlEscape(alt))
	b.WriteString(`<defs>` +
		`<marker id="tl-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" markerHeight="9" markerUnits="userSpaceOnUse" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555555"/></marker>` +
		`<marker id="tl-arrow-open" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="11" markerHeight="11" markerUnits="userSpaceOnUse" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="` + colourOpen + `"/></marker>` +
		"</defs>\n")
	fmt.Fprintf(&b, `<rect x="0" y="0" width="%s" height="%s" fill="#ffffff"/>`+"\n", num(width), num(height))
	if title != "" {
		fmt.Fprintf(&b, `<text x="%s" y="%s" font-size="15" font-weight="bold" fill="#222222">%s</text>`+"\n", num(svgMargin), num(svgMargin+14), xmlEscape(title))
	}

	// Boundaries, outermost first (place lists parents before children).
	for _, it := range boxes {
		fill := trustFill[it.box.trust]
		if fill == "" {
			fill = "#f7f7f7"
		}
		fmt.Fprintf(&b, `<g class="boundary" data-id="%s"><rect x="%s" y="%s" width="%s" height="%s" rx="8" fill="%s" stroke="#777777" stroke-width="1.2" stroke-dasharray="6 4"/>`,
			xmlEscape(it.box.sym.ID), num(it.x), num(it.y), num(it.w), num(it.h), fill)
		fmt.Fprintf(&b, `<text x="%s" y="%s" font-size="%s" font-weight="bold" fill="#444444">%s</text></g>`+"\n",
			num(it.x+svgBoxPad/2+2), num(it.y+15), num(svgFont), xmlEscape(boundaryLabel(it.box)))
	}

	// Flows: lines first, labels after the elements so they stay readable.
	type labelled struct {
		at    func(t float64) point // a point along the flow, t from 0 to 1
		lines []string
		open  bool
	}
	var labels []labelled
	pairs := map[[2]string][]*dEdge{}
	for _, e := range d.edges {
		k := [2]string{e.from.sym.ID, e.to.sym.ID}
		if k[0] > k[1] {
			k[0], k[1] = k[1], k[0]
		}
		pairs[k] = append(pairs[k], e)
	}
	var edgeSVG strings.Builder
	for _, e := range d.edges {
		a, z := nodes[e.from], nodes[e.to]
		if a == nil || z == nil {
			continue
		}
		k := [2]string{e.from.sym.ID, e.to.sym.ID}
		sign := 1.0
		if k[0] > k[1] {
			k[0], k[1] = k[1], k[0]
			sign = -1
		}
		group := pairs[k]
		idx := 0
		for i, g := range group {
			if g == e {
				idx = i
			}
		}
		offset := (float64(idx) - float64(len(group)-1)/2) * svgParallel * sign
		c1 := point{a.x + a.w/2, a.y + a.h/2}
		c2 := point{z.x + z.w/2, z.y + z.h/2}
		var path string
		var at func(t float64) point
		if e.from == e.to {
			// A flow to itself: a loop above the element.
			p := point{a.x + a.w/2, a.y}
			path = fmt.Sprintf("M%s,%s C%s,%s %s,%s %s,%s", num(p.x-12), num(p.y), num(p.x-30), num(p.y-40), num(p.x+30), num(p.y-40), num(p.x+12), num(p.y))
			at = func(float64) point { return point{p.x, p.y - 34} }
		} else {
			dx, dy := c2.x-c1.x, c2.y-c1.y
			length := math.Hypot(dx, dy)
			nx, ny := -dy/length, dx/length
			m := point{(c1.x + c2.x) / 2, (c1.y + c2.y) / 2}
			ctrl := point{m.x + nx*offset*2, m.y + ny*offset*2}
			p1, p2 := clip(a, ctrl), clip(z, ctrl)
			if offset == 0 {
				p1, p2 = clip(a, c2), clip(z, c1)
				path = fmt.Sprintf("M%s,%s L%s,%s", num(p1.x), num(p1.y), num(p2.x), num(p2.y))
				at = func(t float64) point { return point{p1.x + (p2.x-p1.x)*t, p1.y + (p2.y-p1.y)*t} }
			} else {
				path = fmt.Sprintf("M%s,%s Q%s,%s %s,%s", num(p1.x), num(p1.y), num(ctrl.x), num(ctrl.y), num(p2.x), num(p2.y))
				at = func(t float64) point {
					a, b, c := (1-t)*(1-t), 2*(1-t)*t, t*t
					return point{a*p1.x + b*ctrl.x + c*p2.x, a*p1.y + b*ctrl.y + c*p2.y}
				}
			}
		}
		stroke, width, marker := "#555555", "1.4", "tl-arrow"
		class := "flow"
		if e.open.count > 0 {
			stroke, width, marker, class = colourOpen, "2.6", "tl-arrow-open", "flow open"
		}
		start := ""
		if e.both {
			start = fmt.Sprintf(` marker-start="url(#%s)"`, marker)
		}
		fmt.Fprintf(&edgeSVG, `<g class="%s" data-id="%s"><title>%s</title><path d="%s" fill="none" stroke="%s" stroke-width="%s" marker-end="url(#%s)"%s/></g>`+"\n",
			class, xmlEscape(e.sym.ID), xmlEscape(flowTooltip(e)), path, stroke, width, marker, start)
		if lines := edgeLines(e); len(lines) > 0 {
			labels = append(labels, labelled{at, lines, e.open.count > 0})
		}
	}
	b.WriteString(edgeSVG.String())

	// Elements.
	sorted := make([]*item, 0, len(nodes))
	for _, n := range d.nodes {
		if it := nodes[n]; it != nil {
			sorted = append(sorted, it)
		}
	}
	for _, it := range sorted {
		n := it.node
		stroke, fill, width := "#555555", "#ffffff", "1.4"
		class := "node " + string(n.sym.Kind)
		if n.open.count > 0 {
			stroke, fill, width, class = colourOpen, colourOpenFill, "2.6", class+" open"
		}
		fmt.Fprintf(&b, `<g class="%s" data-id="%s"><title>%s</title>`, class, xmlEscape(n.sym.ID), xmlEscape(nodeTooltip(n)))
		shapeAttrs := fmt.Sprintf(`fill="%s" stroke="%s" stroke-width="%s"`, fill, stroke, width)
		textTop := it.y + svgNodePadY
		switch n.sym.Kind {
		case dsl.KindActor:
			fmt.Fprintf(&b, `<rect x="%s" y="%s" width="%s" height="%s" %s/>`, num(it.x), num(it.y), num(it.w), num(it.h), shapeAttrs)
		case dsl.KindStore:
			ry := svgCylinderRY
			x0, x1, y0, y1 := it.x, it.x+it.w, it.y+ry, it.y+it.h-ry
			rx := it.w / 2
			fmt.Fprintf(&b, `<path d="M%s,%s A%s,%s 0 0 1 %s,%s L%s,%s A%s,%s 0 0 1 %s,%s Z" %s/>`,
				num(x0), num(y0), num(rx), num(ry), num(x1), num(y0), num(x1), num(y1), num(rx), num(ry), num(x0), num(y1), shapeAttrs)
			fmt.Fprintf(&b, `<path d="M%s,%s A%s,%s 0 0 0 %s,%s" fill="none" stroke="%s" stroke-width="%s"/>`,
				num(x0), num(y0), num(rx), num(ry), num(x1), num(y0), stroke, width)
			textTop += 2 * ry
		default:
			fmt.Fprintf(&b, `<rect x="%s" y="%s" width="%s" height="%s" rx="14" %s/>`, num(it.x), num(it.y), num(it.w), num(it.h), shapeAttrs)
		}
		for i, line := range nodeLines(n) {
			attrs := ""
			switch {
			case i == 0:
				attrs = ` font-weight="bold" fill="#222222"`
			case n.open.count > 0 && i == len(nodeLines(n))-1:
				attrs = ` font-weight="bold" fill="` + colourOpen + `"`
			default:
				attrs = ` fill="#555555"`
			}
			fmt.Fprintf(&b, `<text x="%s" y="%s" text-anchor="middle" font-size="%s"%s>%s</text>`,
				num(it.x+it.w/2), num(textTop+float64(i)*svgLineH+11), num(svgFont), attrs, xmlEscape(line))
		}
		b.WriteString("</g>\n")
	}

	// Flow labels on top, each where it covers the fewest other labels, elements and
	// boundary titles along its flow.
	var obstacles []rect
	for _, it := range sorted {
		obstacles = append(obstacles, rect{it.x, it.y, it.w, it.h})
	}
	for _, it := range boxes {
		obstacles = append(obstacles, rect{it.x, it.y, textWidth(boundaryLabel(it.box), svgFont) + svgBoxPad, svgBoxTitleH})
	}
	for _, lb := range labels {
		w := 0.0
		for _, line := range lb.lines {
			w = max(w, textWidth(line, svgEdgeFont))
		}
		w += 8
		h := float64(len(lb.lines))*svgEdgeLineH + 4
		best, bestScore := lb.at(0.5), math.Inf(1)
		var candidates []point
		ts := []float64{0.5, 0.42, 0.58, 0.34, 0.66, 0.26, 0.74, 0.2, 0.8}
		for _, t := range ts {
			candidates = append(candidates, lb.at(t))
		}
		// Then beside the flow: right, left, below, above.
		for _, d := range []point{{w/2 + 6, 0}, {-w/2 - 6, 0}, {0, h/2 + 6}, {0, -h/2 - 6}} {
			for _, t := range ts {
				p := lb.at(t)
				candidates = append(candidates, point{p.x + d.x, p.y + d.y})
			}
		}
		for _, p := range candidates {
			r := rect{p.x - w/2, p.y - h/2, w, h}
			score := 0.0
			for _, o := range obstacles {
				score += r.overlap(o)
			}
			if score < bestScore {
				best, bestScore = p, score
			}
			if score == 0 {
				break
			}
		}
		obstacles = append(obstacles, rect{best.x - w/2, best.y - h/2, w, h})
		lb.at = func(float64) point { return best }
		at := lb.at(0)
		fmt.Fprintf(&b, `<g class="flow-label"><rect x="%s" y="%s" width="%s" height="%s" rx="3" fill="#ffffff" fill-opacity="0.88"/>`,
			num(at.x-w/2), num(at.y-h/2), num(w), num(h))
		for i, line := range lb.lines {
			attrs := ` fill="#333333"`
			if lb.open && i == len(lb.lines)-1 {
				attrs = ` font-weight="bold" fill="` + colourOpen + `"`
			}
			fmt.Fprintf(&b, `<text x="%s" y="%s" text-anchor="middle" font-size="%s"%s>%s</text>`,
				num(at.x), num(at.y-h/2+2+float64(i)*svgEdgeLineH+10), num(svgEdgeFont), attrs, xmlEscape(line))
		}
		b.WriteString("</g>\n")
	}
	b.WriteString("</svg>\n")
	return b.String()
}

func nodeTooltip(n *dNode) string {
	s := fmt.Sprintf("%s %s", n.sym.Kind, n.sym.ID)
	if n.sym.Boundary != nil {
		s += " in " + n.sym.Boundary.ID
	}
	if n.open.count > 0 {
		s += fmt.Sprintf(": %d open threats, the worst %s", n.open.count, n.open.worst)
	}
	return s
}

func flowTooltip(e *dEdge) string {
	s := "flow " + e.sym.ID
	if p := attrWord(e.sym.Decl, "protocol"); p != "" {
		s += " (" + p + ")"
	}
	if e.open.count > 0 {
		s += fmt.Sprintf(": %d open threats, the worst %s", e.open.count, e.open.worst)
	}
	return s
}

// num formats a coordinate with at most one decimal.
func num(f float64) string {
	s := fmt.Sprintf("%.1f", f)
	s = strings.TrimSuffix(s, ".0")
	if s == "-0" {
		s = "0"
	}
	return s
}

// xmlEscape escapes text for XML content and attribute values, and drops characters XML
// cannot hold.
func xmlEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			b.WriteString("&quot;")
		case '\'':
			b.WriteString("&#39;")
		default:
			if r == utf8.RuneError || (r < 0x20 && r != '\n' && r != '\t' && r != '\r') || r == 0xFFFE || r == 0xFFFF {
				continue
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}
