package lsp_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/threatls/threatls/lsp"
)

// wire is a raw client: it writes frames byte for byte and reads the server's messages, for
// the cases a well-behaved client library would never produce.
type wire struct {
	t    *testing.T
	conn net.Conn
	in   *bufio.Reader
	code chan int
	out  chan string
}

func newWire(t *testing.T) *wire {
	serverSide, clientSide := net.Pipe()
	w := &wire{t: t, conn: clientSide, in: bufio.NewReader(clientSide), code: make(chan int, 1), out: make(chan string, 1024)}
	go func() {
		for s := range w.out {
			if _, err := io.WriteString(clientSide, s); err != nil {
				return
			}
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	go func() { w.code <- lsp.Serve(ctx, serverSide, lsp.Options{}) }()
	t.Cleanup(func() {
		cancel()
		clientSide.Close()
	})
	return w
}

// raw queues bytes for the writer goroutine, which sends them in order (writing from the
// test goroutine could block while the server waits for us to read its reply).
func (w *wire) raw(s string) {
	w.t.Helper()
	w.out <- s
}

func (w *wire) send(msg any) {
	w.t.Helper()
	b, err := json.Marshal(msg)
	if err != nil {
		w.t.Fatal(err)
	}
	w.raw(fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(b), b))
}

type reply struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
	Params json.RawMessage `json:"params"`
}

// next reads the next message, skipping notifications unless wanted.
func (w *wire) next(wantNotifications bool) reply {
	w.t.Helper()
	done := make(chan reply, 1)
	errc := make(chan error, 1)
	go func() {
		for {
			length := 0
			for {
				line, err := w.in.ReadString('\n')
				if err != nil {
					errc <- err
					return
				}
				line = strings.TrimSpace(line)
				if line == "" {
					break
				}
				if v, ok := strings.CutPrefix(line, "Content-Length: "); ok {
					length, _ = strconv.Atoi(v)
				}
			}
			body := make([]byte, length)
			if _, err := io.ReadFull(w.in, body); err != nil {
				errc <- err
				return
			}
			var r reply
			if err := json.Unmarshal(body, &r); err != nil {
				errc <- err
				return
			}
			if r.Method != "" && !wantNotifications {
				continue
			}
			done <- r
			return
		}
	}()
	select {
	case r := <-done:
		return r
	case err := <-errc:
		w.t.Fatalf("reading from the server: %v", err)
	case <-time.After(10 * time.Second):
		w.t.Fatal("timed out waiting for the server")
	}
	return reply{}
}

func (w *wire) initialize() {
	w.send(map[string]any{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": map[string]any{"capabilities": map[string]any{}}})
	if r := w.next(false); r.Error != nil {
		w.t.Fatalf("initialize: %+v", r.Error)
	}
	w.send(map[string]any{"jsonrpc": "2.0", "method": "initialized", "params": map[string]any{}})
}

func TestProtocolErrorsAndLifecycle(t *testing.T) {
	w := newWire(t)
	// A request before initialize is rejected with ServerNotInitialized.
	w.send(map[string]any{"jsonrpc": "2.0", "id": 7, "method": "textDocument/hover", "params": map[string]any{}})
	if r := w.next(false); r.Error == nil || r.Error.Code != -32002 {
		t.Fatalf("request before initialize: %+v", r)
	}
	w.initialize()
	// A malformed frame and broken JSON are answered, and the server keeps serving.
	w.raw("Content-Length: nope\r\n\r\n")
	if r := w.next(false); r.Error == nil || r.Error.Code != -32700 {
		t.Fatalf("bad header: %+v", r)
	}
	w.raw("Content-Length: 9\r\n\r\n{not json")
	if r := w.next(false); r.Error == nil || r.Error.Code != -32700 {
		t.Fatalf("bad json: %+v", r)
	}
	// Unknown methods get MethodNotFound; wrong param types get InvalidParams.
	w.send(map[string]any{"jsonrpc": "2.0", "id": 8, "method": "textDocument/unknownThing", "params": map[string]any{}})
	if r := w.next(false); r.Error == nil || r.Error.Code != -32601 {
		t.Fatalf("unknown method: %+v", r)
	}
	w.send(map[string]any{"jsonrpc": "2.0", "id": 9, "method": "textDocument/hover", "params": map[string]any{"position": "here"}})
	if r := w.next(false); r.Error == nil || r.Error.Code != -32602 {
		t.Fatalf("wrong param types: %+v", r)
	}
	// untitled: documents work in memory; out-of-range positions are clamped, not fatal.
	w.send(map[string]any{"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": map[string]any{"textDocument": map[string]any{
		"uri": "untitled:Untitled-1", "languageId": "threat", "version": 1, "text": "service api {}\n"}}})
	w.send(map[string]any{"jsonrpc": "2.0", "id": 10, "method": "textDocument/hover", "params": map[string]any{
		"textDocument": map[string]any{"uri": "untitled:Untitled-1"}, "position": map[string]any{"line": 999, "character": 999}}})
	if r := w.next(false); r.Error != nil {
		t.Fatalf("hover past the end: %+v", r.Error)
	}
	// Numeric cancellation of an unknown request is harmless.
	w.send(map[string]any{"jsonrpc": "2.0", "method": "$/cancelRequest", "params": map[string]any{"id": 12345}})
	// shutdown, then requests are refused, then exit ends with code 0.
	w.send(map[string]any{"jsonrpc": "2.0", "id": 11, "method": "shutdown"})
	if r := w.next(false); r.Error != nil || string(r.Result) != "null" {
		t.Fatalf("shutdown: %+v", r)
	}
	w.send(map[string]any{"jsonrpc": "2.0", "id": 12, "method": "textDocument/hover", "params": map[string]any{}})
	if r := w.next(false); r.Error == nil || r.Error.Code != -32600 {
		t.Fatalf("request after shutdown: %+v", r)
	}
	w.send(map[string]any{"jsonrpc": "2.0", "method": "exit"})
	select {
	case code := <-w.code:
		if code != 0 {
			t.Fatalf("exit after shutdown returned %d, want 0", code)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("server did not exit")
	}
}

func TestExitWithoutShutdown(t *testing.T) {
	w := newWire(t)
	w.initialize()
	w.send(map[string]any{"jsonrpc": "2.0", "method": "exit"})
	select {
	case code := <-w.code:
		if code != 1 {
			t.Fatalf("exit without shutdown returned %d, want 1", code)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("server did not exit")
	}
}
