package lsp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"

	"github.com/threatls/threatls/lsp"
)

// editor is a fake LSP client: it keeps buffers, sends edits, and records what the server
// publishes, so tests read like a user's actions.
type editor struct {
	t      testing.TB
	conn   jsonrpc2.Conn
	root   string
	done   chan int
	mu     sync.Mutex
	diags  map[string][]protocol.Diagnostic
	vers   map[string]int32
	texts  map[string]string
	status map[string]int
	signal chan struct{}
	// published logs every publishDiagnostics per URI, in arrival order.
	published map[string][]protocol.PublishDiagnosticsParams
	// stop ends the session and waits for the server (the test's cleanup calls it too).
	stop func()
}

type editorConfig struct {
	utf8        bool
	initOpts    map[string]any
	prepareLoad func(textBytes int) (parsed, analysed func())
	// analysed is Options.Analysed.
	analysed func()
	// noDiagnosticData makes the client declare no publishDiagnostics.dataSupport.
	noDiagnosticData bool
}

// newEditor starts a server on an in-memory pipe with root as its workspace folder and
// initializes it.
func newEditor(t testing.TB, root string, cfg editorConfig) *editor {
	t.Helper()
	serverSide, clientSide := net.Pipe()
	e := &editor{t: t, root: root, done: make(chan int, 1), diags: map[string][]protocol.Diagnostic{}, vers: map[string]int32{},
		texts: map[string]string{}, status: map[string]int{}, signal: make(chan struct{}, 1),
		published: map[string][]protocol.PublishDiagnosticsParams{}}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		e.done <- lsp.Serve(ctx, serverSide, lsp.Options{Version: "test", Today: "2026-11-27", PrepareLoad: cfg.prepareLoad, Analysed: cfg.analysed})
	}()
	e.conn = jsonrpc2.NewConn(jsonrpc2.NewStream(clientSide))
	e.conn.Go(ctx, e.handle)
	e.stop = sync.OnceFunc(func() {
		cancel()
		_ = e.conn.Close()
		select {
		case <-e.done:
		case <-time.After(5 * time.Second):
			t.Error("server did not stop")
		}
	})
	t.Cleanup(e.stop)
	caps := map[string]any{
		"textDocument": map[string]any{
			"publishDiagnostics": map[string]any{"relatedInformation": true, "codeDescriptionSupport": true, "dataSupport": !cfg.noDiagnosticData},
			"documentSymbol":     map[string]any{"hierarchicalDocumentSymbolSupport": true},
			"completion":         map[string]any{"completionItem": map[string]any{"snippetSupport": true}},
			"hover":              map[string]any{"contentFormat": []string{"markdown"}},
		},
	}
	if cfg.utf8 {
		caps["general"] = map[string]any{"positionEncodings": []string{"utf-8", "utf-16"}}
	}
	params := map[string]any{"processId": nil, "capabilities": caps, "initializationOptions": cfg.initOpts}
	if root != "" {
		params["rootUri"] = fileURI(root)
		params["workspaceFolders"] = []map[string]any{{"uri": fileURI(root), "name": "root"}}
	}
	var res map[string]any
	e.call("initialize", params, &res)
	if err := e.conn.Notify(context.Background(), "initialized", map[string]any{}); err != nil {
		t.Fatal(err)
	}
	return e
}

func fileURI(path string) string {
	abs, _ := filepath.Abs(path)
	return "file://" + filepath.ToSlash(abs)
}

func (e *editor) handle(ctx context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request) error {
	switch req.Method() {
	case "textDocument/publishDiagnostics":
		var p protocol.PublishDiagnosticsParams
		if err := json.Unmarshal(req.Params(), &p); err != nil {
			e.t.Errorf("bad publishDiagnostics: %v", err)
		}
		if strings.Contains(string(req.Params()), `"diagnostics":null`) {
			e.t.Errorf("diagnostics sent as null for %s", p.URI)
		}
		e.mu.Lock()
		e.diags[string(p.URI)] = p.Diagnostics
		e.published[string(p.URI)] = append(e.published[string(p.URI)], p)
		e.mu.Unlock()
		e.poke()
	case "threatls/status":
		var p map[string]int
		_ = json.Unmarshal(req.Params(), &p)
		e.mu.Lock()
		e.status = p
		e.mu.Unlock()
		e.poke()
	}
	return reply(ctx, nil, nil)
}

func (e *editor) poke() {
	select {
	case e.signal <- struct{}{}:
	default:
	}
}

