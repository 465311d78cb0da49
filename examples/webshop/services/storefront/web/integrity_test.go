package web

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckoutScriptsUnchanged fails when a checkout script no longer matches its pinned
// SRI hash. The nightly job runs it against the live CDN as well and pages the on-call
// engineer, so a script swapped on the CDN is noticed within a day.
func TestCheckoutScriptsUnchanged(t *testing.T) {
	for _, s := range CheckoutScripts {
		if !strings.HasPrefix(s.Src, "/assets/") {
			continue // third-party scripts are checked by the nightly job
		}
		content, err := os.ReadFile(filepath.Join("static", filepath.FromSlash(s.Src)))
		if err != nil {
			t.Fatal(err)
		}
		if got := SRI(content); got != s.Integrity {
			t.Errorf("%s changed: integrity %s, pinned %s; review the change and update CheckoutScripts", s.Src, got, s.Integrity)
		}
	}
}
