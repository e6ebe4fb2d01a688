package storage_test

import (
	"context"
	"errors"
	"maps"
	"path/filepath"
	"testing"

	"github.com/yeok/yeok/model"
	"github.com/yeok/yeok/storage"
	"github.com/yeok/yeok/storage/storagetest"
)

func openFile(t *testing.T, path string, opts storage.Options) *storage.Store {
	t.Helper()
	s, err := storage.Open(context.Background(), path, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// TestCopyFileToFile: a log copied into a new file reads back the same through the Log
// API, the pending entry interrupted; the checksums of both agree and the copy passes
// Check; new ids go past the ones copied, also past a deleted session's; copying into a
// file that holds data is refused.
func TestCopyFileToFile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := openFile(t, filepath.Join(dir, "src.db"), storage.Options{})
	storagetest.Populate(t, src)
	dst := openFile(t, filepath.Join(dir, "dst.db"), storage.Options{})

	var batches int
	rep, err := storage.Copy(ctx, dst, src, func(storage.CopyReport) { batches++ })
	if err != nil {
		t.Fatal(err)
	}
	owners := len(storagetest.CopyOwners)
	if rep.Owners != owners || rep.Sessions != 2*owners || rep.Scripts != 2*owners || rep.Entries != 13*owners || rep.Settled != owners || batches != 1 {
		t.Fatalf("copy report %+v after %d batches", rep, batches)
	}
	storagetest.SameLog(t, src, dst, storage.Settle)
	if err := dst.Check(ctx); err != nil {
		t.Fatal(err)
	}
	want, err := storage.Checksum(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	got, err := storage.Checksum(ctx, dst)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) != owners || !maps.Equal(want, got) || !maps.Equal(rep.Source, want) {
		t.Fatalf("checksums differ:\nsource %v\n  copy %v", want, got)
	}
	for _, s := range want {
		if s.Sessions != 2 || s.Scripts != 2 || s.Entries != 13 || s.Settings < 1 {
			t.Fatalf("summary %+v", s)
		}
	}

	for _, owner := range storagetest.CopyOwners {
		// Session 2 was deleted: a new session is 4 in both, and a new entry follows the
		// deleted session's entry in both.
		a, err := src.NewSession(ctx, owner, model.Session{Origin: "test"})
		if err != nil {
			t.Fatal(err)
		}
		b, err := dst.NewSession(ctx, owner, model.Session{Origin: "test"})
		if err != nil {
			t.Fatal(err)
		}
		ea, err := src.Begin(ctx, model.Request{Owner: owner, Source: "next", To: "ko"})
		if err != nil {
			t.Fatal(err)
		}
		eb, err := dst.Begin(ctx, model.Request{Owner: owner, Source: "next", To: "ko"})
		if err != nil {
			t.Fatal(err)
		}
		if a.ID != 4 || b.ID != a.ID || eb.ID != ea.ID {
			t.Fatalf("owner %q: next session %d and %d, next entry %d and %d", owner, a.ID, b.ID, ea.ID, eb.ID)
		}
	}

	if _, err := storage.Copy(ctx, dst, src, nil); !errors.Is(err, storage.ErrNotEmpty) {
		t.Fatalf("copy into a file with data: %v", err)
	}
}

// TestChecksumSeesChanges: changing one entry, a script's glossary or a setting changes
// only that owner's checksum.
func TestChecksumSeesChanges(t *testing.T) {
	ctx := context.Background()
	s := openFile(t, filepath.Join(t.TempDir(), "yeok.db"), storage.Options{})
	storagetest.Populate(t, s)
	before, err := storage.Checksum(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	owner, other := storagetest.CopyOwners[1], storagetest.CopyOwners[2]
	changes := []func() error{
		func() error { _, err := s.Approve(ctx, owner, 3, "a new correction"); return err },
		func() error {
			return s.PutScript(ctx, model.Script{ID: "empty", Owner: owner, Glossary: []model.GlossaryTerm{{Term: "a", Translation: "b"}}})
		},
		func() error { return s.TouchLanguage(ctx, owner, "de") },
		func() error { return s.PickModel(ctx, owner, "another") },
	}
	for i, change := range changes {
		if err := change(); err != nil {
			t.Fatal(err)
		}
		after, err := storage.Checksum(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		if after[owner].Sum == before[owner].Sum || after[other] != before[other] {
			t.Fatalf("change %d: before %v, after %v", i, before, after)
		}
		before = after
	}
}
