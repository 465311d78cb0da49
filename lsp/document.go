package lsp

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/alecthomas/participle/v2/lexer"
	"go.lsp.dev/protocol"

	"github.com/threatls/threatls/dsl"
)

// encoding is the negotiated position encoding.
type encoding int

const (
	utf16 encoding = iota
	utf8
)

// document is one version of a text: an open editor buffer or a file read from disk. It
// is immutable; an edit makes a new document. Its parse is computed once, on first use.
type document struct {
	uri     string // the exact URI the client uses, or one made from a disk path
	path    string // file system path, "" for non-file URIs
	version int32
	text    string
	open    bool

	parseOnce sync.Once
	parsed    atomic.Pointer[dsl.File] // set once, by parseOnce; edited reads it too
	parser    *dsl.Parser
	// base is the parse of an earlier version of an open document, which this one is
	// reparsed from (dsl.Parser.Reparse: only the declarations around the edit are parsed
	// again), until it is parsed.
	base atomic.Pointer[dsl.File]

	// The parse keeps no tokens: the analysis does not read them, and a keystroke would
	// make a megabyte of them for a large file. Requests that read them lex the text once.
	tokensOnce sync.Once
	toks       []lexer.Token
}

func newDocument(p *dsl.Parser, uri string, version int32, text string, open bool) *document {
	return &document{uri: uri, path: uriToPath(uri), version: version, text: text, open: open, parser: p}
}

// newParsedDocument returns the document of a file on disk (not open) parsed already; the
// file's name is its URI.
func newParsedDocument(p *dsl.Parser, f *dsl.File) *document {
	d := newDocument(p, f.Name, 0, f.Text, false)
	d.parseOnce.Do(func() { d.parsed.Store(f) })
	return d
}

// file returns the document's parse.
func (d *document) file() *dsl.File {
	d.parseOnce.Do(func() {
		if base := d.base.Swap(nil); base != nil {
			d.parsed.Store(d.parser.Reparse(base, d.text))
		} else {
			d.parsed.Store(d.parser.ParseDiscardingTokens(d.uri, d.text, new(dsl.Scratch)))
		}
	})
	return d.parsed.Load()
}

// tokens returns the tokens of the document's text (which its parse does not keep), lexed
// on first use.
func (d *document) tokens() []lexer.Token {
	d.tokensOnce.Do(func() { d.toks = dsl.Lex(d.text) })
	return d.toks
}

// edited returns the next version of an open document, to be reparsed from this one's
// parse, or from the parse this one would be reparsed from when it was never parsed (typing
// outran the analysis).
func (d *document) edited(version int32, text string) *document {
	next := newDocument(d.parser, d.uri, version, text, true)
	if f := d.parsed.Load(); f != nil {
		next.base.Store(f)
	} else {
		next.base.Store(d.base.Load())
	}
	return next
}

// uriToPath returns the file system path of a file: URI, or "" for other schemes
// (untitled:, git:, ...), which are kept in memory only.
func uriToPath(u string) string {
	if !strings.HasPrefix(u, "file:") {
		return ""
	}
	parsed, err := url.Parse(u)
	if err != nil {
		return ""
	}
	p := parsed.Path
	// file:///c:/x on Windows.
	if len(p) >= 3 && p[0] == '/' && p[2] == ':' {
		p = p[1:]
	}
	return filepath.Clean(filepath.FromSlash(p))
}

// pathToURI makes a file: URI for a path found on disk.
func pathToURI(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}
	if !strings.HasPrefix(u.Path, "/") {
		u.Path = "/" + u.Path
	}
	return u.String()
}

// applyChanges applies LSP content changes to text. A change without a range replaces the
// whole text.
func applyChanges(text string, changes []contentChange, enc encoding) (string, error) {
	for _, c := range changes {
		if c.Range == nil {
			text = c.Text
			continue
		}
		lines := dsl.NewLineIndex(text)
		start := offsetOf(lines, c.Range.Start, enc)
		end := offsetOf(lines, c.Range.End, enc)
		if end < start {
			return text, fmt.Errorf("change range ends (%d:%d) before it starts (%d:%d)", c.Range.End.Line, c.Range.End.Character, c.Range.Start.Line, c.Range.Start.Character)
		}
		text = text[:start] + c.Text + text[end:]
	}
	return text, nil
}

// contentChange is TextDocumentContentChangeEvent with an optional range, which
// protocol v0.12.0 cannot express.
type contentChange struct {
	Range *protocol.Range `json:"range,omitempty"`
	Text  string          `json:"text"`
}

func offsetOf(lines *dsl.LineIndex, p protocol.Position, enc encoding) int {
	if enc == utf8 {
		return lines.OffsetUTF8(int(p.Line), int(p.Character))
	}
	return lines.OffsetUTF16(int(p.Line), int(p.Character))
}

func positionOf(lines *dsl.LineIndex, off int, enc encoding) protocol.Position {
	var l, c int
	if enc == utf8 {
		l, c = lines.UTF8(off)
	} else {
		l, c = lines.UTF16(off)
	}
	return protocol.Position{Line: uint32(l), Character: uint32(c)}
}

func rangeOf(lines *dsl.LineIndex, s dsl.Span, enc encoding) protocol.Range {
	return protocol.Range{Start: positionOf(lines, int(s.Start), enc), End: positionOf(lines, int(s.End), enc)}
}
