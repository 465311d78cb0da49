package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
	"go.lsp.dev/protocol"

	"github.com/threatls/threatls/analysis"
	"github.com/threatls/threatls/analysis/taxonomy"
	"github.com/threatls/threatls/dsl"
)

// completionContext is what the tokens before the cursor say about it. Completion works on
// tokens, not on the syntax tree, so it works in text that does not parse.
type completionContext struct {
	block       dsl.Kind // the innermost open block, "" at top level
	stmt        []lexer.Token
	prefix      string
	prefixStart int
}

func (q *query) completionContext() (completionContext, bool) {
	f, off := q.file, q.off
	toks := f.Tokens
	// Inside a string or comment: nothing to complete.
	if k := sort.Search(len(toks), func(i int) bool { return toks[i].Pos.Offset >= off }) - 1; k >= 0 {
		t := toks[k]
		end := t.Pos.Offset + len(t.Value)
		switch t.Type {
		case dsl.TokString, dsl.TokRawString:
			if off < end {
				return completionContext{}, false
			}
		case dsl.TokBadString, dsl.TokBadComment:
			if off <= end {
				return completionContext{}, false
			}
		case dsl.TokComment:
			if off < end || (off == end && strings.HasPrefix(t.Value, "//")) {
				return completionContext{}, false
			}
		}
	}
	// The tokens before the cursor, from the start of the enclosing top-level declaration.
	start := 0
	for _, d := range f.Decls {
		if int(d.Span.Start) <= off {
			start = int(d.Span.Start)
		}
	}
	var before []lexer.Token
	for _, t := range toks {
		if t.Pos.Offset < start || t.Type == dsl.TokComment || t.Type == dsl.TokBadComment {
			continue
		}
		if t.Pos.Offset >= off || t.Type == dsl.TokEOF {
			break
		}
		before = append(before, t)
	}
	c := completionContext{prefixStart: off}
	// The word being typed: an identifier (or keyword) ending at the cursor.
	if n := len(before); n > 0 {
		last := before[n-1]
		if (last.Type == dsl.TokIdent || last.Type == dsl.TokKeyword || last.Type == dsl.TokNumber) && last.Pos.Offset+len(last.Value) == off {
			c.prefix, c.prefixStart = last.Value, last.Pos.Offset
			before = before[:n-1]
			// `rule@target->` being typed: extend over @ and arrows written without spaces.
			for len(before) >= 2 && isPunct(before[len(before)-1], "@", "->", "<->") && before[len(before)-1].Pos.Offset+len(before[len(before)-1].Value) == c.prefixStart && before[len(before)-2].Type == dsl.TokIdent {
				p, id := before[len(before)-1], before[len(before)-2]
				if p.Value != "@" && id.Pos.Offset+len(id.Value) != p.Pos.Offset {
					break
				}
				c.prefix = id.Value + p.Value + c.prefix
				c.prefixStart = id.Pos.Offset
				before = before[:len(before)-2]
			}
		}
	}
	// Block nesting and the current statement.
	var stack []dsl.Kind
	pending := dsl.Kind("")
	stmtStart := 0
	for i, t := range before {
		switch {
		case t.Type == dsl.TokKeyword:
			pending = dsl.Kind(t.Value)
		case t.Type == dsl.TokPunct && t.Value == "{":
			stack = append(stack, pending)
			pending = ""
			stmtStart = i + 1
		case t.Type == dsl.TokPunct && t.Value == "}":
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			stmtStart = i + 1
		case t.Type == dsl.TokPunct && t.Value == ";":
			stmtStart = i + 1
		case t.Type == dsl.TokNewline:
			if i == 0 || !isPunct(before[i-1], ",") {
				stmtStart = i + 1
			}
		}
	}
	if len(stack) > 0 {
		c.block = stack[len(stack)-1]
	}
	for _, t := range before[min(stmtStart, len(before)):] {
		if t.Type != dsl.TokNewline {
			c.stmt = append(c.stmt, t)
		}
	}
	return c, true
}

