package dsl

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// Parser parses .threat files. It is safe for concurrent use; build one and share it.
type Parser struct {
	p *parsers
}

// NewParser builds a parser.
func NewParser() *Parser {
	p, err := buildParsers()
	if err != nil {
		// The grammar is fixed at compile time; TestGrammarBuilds guards this.
		panic(fmt.Sprintf("threatls: invalid grammar: %v", err))
	}
	return &Parser{p: p}
}

// Parse parses one file. It never fails: every problem becomes a diagnostic, and every
// declaration that can be read is in the result.
func (p *Parser) Parse(name, text string) *File {
	if len(text) > MaxFileSize {
		return tooLarge(name, text)
	}
	return p.parse(name, text, Lex(text))
}

// tooLarge is the parse of a file over MaxFileSize bytes: no declarations, and an error
// that says so (offsets in a larger file do not fit a Span).
func tooLarge(name, text string) *File {
	return &File{Name: name, Text: text, Lines: NewLineIndex(text), Diagnostics: []Diagnostic{{
		Severity: SeverityError, Code: "syntax",
		Message: fmt.Sprintf("the file is %d bytes, too large to read: a model file may be up to %d bytes; split it into several files", len(text), MaxFileSize),
	}}}
}

// Scratch is memory that parsing many files one after another can reuse (see
// ParseDiscardingTokens). The zero value is ready to use; a Scratch is not for concurrent use.
type Scratch struct {
	toks []lexer.Token
}

// ParseDiscardingTokens parses like Parse, but returns a File without Tokens: they are lexed
// into s's buffer, which the next call reuses. It is for callers that analyse the files and
// neither format them nor answer questions about positions in them: a model's tokens take
// several times the memory of its text, and fresh memory is slow to get.
func (p *Parser) ParseDiscardingTokens(name, text string, s *Scratch) *File {
	if len(text) > MaxFileSize {
		return tooLarge(name, text)
	}
	// A text of n bytes has at most n+1 tokens. When the buffer may be too small, count the
	// tokens first: growing it by appending copies it again and again, into fresh memory.
	if cap(s.toks) <= len(text) {
		if n, _ := lex(text, nil, true); n > cap(s.toks) {
			s.toks = make([]lexer.Token, 0, n+n/8) // room for the next, similar file
		}
	}
	_, s.toks = lex(text, s.toks[:0], false)
	f := p.parse(name, text, s.toks)
	f.Tokens = nil
	return f
}

func (p *Parser) parse(name, text string, toks []lexer.Token) *File {
	f := &File{Name: name, Text: text, Tokens: toks, Lines: NewLineIndex(text)}
	st := &parseState{p: p.p, f: f}
	st.parseDecls()
	f.lexClean = len(st.lexErrs) == 0
	f.syntax = slices.Clone(st.diags) // validate appends to st.diags, and they are sorted
	validate(f, &st.diags, st.badTokenAt)
	sortDiagnostics(st.diags)
	f.Diagnostics = st.diags
	return f
}

// parseDecls parses the tokens of st.f into its declarations, and reports the syntax errors.
func (st *parseState) parseDecls() {
	st.prepareTokens()
	st.nTokErrs = len(st.lexErrs)
	for _, s := range st.split() {
		if s.junk {
			continue
		}
		if d := st.parseSeg(s, nil); d != nil {
			st.f.Decls = append(st.f.Decls, d)
		}
	}
	st.markLexicalBreaks()
	markBrokenParents(st.f.Decls)
}

type parseState struct {
	p     *parsers
	f     *File
	toks  []lexer.Token // tokens for parsing: invalid ones dropped, bad strings retyped
	diags []Diagnostic
	// lexErrs are the offsets of lexical errors; declarations holding one are Broken.
	lexErrs []int
	// shared is the participle lexer over toks that whole declarations are parsed from.
	shared *lexer.PeekingLexer
	// headerFailed is set while converting a declaration whose header did not parse.
	headerFailed bool
	// depth is the nesting depth of the declaration being split.
	depth int
	// nTokErrs is the number of lexErrs from bad tokens, which come first, in text order.
	nTokErrs int
	// badStrings holds the offsets of unterminated strings.
	badStrings map[int]bool
	// Chunks the AST's nodes are allocated from (see newIdent).
	idents []Ident
	values []Value
	attrs  []Attr
	refs   []Ref
	decls  []Decl
	// Buffers convertDecl reads statements into.
	stmtBuf []gStmt
	valBuf  []tValue
	cursor  tokCursor
	// segs is a chunk the splitter's segments are allocated from.
	segs []seg
}

func (st *parseState) errorf(span Span, format string, args ...any) {
	st.diags = append(st.diags, Diagnostic{Span: span, Severity: SeverityError, Code: "syntax", Message: fmt.Sprintf(format, args...)})
}

func tokSpan(t lexer.Token) Span { return SpanOf(t.Pos.Offset, t.Pos.Offset+len(t.Value)) }

