// Command threatls-bench measures threatls the way users meet it: the check command as a
// whole process, and the language server over stdio (open, keystroke, completion, hover,
// memory), on generated models of N services. It prints a Markdown table of medians.
//
//	go run ./cmd/threatls-bench               # N = 1,000 and 10,000
//	go run ./cmd/threatls-bench -n 1000,50000 -runs 7
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	segjson "github.com/segmentio/encoding/json"
	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"

	"github.com/threatls/threatls/internal/gen"
)

func main() {
	sizes := flag.String("n", "1000,10000", "comma-separated model sizes (services)")
	runs := flag.Int("runs", 5, "runs per measurement; the median is reported")
	bin := flag.String("bin", "", "threatls binary to measure (default: build ./cmd/threatls)")
	flag.Parse()
	if err := run(*sizes, *runs, *bin); err != nil {
		fmt.Fprintln(os.Stderr, "threatls-bench:", err)
		os.Exit(1)
	}
}

type row struct {
	n                                   int
	files, bytes                        int
	check, open, keystroke, comp, hover time.Duration
	// openAll and keystrokeAll are the times until the whole model is analysed and every
	// file's diagnostics are sent (the server's threatls/status notification).
	openAll, keystrokeAll time.Duration
	checkRSS, serverRSS   int64 // KiB
}

func run(sizes string, runs int, bin string) error {
	tmp, err := os.MkdirTemp("", "threatls-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if bin == "" {
		bin = filepath.Join(tmp, "threatls")
		cmd := exec.Command("go", "build", "-o", bin, "./cmd/threatls")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("building threatls (run from the repository root): %w", err)
		}
	}
	var rows []row
	for _, s := range strings.Split(sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("-n: %q is not a number", s)
		}
		fmt.Fprintf(os.Stderr, "N=%d: generating\n", n)
		dir := filepath.Join(tmp, fmt.Sprintf("model-%d", n))
		r := row{n: n}
		for name, text := range gen.Model(n, 1) {
			path := filepath.Join(dir, name)
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
				return err
			}
			r.files++
			r.bytes += len(text)
		}
		fmt.Fprintf(os.Stderr, "N=%d: threatls check\n", n)
		var checks []time.Duration
		for i := 0; i < runs; i++ {
			d, rss, err := timeCheck(bin, dir)
			if err != nil {
				return err
			}
			checks = append(checks, d)
			r.checkRSS = max(r.checkRSS, rss)
		}
		r.check = median(checks)
		fmt.Fprintf(os.Stderr, "N=%d: language server\n", n)
		if err := measureServer(bin, dir, runs, &r); err != nil {
			return err
		}
		rows = append(rows, r)
	}
	printTable(os.Stdout, rows, runs)
	return nil
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func timeCheck(bin, dir string) (time.Duration, int64, error) {
	cmd := exec.Command(bin, "check", "--fail-on", "none", dir)
	cmd.Stdout = io.Discard
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return 0, 0, fmt.Errorf("threatls check: %w", err)
	}
	d := time.Since(start)
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss
	}
	return d, rss, nil
}

// client is a minimal LSP client over a server process's stdio.
type client struct {
	conn   jsonrpc2.Conn
	cmd    *exec.Cmd
	diags  chan protocol.PublishDiagnosticsParams
	status chan struct{}
}

type procRWC struct {
	io.ReadCloser
	io.WriteCloser
}

func (p procRWC) Close() error {
	_ = p.WriteCloser.Close()
	return p.ReadCloser.Close()
}

func startServer(bin string) (*client, error) {
	cmd := exec.Command(bin, "serve")
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &client{cmd: cmd, diags: make(chan protocol.PublishDiagnosticsParams, 1024), status: make(chan struct{}, 1024)}
	c.conn = jsonrpc2.NewConn(jsonrpc2.NewStream(procRWC{out, in}))
	c.conn.Go(context.Background(), func(ctx context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request) error {
		if req.Method() == "threatls/status" {
			c.status <- struct{}{}
		}
		if req.Method() == "textDocument/publishDiagnostics" {
			// Decoded as an editor would, with a quick decoder: segmentio's, which
			// go.lsp.dev/jsonrpc2 uses for every message, is closer to the JSON.parse of
			// VS Code than encoding/json, which took 7-12 ms more for the 0.8 MB of
			// diagnostics of a file of the 1,000-service model.
			var p protocol.PublishDiagnosticsParams
			if segjson.Unmarshal(req.Params(), &p) == nil {
				c.diags <- p
			}
		}
		return reply(ctx, nil, nil)
	})
	return c, nil
}

