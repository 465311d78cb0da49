package render

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/threatls/threatls/analysis"
	"github.com/threatls/threatls/dsl"
)

// Colours shared by the diagram formats.
const (
	colourOpen     = "#c0392b" // open threats: red, always with a text marker
	colourOpenFill = "#fdecea"
)

// trustFill tints a boundary by its trust level (the label says the level in words).
var trustFill = map[string]string{
	"untrusted": "#fdeaea",
	"low":       "#fff4e0",
	"medium":    "#fdfbe6",
	"high":      "#eaf6ec",
}

// Mermaid returns the data-flow diagram as a Mermaid flowchart: trust boundaries as nested
// subgraphs, actors as rectangles, services as stadiums, stores as cylinders, flows as
// arrows labelled with their name and data. Elements and flows with open threats are drawn
// in red and carry a "⚠ N open (severity)" marker.
func Mermaid(res *analysis.Result, opts GraphOptions) string {
	d := buildDiagram(res, opts)
	var b strings.Builder
	if d.title != "" {
		fmt.Fprintf(&b, "%%%% %s\n", mermaidComment(d.title))
	}
	if opts.Focus != "" {
		fmt.Fprintf(&b, "%%%% focus: %s\n", mermaidComment(opts.Focus))
	}
	b.WriteString("flowchart LR\n")
	var boxes []*dBoundary
	var draw func(bs []*dBoundary, nodes []*dNode, indent string)
	draw = func(bs []*dBoundary, nodes []*dNode, indent string) {
		for _, n := range nodes {
			fmt.Fprintf(&b, "%s%s\n", indent, mermaidNode(n))
		}
		for _, x := range bs {
			boxes = append(boxes, x)
			fmt.Fprintf(&b, "%ssubgraph %s[\"%s\"]\n", indent, mermaidID("b", x.sym.ID), mermaidText(boundaryLabel(x)))
			draw(x.children, x.nodes, indent+"  ")
			fmt.Fprintf(&b, "%send\n", indent)
		}
	}
	draw(d.roots, d.loose, "  ")
	var openEdges []string
	for i, e := range d.edges {
		arrow := "-->"
		if e.both {
			arrow = "<-->"
		}
		from, to := mermaidID("e", e.from.sym.ID), mermaidID("e", e.to.sym.ID)
		if lines := edgeLines(e); len(lines) > 0 {
			fmt.Fprintf(&b, "  %s %s|\"%s\"| %s\n", from, arrow, mermaidLines(lines), to)
		} else {
			fmt.Fprintf(&b, "  %s %s %s\n", from, arrow, to)
		}
		if e.open.count > 0 {
			openEdges = append(openEdges, strconv.Itoa(i))
		}
	}
	// Styles: element kinds, open threats, boundaries by trust.
	b.WriteString("  classDef actor fill:#ffffff,stroke:#555555\n")
	b.WriteString("  classDef service fill:#ffffff,stroke:#555555\n")
	b.WriteString("  classDef store fill:#ffffff,stroke:#555555\n")
	fmt.Fprintf(&b, "  classDef open fill:%s,stroke:%s,stroke-width:3px,color:#000000\n", colourOpenFill, colourOpen)
	for _, k := range []dsl.Kind{dsl.KindActor, dsl.KindService, dsl.KindStore} {
		var ids []string
		for _, n := range d.nodes {
			if n.sym.Kind == k && n.open.count == 0 {
				ids = append(ids, mermaidID("e", n.sym.ID))
			}
		}
		if len(ids) > 0 {
			fmt.Fprintf(&b, "  class %s %s\n", strings.Join(ids, ","), k)
		}
	}
	var open []string
	for _, n := range d.nodes {
		if n.open.count > 0 {
			open = append(open, mermaidID("e", n.sym.ID))
		}
	}
	if len(open) > 0 {
		fmt.Fprintf(&b, "  class %s open\n", strings.Join(open, ","))
	}
	// Boundaries by trust, through classes: `style` on a subgraph makes mermaid warn.
	byTrust := map[string][]string{}
	for _, x := range boxes {
		byTrust[x.trust] = append(byTrust[x.trust], mermaidID("b", x.sym.ID))
	}
	for _, level := range dsl.TrustLevels {
		if ids := byTrust[level]; len(ids) > 0 {
			fmt.Fprintf(&b, "  classDef trust_%s fill:%s,stroke:#777777,stroke-dasharray:5 5\n", level, trustFill[level])
			fmt.Fprintf(&b, "  class %s trust_%s\n", strings.Join(ids, ","), level)
		}
	}
	if len(openEdges) > 0 {
		fmt.Fprintf(&b, "  linkStyle %s stroke:%s,stroke-width:3px\n", strings.Join(openEdges, ","), colourOpen)
	}
	return b.String()
}

// mermaidNode declares an element with the shape of its kind.
func mermaidNode(n *dNode) string {
	id, label := mermaidID("e", n.sym.ID), mermaidLines(nodeLines(n))
	switch n.sym.Kind {
	case dsl.KindActor:
		return fmt.Sprintf("%s[\"%s\"]", id, label)
	case dsl.KindStore:
		return fmt.Sprintf("%s[(\"%s\")]", id, label)
	}
	return fmt.Sprintf("%s([\"%s\"])", id, label)
}

// mermaidID turns a model id into a Mermaid node id that no keyword (`end`, `graph`,
// `style`) and no other id can collide with: a prefix for its kind, `_` doubled, `-` as
// `_h`, and anything else as `_xHH`.
func mermaidID(prefix, id string) string {
	var b strings.Builder
	b.WriteString(prefix)
	b.WriteByte('_')
	for _, r := range id {
		switch {
		case r == '_':
			b.WriteString("__")
		case r == '-':
			b.WriteString("_h")
		case r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'):
			b.WriteRune(r)
		default:
			fmt.Fprintf(&b, "_x%X_", r)
		}
	}
	return b.String()
}

// mermaidLines joins label lines with Mermaid's line break.
func mermaidLines(lines []string) string {
	parts := make([]string, len(lines))
	for i, l := range lines {
		parts[i] = mermaidText(l)
	}
	return strings.Join(parts, "<br/>")
}

// mermaidText escapes text for a quoted Mermaid label: the characters that end the label,
// start an entity, or would be read as HTML or Markdown are written as entity codes
// (#34; for a quote); everything else, non-ASCII included, stays as it is.
func mermaidText(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '"', '#', '&', '<', '>', '`':
			fmt.Fprintf(&b, "#%d;", r)
		case '\n', '\r', '\t':
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// mermaidComment keeps a comment on one line.
func mermaidComment(s string) string {
	return strings.NewReplacer("\n", " ", "\r", " ", "%%", "% %").Replace(s)
}
