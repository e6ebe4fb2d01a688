package storage

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/yeok/yeok/model"
)

// logChunk logs n finished entries of one owner's session, line i's source naming it in a
// sentence of text otherwise the same, in transactions of 512.
func logChunk(t *testing.T, s *Store, n int, text string) {
	t.Helper()
	sess := newSessions(t, s, model.LocalOwner, 1)[0]
	for done := 0; done < n; {
		err := s.update(func(tx *bolt.Tx) error {
			for end := min(n, done+512); done < end; done++ {
				req := model.Request{Owner: model.LocalOwner, SessionID: sess, Source: fmt.Sprintf("This is line %d %s", done+1, text), To: korean}
				e, err := beginTx(tx, req, s.now(), selfMark())
				if err != nil {
					return err
				}
				e.Apply(model.Result{Status: model.StatusDone, Text: fmt.Sprintf("%d번째 줄", done+1), Finish: "stop"}, s.now())
				if _, err := finishTx(tx, e); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// allocated returns the bytes fn allocates.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// Sealing a chunk holds each term's list as it will be stored, not an offset for every
// entry that holds the term: a chunk of 4095 entries (ids start at 1) that share most of their text (every
// term's list is a bitmap) allocates, beyond reading its entries, a few times what its
// posting lists take, and the lists are the same as those encodeOffsets makes and pass
// Check.
func TestSealChunkMemory(t *testing.T) {
	s := openNoSync(t, filepath.Join(t.TempDir(), "y.db"))
	logChunk(t, s, int(chunkSize()), "of a very long transcript that says the same thing on every line.")
	var read, sealed, stored uint64
	err := s.update(func(tx *bolt.Tx) error {
		ob := readOwner(tx, model.LocalOwner)
		c := ob.entries.Cursor()
		read = allocated(func() {
			for k, v := c.First(); k != nil && len(k) == 8 && fromU64(k) < chunkSize(); k, v = c.Next() {
				var e model.Entry
				if err := decode(v, &e); err != nil {
					t.Fatal(err)
				}
			}
		})
		p := postingsOf(ob)
		var err error
		sealed = allocated(func() { err = sealChunks(ob, p, 1) })
		if err != nil {
			return err
		}
		want := map[uint64][]uint16{}
		for k, v := c.First(); k != nil && len(k) == 8 && fromU64(k) < chunkSize(); k, v = c.Next() {
			var e model.Entry
			if err := decode(v, &e); err != nil {
				return err
			}
			for _, h := range distinctTerms(e) {
				want[h] = append(want[h], uint16(e.ID))
			}
		}
		n := 0
		err = p.ForEach(func(k, v []byte) error {
			n++
			stored += uint64(len(k) + len(v))
			if postingChunk(k) != 0 {
				return fmt.Errorf("posting list %x is not of chunk 0", k)
			}
			h := fromU64(k[4:])
			if w := encodeOffsets(want[h]); string(v) != string(w) {
				return fmt.Errorf("term %x: list %x, want %x", h, v[:min(len(v), 16)], w[:min(len(w), 16)])
			}
			return nil
		})
		if err == nil && n != len(want) {
			err = fmt.Errorf("%d posting lists, want %d", n, len(want))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Check(context.Background()); err != nil {
		t.Fatalf("after sealing: %v", err)
	}
	t.Logf("sealing allocated %d KB beside %d KB to read the entries; the lists take %d KB", sealed>>10, read>>10, stored>>10)
	if sealed > read+4*stored {
		t.Errorf("sealing a chunk allocated %d KB, more than the %d KB it takes to read its entries and four times the %d KB of its posting lists",
			sealed>>10, read>>10, stored>>10)
	}
}