func (c *client) call(method string, params, result any) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	_, err := c.conn.Call(ctx, method, params, result)
	return err
}

// waitFor waits for diagnostics of uri (with version, when non-zero).
func (c *client) waitFor(uri string, version uint32) error {
	timeout := time.After(2 * time.Minute)
	for {
		select {
		case p := <-c.diags:
			if string(p.URI) == uri && (version == 0 || p.Version == version) {
				return nil
			}
		case <-timeout:
			return fmt.Errorf("no diagnostics for %s (version %d)", uri, version)
		}
	}
}

// waitStatus waits for the server's status notification, sent when the whole model has
// been analysed and published.
func (c *client) waitStatus() error {
	select {
	case <-c.status:
		return nil
	case <-time.After(5 * time.Minute):
		return fmt.Errorf("no threatls/status notification")
	}
}

// drainStatus forgets status notifications received so far.
func (c *client) drainStatus() {
	for {
		select {
		case <-c.status:
		default:
			return
		}
	}
}

func (c *client) stop() int64 {
	rss := peakRSS(c.cmd.Process.Pid)
	_ = c.call("shutdown", nil, nil)
	_ = c.conn.Notify(context.Background(), "exit", nil)
	done := make(chan struct{})
	go func() { _ = c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = c.cmd.Process.Kill()
	}
	return rss
}

func peakRSS(pid int) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

func fileURI(path string) string {
	abs, _ := filepath.Abs(path)
	return "file://" + filepath.ToSlash(abs)
}

func measureServer(bin, dir string, runs int, r *row) error {
	names, _ := filepath.Glob(filepath.Join(dir, "*.threat"))
	sort.Strings(names)
	if len(names) == 0 {
		return fmt.Errorf("no model files in %s", dir)
	}
	// Edit a file that has services and threats, as a user would.
	var target, text string
	for _, name := range names {
		data, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		t := string(data)
		if strings.Contains(t, "\n  tech ") && strings.Contains(t, "\n  stride ") && strings.Contains(t, "\n  in ") {
			target, text = name, t
			break
		}
	}
	if target == "" {
		return fmt.Errorf("no generated file has services and threats to edit")
	}
	uri := fileURI(target)
	var opens, opensAll []time.Duration
	for i := 0; i < runs; i++ {
		start := time.Now()
		c, err := startServer(bin)
		if err != nil {
			return err
		}
		var res any
		if err := c.call("initialize", map[string]any{"processId": os.Getpid(), "rootUri": fileURI(dir), "capabilities": map[string]any{},
			"workspaceFolders": []map[string]any{{"uri": fileURI(dir), "name": "bench"}}}, &res); err != nil {
			return fmt.Errorf("initialize: %w", err)
		}
		_ = c.conn.Notify(context.Background(), "initialized", map[string]any{})
		_ = c.conn.Notify(context.Background(), "textDocument/didOpen", map[string]any{"textDocument": map[string]any{"uri": uri, "languageId": "threat", "version": 1, "text": text}})
		if err := c.waitFor(uri, 0); err != nil {
			return err
		}
		opens = append(opens, time.Since(start))
		if err := c.waitStatus(); err != nil {
			return err
		}
		opensAll = append(opensAll, time.Since(start))
		if i < runs-1 {
			c.stop()
			continue
		}
		// The last server also measures keystrokes, completion and hover.
		if err := measureEditing(c, uri, text, runs, r); err != nil {
			return err
		}
		r.serverRSS = c.stop()
	}
	r.open, r.openAll = median(opens), median(opensAll)
	return nil
}

