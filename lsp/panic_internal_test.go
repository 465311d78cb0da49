package lsp

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
)

// TestHandlerPanicIsRecovered: no public request is known to panic (FuzzMessages and
// FuzzAnalyze found none), so this test installs handlers that do, one request and one
// notification. The request is answered with InternalError; the session goes on.
func TestHandlerPanicIsRecovered(t *testing.T) {
	install := func(requests map[string]requestFunc, notifications map[string]notificationFunc) {
		requests["threatls/test/panic"] = func(*Server, context.Context, json.RawMessage) (any, error) { panic("boom in a request") }
		notifications["threatls/test/panic"] = func(*Server, context.Context, json.RawMessage) error { panic("boom in a notification") }
	}
	serverSide, clientSide := net.Pipe()
	done := make(chan int, 1)
	go func() { done <- Serve(context.Background(), serverSide, Options{addHandlers: install}) }()
	defer func() {
		clientSide.Close()
		<-done
	}()
	go func() {
		for _, m := range []string{
			`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}`,
			`{"jsonrpc":"2.0","method":"threatls/test/panic","params":{}}`,
			`{"jsonrpc":"2.0","id":2,"method":"threatls/test/panic","params":{}}`,
			`{"jsonrpc":"2.0","id":3,"method":"workspace/symbol","params":{"query":""}}`,
		} {
			fmt.Fprintf(clientSide, "Content-Length: %d\r\n\r\n%s", len(m), m)
		}
	}()
	in := bufio.NewReader(clientSide)
	got := map[string]string{}
	deadline := time.Now().Add(20 * time.Second)
	_ = clientSide.SetReadDeadline(deadline)
	for len(got) < 3 {
		n := 0
		for {
			line, err := in.ReadString('\n')
			if err != nil {
				t.Fatalf("reading: %v (have %v)", err, got)
			}
			if line = strings.TrimSpace(line); line == "" {
				break
			}
			if v, ok := strings.CutPrefix(line, "Content-Length: "); ok {
				n, _ = strconv.Atoi(v)
			}
		}
		body := make([]byte, n)
		if _, err := io.ReadFull(in, body); err != nil {
			t.Fatal(err)
		}
		var r struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
		}
		_ = json.Unmarshal(body, &r)
		if r.Method == "" {
			got[string(r.ID)] = string(body)
		}
	}
	if !strings.Contains(got["2"], `"code":-32603`) || !strings.Contains(got["2"], "boom in a request") {
		t.Errorf("the panicking request was answered with %s, want InternalError", got["2"])
	}
	if strings.Contains(got["3"], `"error"`) {
		t.Errorf("the request after the panics failed: %s", got["3"])
	}
}