// prepareTokens reports lexical errors and builds the token list the parser sees.
func (st *parseState) prepareTokens() {
	clean := true
	for i := range st.f.Tokens {
		if t := st.f.Tokens[i].Type; t == TokInvalid || t == TokBadString || t == TokBadComment {
			clean = false
			break
		}
	}
	if clean {
		// Nothing to report or fix: the parser reads the file's tokens (it never writes them).
		st.toks = st.f.Tokens
		return
	}
	st.toks = make([]lexer.Token, 0, len(st.f.Tokens))
	for _, t := range st.f.Tokens {
		switch t.Type {
		case TokInvalid:
			st.lexErrs = append(st.lexErrs, t.Pos.Offset)
			st.errorf(tokSpan(t), "%s", invalidMessage(t.Value))
			switch {
			case isWordToken(t.Value):
				// A word with letters outside ASCII stands where an identifier would: read it
				// as one so the declaration around it keeps its id.
				t.Type = TokIdent
			case t.Value[0] >= '0' && t.Value[0] <= '9':
				// 12abc, 2027-6-30: a value gone wrong, read as one so that its attribute is
				// not also reported as missing its value.
				t.Type = TokNumber
			default:
				continue
			}
		case TokBadString:
			st.lexErrs = append(st.lexErrs, t.Pos.Offset)
			if st.badStrings == nil {
				st.badStrings = map[int]bool{}
			}
			st.badStrings[t.Pos.Offset] = true
			if strings.HasPrefix(t.Value, `"""`) {
				st.errorf(tokSpan(t), "unterminated text block: close it with `\"\"\"`")
				t.Type = TokRawString
			} else {
				st.errorf(tokSpan(t), "unterminated string: close it with `\"` on the same line (use `\"\"\"` for text over several lines)")
				t.Type = TokString
			}
		case TokBadComment:
			st.lexErrs = append(st.lexErrs, t.Pos.Offset)
			st.errorf(SpanOf(t.Pos.Offset, t.Pos.Offset+2), "unterminated comment: close it with `*/`")
		}
		st.toks = append(st.toks, t)
	}
}

func invalidMessage(v string) string {
	switch {
	case v == "=":
		return "unexpected `=`: attributes take their value without `=`, as in `trust high`"
	case v == "[" || v == "]":
		return fmt.Sprintf("unexpected `%s`: list values are separated by commas without brackets, as in `stride tampering, spoofing`", v)
	case strings.HasPrefix(v, "#"):
		return "`#` does not start a comment here: comments start with `//` or `/*`"
	case v == "-":
		return "unexpected `-`: flows are written `a -> b` or `a <-> b`"
	case isWordToken(v):
		return fmt.Sprintf("`%s` is not an identifier: identifiers use the letters a-z and A-Z, digits, `_` and `-`; other text belongs in a \"title\"", v)
	case v != "" && v[0] >= '0' && v[0] <= '9':
		return fmt.Sprintf("`%s` is not a number, date or identifier: identifiers start with a letter, dates are written 2027-06-30", v)
	}
	return fmt.Sprintf("unexpected character `%s`: expected a declaration, an attribute, a value, or a comment", v)
}

// isWordToken reports whether a bad token is a word: it starts with a letter.
func isWordToken(v string) bool {
	if v == "" {
		return false
	}
	if isIdentStart(v[0]) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(v)
	return unicode.IsLetter(r)
}

// seg is a declaration found by the splitter: the token ranges of its header, statements
// and nested declarations, before participle has looked at it.
type seg struct {
	junk   bool
	kw     int // token index of the keyword
	lbrace int // token index of `{`, -1 when missing
	rbrace int // token index of `}`, -1 when missing
	end    int // token index just after the segment
	body   int // token index where the body starts, -1 when there is none
	// children are the nested declarations. The statements are not recorded: most
	// segments parse whole, and items finds them again for those that do not.
	children []*seg
	clean    bool // closed, and no problem found by the splitter
}

// leaf reports whether the splitter found no nested declaration in s.
func (s *seg) leaf() bool { return len(s.children) == 0 }

type segItem struct {
	start, end int // statement tokens [start, end), separators excluded
	child      *seg
}

func (st *parseState) sig(i int) bool {
	t := st.toks[i].Type
	return t != TokComment && t != TokBadComment
}

// next returns the index of the first significant token at or after i.
func (st *parseState) next(i int) int {
	for i < len(st.toks)-1 && !st.sig(i) {
		i++
	}
	return i
}

// split cuts the file into top-level declarations and junk.
func (st *parseState) split() []*seg {
	var segs []*seg
	i := 0
	for {
		i = st.next(i)
		t := st.toks[i]
		switch {
		case t.Type == TokEOF:
			return segs
		case t.Type == TokNewline || t.Value == ";":
			i++
		case t.Type == TokKeyword:
			s := st.splitDecl(i, 0)
			segs = append(segs, s)
			i = s.end
		default:
			end := st.skipJunk(i)
			st.reportJunk(i, end)
			segs = append(segs, &seg{junk: true, kw: i, end: end})
			i = end
		}
	}
}

