package postgres

import (
	"context"
	"errors"
	"maps"
	"path/filepath"
	"slices"
	"testing"

	"github.com/yeok/yeok/model"
	"github.com/yeok/yeok/storage"
	"github.com/yeok/yeok/storage/storagetest"
)

var (
	_ storage.Dumper = (*Store)(nil)
	_ storage.Loader = (*Store)(nil)
)

func openFile(t *testing.T, path string) *storage.Store {
	t.Helper()
	s, err := storage.Open(context.Background(), path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// checksums fails t unless a and b give the same summaries, for every owner.
func checksums(t *testing.T, a, b storage.Dumper) map[model.Owner]storage.Summary {
	t.Helper()
	ctx := context.Background()
	want, err := storage.Checksum(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	got, err := storage.Checksum(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) != len(storagetest.CopyOwners) || !maps.Equal(want, got) {
		t.Fatalf("checksums differ:\nwant %v\n got %v", want, got)
	}
	return want
}

// TestCopyFileToPostgresAndBack: a bbolt log of several owners copied into PostgreSQL reads
// back the same through the Log API (searches and memory recall included, the pending
// entry interrupted), gives the same checksums and passes Check; copied back into a new
// file it is the same again. New ids continue past the copied ones, and a database that
// holds data is refused.
func TestCopyFileToPostgresAndBack(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	file := openFile(t, filepath.Join(dir, "src.db"))
	storagetest.Populate(t, file)
	pg, _ := openTest(t, Options{})

	rep, err := storage.Copy(ctx, pg, file, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Entries != 13*len(storagetest.CopyOwners) || rep.Settled != len(storagetest.CopyOwners) {
		t.Fatalf("copy report %+v", rep)
	}
	storagetest.SameLog(t, file, pg, storage.Settle)
	if err := pg.Check(ctx); err != nil {
		t.Fatal(err)
	}
	sums := checksums(t, file, pg)

	back := openFile(t, filepath.Join(dir, "back.db"))
	if _, err := storage.Copy(ctx, back, pg, nil); err != nil {
		t.Fatal(err)
	}
	storagetest.SameLog(t, pg, back, nil)
	storagetest.SameLog(t, file, back, storage.Settle)
	if err := back.Check(ctx); err != nil {
		t.Fatal(err)
	}
	if again := checksums(t, pg, back); !maps.Equal(again, sums) {
		t.Fatalf("checksums after the way back: %v, first %v", again, sums)
	}

	for _, owner := range storagetest.CopyOwners {
		want, err := file.Begin(ctx, model.Request{Owner: owner, Source: "next", To: "ko"})
		if err != nil {
			t.Fatal(err)
		}
		got, err := pg.Begin(ctx, model.Request{Owner: owner, Source: "next", To: "ko"})
		if err != nil {
			t.Fatal(err)
		}
		ws, err := file.NewSession(ctx, owner, model.Session{})
		if err != nil {
			t.Fatal(err)
		}
		gs, err := pg.NewSession(ctx, owner, model.Session{})
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != want.ID || gs.ID != ws.ID || ws.ID != 4 {
			t.Fatalf("owner %q: next entry %d in PostgreSQL, %d in the file; next session %d and %d", owner, got.ID, want.ID, gs.ID, ws.ID)
		}
	}
	if _, err := storage.Copy(ctx, pg, file, nil); !errors.Is(err, storage.ErrNotEmpty) {
		t.Fatalf("copy into a database with data: %v", err)
	}
}

// TestDumpPagesAndScriptOrder: Dump reads more rows than a page, and scripts in byte
// order whatever the database's collation, so both stores checksum alike; a script put
// before its owner wrote anything else still has its owner dumped.
func TestDumpPagesAndScriptOrder(t *testing.T) {
	ctx := context.Background()
	pg, _ := openTest(t, Options{})
	file := openFile(t, filepath.Join(t.TempDir(), "yeok.db"))
	for _, s := range []storage.Log{pg, file} {
		for _, id := range []string{"b", "B", "a-1", "a", "Z", "가"} {
			if err := s.PutScript(ctx, model.Script{ID: id, Owner: ownerA}); err != nil {
				t.Fatal(err)
			}
		}
	}
	var ids []string
	if err := pg.Dump(ctx, func(r model.Record) error {
		if r.Script != nil {
			ids = append(ids, r.Script.ID)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if want := []string{"B", "Z", "a", "a-1", "b", "가"}; !slices.Equal(ids, want) {
		t.Fatalf("scripts dumped in order %q, want %q", ids, want)
	}

	const n = dumpPage + 5
	batch := []model.Record{{Owner: &model.OwnerInfo{Owner: "local", LastEntry: n + 10}}}
	for i := 1; i <= n; i++ {
		batch = append(batch, model.Record{Entry: &model.Entry{ID: uint64(i), Owner: "local", Created: now(), To: "ko",
			Source: "line", Text: "줄", Status: model.StatusDone}})
	}
	if err := pg.Load(ctx, batch); err != nil {
		t.Fatal(err)
	}
	sums, err := storage.Checksum(ctx, pg)
	if err != nil {
		t.Fatal(err)
	}
	if sums["local"].Entries != n || sums[ownerA].Scripts != 6 {
		t.Fatalf("summaries %v", sums)
	}
	e, err := pg.Begin(ctx, model.Request{Owner: "local", Source: "after", To: "ko"})
	if err != nil {
		t.Fatal(err)
	}
	if e.ID != n+11 {
		t.Fatalf("next entry %d, want %d", e.ID, n+11)
	}
}
