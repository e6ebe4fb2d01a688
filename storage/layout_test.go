package storage

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/yeok/yeok/model"
)

// TestSearchMigratesTermFirstPostings: a file of schema version 2, whose posting lists are
// keyed by term first (search format 2), is searched right without reading them when opened
// read-only, and the first open for writing rebuilds them keyed by chunk first, which find
// the same and pass Check.
func TestSearchMigratesTermFirstPostings(t *testing.T) {
	ctx := context.Background()
	s, path, want := searchedStore(t)
	// Version 2: the same lists under term-first keys.
	if err := s.update(func(tx *bolt.Tx) error {
		ob := readOwner(tx, ownerA)
		p := postingsOf(ob)
		var lists []posting
		if err := p.ForEach(func(k, v []byte) error {
			old := append(append([]byte(nil), k[4:]...), k[:4]...)
			lists = append(lists, posting{old, append([]byte(nil), v...)})
			return nil
		}); err != nil {
			return err
		}
		sealed := p.Sequence()
		if len(lists) == 0 || sealed != 3 {
			t.Fatalf("%d posting lists, %d chunks sealed", len(lists), sealed)
		}
		if err := ob.search.DeleteBucket(bucketPostings); err != nil {
			return err
		}
		old, err := ob.search.CreateBucket(bucketPostings)
		if err != nil {
			return err
		}
		if err := putSorted(old, lists); err != nil {
			return err
		}
		if err := old.SetSequence(sealed); err != nil {
			return err
		}
		if err := ob.search.SetSequence(2); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keySchema, u64(2))
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	ro, err := Open(ctx, path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	searchesFind(t, ro, want, "version 2")
	if err := ro.Check(ctx); err != nil {
		t.Errorf("Check of version 2: %v", err)
	}
	if err := ro.Close(); err != nil {
		t.Fatal(err)
	}

	s = reopenMigrated(t, path, want)
	if err := s.view(func(tx *bolt.Tx) error {
		if v := fromU64(tx.Bucket(bucketMeta).Get(keySchema)); v != schemaVersion {
			t.Errorf("schema version %d after the open, want %d", v, schemaVersion)
		}
		var prev []byte
		return postingsOf(readOwner(tx, ownerA)).ForEach(func(k, _ []byte) error {
			if postingChunk(k) >= 3 || prev != nil && postingChunk(k) < postingChunk(prev) {
				t.Errorf("posting list %x after %x is not keyed by chunk first", k, prev)
			}
			prev = bytes.Clone(k)
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
}

// TestPostingsAppendFull: sealing chunk after chunk puts each one's lists after those
// before, on pages filled full, and leaves earlier pages alone.
func TestPostingsAppendFull(t *testing.T) {
	smallChunks(t)
	s := openTest(t)
	sessions := newSessions(t, s, ownerA, 4)
	for range 20 {
		logLines(t, s, ownerA, sessions, 256)
	}
	if err := s.view(func(tx *bolt.Tx) error {
		p := postingsOf(readOwner(tx, ownerA))
		st := p.Stats()
		if p.Sequence() < 15 || st.LeafPageN < 20 {
			t.Fatalf("%d chunks sealed in %d leaf pages: too few to measure", p.Sequence(), st.LeafPageN)
		}
		if fill := float64(st.LeafInuse) / float64(st.LeafAlloc); fill < 0.9 {
			t.Errorf("posting list pages are %.0f%% full, want 90%% or more", 100*fill)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// TestEntryReserve: an entry with room reserved reads as the same entry as without, its
// room as long as asked; room that is not zeros, or cut short, does not read.
func TestEntryReserve(t *testing.T) {
	for name, e := range codecEntries() {
		plain := encodeEntry(nil, e)
		v := encodeReserving(nil, e, 100)
		if len(v) < len(plain)+100 {
			t.Errorf("%s: %d bytes with 100 reserved, %d without", name, len(v), len(plain))
		}
		var want, got model.Entry
		if err := decodeEntry(plain, &want); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := decodeEntry(v, &got); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: decoded %+v, %v; want %+v", name, got, err, want)
		}
		bad := bytes.Clone(v)
		bad[len(bad)-1] = 'x'
		if err := decodeEntry(bad, &got); err == nil {
			t.Errorf("%s: room that is not zeros decoded", name)
		}
		if err := decodeEntry(v[:len(v)-1], &got); err == nil {
			t.Errorf("%s: room cut short decoded", name)
		}
	}
}

// TestPendingEntriesFinishedLater: entries begun many at a time, each in its own commit,
// and finished later in another order, each in its own commit, leave the entries' pages
// about as full as entries written finished: a page of pending entries does not split as
// they grow.
func TestPendingEntriesFinishedLater(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	sessions := newSessions(t, s, ownerA, 4)
	line := strings.Repeat("a line of a lecture, ", 4)
	for round := range 12 {
		var begun []model.Entry
		for i := range 100 {
			e, err := s.Begin(ctx, model.Request{Owner: ownerA, SessionID: sessions[i%len(sessions)], Source: fmt.Sprintf("%d.%d %s", round, i, line), To: korean, Model: "gpt-4o-mini"})
			if err != nil {
				t.Fatal(err)
			}
			begun = append(begun, e)
		}
		rand.New(rand.NewPCG(1, uint64(round))).Shuffle(len(begun), func(i, j int) { begun[i], begun[j] = begun[j], begun[i] })
		for _, e := range begun {
			e.Apply(model.Result{Status: model.StatusDone, Text: "강의의 한 줄, " + e.Source, Finish: "stop", FirstToken: 300 * time.Millisecond, Duration: 2 * time.Second, Usage: model.Usage{PromptTokens: 40, CompletionTokens: 50, TotalTokens: 90}}, s.now())
			if _, err := s.Finish(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := s.view(func(tx *bolt.Tx) error {
		st := readOwner(tx, ownerA).entries.Stats()
		if st.LeafPageN < 40 {
			t.Fatalf("%d leaf pages: too few to measure", st.LeafPageN)
		}
		if fill := float64(st.LeafInuse) / float64(st.LeafAlloc); fill < 0.82 {
			t.Errorf("entries' pages are %.0f%% full, want 82%% or more", 100*fill)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
