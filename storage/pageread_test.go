package storage

import (
	"bytes"
	"context"
	"math/rand/v2"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/yeok/yeok/model"
)

// TestPageReaderIsGet: the page reader finds every entry value bbolt finds, byte for byte,
// and nothing where bbolt finds nothing, in any order of ids, with entries spread over
// overflow pages and a session's entries deleted; in a write transaction it is not used.
func TestPageReaderIsGet(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	sessions := newSessions(t, s, ownerA, 4)
	logLines(t, s, ownerA, sessions, 3000)
	long := translate(t, s, model.Request{Owner: ownerA, SessionID: sessions[0], Source: strings.Repeat("A long line. ", 2000), To: korean}, model.StatusDone, "긴 줄")
	logLines(t, s, ownerA, sessions, 200)
	if err := s.DeleteSession(ctx, ownerA, sessions[1]); err != nil {
		t.Fatal(err)
	}
	check := func(t *testing.T, ids []uint64) {
		err := s.view(func(tx *bolt.Tx) error {
			entries := readOwner(tx, ownerA).entries
			r := newPageReader(tx, entries)
			if r == nil {
				t.Fatal("no page reader for a read transaction")
			}
			defer r.close()
			for _, id := range ids {
				got, ok := r.get(u64(id))
				if !ok {
					t.Fatalf("id %d: a page did not read", id)
				}
				if want := entries.Get(u64(id)); !bytes.Equal(got, want) || (got == nil) != (want == nil) {
					t.Fatalf("id %d: %d bytes, want %d", id, len(got), len(want))
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	var ids []uint64
	for id := range uint64(3300) {
		ids = append(ids, id)
	}
	t.Run("ascending", func(t *testing.T) { check(t, ids) })
	down := make([]uint64, len(ids))
	for i, id := range ids {
		down[len(ids)-1-i] = id
	}
	t.Run("descending", func(t *testing.T) { check(t, down) })
	shuffled := append([]uint64(nil), ids...)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	t.Run("shuffled", func(t *testing.T) { check(t, shuffled) })
	t.Run("overflow", func(t *testing.T) { check(t, []uint64{1, long.ID, long.ID + 1, long.ID - 1}) })

	err := s.update(func(tx *bolt.Tx) error {
		if r := newPageReader(tx, readOwner(tx, ownerA).entries); r != nil {
			r.close()
			t.Error("a page reader for a write transaction")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
