package storage

import (
	"context"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/yeok/yeok/model"
)

// openNoSync opens a store that skips fsync, closed when the test ends.
func openNoSync(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(context.Background(), path, Options{noSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// TestCopyBatches: a log of more entries than a batch goes over in several transactions
// and arrives whole, with its search index: every entry is found by its own word.
func TestCopyBatches(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := openNoSync(t, filepath.Join(dir, "src.db"))
	const n = CopyBatch + 300
	for i := range n {
		e, err := src.Begin(ctx, model.Request{Owner: model.LocalOwner, Source: word(i), To: "ko"})
		if err != nil {
			t.Fatal(err)
		}
		e.Apply(model.Result{Status: model.StatusDone, Text: "번역"}, e.Created)
		if _, err := src.Finish(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	dst := openNoSync(t, filepath.Join(dir, "dst.db"))
	var batches int
	rep, err := Copy(ctx, dst, src, func(CopyReport) { batches++ })
	if err != nil {
		t.Fatal(err)
	}
	if rep.Entries != n || batches != 2 {
		t.Fatalf("copied %+v in %d batches", rep, batches)
	}
	for _, i := range []int{0, 1, CopyBatch - 1, CopyBatch, n - 1} {
		got, err := dst.Entries(ctx, model.LocalOwner, model.EntryQuery{Search: word(i)})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].ID != uint64(i+1) {
			t.Fatalf("search %q: %v", word(i), got)
		}
	}
	// The search index is built, not left for a whole read of every block.
	blocks := 0
	if err := dst.view(func(tx *bolt.Tx) error {
		ob := readOwner(tx, model.LocalOwner)
		if postingsOf(ob) == nil || ob.search.Sequence() != searchFormat {
			t.Error("the copy's search index is not of the current format")
		}
		return ob.search.ForEach(func(_, v []byte) error {
			if v != nil {
				blocks++
			}
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	if want := (n >> searchShift) + 1; blocks != want {
		t.Fatalf("%d blocks have a search filter, want %d", blocks, want)
	}
	if err := dst.Check(ctx); err != nil {
		t.Fatal(err)
	}
}

// word is a made-up word of its own for each i.
func word(i int) string {
	const letters = "bcdfghjklmnpqrstvwxz"
	b := []byte("qy")
	for range 3 {
		b = append(b, letters[i%len(letters)], 'o')
		i /= len(letters)
	}
	return string(b)
}
