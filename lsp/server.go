// Package lsp is threatls's language server: it keeps the editor's documents, runs the
// analysis as the user types, and answers LSP requests from the results. All knowledge of
// the language and the threats lives in dsl and analysis; this package translates.
package lsp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"

	"github.com/threatls/threatls/dsl"
)

// Options configure a server.
type Options struct {
	// Log receives the server's log; nil discards it. Never stdout: that is the protocol.
	Log *slog.Logger
	// Version is reported in the initialize result.
	Version string
	// PrepareLoad, when set, is called before the model files under a root are read, with
	// their size in bytes; parsed is called once they are parsed, analysed once the first
	// whole analysis after the load is published. The threatls binary readies the
	// process's memory there (huge pages; the collector paused while parsing).
	PrepareLoad func(textBytes int) (parsed, analysed func())
	// Analysed, when set, is called on the analysis loop when a whole analysis is done,
	// before it is published, unless a change waits: the loop is idle, and the analysis's
	// garbage is at its largest. The threatls binary collects then for a large model (see
	// cmd/threatls's memory.go), rather than in the middle of the user's next request.
	Analysed func()
	// Today, when set, replaces the current date (tests).
	Today string
	// addHandlers lets tests install extra handlers.
	addHandlers func(map[string]requestFunc, map[string]notificationFunc)
}

// Server is one language-server session.
type Server struct {
	opts   Options
	log    *slog.Logger
	conn   jsonrpc2.Conn
	stream *stream // conn's stream, for messages encoded already
	parser *dsl.Parser
	ws     *workspace

	mu         sync.Mutex
	state      lifecycle
	encoding   encoding
	clientCaps clientCaps
	inflight   map[string]context.CancelFunc
	// requests and notifications dispatch LSP methods to their handlers.
	requests      map[string]requestFunc
	notifications map[string]notificationFunc
	exitCode      int
	exited        chan struct{}
	exitOnce      sync.Once
	workDoneTok   int
}

type lifecycle int

const (
	stateNew lifecycle = iota
	stateInitialized
	stateShutdown
)

// clientCaps are the client capabilities the server adapts to.
type clientCaps struct {
	codeDescription bool
	relatedInfo     bool
	// diagnosticData: the client keeps a diagnostic's data for code actions (LSP 3.16);
	// others get none, which they would only read and drop (a tenth of a diagnostic).
	diagnosticData    bool
	hierarchicalSyms  bool
	snippets          bool
	watchRegistration bool
	workDoneProgress  bool
	markdown          bool
}

