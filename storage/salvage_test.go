package storage

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/yeok/yeok/model"
)

// contents is what a store holds for one owner, read through its public methods.
type contents struct {
	entries   []model.Entry
	sessions  []model.Session
	scripts   []model.Script
	languages []model.Language
}

func readContents(t *testing.T, path string, owner model.Owner) contents {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Check(ctx); err != nil {
		t.Fatalf("Check %s: %v", path, err)
	}
	var c contents
	if c.entries, err = s.Entries(ctx, owner, model.EntryQuery{Oldest: true}); err != nil {
		t.Fatal(err)
	}
	if c.sessions, err = s.Sessions(ctx, owner, 0); err != nil {
		t.Fatal(err)
	}
	if c.scripts, err = s.Scripts(ctx, owner); err != nil {
		t.Fatal(err)
	}
	if c.languages, err = s.RecentLanguages(ctx, owner); err != nil {
		t.Fatal(err)
	}
	return c
}

// salvageSource builds a store for the owners with sessions, a script with a glossary,
// recent languages and one entry left pending, closes it and returns its path.
func salvageSource(t *testing.T, dir string, owners ...model.Owner) string {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(dir, "src.db")
	s := openAt(t, path)
	s.now = newClock().now
	s.h.opts.noSync = true
	long := strings.Repeat("a line of a long lecture ", 20)
	for _, owner := range owners {
		if err := s.PutScript(ctx, model.Script{Owner: owner, ID: "talk", Glossary: []model.GlossaryTerm{{Term: "entropy", Translation: "엔트로피"}}}); err != nil {
			t.Fatal(err)
		}
		if err := s.TouchLanguage(ctx, owner, french); err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			sess, err := s.NewSession(ctx, owner, model.Session{Origin: "tui"})
			if err != nil {
				t.Fatal(err)
			}
			for j := range 100 {
				req := model.Request{Owner: owner, SessionID: sess.ID, Source: fmt.Sprint(i, j, long), To: korean}
				if j%3 == 0 {
					req.ScriptID = "talk"
				}
				translate(t, s, req, model.StatusDone, fmt.Sprint("번역 ", i, j))
			}
		}
		if _, err := s.Begin(ctx, model.Request{Owner: owner, Source: "in flight", To: korean}); err != nil {
			t.Fatal(err)
		}
	}
	// Begin's pending entry stays pending only in a file its process never closed.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestSalvageWholeFile(t *testing.T) {
	dir := t.TempDir()
	src := salvageSource(t, dir, ownerA, ownerB)
	dst := filepath.Join(dir, "out.db")
	rep, err := Salvage(context.Background(), src, dst)
	if err != nil {
		t.Fatal(err)
	}
	if want := (SalvageReport{Owners: 2, Entries: 602, Sessions: 6, Scripts: 2}); rep != want {
		t.Fatalf("report %+v, want %+v", rep, want)
	}
	for _, owner := range []model.Owner{ownerA, ownerB} {
		want, got := readContents(t, src, owner), readContents(t, dst, owner)
		pending := &want.entries[len(want.entries)-1]
		pending.Status, pending.Error, pending.ErrorClass = model.StatusInterrupted, interruptedMessage, model.ClassInterrupted
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("owner %s: salvaged %d entries, %d sessions, %+v scripts, %v; want %d, %d, %+v, %v", owner,
				len(got.entries), len(got.sessions), got.scripts, got.languages,
				len(want.entries), len(want.sessions), want.scripts, want.languages)
		}
		if last := got.entries[len(got.entries)-1]; last.Status != model.StatusInterrupted {
			t.Fatalf("the pending entry was salvaged as %q", last.Status)
		}
	}
	s := openAt(t, dst)
	if e := translate(t, s, model.Request{Owner: ownerA, Source: "next", To: korean}, model.StatusDone, "다음"); e.ID != 302 {
		t.Fatalf("the next entry after salvage has id %d, want 302", e.ID)
	}
}

// TestSalvageShortFile: of a file cut in half, entries are copied as they were, each to its
// own owner or to the local owner (the file's), never to another; and the copy is sound.
func TestSalvageShortFile(t *testing.T) {
	for _, owners := range [][]model.Owner{{ownerA}, {ownerB}, {ownerA, ownerB}} {
		t.Run(fmt.Sprint(owners), func(t *testing.T) {
			dir := t.TempDir()
			src := salvageSource(t, dir, owners...)
			was := map[model.Owner]map[uint64]model.Entry{}
			for _, owner := range owners {
				was[owner] = map[uint64]model.Entry{}
				for _, e := range readContents(t, src, owner).entries {
					was[owner][e.ID] = e
				}
			}
			if err := os.Truncate(src, int64(pagesSize(t, src)/2)); err != nil {
				t.Fatal(err)
			}
			dst := filepath.Join(dir, "out.db")
			rep, err := Salvage(context.Background(), src, dst)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Entries == 0 || rep.Entries >= 301*len(owners) || rep.Lost == 0 {
				t.Fatalf("report %+v: want some entries saved and some pages lost", rep)
			}
			saved := 0
			for _, owner := range []model.Owner{ownerA, ownerB} {
				for _, e := range readContents(t, dst, owner).entries { // Check passes
					saved++
					if !sameEntry(e, was[owner][e.ID]) && (owner != model.LocalOwner || !sameEntry(e, was[ownerB][e.ID])) {
						t.Fatalf("entry %d salvaged for %s as %+v; it was %+v", e.ID, owner, e, was[owner][e.ID])
					}
				}
			}
			if saved != rep.Entries {
				t.Fatalf("the copy holds %d entries, the report says %d", saved, rep.Entries)
			}
			t.Logf("%+v", rep)
		})
	}
}

// sameEntry compares a salvaged entry with the original, which may have been pending and
// may have belonged to another owner.
func sameEntry(got, was model.Entry) bool {
	was.Owner = got.Owner
	if was.Status == model.StatusPending {
		was.Status, was.Error, was.ErrorClass = model.StatusInterrupted, interruptedMessage, model.ClassInterrupted
	}
	return reflect.DeepEqual(got, was)
}

func TestSalvageRefuses(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := salvageSource(t, dir, ownerA)
	if _, err := Salvage(ctx, src, src); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Fatalf("salvage over an existing file: %v", err)
	}
	garbage := filepath.Join(dir, "garbage.db")
	writeFile(t, garbage, []byte(strings.Repeat("not a database ", 1000)))
	dst := filepath.Join(dir, "out.db")
	if _, err := Salvage(ctx, garbage, dst); err == nil || !strings.Contains(err.Error(), "nothing can be read") {
		t.Fatalf("salvage of garbage: %v", err)
	}
	if _, err := os.Stat(dst); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a failed salvage left %s: %v", dst, err)
	}
}
