package lsp_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/threatls/threatls/lsp"
)

// FuzzMessages feeds arbitrary JSON-RPC bodies (and raw bytes) to an initialized server
// with an open document and checks that it still answers a request afterwards.
func FuzzMessages(f *testing.F) {
	seeds := []string{
		`{"jsonrpc":"2.0","id":2,"method":"textDocument/hover","params":{"textDocument":{"uri":"file:///m/a.threat"},"position":{"line":0,"character":3}}}`,
		`{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":"file:///m/a.threat","version":2},"contentChanges":[{"range":{"start":{"line":0,"character":0},"end":{"line":0,"character":1}},"text":"é"}]}}`,
		`{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":"file:///m/a.threat","version":2},"contentChanges":[{"range":{"start":{"line":9,"character":99},"end":{"line":0,"character":0}},"text":"x"}]}}`,
		`{"jsonrpc":"2.0","id":3,"method":"textDocument/completion","params":{"textDocument":{"uri":"file:///m/a.threat"},"position":{"line":0,"character":1000}}}`,
		`{"jsonrpc":"2.0","id":4,"method":"textDocument/rename","params":{"textDocument":{"uri":"file:///m/a.threat"},"position":{"line":0,"character":9},"newName":"x y"}}`,
		`{"jsonrpc":"2.0","id":5,"method":"textDocument/codeAction","params":{"textDocument":{"uri":"file:///m/a.threat"},"range":{"start":{"line":0,"character":0},"end":{"line":99,"character":0}},"context":{"diagnostics":[]}}}`,
		`{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":"x"}}`,
		`{"jsonrpc":"2.0","id":{"a":1},"method":"shutdown"}`,
		`[1,2,3]`, `{}`, `null`, "\x00\xff",
		`{"jsonrpc":"2.0","id":6,"method":"textDocument/semanticTokens/full","params":{"textDocument":{"uri":"file:///m/a.threat"}}}`,
		`{"jsonrpc":"2.0","id":7,"method":"textDocument/formatting","params":{"textDocument":{"uri":"untitled:x"}}}`,
	}
	for _, s := range seeds {
		f.Add(s, false)
	}
	f.Add("Content-Length: 5\r\n\r\n{", true)
	f.Fuzz(func(t *testing.T, body string, raw bool) {
		serverSide, clientSide := net.Pipe()
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			lsp.Serve(ctx, serverSide, lsp.Options{})
			close(done)
		}()
		defer func() {
			cancel()
			clientSide.Close()
			<-done
		}()
		in := bufio.NewReader(clientSide)
		// Drain everything the server says, in the background.
		replies := make(chan string, 64)
		go func() {
			for {
				n := 0
				for {
					line, err := in.ReadString('\n')
					if err != nil {
						close(replies)
						return
					}
					line = strings.TrimSpace(line)
					if line == "" {
						break
					}
					fmt.Sscanf(line, "Content-Length: %d", &n)
				}
				b := make([]byte, n)
				if _, err := io.ReadFull(in, b); err != nil {
					close(replies)
					return
				}
				select {
				case replies <- string(b):
				default:
				}
			}
		}()
		// One writer goroutine keeps the frames in order.
		out := make(chan string, 8)
		defer close(out)
		go func() {
			for s := range out {
				if _, err := io.WriteString(clientSide, s); err != nil {
					return
				}
			}
		}()
		write := func(s string) { out <- s }
		frame := func(s string) string { return fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(s), s) }
		write(frame(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}`) +
			frame(`{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///m/a.threat","languageId":"threat","version":1,"text":"service api \"é 🔥\" { in z }\nflow a -> api {}\n"}}}`))
		if raw {
			write(body + "\r\n\r\n")
		} else {
			write(frame(body))
		}
		write(frame(`{"jsonrpc":"2.0","id":999,"method":"textDocument/hover","params":{"textDocument":{"uri":"file:///m/a.threat"},"position":{"line":0,"character":9}}}`))
		timeout := time.After(10 * time.Second)
		for {
			select {
			case r, ok := <-replies:
				if !ok {
					if raw {
						return // raw bytes may legitimately end the stream (a huge length)
					}
					t.Fatalf("server closed the connection after %q", body)
				}
				if strings.Contains(r, `"id":999`) {
					return
				}
			case <-timeout:
				if raw {
					return // the raw bytes may declare a body longer than what follows
				}
				t.Fatalf("no answer after %q", body)
			}
		}
	})
}