func (s *Server) completion(ctx context.Context, raw json.RawMessage) (any, error) {
	q, err := s.positionQuery(ctx, "textDocument/completion", raw)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	snippets := s.clientCaps.snippets
	s.mu.Unlock()
	list := &protocol.CompletionList{Items: []protocol.CompletionItem{}}
	c, ok := q.completionContext()
	if !ok {
		return list, nil
	}
	edit := func(text string) *protocol.TextEdit {
		return &protocol.TextEdit{Range: q.rng(dsl.Span{Start: int32(c.prefixStart), End: int32(q.off)}), NewText: text}
	}
	add := func(item protocol.CompletionItem) {
		if c.prefix != "" && !strings.HasPrefix(strings.ToLower(item.FilterText+item.Label), strings.ToLower(c.prefix)) &&
			!strings.Contains(strings.ToLower(item.Label), strings.ToLower(c.prefix)) {
			return
		}
		if item.TextEdit == nil {
			text := item.InsertText
			if text == "" {
				text = item.Label
			}
			item.TextEdit = edit(text)
			item.InsertText = ""
		}
		list.Items = append(list.Items, item)
	}
	stmt := c.stmt
	switch {
	case len(stmt) == 0 && c.block == "":
		q.addDeclarations(add, snippets)
	case len(stmt) == 0:
		for _, a := range dsl.Attributes(c.block) {
			add(protocol.CompletionItem{Label: a.Name, Kind: protocol.CompletionItemKindProperty, Detail: attrDetail(a), Documentation: md(attrDoc(a))})
		}
		if c.block == dsl.KindBoundary {
			q.addDeclarations(add, snippets)
		}
	case stmt[0].Type == dsl.TokKeyword:
		q.completeHeader(dsl.Kind(stmt[0].Value), stmt, add)
	case stmt[0].Type == dsl.TokIdent && c.block != "":
		last := stmt[len(stmt)-1]
		if len(stmt) > 1 && !isPunct(last, ",", "->", "<->") {
			break // a value is complete; the next one needs a comma
		}
		spec, ok := dsl.LookupAttribute(c.block, stmt[0].Value)
		if !ok {
			break
		}
		if isPunct(last, "->", "<->") {
			q.addSymbols(add, []dsl.Kind{dsl.KindActor, dsl.KindService, dsl.KindStore})
			break
		}
		q.completeValues(spec, add)
	}
	sort.SliceStable(list.Items, func(i, j int) bool {
		a, b := list.Items[i], list.Items[j]
		if a.SortText != b.SortText {
			return a.SortText < b.SortText
		}
		return a.Label < b.Label
	})
	if len(list.Items) > 1000 {
		list.Items = list.Items[:1000]
		list.IsIncomplete = true
	}
	return list, nil
}

func (s *Server) completionResolve(ctx context.Context, raw json.RawMessage) (any, error) {
	item, err := decode[protocol.CompletionItem]("completionItem/resolve", raw)
	if err != nil {
		return nil, err
	}
	return item, nil
}

func md(s string) protocol.MarkupContent {
	return protocol.MarkupContent{Kind: protocol.Markdown, Value: s}
}

func attrDetail(a dsl.Attribute) string {
	switch a.Type {
	case dsl.TypeFlag:
		return "flag"
	case dsl.TypeEnum, dsl.TypeFlagEnum:
		return strings.Join(a.Values, " | ")
	case dsl.TypeString:
		return `"text"`
	case dsl.TypeDate:
		return "date"
	case dsl.TypeNumber:
		return "number"
	case dsl.TypeRef:
		kinds := make([]string, len(a.RefKinds))
		for i, k := range a.RefKinds {
			kinds[i] = string(k)
		}
		return strings.Join(kinds, " | ") + " id"
	}
	return "name"
}

