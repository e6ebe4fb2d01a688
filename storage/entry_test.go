package storage

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/yeok/yeok/model"
	bolt "go.etcd.io/bbolt"
)

// TestEntriesSearchKelvinSign: the bbolt store's search lowers the Kelvin sign to k, as
// strings.ToLower does (the contract's search cases, storagetest, hold for every store; this
// one is the bbolt matcher's).
func TestEntriesSearchKelvinSign(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	translate(t, s, model.Request{Owner: ownerA, Source: "Hello World", To: korean}, model.StatusDone, "안녕 세계")
	kelvin := translate(t, s, model.Request{Owner: ownerA, Source: "temperature 5 \u212a", To: korean}, model.StatusDone, "5 켈빈")
	got, err := s.Entries(ctx, ownerA, model.EntryQuery{Search: "5 k"})
	if err != nil {
		t.Fatal(err)
	}
	if ids := entryIDs(got); !slices.Equal(ids, []uint64{kelvin.ID}) {
		t.Fatalf("Search %q: ids %v, want %v", "5 k", ids, []uint64{kelvin.ID})
	}
}

func entryIDs(es []model.Entry) []uint64 {
	var ids []uint64
	for _, e := range es {
		ids = append(ids, e.ID)
	}
	return ids
}

func TestPendingBecomesInterrupted(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "yeok.db")
	s := openAt(t, path)
	sess, _ := s.NewSession(ctx, ownerA, model.Session{})
	done := translate(t, s, model.Request{Owner: ownerA, SessionID: sess.ID, Source: "first", To: korean}, model.StatusDone, "첫째")
	pending, err := s.Begin(ctx, model.Request{Owner: ownerB, Source: "left hanging", To: korean})
	if err != nil {
		t.Fatal(err)
	}
	markGone(t, s, ownerB, pending.ID) // as if the process died without Finish
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	ro, err := Open(ctx, path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := ro.Entry(ctx, ownerB, pending.ID); got.Status != model.StatusPending {
		t.Fatalf("read-only open changed the entry: %+v", got)
	}
	if _, err := ro.Begin(ctx, model.Request{Owner: ownerA, Source: "x"}); err == nil {
		t.Fatal("Begin on a read-only store succeeded")
	}
	if err := ro.Close(); err != nil {
		t.Fatal(err)
	}

	s = openAt(t, path)
	got, err := s.Entry(ctx, ownerB, pending.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != model.StatusInterrupted || got.Source != "left hanging" || got.Error != interruptedMessage ||
		got.ErrorClass != model.ClassInterrupted {
		t.Fatalf("recovered entry %+v", got)
	}
	if again, _ := s.Entry(ctx, ownerA, done.ID); !reflect.DeepEqual(again, done) {
		t.Fatalf("finished entry changed on reopen:\n%+v\n%+v", again, done)
	}
	if err := s.Check(ctx); err != nil {
		t.Fatalf("Check after recovery: %v", err)
	}
}

func TestReopenKeepsEverything(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "yeok.db")
	s := openAt(t, path)
	sess, _ := s.NewSession(ctx, ownerA, model.Session{Origin: "pipe"})
	var want []model.Entry
	for i := range 5 {
		want = append(want, translate(t, s, model.Request{Owner: ownerA, SessionID: sess.ID, ScriptID: "s", Source: fmt.Sprint(i), To: french}, model.StatusDone, "x"))
	}
	_ = s.TouchLanguage(ctx, ownerA, french)
	wantSess, _ := s.Session(ctx, ownerA, sess.ID)
	wantScript, _ := s.Script(ctx, ownerA, "s")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openAt(t, path)
	got, err := s.Entries(ctx, ownerA, model.EntryQuery{Oldest: true})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("entries after reopen\n%+v\nwant\n%+v", got, want)
	}
	if gotSess, _ := s.Session(ctx, ownerA, sess.ID); !reflect.DeepEqual(gotSess, wantSess) {
		t.Fatalf("session after reopen %+v, want %+v", gotSess, wantSess)
	}
	if gotScript, _ := s.Script(ctx, ownerA, "s"); !reflect.DeepEqual(gotScript, wantScript) {
		t.Fatalf("script after reopen %+v, want %+v", gotScript, wantScript)
	}
	if langs, _ := s.RecentLanguages(ctx, ownerA); !slices.Equal(langs, []model.Language{french}) {
		t.Fatalf("languages after reopen %v", langs)
	}
	next, _ := s.NewSession(ctx, ownerA, model.Session{})
	if next.ID != sess.ID+1 {
		t.Fatalf("session sequence restarted: %d", next.ID)
	}
}

// markGone makes pending entry id look begun by a process that has exited.
func markGone(t *testing.T, s *Store, owner model.Owner, id uint64) {
	t.Helper()
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	mark := processMark{pid: uint64(gone.Process.Pid), start: 1}.bytes()
	if err := s.update(func(tx *bolt.Tx) error {
		return readOwner(tx, owner).pending.Put(u64(id), mark)
	}); err != nil {
		t.Fatal(err)
	}
}
