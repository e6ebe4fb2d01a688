package storage

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

// mappedRSS returns how many bytes of the mapping that starts at addr are resident, from
// the process's smaps, which walks the page tables.
func mappedRSS(t *testing.T, addr uintptr) int {
	t.Helper()
	b, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	prefix := strconv.FormatUint(uint64(addr), 16) + "-"
	in := false
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) > 0 && strings.Contains(f[0], "-") && !strings.HasSuffix(f[0], ":") {
			in = strings.HasPrefix(f[0], prefix)
			continue
		}
		if rest, ok := strings.CutPrefix(line, "Rss:"); ok && in {
			kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatalf("no mapping at %x", addr)
	return 0
}

// TestPageReleaser: reading values spread over a mapped file through a pageReleaser leaves
// few of its pages resident, and the values read the same afterwards.
func TestPageReleaser(t *testing.T) {
	const size = 32 << 20
	path := filepath.Join(t.TempDir(), "mapped")
	content := bytes.Repeat([]byte("0123456789abcdef"), size/16)
	if err := os.WriteFile(path, content, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	data, err := syscall.Mmap(int(f.Fd()), 0, size, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Munmap(data)
	addr := uintptr(unsafe.Pointer(unsafe.SliceData(data)))
	read := func(r *pageReleaser) int {
		r.base, r.end = addr, addr+size
		sum := 0
		for off := 100; off+200 < size; off += releaseWindow {
			v := data[off : off+200]
			r.read(v)
			sum += int(v[0])
		}
		r.release()
		return sum
	}
	var heap pageReleaser
	heap.read(content[:100]) // outside the mapping: left alone
	if heap.at != nil {
		t.Error("a value outside the mapping would be handed back")
	}
	if sum := read(&pageReleaser{}); sum == 0 {
		t.Fatal("read nothing")
	}
	if rss := mappedRSS(t, addr); rss > size/4 {
		t.Errorf("%d MiB of %d MiB read stay resident", rss>>20, size>>20)
	}
	if !bytes.Equal(data, content) {
		t.Error("the mapping reads differently after its pages were handed back")
	}
	// Reading the whole mapping made it resident: the check above can tell.
	if rss := mappedRSS(t, addr); rss < size/2 {
		t.Errorf("only %d MiB of %d MiB resident after reading them all", rss>>20, size>>20)
	}
}