// Serve runs a session over rwc until the client sends exit or the stream closes, and
// returns the process exit code LSP specifies: 0 after shutdown, 1 otherwise.
func Serve(ctx context.Context, rwc io.ReadWriteCloser, opts Options) int {
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{opts: opts, log: log, parser: dsl.NewParser(), inflight: map[string]context.CancelFunc{}, exitCode: 1, exited: make(chan struct{}),
		requests: requestHandlers(), notifications: notificationHandlers()}
	if opts.addHandlers != nil {
		opts.addHandlers(s.requests, s.notifications)
	}
	st := newStream(rwc, log)
	s.conn, s.stream = jsonrpc2.NewConn(st), st
	s.ws = newWorkspace(s)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.conn.Go(ctx, func(ctx context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request) error {
		// jsonrpc2 v0.10.0 records a handler's error in an atomic.Value and keeps reading; a
		// second failure of another type then panics. Errors are logged here instead.
		if err := s.handle(ctx, reply, req); err != nil {
			s.log.Warn("replying failed", "method", req.Method(), "err", err)
		}
		return nil
	})
	select {
	case <-s.conn.Done():
	case <-s.exited:
		s.closeConn()
	case <-ctx.Done():
		s.closeConn()
	}
	s.ws.stop()
	if err := s.conn.Err(); err != nil && !errors.Is(err, io.EOF) {
		log.Info("connection closed", "err", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.exitCode
}

// handle is the jsonrpc2 handler: it runs on the connection's reader goroutine, so
// notifications are applied in order. Requests take what they need from the current state
// here and run on their own goroutine, cancellable by $/cancelRequest.
func (s *Server) handle(ctx context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request) error {
	method := req.Method()
	call, isCall := req.(*jsonrpc2.Call)
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("panic while handling a message", "method", method, "panic", r, "stack", string(debug.Stack()))
			if isCall {
				_ = reply(context.WithoutCancel(ctx), nil, jsonrpc2.NewError(jsonrpc2.InternalError, fmt.Sprintf("threatls failed on %s: %v", method, r)))
			}
		}
	}()
	s.mu.Lock()
	state := s.state
	s.mu.Unlock()
	switch {
	case method == "exit":
		s.mu.Lock()
		if s.state == stateShutdown {
			s.exitCode = 0
		}
		s.mu.Unlock()
		s.exitOnce.Do(func() { close(s.exited) })
		return nil
	case method == "$/cancelRequest":
		s.cancelRequest(req.Params())
		return nil
	case state == stateNew && method != "initialize":
		if isCall {
			return reply(ctx, nil, jsonrpc2.NewError(-32002, "the server is not initialized: send initialize first"))
		}
		return nil // notifications before initialize are dropped, as the spec says
	case state == stateShutdown && isCall:
		return reply(ctx, nil, jsonrpc2.NewError(jsonrpc2.InvalidRequest, "the server is shutting down: only exit is accepted"))
	case state == stateInitialized && method == "initialize":
		return reply(ctx, nil, jsonrpc2.NewError(jsonrpc2.InvalidRequest, "initialize was already received"))
	}
	if !isCall {
		if fn, ok := s.notifications[method]; ok {
			if err := fn(s, ctx, req.Params()); err != nil {
				s.log.Warn("bad notification", "method", method, "err", err)
			}
		}
		return nil // unknown notifications ($/ or not) are ignored
	}
	fn, ok := s.requests[method]
	if !ok {
		return reply(ctx, nil, jsonrpc2.NewError(jsonrpc2.MethodNotFound, fmt.Sprintf("threatls does not support %s", method)))
	}
	// Requests that change the session's state run in order on this goroutine.
	if method == "initialize" || method == "shutdown" {
		res, err := fn(s, ctx, req.Params())
		return reply(ctx, res, toRPCError(err))
	}
	key := idKey(call.ID())
	s.mu.Lock()
	_, dup := s.inflight[key]
	s.mu.Unlock()
	if dup {
		// Two live requests with one id could not be told apart by their replies or by
		// $/cancelRequest, and the first to end would forget the other's cancel function.
		return reply(ctx, nil, jsonrpc2.NewError(jsonrpc2.InvalidRequest, "a request with id "+key+" is still running"))
	}
	rctx, cancel := context.WithCancel(ctx)
	s.mu.Lock()
	s.inflight[key] = cancel
	s.mu.Unlock()
	prepared := s.ws.snapshot()
	go func() {
		defer func() {
			s.mu.Lock()
			delete(s.inflight, key)
			s.mu.Unlock()
			cancel()
		}()
		var res any
		var err error
		func() {
			defer func() {
				if r := recover(); r != nil {
					s.log.Error("panic in a request handler", "method", method, "panic", r, "stack", string(debug.Stack()))
					err = jsonrpc2.NewError(jsonrpc2.InternalError, fmt.Sprintf("threatls failed on %s: %v", method, r))
				}
			}()
			res, err = fn(s, withSnapshot(rctx, prepared), req.Params())
		}()
		if rctx.Err() != nil && err == nil && res == nil {
			err = errCancelled
		}
		if errors.Is(err, context.Canceled) || errors.Is(err, errCancelled) {
			err = jsonrpc2.NewError(-32800, "request cancelled")
		}
		if rerr := reply(context.WithoutCancel(ctx), res, toRPCError(err)); rerr != nil {
			s.log.Warn("reply failed", "method", method, "err", rerr)
		}
	}()
	return nil
}

var errCancelled = errors.New("request cancelled")

// closeConn closes the connection and waits briefly for its reader to stop. A read blocked
// on standard input does not end when the file is closed, so the wait is bounded: the
// process exits after Serve returns whatever the reader is doing.
func (s *Server) closeConn() {
	_ = s.conn.Close()
	select {
	case <-s.conn.Done():
	case <-time.After(200 * time.Millisecond):
	}
}

// idKey turns a request id into a map key. jsonrpc2.ID marshals with a pointer receiver.
func idKey(id jsonrpc2.ID) string {
	b, _ := json.Marshal(&id)
	return string(b)
}

