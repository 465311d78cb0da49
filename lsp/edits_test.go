package lsp_test

import (
	"fmt"
	"math/rand"
	"slices"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"go.lsp.dev/protocol"

	"github.com/threatls/threatls/analysis"
	"github.com/threatls/threatls/dsl"
)

// applyEdits applies LSP text edits (UTF-16 ranges) to text, as an editor does.
func applyEdits(t testing.TB, text string, edits []protocol.TextEdit) string {
	t.Helper()
	sort.SliceStable(edits, func(i, j int) bool { return less(edits[j].Range.Start, edits[i].Range.Start) })
	for _, e := range edits {
		start, end := utf16Offset(text, e.Range.Start), utf16Offset(text, e.Range.End)
		text = text[:start] + e.NewText + text[end:]
	}
	return text
}

func less(a, b protocol.Position) bool {
	return a.Line < b.Line || a.Line == b.Line && a.Character < b.Character
}

func utf16Offset(text string, p protocol.Position) int {
	line, col := uint32(0), uint32(0)
	for i, r := range text {
		if line == p.Line && col >= p.Character {
			return i
		}
		if r == '\n' {
			if line == p.Line {
				return i
			}
			line++
			col = 0
			continue
		}
		if line == p.Line {
			if r >= 0x10000 {
				col += 2
			} else {
				col++
			}
		}
	}
	return len(text)
}

// TestRandomIncrementalEdits types thousands of random edits (non-ASCII text, emoji, CRLF)
// and checks after each batch that the server's buffer is the editor's: formatting edits
// computed by the server, applied to the editor's text, give the editor's text formatted.
// At the end, diagnostics equal those of a fresh analysis of the final text. A text with
// "\n" line ends only is edited too: the server reparses only the declarations an edit
// touches there (dsl.Parser.Reparse), and formats with tokens lexed on request.
func TestRandomIncrementalEdits(t *testing.T) {
	crlf := "boundary net \"Netz – ünsicher 🌍\" { trust untrusted }\r\nservice api \"API 接口\" { in net }\r\n" + shopModel
	pieces := []string{"x", " ", "\n", "\r\n", "é", "🔥", "{", "}", "service s", " on api", "\"str", "\"", "// c\n", "ü", "->", "threat t { on api }\n"}
	for _, tc := range []struct {
		name   string
		base   string
		pieces []string
	}{
		{"crlf", crlf, pieces},
		{"lf", strings.ReplaceAll(crlf, "\r\n", "\n"), slices.DeleteFunc(slices.Clone(pieces), func(p string) bool { return strings.Contains(p, "\r") })},
	} {
		t.Run(tc.name, func(t *testing.T) { randomIncrementalEdits(t, tc.base, tc.pieces) })
	}
}

func randomIncrementalEdits(t *testing.T, base string, pieces []string) {
	root := writeModel(t, map[string]string{"a.threat": base})
	e := newEditor(t, root, editorConfig{})
	a := e.open("a.threat", "")
	rng := rand.New(rand.NewSource(1))
	edits := 2000
	if testing.Short() {
		edits = 300
	}
	for i := 0; i < edits; i++ {
		e.mu.Lock()
		text := e.texts[a]
		e.mu.Unlock()
		// Pick a random range on rune boundaries and replace it.
		start := randomBoundary(rng, text)
		end := start
		if rng.Intn(3) == 0 {
			end = min(len(text), start+rng.Intn(12))
			for end < len(text) && !utf8.RuneStart(text[end]) {
				end++
			}
		}
		// Do not split a CRLF pair: editors never do.
		if start > 0 && start < len(text) && text[start-1] == '\r' && text[start] == '\n' {
			start--
		}
		if end > 0 && end < len(text) && text[end-1] == '\r' && text[end] == '\n' {
			end++
		}
		if end < start {
			end = start
		}
		repl := ""
		if rng.Intn(4) != 0 {
			repl = pieces[rng.Intn(len(pieces))]
		}
		e.replaceRange(a, start, end, repl)
		if i%250 == 249 {
			e.checkSameText(a)
		}
	}
	e.checkSameText(a)
	e.mu.Lock()
	final := e.texts[a]
	e.mu.Unlock()
	f := dsl.NewParser().Parse(a, final)
	res := analysis.Analyze([]*dsl.File{f}, analysis.Options{Coverage: true})
	want := map[string]int{}
	for _, fd := range res.Findings {
		want[fmt.Sprintf("%v|%s", fd.Code, fd.Message())]++
	}
	e.awaitDiags(a, "diagnostics of the final text", func(ds []protocol.Diagnostic) bool {
		got := map[string]int{}
		for _, d := range ds {
			got[fmt.Sprintf("%v|%s", d.Code, d.Message)]++
		}
		return fmt.Sprint(got) == fmt.Sprint(want)
	})
}

