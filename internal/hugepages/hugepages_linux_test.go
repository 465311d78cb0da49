package hugepages

import (
	"bytes"
	"os"
	"strconv"
	"testing"
)

// TestReserveGivesHugePages fills reserved memory and reads from /proc that Linux backed it
// with huge pages.
func TestReserveGivesHugePages(t *testing.T) {
	if !askedFor() {
		// Huge pages are "always" or "never" here: asking would change nothing.
		if r := Reserve(64 << 20); r != nil {
			t.Error("Reserve asked for huge pages where they are not given to memory that asks")
		}
		return
	}
	before := anonHugeKB(t)
	r := Reserve(64 << 20)
	if r == nil {
		t.Fatal("Reserve(64 MiB) = nil on a machine in madvise mode")
	}
	defer r.End()
	keep := fill(40 << 20)
	got := anonHugeKB(t) - before
	if got < 16<<10 {
		t.Errorf("after 40 MB of small objects, %d KiB more are in huge pages; want at least 16 MiB", got)
	}
	_ = keep
}

// TestEndStopsAsking: after End, memory the heap fills in the region gets small pages.
func TestEndStopsAsking(t *testing.T) {
	if !askedFor() {
		return // Reserve asks for nothing here (TestReserveGivesHugePages)
	}
	r := Reserve(64 << 20)
	if r == nil {
		t.Fatal("Reserve(64 MiB) = nil on a machine in madvise mode")
	}
	r.End()
	r.End() // a second call does nothing
	before := anonHugeKB(t)
	keep := fill(40 << 20)
	if got := anonHugeKB(t) - before; got > 4<<10 {
		t.Errorf("after End, 40 MB of small objects put %d KiB more in huge pages; want (nearly) none", got)
	}
	_ = keep
	var none *Region
	none.End() // nil: nothing was asked for
}

// fill allocates n bytes of small objects, as a parser makes them, and keeps them.
func fill(n int) [][]byte {
	var keep [][]byte
	for range n / 1024 {
		keep = append(keep, make([]byte, 1024))
	}
	return keep
}

func TestReserveSkipsSmallAndWhenDisabled(t *testing.T) {
	if r := Reserve(1 << 20); r != nil {
		t.Error("Reserve(1 MiB) asked for huge pages; want nil (under two huge pages)")
	}
	t.Setenv("GODEBUG", "disablethp=1")
	if r := Reserve(64 << 20); r != nil {
		t.Error("Reserve with GODEBUG=disablethp=1 asked for huge pages; want nil")
	}
}

func TestAvailable(t *testing.T) {
	if n := available(); n <= 0 {
		t.Errorf("available() = %d; want the MemAvailable of /proc/meminfo", n)
	}
}

// anonHugeKB returns the process's memory in anonymous huge pages, in KiB.
func anonHugeKB(t *testing.T) int {
	t.Helper()
	data, err := os.ReadFile("/proc/self/smaps_rollup")
	if err != nil {
		t.Fatalf("cannot read how much memory is in huge pages: %v", err)
	}
	for _, line := range bytes.Split(data, []byte("\n")) {
		if rest, ok := bytes.CutPrefix(line, []byte("AnonHugePages:")); ok {
			n, err := strconv.Atoi(string(bytes.TrimSuffix(bytes.TrimSpace(rest), []byte(" kB"))))
			if err != nil {
				t.Fatalf("smaps_rollup: %q: %v", line, err)
			}
			return n
		}
	}
	t.Fatal("/proc/self/smaps_rollup has no AnonHugePages line")
	return 0
}
