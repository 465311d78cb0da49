package lsp

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"

	"go.lsp.dev/jsonrpc2"
)

// maxMessage bounds one message's body; a larger one is skipped, not read into memory.
const maxMessage = 256 << 20

// stream frames JSON-RPC messages with Content-Length headers, like jsonrpc2.NewStream, but
// survives bad input: a malformed header, an oversized body or JSON that does not decode is
// answered with a parse error and skipped instead of closing the connection.
type stream struct {
	in   *bufio.Reader
	out  io.Writer
	c    io.Closer
	wmu  sync.Mutex
	log  *slog.Logger
	once sync.Once
}

func newStream(rwc io.ReadWriteCloser, log *slog.Logger) *stream {
	return &stream{in: bufio.NewReaderSize(rwc, 64<<10), out: rwc, c: rwc, log: log}
}

// Read returns the next well-formed message.
func (s *stream) Read(ctx context.Context) (jsonrpc2.Message, int64, error) {
	for {
		if err := ctx.Err(); err != nil {
			return nil, 0, err
		}
		length, total, err := s.readHeader()
		if err != nil {
			if errors.Is(err, errBadHeader) {
				s.log.Warn("skipping a message with a bad header", "err", err)
				s.replyParseError(err.Error())
				continue
			}
			return nil, total, err
		}
		if length > maxMessage {
			s.log.Warn("skipping an oversized message", "bytes", length)
			if _, err := io.CopyN(io.Discard, s.in, length); err != nil {
				return nil, total, err
			}
			s.replyParseError(fmt.Sprintf("message of %d bytes is larger than the %d bytes threatls accepts", length, maxMessage))
			continue
		}
		data := make([]byte, length)
		if _, err := io.ReadFull(s.in, data); err != nil {
			return nil, total, fmt.Errorf("reading a message body: %w", err)
		}
		msg, err := jsonrpc2.DecodeMessage(data)
		if err != nil {
			s.log.Warn("skipping a message that is not JSON-RPC", "err", err)
			s.replyDecodeError(data, err)
			continue
		}
		return msg, total + length, nil
	}
}

var errBadHeader = errors.New("bad header")

func (s *stream) readHeader() (length, total int64, err error) {
	length = -1
	for {
		line, err := s.in.ReadString('\n')
		total += int64(len(line))
		if err != nil {
			if err == io.EOF && total == 0 {
				return 0, 0, io.EOF
			}
			return 0, total, fmt.Errorf("reading a header: %w", err)
		}
		line = strings.TrimSpace(line)
		if line == "" {
			if length < 0 {
				if total <= 2 {
					continue // stray blank line between messages
				}
				return 0, total, fmt.Errorf("%w: no Content-Length", errBadHeader)
			}
			return length, total, nil
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			// Skip the rest of this header block.
			s.skipHeaderBlock()
			return 0, total, fmt.Errorf("%w: %q is not a header line", errBadHeader, clip(line))
		}
		if strings.EqualFold(strings.TrimSpace(name), "Content-Length") {
			n, err := strconv.ParseInt(strings.TrimSpace(value), 10, 64)
			if err != nil || n < 0 {
				s.skipHeaderBlock()
				return 0, total, fmt.Errorf("%w: Content-Length %q is not a length", errBadHeader, clip(value))
			}
			length = n
		}
	}
}

func (s *stream) skipHeaderBlock() {
	for {
		line, err := s.in.ReadString('\n')
		if err != nil || strings.TrimSpace(line) == "" {
			return
		}
	}
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// replyDecodeError answers a body that did not decode: with the request's id when one can be
// read (a request with bad params), else with a parse error without id.
func (s *stream) replyDecodeError(data []byte, err error) {
	var probe struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
	}
	code, msg := -32700, "parse error: "+err.Error()
	id := json.RawMessage("null")
	if json.Unmarshal(data, &probe) == nil {
		code, msg = -32600, "invalid request: "+err.Error()
		if len(probe.ID) > 0 {
			id = probe.ID
		} else if probe.Method != "" {
			return // a notification: nothing to answer
		}
	}
	s.writeRaw(id, code, msg)
}

func (s *stream) replyParseError(msg string) {
	s.writeRaw(json.RawMessage("null"), -32700, "parse error: "+msg)
}

func (s *stream) writeRaw(id json.RawMessage, code int, msg string) {
	body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "error": map[string]any{"code": code, "message": msg}})
	s.wmu.Lock()
	defer s.wmu.Unlock()
	fmt.Fprintf(s.out, "Content-Length: %d\r\n\r\n%s", len(body), body)
}

// Write sends one message. It ignores the context's cancellation so that a reply to a
// cancelled request is still delivered.
func (s *stream) Write(_ context.Context, msg jsonrpc2.Message) (int64, error) {
	data, err := json.Marshal(msg)
	if err != nil {
		return 0, fmt.Errorf("marshaling a message: %w", err)
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	n, err := fmt.Fprintf(s.out, "Content-Length: %d\r\n\r\n", len(data))
	if err != nil {
		return int64(n), fmt.Errorf("writing a message: %w", err)
	}
	m, err := s.out.Write(data)
	return int64(n + m), err
}

// Close closes the underlying connection.
func (s *stream) Close() error {
	var err error
	s.once.Do(func() { err = s.c.Close() })
	return err
}
