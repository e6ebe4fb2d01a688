package storage

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/yeok/yeok/model"
)

// The commit that seals a chunk lets go of the file's pages this process has mapped (the
// sealing read every leaf of the posting lists and the chunk's entries) at once, not at the
// next dropEvery.
func TestSealDropsMapped(t *testing.T) {
	defer func(d time.Duration) { dropEvery = d }(dropEvery)
	dropEvery = time.Hour
	smallChunks(t)
	path := filepath.Join(t.TempDir(), "y.db")
	s := openNoSync(t, path)
	// Two chunks, none sealed yet: the entry after them seals the first.
	logChunk(t, s, int(2*chunkSize())-1, strings.Repeat("and a long tail of words ", 80))
	if sealed, _ := searchShape(t, s, model.LocalOwner); sealed != 0 {
		t.Fatalf("%d chunks sealed before the test's entry", sealed)
	}
	// An operation under way keeps the file open (and its map) from the read to the check.
	if _, err := s.h.acquire(); err != nil {
		t.Fatal(err)
	}
	defer s.h.release()
	if err := s.view(func(tx *bolt.Tx) error {
		return readOwner(tx, model.LocalOwner).entries.ForEach(func(_, _ []byte) error { return nil })
	}); err != nil {
		t.Fatal(err)
	}
	before := mappedKB(t, path)
	if before < 512 {
		t.Fatalf("%d KiB of the file mapped after reading every entry", before)
	}
	logChunk(t, s, 1, "")
	if sealed, _ := searchShape(t, s, model.LocalOwner); sealed != 1 {
		t.Fatalf("%d chunks sealed, want 1", sealed)
	}
	if after := mappedKB(t, path); after > before/8 {
		t.Errorf("%d KiB of the file mapped after the commit that sealed a chunk, %d before it", after, before)
	}
}
