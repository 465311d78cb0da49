package lsp_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/threatls/threatls/lsp"
)

// rawClient is a raw-frame client whose writes go out in order (wire writes from a goroutine
// per frame) and whose reader collects every message in the background, for tests that send
// many frames or wait long.
type rawClient struct {
	t    testing.TB
	conn net.Conn
	wmu  sync.Mutex
	msgs chan reply
	code chan int
	stop context.CancelFunc
}

func newRawClient(t testing.TB) *rawClient {
	t.Helper()
	serverSide, clientSide := net.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	c := &rawClient{t: t, conn: clientSide, msgs: make(chan reply, 1<<16), code: make(chan int, 1), stop: cancel}
	go func() { c.code <- lsp.Serve(ctx, serverSide, lsp.Options{Today: "2026-11-27"}) }()
	go func() {
		in := bufio.NewReaderSize(clientSide, 1<<20)
		defer close(c.msgs)
		for {
			length := -1
			for {
				line, err := in.ReadString('\n')
				if err != nil {
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
			if _, err := io.ReadFull(in, body); err != nil {
				return
			}
			var r reply
			if err := json.Unmarshal(body, &r); err != nil {
				t.Errorf("the server sent a message that is not JSON: %q", clipBytes(body))
				continue
			}
			c.msgs <- r
		}
	}()
	t.Cleanup(func() {
		cancel()
		clientSide.Close()
		select {
		case <-c.code:
		case <-time.After(10 * time.Second):
			t.Error("the server did not stop")
		}
	})
	return c
}

func clipBytes(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "..."
	}
	return string(b)
}

func frame(body string) string { return fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(body), body) }

func mustJSON(t testing.TB, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// raw writes bytes in order; a write fails only when the server is gone.
func (c *rawClient) raw(s string) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_, err := io.WriteString(c.conn, s)
	return err
}

func (c *rawClient) send(msg any) {
	c.t.Helper()
	if err := c.raw(frame(mustJSON(c.t, msg))); err != nil {
		c.t.Fatalf("writing to the server: %v", err)
	}
}

func (c *rawClient) request(id any, method string, params any) {
	c.t.Helper()
	c.send(map[string]any{"jsonrpc": "2.0", "id": id, "method": method, "params": params})
}

func (c *rawClient) notify(method string, params any) {
	c.t.Helper()
	c.send(map[string]any{"jsonrpc": "2.0", "method": method, "params": params})
}

// await returns the first message that satisfies ok, within timeout.
func (c *rawClient) await(what string, timeout time.Duration, ok func(reply) bool) reply {
	c.t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case r, open := <-c.msgs:
			if !open {
				c.t.Fatalf("the server closed the connection while waiting for %s", what)
			}
			if ok(r) {
				return r
			}
		case <-deadline:
			c.t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
	}
}

// response waits for the response to id.
func (c *rawClient) response(id any, timeout time.Duration) reply {
	c.t.Helper()
	want := mustJSON(c.t, id)
	return c.await("the response to "+want, timeout, func(r reply) bool { return r.Method == "" && string(r.ID) == want })
}

func (c *rawClient) initialize(params map[string]any) {
	c.t.Helper()
	if params == nil {
		params = map[string]any{"capabilities": map[string]any{}}
	}
	c.request("init", "initialize", params)
	if r := c.response("init", 30*time.Second); r.Error != nil {
		c.t.Fatalf("initialize: %+v", r.Error)
	}
	c.notify("initialized", map[string]any{})
}

func (c *rawClient) open(uri, text string, version int) {
	c.t.Helper()
	c.notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{"uri": uri, "languageId": "threat", "version": version, "text": text}})
}

func hoverParams(uri string, line, char int) map[string]any {
	return map[string]any{"textDocument": map[string]any{"uri": uri}, "position": map[string]any{"line": line, "character": char}}
}

// alive checks that the server still answers a request.
func (c *rawClient) alive(id string, timeout time.Duration) {
	c.t.Helper()
	c.request(id, "workspace/symbol", map[string]any{"query": ""})
	if r := c.response(id, timeout); r.Error != nil {
		c.t.Fatalf("workspace/symbol after the abuse: %+v", r.Error)
	}
}