// call sends a request and decodes its result, failing the test on an error.
func (e *editor) call(method string, params, result any) {
	e.t.Helper()
	if err := e.tryCall(method, params, result); err != nil {
		e.t.Fatalf("%s: %v", method, err)
	}
}

func (e *editor) tryCall(method string, params, result any) error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := e.conn.Call(ctx, method, params, result)
	return err
}

func (e *editor) uri(name string) string { return fileURI(filepath.Join(e.root, name)) }

// open opens a file of the workspace (reading it from disk) or a new buffer.
func (e *editor) open(name, text string) string {
	e.t.Helper()
	uri := e.uri(name)
	if text == "" {
		data, err := os.ReadFile(filepath.Join(e.root, name))
		if err != nil {
			e.t.Fatal(err)
		}
		text = string(data)
	}
	e.mu.Lock()
	e.vers[uri] = 1
	e.texts[uri] = text
	e.mu.Unlock()
	e.notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{"uri": uri, "languageId": "threat", "version": 1, "text": text}})
	return uri
}

func (e *editor) notify(method string, params any) {
	e.t.Helper()
	if err := e.conn.Notify(context.Background(), method, params); err != nil {
		e.t.Fatal(err)
	}
}

// replace replaces the first occurrence of old in the buffer with new, as an incremental
// change with a UTF-16 range.
func (e *editor) replace(uri, old, new string) {
	e.t.Helper()
	e.mu.Lock()
	text := e.texts[uri]
	i := strings.Index(text, old)
	if i < 0 {
		e.mu.Unlock()
		e.t.Fatalf("%q not in the buffer", old)
	}
	start, end := utf16Pos(text, i), utf16Pos(text, i+len(old))
	e.texts[uri] = text[:i] + new + text[i+len(old):]
	e.vers[uri]++
	v := e.vers[uri]
	e.mu.Unlock()
	e.notify("textDocument/didChange", map[string]any{
		"textDocument":   map[string]any{"uri": uri, "version": v},
		"contentChanges": []map[string]any{{"range": map[string]any{"start": start, "end": end}, "text": new}},
	})
}

// utf16Pos returns the LSP position (UTF-16) of byte offset off.
func utf16Pos(text string, off int) protocol.Position {
	line, col := 0, 0
	for _, r := range text[:off] {
		if r == '\n' {
			line, col = line+1, 0
			continue
		}
		if r >= 0x10000 {
			col += 2
		} else {
			col++
		}
	}
	return protocol.Position{Line: uint32(line), Character: uint32(col)}
}

// pos returns the position just after the first occurrence of marker in the buffer (or at
// its start with atStart).
func (e *editor) pos(uri, marker string, atStart bool) protocol.Position {
	e.t.Helper()
	e.mu.Lock()
	text := e.texts[uri]
	e.mu.Unlock()
	i := strings.Index(text, marker)
	if i < 0 {
		e.t.Fatalf("%q not in %s", marker, uri)
	}
	if !atStart {
		i += len(marker)
	}
	return utf16Pos(text, i)
}

// awaitDiags waits until the diagnostics of uri satisfy ok.
func (e *editor) awaitDiags(uri string, what string, ok func([]protocol.Diagnostic) bool) []protocol.Diagnostic {
	e.t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		e.mu.Lock()
		d, seen := e.diags[uri]
		e.mu.Unlock()
		if seen && ok(d) {
			return d
		}
		select {
		case <-e.signal:
		case <-deadline:
			e.t.Fatalf("timed out waiting for diagnostics of %s: %s; have %s", uri, what, dumpDiags(d))
		}
	}
}

func dumpDiags(ds []protocol.Diagnostic) string {
	var b strings.Builder
	for _, d := range ds {
		fmt.Fprintf(&b, "\n  %d:%d %v %s", d.Range.Start.Line+1, d.Range.Start.Character+1, d.Code, d.Message)
	}
	return b.String()
}

func hasDiag(code, substr string) func([]protocol.Diagnostic) bool {
	return func(ds []protocol.Diagnostic) bool {
		for _, d := range ds {
			if (code == "" || fmt.Sprint(d.Code) == code) && strings.Contains(d.Message, substr) {
				return true
			}
		}
		return false
	}
}

func not(f func([]protocol.Diagnostic) bool) func([]protocol.Diagnostic) bool {
	return func(ds []protocol.Diagnostic) bool { return !f(ds) }
}

// writeModel writes files into a fresh temporary root.
func writeModel(t testing.TB, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, text := range files {
		path := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}