func (s *Server) cancelRequest(params json.RawMessage) {
	var p struct {
		ID json.RawMessage `json:"id"`
	}
	if json.Unmarshal(params, &p) != nil {
		return
	}
	key := string(p.ID)
	// Numbers and strings are both keyed by their JSON text; normalise 7.0 to 7.
	var f float64
	if json.Unmarshal(p.ID, &f) == nil && f == float64(int64(f)) {
		key = fmt.Sprint(int64(f))
	}
	s.mu.Lock()
	cancel := s.inflight[key]
	s.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

// toRPCError keeps jsonrpc2 errors and gives other errors the generic request-failed code,
// so that no error goes out with code 0.
func toRPCError(err error) error {
	if err == nil {
		return nil
	}
	var rpc *jsonrpc2.Error
	if errors.As(err, &rpc) {
		return rpc
	}
	return jsonrpc2.NewError(-32803, err.Error())
}

func invalidParams(method string, err error) error {
	return jsonrpc2.NewError(jsonrpc2.InvalidParams, fmt.Sprintf("%s: invalid params: %v", method, err))
}

type requestFunc func(s *Server, ctx context.Context, params json.RawMessage) (any, error)
type notificationFunc func(s *Server, ctx context.Context, params json.RawMessage) error

// decode unmarshals params, answering InvalidParams on failure.
func decode[T any](method string, params json.RawMessage) (T, error) {
	var v T
	if len(params) == 0 || string(params) == "null" {
		return v, invalidParams(method, errors.New("params are missing"))
	}
	if err := json.Unmarshal(params, &v); err != nil {
		return v, invalidParams(method, err)
	}
	return v, nil
}

// requestHandlers maps LSP request methods to handlers.
func requestHandlers() map[string]requestFunc {
	return map[string]requestFunc{
		"initialize":                       (*Server).initialize,
		"shutdown":                         (*Server).shutdown,
		"textDocument/completion":          (*Server).completion,
		"completionItem/resolve":           (*Server).completionResolve,
		"textDocument/hover":               (*Server).hover,
		"textDocument/definition":          (*Server).definition,
		"textDocument/references":          (*Server).references,
		"textDocument/documentHighlight":   (*Server).documentHighlight,
		"textDocument/prepareRename":       (*Server).prepareRename,
		"textDocument/rename":              (*Server).rename,
		"textDocument/documentSymbol":      (*Server).documentSymbol,
		"workspace/symbol":                 (*Server).workspaceSymbol,
		"textDocument/codeAction":          (*Server).codeAction,
		"textDocument/formatting":          (*Server).formatting,
		"textDocument/rangeFormatting":     (*Server).rangeFormatting,
		"textDocument/foldingRange":        (*Server).foldingRange,
		"textDocument/semanticTokens/full": (*Server).semanticTokens,
		"textDocument/codeLens":            (*Server).codeLens,
		"textDocument/inlayHint":           (*Server).inlayHint,
		"textDocument/documentLink":        (*Server).documentLink,
		"workspace/executeCommand":         (*Server).executeCommand,
	}
}

// notificationHandlers maps LSP notification methods to handlers.
func notificationHandlers() map[string]notificationFunc {
	return map[string]notificationFunc{
		"initialized":                         (*Server).initialized,
		"textDocument/didOpen":                (*Server).didOpen,
		"textDocument/didChange":              (*Server).didChange,
		"textDocument/didClose":               (*Server).didClose,
		"textDocument/didSave":                func(*Server, context.Context, json.RawMessage) error { return nil },
		"workspace/didChangeWatchedFiles":     (*Server).didChangeWatchedFiles,
		"workspace/didChangeConfiguration":    (*Server).didChangeConfiguration,
		"workspace/didChangeWorkspaceFolders": (*Server).didChangeWorkspaceFolders,
		"$/setTrace":                          func(*Server, context.Context, json.RawMessage) error { return nil },
	}
}

// notify sends a notification to the client, logging failures.
func (s *Server) notify(method string, params any) {
	if err := s.conn.Notify(context.Background(), method, params); err != nil {
		s.log.Debug("notify failed", "method", method, "err", err)
	}
}

// writeMessage writes a message encoded already (see appendNotificationStart).
func (s *Server) writeMessage(body []byte) {
	if _, err := s.stream.writeBody(body); err != nil {
		s.log.Debug("writing a message failed", "err", err)
	}
}

// logToClient shows a message in the client's log.
func (s *Server) logToClient(typ protocol.MessageType, msg string) {
	s.notify("window/logMessage", protocol.LogMessageParams{Type: typ, Message: msg})
}

// progress reports work-done progress to clients that support it; the returned function
// ends it.
func (s *Server) progress(title, message string) func() {
	s.mu.Lock()
	ok := s.clientCaps.workDoneProgress
	s.workDoneTok++
	token := fmt.Sprintf("threatls-%d", s.workDoneTok)
	s.mu.Unlock()
	if !ok {
		return func() {}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := s.conn.Call(ctx, "window/workDoneProgress/create", map[string]string{"token": token}, nil); err != nil {
		return func() {}
	}
	s.notify("$/progress", map[string]any{"token": token, "value": map[string]any{"kind": "begin", "title": title, "message": message}})
	return func() {
		s.notify("$/progress", map[string]any{"token": token, "value": map[string]any{"kind": "end"}})
	}
}