// TestGarbageDoesNotDesync: bytes that are not a frame (a body longer than its
// Content-Length, a stray line, bytes glued to the next header, an endless header line) cost
// at most the message they hit; the frames after them are answered.
func TestGarbageDoesNotDesync(t *testing.T) {
	c := newRawClient(t)
	c.initialize(nil)
	body := mustJSON(t, map[string]any{"jsonrpc": "2.0", "id": "lost", "method": "workspace/symbol", "params": map[string]any{"query": ""}})
	cases := map[string]string{
		// The declared length is short: the rest of the body runs into the next header.
		"short length": "Content-Length: 5\r\n\r\n" + body,
		// Garbage without a line break, glued to the next header.
		"glued garbage": "\x00\xffnot a header at all",
		// A whole line of garbage, then a blank line.
		"garbage line": "hello there\r\n\r\n",
		// A header line of 8 MB: skipped without being buffered whole.
		"endless line": strings.Repeat("x", 8<<20) + "\r\n",
		// A valid frame glued after garbage that mentions content-length: itself.
		"content-length in garbage": `{"text":"Content-Length: 12"}`,
	}
	i := 0
	for name, garbage := range cases {
		i++
		id := fmt.Sprintf("after-%d", i)
		next := frame(mustJSON(t, map[string]any{"jsonrpc": "2.0", "id": id, "method": "workspace/symbol", "params": map[string]any{"query": ""}}))
		if err := c.raw(garbage + next); err != nil {
			t.Fatal(err)
		}
		r := c.response(id, 30*time.Second)
		if r.Error != nil {
			t.Errorf("%s: the request after the garbage failed: %+v", name, r.Error)
		}
	}
	c.alive("last", 30*time.Second)
}

// TestUnopenedAndDuplicateDocuments: a change to a document that was never opened is
// ignored, requests on it get InvalidParams, and a second didOpen replaces the first.
func TestUnopenedAndDuplicateDocuments(t *testing.T) {
	c := newRawClient(t)
	c.initialize(nil)
	const uri = "file:///nowhere/a.threat"
	c.notify("textDocument/didChange", map[string]any{
		"textDocument":   map[string]any{"uri": uri, "version": 2},
		"contentChanges": []map[string]any{{"range": map[string]any{"start": map[string]any{"line": 0, "character": 0}, "end": map[string]any{"line": 0, "character": 0}}, "text": "x"}},
	})
	c.notify("textDocument/didClose", map[string]any{"textDocument": map[string]any{"uri": uri}})
	c.request(1, "textDocument/hover", hoverParams(uri, 0, 0))
	if r := c.response(1, 30*time.Second); r.Error == nil || r.Error.Code != -32602 {
		t.Fatalf("hover on an unopened document: %+v", r)
	}
	c.open(uri, "service first {}\n", 1)
	c.open(uri, "service second {}\nservice third {}\n", 1)
	c.request(2, "textDocument/documentSymbol", map[string]any{"textDocument": map[string]any{"uri": uri}})
	r := c.response(2, 30*time.Second)
	if r.Error != nil || strings.Contains(string(r.Result), "first") || !strings.Contains(string(r.Result), "third") {
		t.Fatalf("documentSymbol after a duplicate didOpen: %s %+v", r.Result, r.Error)
	}
	// A change whose range ends before it starts, and one far past the end.
	c.notify("textDocument/didChange", map[string]any{
		"textDocument": map[string]any{"uri": uri, "version": 3},
		"contentChanges": []map[string]any{
			{"range": map[string]any{"start": map[string]any{"line": 1, "character": 5}, "end": map[string]any{"line": 0, "character": 0}}, "text": "x"},
			{"range": map[string]any{"start": map[string]any{"line": 99, "character": 99}, "end": map[string]any{"line": 1000, "character": 0}}, "text": "\nservice fourth {}\n"},
		},
	})
	c.request(3, "textDocument/documentSymbol", map[string]any{"textDocument": map[string]any{"uri": uri}})
	if r := c.response(3, 30*time.Second); r.Error != nil {
		t.Fatalf("documentSymbol after bad ranges: %+v", r.Error)
	}
	c.alive("last", 30*time.Second)
}

