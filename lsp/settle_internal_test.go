package lsp

import (
	"context"
	"testing"
	"time"
)

// TestSettle: the whole analysis waits after a keystroke's diagnostics, gives way to the
// next keystroke, and never keeps a request waiting.
func TestSettle(t *testing.T) {
	// An hour's delay: returning at all shows settle did not wait for it.
	newWS := func() *workspace {
		w := newWorkspace(&Server{})
		w.settleDelay = time.Hour
		return w
	}

	t.Run("a change comes in: give way", func(t *testing.T) {
		w := newWS()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if w.settle(ctx) {
			t.Error("settle with the change's context cancelled = true; want false")
		}
	})
	t.Run("a request waits already: go on at once", func(t *testing.T) {
		w := newWS()
		w.waiting = 1
		if !w.settle(context.Background()) {
			t.Error("settle = false; want true")
		}
	})
	t.Run("a request comes while settling: go on", func(t *testing.T) {
		w := newWS()
		done := make(chan bool, 1)
		go func() { done <- w.settle(context.Background()) }()
		// The request waits until settle has returned (nothing analyses here, so it then
		// gives up): whether it came before settle looked or while it waited, settle goes on.
		ctx, cancel := context.WithCancel(context.Background())
		waited := make(chan struct{})
		go func() {
			defer close(waited)
			_, _ = w.await(ctx, 1)
		}()
		select {
		case ok := <-done:
			if !ok {
				t.Error("settle = false; want true")
			}
		case <-time.After(10 * time.Second):
			t.Fatal("settle did not return while a request waited")
		}
		cancel()
		<-waited
	})
	t.Run("nothing happens: go on after the delay", func(t *testing.T) {
		w := newWS()
		w.settleDelay = 20 * time.Millisecond
		start := time.Now()
		if !w.settle(context.Background()) {
			t.Error("settle = false; want true")
		}
		if waited := time.Since(start); waited < w.settleDelay {
			t.Errorf("settle returned after %v; want the settle delay, %v", waited, w.settleDelay)
		}
	})
}