// declSnippets are the snippets for whole declarations.
var declSnippets = map[dsl.Kind]string{
	dsl.KindModel:         "model \"${1:Title}\" {\n  owner \"${2:team@example.com}\"\n}",
	dsl.KindBoundary:      "boundary ${1:id} \"${2:Title}\" {\n  trust ${3|untrusted,low,medium,high|}\n}",
	dsl.KindData:          "data ${1:id} \"${2:Title}\" {\n  classification ${3|public,internal,confidential,restricted|}\n}",
	dsl.KindActor:         "actor ${1:id} \"${2:Title}\" {\n  in ${3:boundary}\n}",
	dsl.KindService:       "service ${1:id} \"${2:Title}\" {\n  in ${3:boundary}\n  handles ${4:data}\n}",
	dsl.KindStore:         "store ${1:id} \"${2:Title}\" {\n  in ${3:boundary}\n  stores ${4:data}\n}",
	dsl.KindFlow:          "flow ${1:source} -> ${2:target} \"${3:Title}\" {\n  protocol ${4:https}\n  carries ${5:data}\n  encrypted\n  authenticated\n}",
	dsl.KindThreat:        "threat ${1:id} \"${2:Title}\" {\n  on ${3:element}\n  stride ${4|spoofing,tampering,repudiation,information_disclosure,denial_of_service,elevation_of_privilege|}\n  likelihood ${5|low,medium,high|}\n  impact ${6|low,medium,high|}\n}",
	dsl.KindMitigation:    "mitigation ${1:id} \"${2:Title}\" {\n  mitigates ${3:threat}\n  status ${4|planned,in_progress,implemented,verified|}\n}",
	dsl.KindAccept:        "accept ${1:threat} {\n  reason \"${2:why the risk is acceptable}\"\n  owner \"${3:who}\"\n  until ${4:2027-12-31}\n}",
	dsl.KindTransfer:      "transfer ${1:threat} {\n  to \"${2:who carries the risk}\"\n}",
	dsl.KindNotApplicable: "not_applicable ${1:threat} {\n  reason \"${2:why it does not apply}\"\n}",
}

func (q *query) addDeclarations(add func(protocol.CompletionItem), snippets bool) {
	for i, k := range dsl.Kinds {
		item := protocol.CompletionItem{Label: string(k), Kind: protocol.CompletionItemKindKeyword, Detail: "declaration", Documentation: md(dsl.KindDoc[k]), SortText: fmt.Sprintf("0%02d", i)}
		add(item)
		if snippets {
			add(protocol.CompletionItem{Label: string(k) + " …", FilterText: string(k), Kind: protocol.CompletionItemKindSnippet, Detail: "declaration snippet",
				Documentation: md(dsl.KindDoc[k]), InsertText: declSnippets[k], InsertTextFormat: protocol.InsertTextFormatSnippet, SortText: fmt.Sprintf("1%02d", i)})
		}
	}
}

// completeHeader completes a declaration header: flow endpoints, response targets.
func (q *query) completeHeader(k dsl.Kind, stmt []lexer.Token, add func(protocol.CompletionItem)) {
	last := stmt[len(stmt)-1]
	switch {
	case k == dsl.KindFlow && (len(stmt) == 1 || isPunct(last, "->", "<->", ":")):
		q.addSymbols(add, []dsl.Kind{dsl.KindActor, dsl.KindService, dsl.KindStore})
	case k.IsResponse() && len(stmt) == 1:
		q.addThreats(add)
	}
}