// measureEditing types a character that changes the diagnostics (an attribute becomes
// unknown, then known again) and waits for that version's diagnostics; then asks for
// completion and hover.
func measureEditing(c *client, uri, text string, runs int, r *row) error {
	key := "\n  tech "
	i := strings.Index(text, key)
	if i < 0 {
		return fmt.Errorf("the generated model has no `tech` attribute to edit")
	}
	pos := lspPos(text, i+len(key)-1) // just after "tech"
	version := int32(1)
	// type sends one keystroke (a character typed or deleted, in turn) and waits for the
	// edited file's diagnostics of that version, and with whole, for the whole model's.
	typeKey := func(whole bool) (time.Duration, time.Duration, error) {
		version++
		change := map[string]any{"range": map[string]any{"start": pos, "end": pos}, "text": "x"}
		if version%2 == 1 {
			end := protocol.Position{Line: pos.Line, Character: pos.Character + 1}
			change = map[string]any{"range": map[string]any{"start": pos, "end": end}, "text": ""}
		}
		c.drainStatus()
		start := time.Now()
		_ = c.conn.Notify(context.Background(), "textDocument/didChange", map[string]any{
			"textDocument": map[string]any{"uri": uri, "version": version}, "contentChanges": []any{change}})
		if err := c.waitFor(uri, uint32(version)); err != nil {
			return 0, 0, err
		}
		first := time.Since(start)
		if !whole {
			return first, 0, nil
		}
		if err := c.waitStatus(); err != nil {
			return 0, 0, err
		}
		return first, time.Since(start), nil
	}
	// Typing: each keystroke follows the edited file's diagnostics of the one before, while
	// the server may still be analysing the whole model for it.
	var keys, keysAll []time.Duration
	for k := 0; k < max(runs*4, 20); k++ {
		d, _, err := typeKey(false)
		if err != nil {
			return err
		}
		keys = append(keys, d)
	}
	// Pauses: a keystroke, then everything it changes, before the next one (an even number,
	// so the text ends as it began). First the typing's last whole analysis settles.
	if err := c.waitStatus(); err != nil {
		return err
	}
	for k := 0; k < 2*runs; k++ {
		_, all, err := typeKey(true)
		if err != nil {
			return err
		}
		keysAll = append(keysAll, all)
	}
	r.keystroke, r.keystrokeAll = median(keys), median(keysAll)
	stride := strings.Index(text, "\n  stride ")
	id := strings.Index(text, "\n  in ")
	if stride < 0 || id < 0 {
		return fmt.Errorf("the generated model has no `stride` or `in` attribute")
	}
	var comps, hovers []time.Duration
	for k := 0; k < max(runs*4, 20); k++ {
		var list protocol.CompletionList
		start := time.Now()
		if err := c.call("textDocument/completion", map[string]any{"textDocument": map[string]any{"uri": uri}, "position": lspPos(text, stride+len("\n  stride "))}, &list); err != nil {
			return fmt.Errorf("completion: %w", err)
		}
		comps = append(comps, time.Since(start))
		var h any
		start = time.Now()
		if err := c.call("textDocument/hover", map[string]any{"textDocument": map[string]any{"uri": uri}, "position": lspPos(text, id+len("\n  in ")+1)}, &h); err != nil {
			return fmt.Errorf("hover: %w", err)
		}
		hovers = append(hovers, time.Since(start))
	}
	r.comp, r.hover = median(comps), median(hovers)
	return nil
}

func lspPos(text string, off int) protocol.Position {
	line, col := 0, 0
	for _, ch := range text[:off] {
		if ch == '\n' {
			line, col = line+1, 0
		} else if ch >= 0x10000 {
			col += 2
		} else {
			col++
		}
	}
	return protocol.Position{Line: uint32(line), Character: uint32(col)}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

func printTable(w io.Writer, rows []row, runs int) {
	fmt.Fprintf(w, "Machine: %s, %d cores, %s %s/%s; medians of %d runs (editing: of %d).\n\n", cpuModel(), runtime.NumCPU(), runtime.Version(), runtime.GOOS, runtime.GOARCH, runs, max(runs*4, 20))
	fmt.Fprintln(w, "| N | files | model size | `threatls check` (cold) | open -> first diagnostics (all files) | keystroke -> diagnostics (all files) | completion | hover | peak RSS (server) | peak RSS (check) |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|")
	for _, r := range rows {
		fmt.Fprintf(w, "| %d | %d | %.1f MB | %s | %s (%s) | %s (%s) | %s | %s | %d MiB | %d MiB |\n", r.n, r.files, float64(r.bytes)/1e6, ms(r.check), ms(r.open), ms(r.openAll), ms(r.keystroke), ms(r.keystrokeAll), ms(r.comp), ms(r.hover), r.serverRSS/1024, r.checkRSS/1024)
	}
}

func cpuModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "model name"); ok {
			return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
		}
	}
	return runtime.GOARCH
}
