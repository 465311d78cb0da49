package render

import (
	"fmt"
	"strings"

	"github.com/threatls/threatls/analysis"
	"github.com/threatls/threatls/dsl"
)

const dotFont = "Helvetica,Arial,sans-serif"

// DOT returns the data-flow diagram as a Graphviz digraph: trust boundaries as nested
// clusters, actors as boxes, services as ellipses, stores as cylinders, flows as edges
// labelled with their name and data. Elements and flows with open threats are drawn in red
// and carry a "⚠ N open (severity)" marker.
func DOT(res *analysis.Result, opts GraphOptions) string {
	d := buildDiagram(res, opts)
	var b strings.Builder
	b.WriteString("digraph threatmodel {\n")
	title := d.title
	if opts.Focus != "" {
		if title != "" {
			title += "\n"
		}
		title += "focus: " + opts.Focus
	}
	fmt.Fprintf(&b, "  graph [rankdir=LR, fontname=%s, fontsize=12, newrank=true, nodesep=0.4, ranksep=0.9", dotQuote(dotFont))
	if title != "" {
		fmt.Fprintf(&b, ", label=%s, labelloc=t", dotQuote(title))
	}
	b.WriteString("]\n")
	fmt.Fprintf(&b, "  node [fontname=%s, fontsize=11, style=filled, fillcolor=\"#ffffff\", color=\"#555555\"]\n", dotQuote(dotFont))
	fmt.Fprintf(&b, "  edge [fontname=%s, fontsize=9, color=\"#555555\"]\n", dotQuote(dotFont))
	var draw func(bs []*dBoundary, nodes []*dNode, indent string)
	draw = func(bs []*dBoundary, nodes []*dNode, indent string) {
		for _, n := range nodes {
			fmt.Fprintf(&b, "%s%s\n", indent, dotNode(n))
		}
		for _, x := range bs {
			fill := trustFill[x.trust]
			if fill == "" {
				fill = "#f7f7f7"
			}
			fmt.Fprintf(&b, "%ssubgraph %s {\n", indent, dotQuote("cluster_"+x.sym.ID))
			fmt.Fprintf(&b, "%s  label=%s; labeljust=l; style=\"dashed,rounded,filled\"; color=\"#777777\"; fillcolor=%s\n", indent, dotQuote(boundaryLabel(x)), dotQuote(fill))
			draw(x.children, x.nodes, indent+"  ")
			fmt.Fprintf(&b, "%s}\n", indent)
		}
	}
	draw(d.roots, d.loose, "  ")
	for _, e := range d.edges {
		attrs := []string{}
		if lines := edgeLines(e); len(lines) > 0 {
			attrs = append(attrs, "label="+dotQuote(strings.Join(lines, "\n")))
		}
		if e.both {
			attrs = append(attrs, "dir=both")
		}
		if e.open.count > 0 {
			attrs = append(attrs, fmt.Sprintf("color=%q, fontcolor=%q, penwidth=2.5", colourOpen, colourOpen))
		}
		fmt.Fprintf(&b, "  %s -> %s", dotQuote(e.from.sym.ID), dotQuote(e.to.sym.ID))
		if len(attrs) > 0 {
			fmt.Fprintf(&b, " [%s]", strings.Join(attrs, ", "))
		}
		b.WriteString("\n")
	}
	b.WriteString("}\n")
	return b.String()
}

func dotNode(n *dNode) string {
	shape := "ellipse"
	switch n.sym.Kind {
	case dsl.KindActor:
		shape = "box"
	case dsl.KindStore:
		shape = "cylinder"
	}
	attrs := fmt.Sprintf("label=%s, shape=%s", dotQuote(strings.Join(nodeLines(n), "\n")), shape)
	if n.open.count > 0 {
		attrs += fmt.Sprintf(", color=%q, fillcolor=%q, penwidth=2.5", colourOpen, colourOpenFill)
	}
	return fmt.Sprintf("%s [%s]", dotQuote(n.sym.ID), attrs)
}

// dotQuote writes s as a DOT double-quoted string: backslashes and quotes escaped, line
// breaks as \n (a centred line in a label), UTF-8 as it is.
func dotQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case '"':
			b.WriteString(`\"`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
