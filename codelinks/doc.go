// Package codelinks connects a threat model to the source code next to it.
//
// A model's `code` (on services and stores) and `evidence` (on mitigations) values are
// links into the repository: a path, a glob, `path:line` or `path#symbol`. Resolve checks
// each one (confinement first, without opening anything; then existence, line count and
// symbol) and says in a sentence what is wrong and what is close.
//
// Source files carry annotations in their comments, `threatls: mitigates THREAT-ID` (also
// `accepts`, `exposes`, `component ELEMENT-ID`). Scan walks the tree once and collects
// them; Update follows a single changed file or folder afterwards. CheckIDs reports
// annotations naming ids the model lacks.
//
// Everything is confined to the root given to the Repo: links may not be absolute, leave
// the root through `..` or through a symbolic link, and the scan follows no link. Files
// are read through an os.Root.
//
// Typical use:
//
//	ix, err := (&codelinks.Repo{Root: modelRoot}).Scan(ctx)
//	link := ix.Resolve("services/payments/db.go#QueryOrders")
//	if !link.OK {
//		report(link.Code, link.Message("evidence"))
//	}
//	for _, a := range ix.AnnotationsFor("sqli") { ... }
//	problems := append(ix.Problems(), codelinks.CheckIDs(ix.Annotations(), threatIDs, elementIDs)...)
//
// The syntax is documented in README.md next to this file.
package codelinks