// TestDuplicateRequestIDs: a second request with the id of one still running is refused
// (InvalidRequest), and both get exactly one answer each; nothing hangs.
func TestDuplicateRequestIDs(t *testing.T) {
	c := newRawClient(t)
	c.initialize(nil)
	const uri = "untitled:dup"
	c.open(uri, strings.Repeat("service s {}\n", 2000), 1)
	for i := 0; i < 20; i++ {
		c.request(7, "textDocument/documentSymbol", map[string]any{"textDocument": map[string]any{"uri": uri}})
	}
	ok, refused := 0, 0
	for i := 0; i < 20; i++ {
		r := c.response(7, 60*time.Second)
		switch {
		case r.Error == nil:
			ok++
		case r.Error.Code == -32600:
			refused++
		default:
			t.Fatalf("duplicate id: unexpected error %+v", r.Error)
		}
	}
	if ok == 0 {
		t.Fatal("no request with the duplicated id was answered")
	}
	t.Logf("%d answered, %d refused as duplicates", ok, refused)
	c.alive("last", 30*time.Second)
}

// TestClientResponsesCannotWedgeTheReader: the client answers the server's
// window/workDoneProgress/create several times, and sends responses to ids the server never
// used. jsonrpc2 v0.10.0 delivers responses through a channel of capacity one from its
// reader goroutine, so unguarded duplicates could block the whole session.
func TestClientResponsesCannotWedgeTheReader(t *testing.T) {
	root := writeModel(t, map[string]string{"a.threat": "service api {}\n"})
	c := newRawClient(t)
	c.request("init", "initialize", map[string]any{
		"rootUri":      fileURI(root),
		"capabilities": map[string]any{"window": map[string]any{"workDoneProgress": true}},
	})
	c.response("init", 30*time.Second)
	c.notify("initialized", map[string]any{})
	call := c.await("window/workDoneProgress/create", 30*time.Second, func(r reply) bool { return r.Method == "window/workDoneProgress/create" })
	var frames strings.Builder
	for i := 0; i < 50; i++ {
		frames.WriteString(frame(fmt.Sprintf(`{"jsonrpc":"2.0","id":%s,"result":null}`, call.ID)))
		frames.WriteString(frame(fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"error":{"code":1,"message":"unsolicited"}}`, 1000+i)))
	}
	if err := c.raw(frames.String()); err != nil {
		t.Fatal(err)
	}
	c.alive("after-responses", 30*time.Second)
}

// TestClientVanishes: the client disappears while requests are running and while the server
// waits for the client's answer to its own request (client/registerCapability, which
// lifecycle.go sends without a deadline); Serve returns and leaves no goroutine behind.
func TestClientVanishes(t *testing.T) {
	root := writeModel(t, map[string]string{"a.threat": strings.Repeat("service s {}\n", 200)})
	settle := func() int {
		runtime.GC()
		time.Sleep(50 * time.Millisecond)
		return runtime.NumGoroutine()
	}
	before := settle()
	for round := 0; round < 5; round++ {
		serverSide, clientSide := net.Pipe()
		code := make(chan int, 1)
		go func() { code <- lsp.Serve(context.Background(), serverSide, lsp.Options{}) }()
		go func() { _, _ = io.Copy(io.Discard, clientSide) }() // never answers the server's calls
		w := func(s string) { _, _ = io.WriteString(clientSide, s) }
		w(frame(mustJSON(t, map[string]any{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": map[string]any{
			"rootUri": fileURI(root),
			"capabilities": map[string]any{
				"workspace": map[string]any{"didChangeWatchedFiles": map[string]any{"dynamicRegistration": true}},
				"window":    map[string]any{"workDoneProgress": true},
			}}})))
		uri := fileURI(filepath.Join(root, "a.threat"))
		text, _ := os.ReadFile(filepath.Join(root, "a.threat"))
		w(frame(mustJSON(t, map[string]any{"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": map[string]any{
			"textDocument": map[string]any{"uri": uri, "languageId": "threat", "version": 1, "text": string(text)}}})))
		for i := 0; i < 20; i++ {
			w(frame(mustJSON(t, map[string]any{"jsonrpc": "2.0", "id": 100 + i, "method": "textDocument/hover", "params": hoverParams(uri, i, 9)})))
		}
		// Half a frame, then the client is gone.
		w("Content-Length: 100\r\n\r\n{\"jsonrpc\"")
		clientSide.Close()
		select {
		case c := <-code:
			if c != 1 {
				t.Errorf("Serve returned %d after the client vanished, want 1", c)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("Serve did not return after the client vanished")
		}
	}
	var after int
	for deadline := time.Now().Add(10 * time.Second); ; {
		after = settle()
		if after <= before || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if after > before {
		buf := make([]byte, 1<<20)
		n := runtime.Stack(buf, true)
		t.Fatalf("%d goroutines before, %d after five sessions whose client vanished:\n%s", before, after, buf[:n])
	}
}