func (q *query) completeValues(spec dsl.Attribute, add func(protocol.CompletionItem)) {
	switch spec.Type {
	case dsl.TypeEnum, dsl.TypeFlagEnum:
		for i, v := range spec.Values {
			doc := valueDoc("", spec.Name, v)
			add(protocol.CompletionItem{Label: v, Kind: protocol.CompletionItemKindEnumMember, Documentation: md(doc), SortText: fmt.Sprintf("%03d", i)})
		}
		if spec.Type == dsl.TypeFlagEnum {
			add(protocol.CompletionItem{Label: "false", Kind: protocol.CompletionItemKindValue, SortText: "999"})
		}
	case dsl.TypeFlag:
		add(protocol.CompletionItem{Label: "false", Kind: protocol.CompletionItemKindValue})
	case dsl.TypeRef:
		if len(spec.RefKinds) == 1 && spec.RefKinds[0] == dsl.KindThreat {
			q.addThreats(add)
			return
		}
		q.addSymbols(add, spec.RefKinds)
	case dsl.TypeNumber:
		var entries []taxonomy.Entry
		switch spec.Name {
		case "cwe":
			entries = taxonomy.AllCWE()
		case "capec":
			entries = taxonomy.AllCAPEC()
		}
		for _, e := range entries {
			if e.Problem() != "" {
				continue
			}
			add(protocol.CompletionItem{Label: strconv.Itoa(e.ID), Kind: protocol.CompletionItemKindReference, Detail: e.Name,
				FilterText: strconv.Itoa(e.ID) + " " + e.Name, Documentation: md(fmt.Sprintf("[%s](%s)", e.Label(), e.URL())), SortText: fmt.Sprintf("%06d", e.ID)})
		}
	case dsl.TypeWord:
		var words []string
		switch spec.Name {
		case "protocol":
			words = []string{"https", "http", "grpc", "grpcs", "wss", "ws", "postgres", "mysql", "redis", "amqp", "amqps", "kafka", "mqtt", "sftp", "ftp", "smtp", "ldap", "ldaps", "ssh", "tls", "tcp"}
		case "tech":
			words = []string{"go", "java", "kotlin", "python", "node", "typescript", "rust", "c", "cpp", "dotnet", "php", "ruby", "postgres", "mysql", "redis", "kafka", "rabbitmq", "s3", "nginx", "envoy", "kubernetes"}
		}
		for _, w := range words {
			add(protocol.CompletionItem{Label: w, Kind: protocol.CompletionItemKindValue})
		}
	}
}

// addSymbols offers the model's ids of the given kinds, and ids declared in this buffer
// that the analysis has not seen yet.
func (q *query) addSymbols(add func(protocol.CompletionItem), kinds []dsl.Kind) {
	seen := map[string]bool{}
	want := map[dsl.Kind]bool{}
	for _, k := range kinds {
		want[k] = true
	}
	if q.res != nil {
		for id, sym := range q.res.Model.Symbols {
			if !want[sym.Kind] {
				continue
			}
			seen[id] = true
			add(protocol.CompletionItem{Label: id, Kind: completionKind(sym.Kind), Detail: string(sym.Kind) + " — " + sym.Title(), SortText: "0" + id})
		}
	}
	q.file.Walk(func(d *dsl.Decl) {
		if id := d.ID(); id != "" && want[d.Kind] && !seen[id] {
			add(protocol.CompletionItem{Label: id, Kind: completionKind(d.Kind), Detail: string(d.Kind) + " — " + d.TitleText(), SortText: "0" + id})
		}
	})
}

// addThreats offers threat ids, declared and generated; open ones first.
func (q *query) addThreats(add func(protocol.CompletionItem)) {
	if q.res == nil {
		return
	}
	for _, t := range q.res.Threats {
		rank := "1"
		if t.State == analysis.StateOpen {
			rank = "0"
		}
		kind := "declared"
		if t.Generated() {
			kind = "generated"
		}
		add(protocol.CompletionItem{Label: t.ID, Kind: protocol.CompletionItemKindEvent,
			Detail:        fmt.Sprintf("%s · %s · %s threat", t.State, t.Rating.Severity, kind),
			Documentation: md(analysis.Explain(t)), SortText: rank + fmt.Sprint(4-int(t.Rating.Severity)) + t.ID})
	}
}

func completionKind(k dsl.Kind) protocol.CompletionItemKind {
	switch k {
	case dsl.KindBoundary:
		return protocol.CompletionItemKindModule
	case dsl.KindData:
		return protocol.CompletionItemKindStruct
	case dsl.KindFlow:
		return protocol.CompletionItemKindEvent
	case dsl.KindThreat:
		return protocol.CompletionItemKindEvent
	}
	return protocol.CompletionItemKindClass
}
