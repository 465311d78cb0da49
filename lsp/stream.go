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
//
// It also guards jsonrpc2's conn against the client's responses: conn.run hands a response to
// the pending Call through a channel of capacity one, so a duplicated response (or a late
// one) can block the reader goroutine for good, and a Call whose answer never comes waits
// forever after the connection is gone. The stream delivers only responses to calls it sent
// and has not seen answered, and when the input ends it answers every outstanding call with
// an error so that no caller is left waiting.
type stream struct {
	in   *bufio.Reader
	out  io.Writer
	c    io.Closer
	wmu  sync.Mutex
	log  *slog.Logger
	once sync.Once

	cmu     sync.Mutex
	calls   map[string]jsonrpc2.ID // outstanding server-to-client calls by idKey
	flushed []jsonrpc2.Message     // error responses for outstanding calls, after the input ended
	endErr  error                  // the error that ended the input
}

func newStream(rwc io.ReadWriteCloser, log *slog.Logger) *stream {
	return &stream{in: bufio.NewReaderSize(rwc, 64<<10), out: rwc, c: rwc, log: log, calls: map[string]jsonrpc2.ID{}}
}

// maxHeaderLine bounds one header line; the bytes beyond it are skipped without being kept.
const maxHeaderLine = 4 << 10

// Read returns the next well-formed message.
func (s *stream) Read(ctx context.Context) (jsonrpc2.Message, int64, error) {
	if msg, ok, err := s.drain(); ok {
		return msg, 0, err
	}
	for {
		if err := ctx.Err(); err != nil {
			return nil, 0, err
		}
		length, total, skipped, err := s.readHeader()
		if skipped > 0 {
			s.log.Warn("skipping bytes that are not a header", "bytes", skipped)
			s.replyParseError(fmt.Sprintf("skipped %d bytes that are not a message header", skipped))
		}
		if err != nil {
			if errors.Is(err, errBadHeader) {
				s.log.Warn("skipping a message with a bad header", "err", err)
				s.replyParseError(err.Error())
				continue
			}
			return s.end(total, err)
		}
		if length > maxMessage {
			s.log.Warn("skipping an oversized message", "bytes", length)
			if _, err := io.CopyN(io.Discard, s.in, length); err != nil {
				return s.end(total, err)
			}
			s.replyParseError(fmt.Sprintf("message of %d bytes is larger than the %d bytes threatls accepts", length, maxMessage))
			continue
		}
		data := make([]byte, length)
		if _, err := io.ReadFull(s.in, data); err != nil {
			return s.end(total, fmt.Errorf("reading a message body: %w", err))
		}
		msg, err := jsonrpc2.DecodeMessage(data)
		if err != nil {
			s.log.Warn("skipping a message that is not JSON-RPC", "err", err)
			s.replyDecodeError(data, err)
			continue
		}
		if r, ok := msg.(*jsonrpc2.Response); ok && !s.answered(r.ID()) {
			s.log.Warn("ignoring a response to no outstanding request", "id", idKey(r.ID()))
			continue
		}
		return msg, total + length, nil
	}
}

// answered reports whether id is an outstanding call of ours, and marks it answered.
func (s *stream) answered(id jsonrpc2.ID) bool {
	key := idKey(id)
	s.cmu.Lock()
	defer s.cmu.Unlock()
	if _, ok := s.calls[key]; !ok {
		return false
	}
	delete(s.calls, key)
	return true
}

// end records that the input ended with err and returns the first error response for an
// outstanding call, if any; the next Reads return the others, then err.
func (s *stream) end(total int64, err error) (jsonrpc2.Message, int64, error) {
	s.cmu.Lock()
	if s.endErr == nil {
		s.endErr = err
		for _, id := range s.calls {
			resp, rerr := jsonrpc2.NewResponse(id, nil, jsonrpc2.NewError(jsonrpc2.InternalError, "the client closed the connection"))
			if rerr == nil {
				s.flushed = append(s.flushed, resp)
			}
		}
		s.calls = map[string]jsonrpc2.ID{}
	}
	s.cmu.Unlock()
	msg, _, err := s.drain()
	return msg, total, err
}

// drain returns the next pending error response after the input ended, or the error that
// ended it; ok is false while the input has not ended.
func (s *stream) drain() (jsonrpc2.Message, bool, error) {
	s.cmu.Lock()
	defer s.cmu.Unlock()
	if s.endErr == nil {
		return nil, false, nil
	}
	if len(s.flushed) > 0 {
		msg := s.flushed[0]
		s.flushed = s.flushed[1:]
		return msg, true, nil
	}
	return nil, true, s.endErr
}

