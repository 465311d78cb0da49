// Package render turns the result of an analysis into pictures and documents: the
// data-flow diagram as Mermaid, Graphviz DOT or SVG, the threat register as Markdown or a
// self-contained HTML page, and the security changes between two versions of a model.
//
// Every function is pure: it reads an *analysis.Result (and options) and returns text, with
// no I/O and no network. Output is deterministic: elements, flows and threats are sorted by
// id, so the same model always gives the same bytes.
package render
