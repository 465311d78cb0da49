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
		t.Skip("transparent huge pages are not in madvise mode here")
	}
	before := anonHugeKB(t)
	if !Reserve(64 << 20) {
		t.Fatal("Reserve(64 MiB) = false on a machine in madvise mode")
	}
	// Small objects, as a parser makes them, fill the freed block.
	var keep [][]byte
	for range 40_000 {
		keep = append(keep, make([]byte, 1024))
	}
	got := anonHugeKB(t) - before
	if got < 16<<10 {
		t.Errorf("after 40 MB of small objects, %d KiB more are in huge pages; want at least 16 MiB", got)
	}
	_ = keep
}

func TestReserveSkipsSmallAndWhenDisabled(t *testing.T) {
	if Reserve(1 << 20) {
		t.Error("Reserve(1 MiB) = true; want false (under two huge pages)")
	}
	t.Setenv("GODEBUG", "disablethp=1")
	if Reserve(64 << 20) {
		t.Error("Reserve with GODEBUG=disablethp=1 = true; want false")
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
		t.Skipf("cannot read smaps_rollup: %v", err)
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
	t.Skip("smaps_rollup has no AnonHugePages")
	return 0
}