var errBadHeader = errors.New("bad header")

// readHeader reads one header block and returns the body's length. skipped counts bytes
// that were not part of a header (garbage left by a bad frame) and were passed over: a
// header line is found even when such bytes precede it on the same line, so one bad frame
// costs at most itself and the message it is glued to, never the rest of the session.
func (s *stream) readHeader() (length, total int64, skipped int, err error) {
	length = -1
	headers := 0 // header lines seen in this block
	for {
		line, n, err := s.readLine()
		total += int64(n)
		if err != nil {
			if err == io.EOF && total == 0 {
				return 0, 0, skipped, io.EOF
			}
			return 0, total, skipped, fmt.Errorf("reading a header: %w", err)
		}
		if i := strings.LastIndex(asciiLower(line), "content-length:"); i > 0 {
			// Garbage (the rest of a bad frame) runs into a header: skip the garbage.
			skipped += n - len(line) + i
			line = line[i:]
		}
		line = strings.TrimSpace(line)
		if line == "" {
			if length < 0 {
				if headers == 0 {
					continue // a blank line between messages, or after skipped garbage
				}
				return 0, total, skipped, fmt.Errorf("%w: no Content-Length", errBadHeader)
			}
			return length, total, skipped, nil
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			if length < 0 {
				// Not a header: garbage between messages. Skip the line and look for a
				// header on the next ones.
				skipped += n
				continue
			}
			s.skipHeaderBlock()
			return 0, total, skipped, fmt.Errorf("%w: %q is not a header line", errBadHeader, clip(line))
		}
		if strings.EqualFold(strings.TrimSpace(name), "Content-Length") {
			n, err := strconv.ParseInt(strings.TrimSpace(value), 10, 64)
			if err != nil || n < 0 {
				s.skipHeaderBlock()
				return 0, total, skipped, fmt.Errorf("%w: Content-Length %q is not a length", errBadHeader, clip(value))
			}
			length = n
		}
		headers++
	}
}

// readLine reads up to and including the next newline and returns the line and the number
// of bytes consumed. A line longer than maxHeaderLine is consumed without being kept whole:
// only its last maxHeaderLine bytes are returned (where a header glued to garbage would
// be), so a client cannot make the server buffer an endless line.
func (s *stream) readLine() (string, int, error) {
	var keep []byte
	n := 0
	for {
		chunk, err := s.in.ReadSlice('\n')
		n += len(chunk)
		keep = append(keep, chunk...)
		if len(keep) > maxHeaderLine {
			keep = append(keep[:0], keep[len(keep)-maxHeaderLine:]...)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		return string(keep), n, err
	}
}

// asciiLower lower-cases ASCII letters only, so that offsets stay those of s (strings.ToLower
// rewrites invalid UTF-8).
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func (s *stream) skipHeaderBlock() {
	for {
		line, _, err := s.readLine()
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
	// jsonrpc2's messages marshal themselves (with segmentio's encoder). Calling
	// MarshalJSON directly skips encoding/json's validation and compaction of the result,
	// which cost as much again as the encoding for large diagnostics lists.
	var data []byte
	var err error
	if m, ok := msg.(json.Marshaler); ok {
		data, err = m.MarshalJSON()
	} else {
		data, err = json.Marshal(msg)
	}
	if err != nil {
		return 0, fmt.Errorf("marshaling a message: %w", err)
	}
	if c, ok := msg.(*jsonrpc2.Call); ok {
		// A call is answered only while the input lasts; after that it would wait forever.
		s.cmu.Lock()
		ended := s.endErr != nil
		if !ended {
			s.calls[idKey(c.ID())] = c.ID()
		}
		s.cmu.Unlock()
		if ended {
			return 0, fmt.Errorf("writing a message: the client closed the connection")
		}
	}
	return s.writeBody(data)
}

// appendNotificationStart appends a notification's body up to its params: the params and
// a closing brace complete it. Built so, with the params encoded by hand, a message is not
// encoded again (jsonrpc2 would re-validate and compact the params twice, which for a
// file's diagnostics cost more than making them).
func appendNotificationStart(b []byte, method string) []byte {
	b = append(b, `{"jsonrpc":"2.0","method":`...)
	b = appendJSONString(b, method)
	return append(b, `,"params":`...)
}

// writeBody frames and writes one message body.
func (s *stream) writeBody(data []byte) (int64, error) {
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