func randomBoundary(rng *rand.Rand, text string) int {
	if len(text) == 0 {
		return 0
	}
	i := rng.Intn(len(text) + 1)
	for i < len(text) && !utf8.RuneStart(text[i]) {
		i++
	}
	return i
}

// replaceRange replaces bytes [start, end) of the buffer, sending a UTF-16 range.
func (e *editor) replaceRange(uri string, start, end int, repl string) {
	e.t.Helper()
	e.mu.Lock()
	text := e.texts[uri]
	sp, ep := utf16Pos(text, start), utf16Pos(text, end)
	e.texts[uri] = text[:start] + repl + text[end:]
	e.vers[uri]++
	v := e.vers[uri]
	e.mu.Unlock()
	e.notify("textDocument/didChange", map[string]any{
		"textDocument":   map[string]any{"uri": uri, "version": v},
		"contentChanges": []map[string]any{{"range": map[string]any{"start": sp, "end": ep}, "text": repl}},
	})
}

func (e *editor) checkSameText(uri string) {
	e.t.Helper()
	e.mu.Lock()
	text := e.texts[uri]
	e.mu.Unlock()
	var edits []protocol.TextEdit
	e.call("textDocument/formatting", map[string]any{"textDocument": map[string]any{"uri": uri}, "options": map[string]any{"tabSize": 2, "insertSpaces": true}}, &edits)
	got := applyEdits(e.t, text, edits)
	want := dsl.Format(dsl.NewParser().Parse(uri, text))
	if got != want {
		e.t.Fatalf("the server's text diverged from the editor's:\nformatted by the server:\n%s\nformatted here:\n%s", got, want)
	}
}

// TestPositionsUTF16AndUTF8 checks ranges on lines with non-ASCII text and emoji in both
// encodings.
func TestPositionsUTF16AndUTF8(t *testing.T) {
	text := "service api \"Zahlungsdienst – 💳\" { in nowhere }\n"
	for _, utf8Mode := range []bool{false, true} {
		t.Run(fmt.Sprint("utf8=", utf8Mode), func(t *testing.T) {
			root := writeModel(t, map[string]string{"a.threat": text})
			e := newEditor(t, root, editorConfig{utf8: utf8Mode})
			a := e.open("a.threat", "")
			ds := e.awaitDiags(a, "unknown boundary", hasDiag("unknown-ref", "nowhere"))
			var d protocol.Diagnostic
			for _, x := range ds {
				if strings.Contains(x.Message, "nowhere") {
					d = x
				}
			}
			i := strings.Index(text, "nowhere")
			want := uint32(utf16Pos(text, i).Character)
			if utf8Mode {
				want = uint32(i)
			}
			if d.Range.Start.Character != want || d.Range.End.Character != want+7 {
				t.Fatalf("range of `nowhere`: %+v, want start %d", d.Range, want)
			}
			// Hover at the same encoding's position finds the word.
			var h protocol.Hover
			pos := protocol.Position{Line: 0, Character: want + 2}
			e.call("textDocument/hover", map[string]any{"textDocument": map[string]any{"uri": a}, "position": pos}, &h)
			var hr protocol.Hover
			e.call("textDocument/hover", map[string]any{"textDocument": map[string]any{"uri": a}, "position": protocol.Position{Line: 0, Character: 9}}, &hr)
			if !strings.Contains(hr.Contents.Value, "`api`") {
				t.Fatalf("hover on api: %q", hr.Contents.Value)
			}
		})
	}
}