// skipJunk returns the end of a run of tokens at top level that starts no declaration: up
// to the next line that starts with a keyword, skipping balanced braces.
func (st *parseState) skipJunk(i int) int {
	depth := 0
	atLineStart := false
	for ; st.toks[i].Type != TokEOF; i++ {
		t := st.toks[i]
		switch {
		case t.Type == TokNewline:
			atLineStart = true
			continue
		case t.Value == "{" && t.Type == TokPunct:
			depth++
		case t.Value == "}" && t.Type == TokPunct:
			if depth > 0 {
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		case t.Type == TokKeyword && depth == 0 && atLineStart:
			return i
		}
		if st.sig(i) {
			atLineStart = false
		}
	}
	return i
}

func (st *parseState) reportJunk(start, end int) {
	t := st.toks[start]
	span := SpanOf(t.Pos.Offset, st.toks[end-1].Pos.Offset+len(st.toks[end-1].Value))
	st.lexErrs = append(st.lexErrs, int(span.Start))
	switch {
	case t.Type == TokPunct && t.Value == "}":
		st.errorf(tokSpan(t), "unmatched `}`: no declaration is open here")
	case t.Type == TokIdent:
		if s := Suggest(t.Value, kindNames()); s != "" {
			st.errorf(tokSpan(t), "unknown declaration `%s`: did you mean `%s`?", t.Value, s)
			return
		}
		st.errorf(tokSpan(t), "unexpected `%s` at top level: expected a declaration (%s)", t.Value, strings.Join(kindNames(), ", "))
	default:
		st.errorf(tokSpan(t), "unexpected %s at top level: expected a declaration (%s)", describe(t), strings.Join(kindNames(), ", "))
	}
}

func kindNames() []string {
	names := make([]string, len(Kinds))
	for i, k := range Kinds {
		names[i] = string(k)
	}
	return names
}

func describe(t lexer.Token) string {
	switch t.Type {
	case TokEOF:
		return "end of file"
	case TokNewline:
		return "end of line"
	case TokString, TokRawString, TokBadString:
		return "string " + clip(t.Value)
	}
	return "`" + clip(t.Value) + "`"
}

func clip(s string) string {
	if len(s) > 24 {
		cut := 24
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
		return s[:cut] + "…"
	}
	return s
}

// splitDecl splits the declaration whose keyword is at token kw. col is the keyword column
// of the enclosing declaration (0 at top level): a keyword at or left of it ends this one.
func (st *parseState) splitDecl(kw, parentCol int) *seg {
	s := st.newSeg()
	*s = seg{kw: kw, lbrace: -1, rbrace: -1, body: -1, clean: true}
	kind := st.toks[kw].Value
	myCol := st.toks[kw].Pos.Column
	// Header: up to `{`.
	i := kw + 1
	for {
		i = st.next(i)
		t := st.toks[i]
		if t.Type == TokPunct && t.Value == "{" {
			s.lbrace = i
			i++
			break
		}
		if t.Type == TokNewline {
			j := st.next(i + 1)
			if st.toks[j].Type == TokPunct && st.toks[j].Value == "{" {
				i = j
				continue
			}
			// A header line without `{`: read the lines below as its body if they look like
			// one (indented attributes), else the declaration has no body.
			st.missingBrace(kw, i)
			s.clean = false
			if st.toks[j].Type == TokIdent && st.toks[j].Pos.Column > myCol {
				i = j
				break
			}
			s.end = i
			return s
		}
		if t.Type == TokEOF || t.Type == TokKeyword || (t.Type == TokPunct && t.Value == "}") {
			st.missingBrace(kw, i)
			s.clean = false
			s.end = i
			return s
		}
		i++
	}
	// Body: statements and nested declarations until the matching `}`. items walks it
	// again in the same way.
	s.body = i
	for {
		i = st.next(i)
		t := st.toks[i]
		switch {
		case t.Type == TokNewline || (t.Type == TokPunct && t.Value == ";"):
			i++
		case t.Type == TokPunct && t.Value == "}":
			if parentCol > 0 && t.Pos.Column < myCol && s.lbrace >= 0 && st.toks[s.lbrace].Pos.Line != t.Pos.Line {
				// In a nested declaration, a brace left of the keyword closes the enclosing
				// declaration. At top level there is none: the brace closes this one.
				st.unclosed(s, kind, i)
				return s
			}
			s.rbrace = i
			s.end = i + 1
			return s
		case t.Type == TokEOF:
			st.unclosed(s, kind, i)
			return s
		case t.Type == TokKeyword:
			if Kind(kind) != KindBoundary || t.Pos.Column <= myCol {
				st.unclosed(s, kind, i)
				return s
			}
			if st.depth >= maxNesting {
				// Deeper nesting is no model anyone writes; refusing it bounds the recursion
				// of the parser and the indentation of the formatter.
				st.errorf(tokSpan(t), "declarations nest more than %d levels deep here: declare `%s` at top level with `in`", maxNesting, t.Value)
				st.lexErrs = append(st.lexErrs, t.Pos.Offset)
				s.clean = false
				i = st.skipBalanced(i)
				continue
			}
			st.depth++
			child := st.splitDecl(i, myCol)
			st.depth--
			if !child.clean {
				s.clean = false
			}
			s.children = append(s.children, child)
			i = child.end
		default:
			i = st.stmtEnd(i)
		}
	}
}

func (st *parseState) newSeg() *seg {
	if len(st.segs) == 0 {
		st.segs = make([]seg, chunk/4)
	}
	p := &st.segs[0]
	st.segs = st.segs[1:]
	return p
}

// items returns the statements and nested declarations of s's body in text order. It
// walks the body as splitDecl did, which stopped at s's closing brace or end: every token
// before that is a separator, a statement, a nested declaration or one nested too deep.
func (st *parseState) items(s *seg) []segItem {
	if s.body < 0 {
		return nil
	}
	stop := s.end
	if s.rbrace >= 0 {
		stop = s.rbrace
	}
	var items []segItem
	children := s.children
	for i := s.body; ; {
		i = st.next(i)
		if i >= stop {
			return items
		}
		t := st.toks[i]
		switch {
		case t.Type == TokNewline || (t.Type == TokPunct && t.Value == ";"):
			i++
		case t.Type == TokKeyword:
			if len(children) > 0 && children[0].kw == i {
				items = append(items, segItem{child: children[0]})
				i = children[0].end
				children = children[1:]
			} else {
				i = st.skipBalanced(i) // nested too deep, reported by splitDecl
			}
		default:
			start := i
			i = st.stmtEnd(i)
			items = append(items, segItem{start: start, end: i})
		}
	}
}

// maxNesting is the deepest nesting of declarations the parser reads.
const maxNesting = 32

// skipBalanced returns the index just after the `}` matching the first `{` at or after i,
// of a `}` before any `{`, or of EOF.
func (st *parseState) skipBalanced(i int) int {
	depth := 0
	for ; st.toks[i].Type != TokEOF; i++ {
		if t := st.toks[i]; t.Type == TokPunct {
			switch t.Value {
			case "{":
				depth++
			case "}":
				if depth == 0 {
					return i // closes an enclosing declaration
				}
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
	}
	return i
}

// stmtEnd returns the end of the statement starting at i: the next line break (unless the
// line ends with a comma), `;`, or a `}` closing the body.
func (st *parseState) stmtEnd(i int) int {
	depth := 0
	prev := ""
	for ; ; i++ {
		t := st.toks[i]
		switch {
		case t.Type == TokEOF:
			return i
		case t.Type == TokNewline:
			if prev != "," && depth == 0 {
				return i
			}
		case t.Type == TokPunct && t.Value == ";" && depth == 0:
			return i
		case t.Type == TokPunct && t.Value == "{":
			depth++
		case t.Type == TokPunct && t.Value == "}":
			if depth == 0 {
				return i
			}
			depth--
		}
		if st.sig(i) && t.Type != TokNewline {
			prev = t.Value
		}
	}
}

// badTokenAt reports whether a bad token starts at off.
func (st *parseState) badTokenAt(off int) bool { return st.lexErrIn(off, off+1) }

// lexErrIn reports whether a bad token starts in [start, end).
func (st *parseState) lexErrIn(start, end int) bool {
	errs := st.lexErrs[:st.nTokErrs]
	i := sort.SearchInts(errs, start)
	return i < len(errs) && errs[i] < end
}

// missingBrace reports a header [kw, end) with no `{`, unless the header ends in an
// unterminated string, which swallowed the brace and is reported already.
func (st *parseState) missingBrace(kw, end int) {
	at := st.lastSigEnd(end)
	for j := end - 1; j > kw; j-- {
		if t := st.toks[j]; t.Type != TokNewline && t.Type != TokComment {
			if st.badStrings[t.Pos.Offset] {
				return
			}
			break
		}
	}
	st.errorf(SpanOf(at, at), "expected `{` after %s", st.headerWords(kw, end))
}

func (st *parseState) unclosed(s *seg, kind string, at int) {
	s.clean = false
	s.end = at
	if s.lbrace < 0 {
		return // the missing `{` is reported: there is nothing to close
	}
	if st.toks[at].Type == TokEOF && at > 0 {
		// An unterminated string or comment ran to the end of the file and took the `}`
		// with it: it is reported already.
		if prev := st.toks[at-1]; prev.Type == TokBadComment || st.badStrings[prev.Pos.Offset] {
			return
		}
	}
	end := st.lastSigEnd(at)
	kwTok := st.toks[s.kw]
	what := kind
	if id := st.headerID(s); id != "" {
		what += " `" + id + "`"
	}
	st.errorf(SpanOf(end, end), "expected `}` to close %s opened at %d:%d", what, kwTok.Pos.Line, kwTok.Pos.Column)
}

// lastSigEnd returns the end offset of the last significant token before index i.
func (st *parseState) lastSigEnd(i int) int {
	for j := i - 1; j >= 0; j-- {
		t := st.toks[j]
		if t.Type != TokNewline && t.Type != TokComment {
			return t.Pos.Offset + len(t.Value)
		}
	}
	return 0
}

func (st *parseState) headerID(s *seg) string {
	var parts []string
	for i := s.kw + 1; i < len(st.toks); i++ {
		t := st.toks[i]
		if t.Type == TokNewline || t.Type == TokEOF || t.Value == "{" || t.Type == TokString || t.Type == TokRawString || t.Type == TokKeyword {
			break
		}
		if t.Type == TokComment {
			continue
		}
		parts = append(parts, t.Value)
	}
	return strings.Join(parts, "")
}

func (st *parseState) headerWords(kw, end int) string {
	var parts []string
	for i := kw; i < end; i++ {
		if st.sig(i) && st.toks[i].Type != TokNewline {
			parts = append(parts, st.toks[i].Value)
		}
	}
	return "`" + clip(strings.Join(parts, " ")) + "`"
}

// piece returns the tokens [start, end) without line breaks, ending with TokEOF, for parsing
// one header or statement on its own.
func (st *parseState) piece(start, end int, keepNewlines bool) *lexer.PeekingLexer {
	toks := make([]lexer.Token, 0, end-start+1)
	for i := start; i < end; i++ {
		if !keepNewlines && st.toks[i].Type == TokNewline {
			continue
		}
		toks = append(toks, st.toks[i])
	}
	eof := st.toks[end]
	toks = append(toks, lexer.Token{Type: TokEOF, Pos: eof.Pos})
	return newPeekingLexer(toks)
}

// lexerAt returns the file's participle lexer positioned at token index i. One lexer serves
// every declaration of the file: declarations are parsed in order, so it only moves forward
// (after a failed parse that read past i, it is rebuilt).
func (st *parseState) lexerAt(i int) *lexer.PeekingLexer {
	if st.shared == nil || int(st.shared.MakeCheckpoint().RawCursor()) > i {
		st.shared = newPeekingLexer(st.toks)
	}
	st.shared.FastForward(lexer.RawCursor(i - 1))
	return st.shared
}

// parseSeg turns a segment into a declaration: in one participle parse when the segment is
// clean, else piece by piece so that an error costs only its statement.
func (st *parseState) parseSeg(s *seg, parent *Decl) *Decl {
	if s.clean && s.rbrace >= 0 {
		var lex *lexer.PeekingLexer
		if st.shared != nil && int(st.shared.RawCursor()) > s.kw {
			// A nested declaration after its parent failed to parse whole: rebuilding the
			// shared lexer would copy every token of the file again.
			lex = st.piece(s.kw, s.end, true)
		} else {
			lex = st.lexerAt(s.kw)
		}
		if st.p.leaf != nil && s.leaf() {
			cp := lex.MakeCheckpoint()
			l, err := st.p.leaf.ParseFromLexer(lex, participle.AllowTrailing(true))
			if err == nil {
				d := st.convertDecl(l.Decl(), parent)
				l.release()
				return d
			}
			if l != nil {
				l.release()
			}
			lex.LoadCheckpoint(cp)
		}
		g, err := st.p.decl.ParseFromLexer(lex, participle.AllowTrailing(true))
		if err == nil {
			d := st.convertDecl(g, parent)
			return d
		}
	}
	return st.parseSegPieces(s, parent)
}

func (st *parseState) parseSegPieces(s *seg, parent *Decl) *Decl {
	hdrEnd := s.lbrace
	if hdrEnd < 0 {
		hdrEnd = s.kw + 1
		for hdrEnd < s.end && st.toks[hdrEnd].Type != TokNewline {
			hdrEnd++
		}
	}
	g := &gDecl{}
	h, err := st.p.header.ParseFromLexer(st.piece(s.kw, hdrEnd, false))
	if err != nil && !st.lexErrIn(st.toks[s.kw].Pos.Offset, st.toks[hdrEnd].Pos.Offset) {
		st.reportHeaderError(err, s.kw, hdrEnd)
	}
	if h == nil || h.Kind == nil {
		h = &gHeader{Kind: &gKeyword{Pos: st.toks[s.kw].Pos, Name: st.toks[s.kw].Value}}
	}
	g.Header = h
	if s.lbrace >= 0 {
		g.LBrace = &gOpen{Pos: st.toks[s.lbrace].Pos}
	}
	if s.rbrace >= 0 {
		g.RBrace = &gClose{Pos: st.toks[s.rbrace].Pos}
	}
	var children []*Decl
	for _, it := range st.items(s) {
		if it.child != nil {
			children = append(children, st.parseSeg(it.child, nil))
			g.Items = append(g.Items, &gItem{Decl: &gDecl{}}) // placeholder keeps order
			continue
		}
		stmt, err := st.p.stmt.ParseFromLexer(st.piece(it.start, it.end, false))
		if err != nil {
			// A bad token in the statement is reported already, and explains the rest.
			if !st.lexErrIn(st.toks[it.start].Pos.Offset, st.toks[it.end].Pos.Offset) {
				st.reportStmtError(err, it, Kind(st.toks[s.kw].Value))
			}
			continue
		}
		g.Items = append(g.Items, &gItem{Lines: &gLines{Stmts: []gStmt{*stmt}, NStmts: 1, NVals: len(stmt.Values)}})
	}
	st.headerFailed = err != nil
	d := st.convertDecl(g, parent)
	st.headerFailed = false
	// Attach the separately parsed children in order.
	d.Children = d.Children[:0]
	for _, c := range children {
		if c != nil {
			c.Parent = d
			d.Children = append(d.Children, c)
		}
	}
	d.Broken = true
	last := s.end - 1
	for last > s.kw && (!st.sig(last) || st.toks[last].Type == TokNewline) {
		last--
	}
	if s.rbrace < 0 {
		d.Span.End = int32(st.toks[last].Pos.Offset + len(st.toks[last].Value))
		if s.lbrace < 0 {
			d.Header.End = d.Span.End
		}
	}
	return d
}

func headerForm(k Kind) string {
	switch {
	case k == KindModel:
		return "model [\"Title\"] { ... }"
	case k == KindFlow:
		return "flow SOURCE -> TARGET [\"Title\"] { ... }, or flow NAME: SOURCE -> TARGET { ... }"
	case k.IsResponse():
		return string(k) + " THREAT-ID [\"Title\"] { ... }"
	}
	return string(k) + " ID [\"Title\"] { ... }"
}

// reportParseError turns participle's error into a message in the user's words.
func (st *parseState) reportParseError(err error, where, form string) {
	var perr participle.Error
	if !errors.As(err, &perr) {
		st.errorf(Span{}, "%s: %v", where, err)
		return
	}
	pos := perr.Position()
	tok := st.tokenAt(pos.Offset)
	st.errorf(tokSpan(tok), "unexpected %s %s: expected %s", describe(tok), where, form)
}

func (st *parseState) reportStmtError(err error, it segItem, kind Kind) {
	var perr participle.Error
	first := st.toks[it.start]
	if first.Type != TokIdent {
		span := tokSpan(first)
		st.lexErrs = append(st.lexErrs, int(span.Start))
		st.errorf(span, "expected an attribute name, found %s; %s attributes: %s", describe(first), kind, strings.Join(AttributeNames(kind), ", "))
		return
	}
	if errors.As(err, &perr) {
		tok := st.tokenAt(perr.Position().Offset)
		at := st.tokIndex(tok.Pos.Offset)
		if tok.Type == TokEOF || at >= it.end {
			at = it.end
		}
		// A comma at the end of a line continues the list on the next line: if the error is
		// on a later line, that comma is the likely mistake.
		for j := it.start; j < at; j++ {
			if t := st.toks[j]; t.Type == TokPunct && t.Value == "," && st.toks[st.nextSig(j+1)].Type == TokNewline && at < it.end && tok.Pos.Line > t.Pos.Line {
				st.errorf(tokSpan(t), "this comma continues `%s` on the next line, where %s is not a value of its list: remove the comma, or add a value after it", first.Value, describe(tok))
				return
			}
		}
		if at == it.end {
			prev := st.toks[st.prevSig(it.end)]
			end := prev.Pos.Offset + len(prev.Value)
			st.errorf(SpanOf(end, end), "`%s` is incomplete: %s", first.Value, missingAfter(prev))
			return
		}
		st.errorf(tokSpan(tok), "unexpected %s in `%s`: values are identifiers, \"strings\", dates or numbers separated by commas; put each attribute on its own line or separate them with `;`", describe(tok), first.Value)
		return
	}
	st.errorf(tokSpan(first), "cannot read `%s`: %v", first.Value, err)
}

// missingAfter says what must follow a token that ends a statement or header too early.
func missingAfter(t lexer.Token) string {
	switch t.Value {
	case ",":
		return "add a value after the comma, or remove the comma"
	case "->", "<->":
		return fmt.Sprintf("add the flow's target after `%s`", t.Value)
	case "@":
		return "add the element or flow the generated threat is about after `@`, as in `rule@api`"
	case ":":
		return "add the flow's endpoints after `:`, as in `flow name: a -> b`"
	}
	return fmt.Sprintf("something is missing after %s", describe(t))
}

// reportHeaderError reports a header [kw, end) that does not parse.
func (st *parseState) reportHeaderError(err error, kw, end int) {
	kind := Kind(st.toks[kw].Value)
	var perr participle.Error
	if errors.As(err, &perr) {
		tok := st.tokenAt(perr.Position().Offset)
		if at := st.tokIndex(tok.Pos.Offset); tok.Type == TokEOF || at >= end {
			prev := st.toks[st.prevSig(end)]
			if prev.Type == TokPunct {
				off := prev.Pos.Offset + len(prev.Value)
				st.errorf(SpanOf(off, off), "the header of %s is incomplete: %s", kind, missingAfter(prev))
				return
			}
		}
	}
	st.reportParseError(err, "in the header of "+string(kind), headerForm(kind))
}

// tokIndex returns the index in st.toks of the token at or after byte offset off.
func (st *parseState) tokIndex(off int) int {
	return sort.Search(len(st.toks)-1, func(i int) bool { return st.toks[i].Pos.Offset >= off })
}

// nextSig returns the index of the first token at or after i that is not a comment.
func (st *parseState) nextSig(i int) int { return st.next(i) }

// prevSig returns the index of the last token before i that is neither a comment nor a
// line break (or i-1 at the start).
func (st *parseState) prevSig(i int) int {
	for j := i - 1; j > 0; j-- {
		if t := st.toks[j].Type; t != TokComment && t != TokBadComment && t != TokNewline {
			return j
		}
	}
	return max(i-1, 0)
}

// tokenAt returns the parse token starting at byte offset off (or the first after it).
func (st *parseState) tokenAt(off int) lexer.Token {
	lo, hi := 0, len(st.toks)-1
	for lo < hi {
		mid := (lo + hi) / 2
		if st.toks[mid].Pos.Offset < off {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return st.toks[lo]
}

// markBrokenParents marks a declaration Broken when a nested one is, and reports whether
// any of ds is.
func markBrokenParents(ds []*Decl) bool {
	any := false
	for _, d := range ds {
		if markBrokenParents(d.Children) {
			d.Broken = true
		}
		any = any || d.Broken
	}
	return any
}

// markLexicalBreaks marks declarations holding a lexical error or junk as Broken so the
// formatter leaves them as written.
func (st *parseState) markLexicalBreaks() {
	ds := st.f.Decls // in text order, not overlapping
	for _, off := range st.lexErrs {
		i := sort.Search(len(ds), func(i int) bool { return int(ds[i].Span.End) > off })
		if i < len(ds) && int(ds[i].Span.Start) <= off {
			ds[i].Broken = true
		}
	}
}

// The AST's small nodes are carved out of per-file chunks rather than allocated one by
// one: a model has tens of thousands of them, and they live exactly as long as the File.
// The chunks are new (zeroed), and nodes are filled field by field: copying whole structs
// into the heap while the GC runs costs a bulk write barrier each.
const chunk = 64

func (st *parseState) newIdent(id tIdent) *Ident {
	if len(st.idents) == 0 {
		st.idents = make([]Ident, chunk)
	}
	p := &st.idents[0]
	st.idents = st.idents[1:]
	p.Name, p.Span = id.Name, SpanOf(id.Off, id.Off+len(id.Name))
	return p
}

func (st *parseState) newValue() *Value {
	if len(st.values) == 0 {
		st.values = make([]Value, chunk)
	}
	p := &st.values[0]
	st.values = st.values[1:]
	return p
}

func (st *parseState) newAttr() *Attr {
	if len(st.attrs) == 0 {
		st.attrs = make([]Attr, chunk)
	}
	p := &st.attrs[0]
	st.attrs = st.attrs[1:]
	return p
}

func (st *parseState) newRef() *Ref {
	if len(st.refs) == 0 {
		st.refs = make([]Ref, chunk)
	}
	p := &st.refs[0]
	st.refs = st.refs[1:]
	return p
}

func (st *parseState) newDecl() *Decl {
	if len(st.decls) == 0 {
		st.decls = make([]Decl, chunk/4)
	}
	p := &st.decls[0]
	st.decls = st.decls[1:]
	return p
}

func (st *parseState) refOf(g *tRef) *Ref {
	if g.Head.Name == "" {
		return nil
	}
	r := st.newRef()
	r.Arrow = g.Arrow
	if g.At.Name != "" {
		r.Rule, r.From = st.newIdent(g.Head), st.newIdent(g.At)
	} else {
		r.From = st.newIdent(g.Head)
	}
	if g.To.Name != "" {
		r.To = st.newIdent(g.To)
	} else {
		r.Arrow = ""
	}
	r.Span.Start = int32(g.Head.Off)
	r.Span.End = r.From.Span.End
	if r.To != nil {
		r.Span.End = r.To.Span.End
	}
	return r
}

func (st *parseState) valueOf(g *tValue) *Value {
	var v *Value
	switch g.Kind {
	case ValueString:
		v = st.newValue()
		v.Kind, v.Text, v.Span = ValueString, unquote(g.Text), SpanOf(g.Off, g.Off+len(g.Text))
	case ValueDate, ValueNumber:
		v = st.newValue()
		v.Kind, v.Text, v.Span = g.Kind, g.Text, SpanOf(g.Off, g.Off+len(g.Text))
	case ValueRef:
		r := st.refOf(&g.Ref)
		if r == nil {
			return nil
		}
		v = st.newValue()
		v.Kind, v.Text, v.Ref, v.Span = ValueRef, r.String(), r, r.Span
	}
	return v
}

func (st *parseState) convertDecl(g *gDecl, parent *Decl) *Decl {
	h := g.Header
	d := st.newDecl()
	d.Kind, d.Parent, d.LBrace, d.RBrace = Kind(h.Kind.Name), parent, -1, -1
	d.KindSpan = SpanOf(h.Kind.Pos.Offset, h.Kind.Pos.Offset+len(h.Kind.Name))
	d.Span.Start = d.KindSpan.Start
	d.Header = Span{d.KindSpan.Start, d.KindSpan.End}
	var first, second *Ref
	if h.Parts != nil {
		first, second = st.refOf(&h.Parts.First), st.refOf(&h.Parts.Second)
		d.Title = st.valueOf(&h.Parts.Title)
	}
	for _, r := range [...]*Ref{first, second} {
		if r != nil && r.Span.End > d.Header.End {
			d.Header.End = r.Span.End
		}
	}
	if d.Title != nil && d.Title.Span.End > d.Header.End {
		d.Header.End = d.Title.Span.End
	}
	st.headerParts(d, first, second)
	if g.LBrace != nil {
		d.LBrace = g.LBrace.Pos.Offset
	}
	if g.RBrace != nil {
		d.RBrace = g.RBrace.Pos.Offset
		d.Span.End = int32(d.RBrace + 1)
	} else {
		d.Span.End = d.Header.End
	}
	// Size the declaration's slices exactly: one backing array for its attributes and one
	// for all their values.
	nAttrs, nVals, nDecls := 0, 0, 0
	for _, it := range g.Items {
		switch {
		case it.Lines != nil:
			nAttrs += it.Lines.NStmts
			nVals += it.Lines.NVals
		case it.Decl != nil && it.Decl.Header != nil:
			nDecls++
		}
	}
	if nAttrs > 0 {
		d.Attrs = make([]*Attr, 0, nAttrs)
	}
	if nDecls > 0 {
		d.Children = make([]*Decl, 0, nDecls)
	}
	vals := make([]*Value, nVals)
	for _, it := range g.Items {
		switch {
		case it.Lines != nil:
			stmts := it.Lines.stmts(&st.cursor, &st.stmtBuf, &st.valBuf)
			for i := range stmts {
				stmt := &stmts[i]
				a := st.newAttr()
				a.Key = Ident{Name: stmt.Key.Name, Span: SpanOf(stmt.Key.Off, stmt.Key.Off+len(stmt.Key.Name))}
				a.Span = a.Key.Span
				n := len(stmt.Values)
				a.Values = vals[:0:n]
				vals = vals[n:]
				for j := range stmt.Values {
					if v := st.valueOf(&stmt.Values[j]); v != nil {
						a.Values = append(a.Values, v)
						a.Span.End = v.Span.End
					}
				}
				d.Attrs = append(d.Attrs, a)
			}
		case it.Decl != nil && it.Decl.Header != nil:
			d.Children = append(d.Children, st.convertDecl(it.Decl, d))
		}
	}
	return d
}

// headerParts assigns the header's references according to the kind and reports header
// forms the kind does not take.
func (st *parseState) headerParts(d *Decl, first, second *Ref) {
	errorf := st.errorf
	if st.headerFailed {
		// The header did not parse and is reported: what is missing from it is no news.
		d.Broken = true
		errorf = func(Span, string, ...any) {}
	}
	bad := func(r *Ref, why string) {
		d.Broken = true
		errorf(r.Span, "%s; write %s", why, headerForm(d.Kind))
	}
	if d.Kind == KindFlow && second == nil && first != nil && first.To == nil && first.Rule == nil &&
		d.Title != nil && d.Title.Kind == ValueRef && d.Title.Ref.Rule == nil && d.Title.Ref.To == nil {
		// `flow a b`: the arrow is missing.
		d.Broken = true
		errorf(Span{first.Span.Start, d.Title.Span.End}, "expected `->` or `<->` between `%s` and `%s`: write `flow %s -> %s`", first.From.Name, d.Title.Text, first.From.Name, d.Title.Text)
		d.Title = nil
		return
	}
	if d.Title != nil && d.Title.Kind != ValueString {
		d.Broken = true
		errorf(d.Title.Span, "a title is a quoted string: %s \"%s\"", d.Kind, d.Title.Text)
		d.Title = nil
	}
	if first == nil && second != nil {
		// `flow : a -> b`: the name before `:` is missing.
		if d.Kind == KindFlow {
			bad(second, "the flow's name is missing before `:`")
		} else {
			bad(second, fmt.Sprintf("`:` names flows only; %s takes one id", d.Kind))
		}
		first, second = second, nil
	}
	switch {
	case d.Kind == KindFlow:
		switch {
		case second != nil:
			if first.Rule != nil || first.To != nil {
				bad(first, "a flow's name is a plain identifier")
			} else {
				d.Name = first.From
			}
			first = second
		}
		if first == nil {
			d.Broken = true
			errorf(d.KindSpan, "a flow needs its endpoints: write %s", headerForm(d.Kind))
			return
		}
		if first.Rule != nil {
			bad(first, "`@` does not belong in a flow header")
		}
		if first.To == nil {
			d.Broken = true
			errorf(first.Span, "a flow needs a source and a target: write `flow %s -> TARGET`", first.From.Name)
			return
		}
		d.From, d.To, d.Arrow = first.From, first.To, first.Arrow
	case d.Kind.IsResponse():
		if second != nil {
			bad(second, "a response names only the threat it answers")
		}
		if first == nil {
			d.Broken = true
			errorf(d.KindSpan, "%s needs the threat it answers: write %s", d.Kind, headerForm(d.Kind))
			return
		}
		if first.To != nil && first.Rule == nil {
			bad(first, "a response names a threat, not a flow (a generated threat's id is `RULE@source->target`)")
			return
		}
		d.Target = first
	default:
		if second != nil {
			bad(second, fmt.Sprintf("`:` names flows only; %s takes one id", d.Kind))
		}
		if first == nil {
			if d.Kind != KindModel {
				d.Broken = true
				errorf(Span{d.KindSpan.End, d.KindSpan.End}, "%s needs an id: write %s", d.Kind, headerForm(d.Kind))
			}
			return
		}
		if first.Rule != nil || first.To != nil {
			bad(first, fmt.Sprintf("a %s id is a plain identifier", d.Kind))
			return
		}
		d.Name = first.From
	}
}
