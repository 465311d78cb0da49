package codelinks

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// TestClosestPruneIsExact: closest finds the nearest candidate within maxDist (ties to the
// alphabetically first), whatever the order of the candidates; the letter-count bound
// never changes the answer.
func TestClosestPruneIsExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	word := func() string {
		b := make([]byte, 1+rng.IntN(12))
		for i := range b {
			b[i] = "abcdeABCDE/._-xyz"[rng.IntN(17)]
		}
		return string(b)
	}
	for i := 0; i < 3000; i++ {
		cands := make([]string, 1+rng.IntN(20))
		for j := range cands {
			cands[j] = word()
		}
		w, maxDist := word(), rng.IntN(5)
		got := closest(w, cands, maxDist)
		// The answer without pruning: the nearest within maxDist, ties to the first one
		// alphabetically, else the prefix rule.
		want, wantDist := "", maxDist+1
		for _, c := range cands {
			if c == w {
				want, wantDist = c, -1
				break
			}
		}
		if wantDist >= 0 {
			lw := strings.ToLower(w)
			for _, c := range cands {
				lc := strings.ToLower(c)
				if abs(len(lc)-len(lw)) >= wantDist {
					continue
				}
				d := editDistance(lw, lc, 1000)
				if d < wantDist || (d == wantDist && want != "" && c < want) {
					want, wantDist = c, d
				}
			}
			if want == "" && len(w) >= 3 {
				for _, c := range cands {
					if strings.HasPrefix(strings.ToLower(c), lw) {
						want = c
						break
					}
				}
			}
		}
		if got != want {
			t.Fatalf("closest(%q, %q, %d) = %q, want %q", w, cands, maxDist, got, want)
		}
	}
}

// TestClosestPathLooksNearTheMissingPath: typos in a file or folder name and moved files
// are found; a file under an unrelated folder is not offered.
func TestClosestPathLooksNearTheMissingPath(t *testing.T) {
	px := newPathIndex([]string{"README.md", "cmd/api/main.go", "internal/auth/login.go", "internal/auth/token.go", "services/payments/db.go"})
	for _, c := range []struct{ missing, want string }{
		{"internal/auth/logn.go", "internal/auth/login.go"},   // typo in the name
		{"internl/auth/login.go", "internal/auth/login.go"},   // typo in the first folder
		{"pkg/auth/login.go", "internal/auth/login.go"},       // moved: same name
		{"services/payment/db.go", "services/payments/db.go"}, // same name, nearest folders
		{"internal/auht/logn.go", "internal/auth/login.go"},   // typos in a folder and the name
		{"READM.md", "README.md"},                             // at the root
		{"docs/guide/intro.md", ""},                           // nothing near
		{"vendor/lib/x.go", ""},                               // unrelated first folder
	} {
		if got := px.closestPath(c.missing); got != c.want {
			t.Errorf("closestPath(%q) = %q, want %q", c.missing, got, c.want)
		}
	}
}
