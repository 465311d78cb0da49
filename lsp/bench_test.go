package lsp_test

import (
	"fmt"
	"strings"
	"testing"

	"go.lsp.dev/protocol"

	"github.com/threatls/threatls/internal/gen"
)

// benchEditor opens a generated model of n services and one of its service files.
func benchEditor(b testing.TB, n int) (*editor, string, string) {
	b.Helper()
	files := gen.Model(n, 1)
	root := writeModel(b, files)
	e := newEditor(b, root, editorConfig{})
	var name string
	for f, text := range files {
		if strings.Contains(text, "\n  tech ") && strings.Contains(text, "\n  stride ") && (name == "" || f < name) {
			name = f
		}
	}
	uri := e.open(name, "")
	e.awaitDiags(uri, "first diagnostics", func([]protocol.Diagnostic) bool { return true })
	return e, uri, name
}

// BenchmarkOpen measures a session's start: initialize, then opening a file of services
// of a model on disk, until its first diagnostics (the model is read and parsed, the
// file's closure analysed). In process, without the binary's memory preparation
// (Options.PrepareLoad): each session fills memory the last one gave back, in small pages.
func BenchmarkOpen(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("services=%d", n), func(b *testing.B) {
			files := gen.Model(n, 1)
			root := writeModel(b, files)
			b.ResetTimer()
			for b.Loop() {
				e := newEditor(b, root, editorConfig{})
				uri := e.open("services-000.threat", "")
				e.awaitDiags(uri, "first diagnostics", func([]protocol.Diagnostic) bool { return true })
				b.StopTimer() // ending the session is not part of it
				e.stop()
				b.StartTimer()
			}
		})
	}
}

// BenchmarkKeystroke measures didChange -> fresh diagnostics of the edited file: each
// keystroke makes an attribute unknown or known again, so the diagnostics change.
func BenchmarkKeystroke(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("services=%d", n), func(b *testing.B) {
			e, uri, _ := benchEditor(b, n)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if i%2 == 0 {
					e.replace(uri, "\n  tech ", "\n  techx ")
					e.awaitDiags(uri, "unknown attribute", hasDiag("", "`techx`"))
				} else {
					e.replace(uri, "\n  techx ", "\n  tech ")
					e.awaitDiags(uri, "attribute known again", not(hasDiag("", "`techx`")))
				}
			}
		})
	}
}

// BenchmarkCompletionHover measures completion after `stride ` and hover on an id.
func BenchmarkCompletionHover(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("services=%d", n), func(b *testing.B) {
			e, uri, _ := benchEditor(b, n)
			comp := e.pos(uri, "\n  stride ", false)
			hov := e.pos(uri, "\n  in ", false)
			hov.Character++
			// The first request waits for the whole model's analysis after opening.
			var warm protocol.Hover
			e.call("textDocument/hover", map[string]any{"textDocument": map[string]any{"uri": uri}, "position": hov}, &warm)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				var list protocol.CompletionList
				e.call("textDocument/completion", map[string]any{"textDocument": map[string]any{"uri": uri}, "position": comp}, &list)
				var h protocol.Hover
				e.call("textDocument/hover", map[string]any{"textDocument": map[string]any{"uri": uri}, "position": hov}, &h)
			}
		})
	}
}
