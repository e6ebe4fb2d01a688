package storage

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/yeok/yeok/model"
)

// oldFixture is a file as a yeok of schema version 1 wrote it: every kind of entry in JSON.
var oldFixture = fixture{owner: ownerA, sessions: 20, entries: 3000, needleEvery: 100, scriptEvery: 4,
	japaneseEvery: 10, quoteEvery: 10, approveEvery: 20, oldForm: true}

// entryForms counts the entries of the file at path in the JSON and the binary form, and
// returns its schema version.
func entryForms(t *testing.T, path string) (jsonForm, binaryForm int, version uint64) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(func(tx *bolt.Tx) error {
		version = fromU64(tx.Bucket(bucketMeta).Get(keySchema))
		return tx.Bucket(bucketOwners).ForEachBucket(func(name []byte) error {
			return readOwner(tx, model.Owner(name)).entries.ForEach(func(_, v []byte) error {
				if isJSON(v) {
					jsonForm++
				} else if v[0] == entryFormat {
					binaryForm++
				}
				return nil
			})
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return jsonForm, binaryForm, version
}

// searches returns what a few searches of owner find in the store at path.
func searches(t *testing.T, path string, owner model.Owner) [][]model.Entry {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var found [][]model.Entry
	for _, q := range []model.EntryQuery{{Search: "NEEDLE"}, {Search: "山の針"}, {Search: "고침"}, {Search: "“강의 13"}, {Approved: true}} {
		got, err := s.Entries(ctx, owner, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 {
			t.Fatalf("%+v finds nothing", q)
		}
		found = append(found, got)
	}
	return found
}

// TestCompactRewritesOldEntries: compacting a file of schema version 1 rewrites its entries
// in the binary form, which read back as they were, in under half the pages a plain
// compaction gives them, and leaves the file at version 2, cut to its pages.
func TestCompactRewritesOldEntries(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := oldFixture.build(t, filepath.Join(dir, "yeok.db"))
	if jsonForm, binaryForm, version := entryForms(t, path); jsonForm != oldFixture.entries || binaryForm != 0 || version != 1 {
		t.Fatalf("the old file holds %d JSON and %d binary entries at version %d", jsonForm, binaryForm, version)
	}
	want, wantFound := readContents(t, path, ownerA), searches(t, path, ownerA)
	plain := plainCompaction(t, path, filepath.Join(dir, "plain.db"))

	before := pagesSize(t, path)
	if err := Compact(ctx, path); err != nil {
		t.Fatal(err)
	}
	after := pagesSize(t, path)
	t.Logf("%d entries: %d bytes of pages, plainly compacted %d, compacted %d", oldFixture.entries, before, plain, after)
	if after >= plain {
		t.Errorf("compacted to %d bytes; a plain compaction gives %d", after, plain)
	}
	plainEntries, entries := alloc(measureSize(t, filepath.Join(dir, "plain.db")).buckets["entries"]), alloc(measureSize(t, path).buckets["entries"])
	t.Logf("entries: %d bytes of pages, plainly compacted %d", entries, plainEntries)
	if entries*2 > plainEntries {
		t.Errorf("entries take %d bytes of pages; plainly compacted %d", entries, plainEntries)
	}
	if jsonForm, binaryForm, version := entryForms(t, path); jsonForm != 0 || binaryForm != oldFixture.entries || version != schemaVersion {
		t.Fatalf("the compacted file holds %d JSON and %d binary entries at version %d", jsonForm, binaryForm, version)
	}
	if got := readContents(t, path, ownerA); !reflect.DeepEqual(got, want) {
		t.Fatalf("after Compact: %d entries, %d sessions, %d scripts; before %d, %d, %d",
			len(got.entries), len(got.sessions), len(got.scripts), len(want.entries), len(want.sessions), len(want.scripts))
	}
	if got := searches(t, path, ownerA); !reflect.DeepEqual(got, wantFound) {
		t.Fatal("searches find other entries after Compact")
	}
	if err := Compact(ctx, path); err != nil {
		t.Fatal(err)
	}
	if again := pagesSize(t, path); again > after {
		t.Errorf("compacting again grew the file from %d to %d bytes", after, again)
	}
	if file := fileSize(t, path); file != int64(pagesSize(t, path)) {
		t.Errorf("the compacted file is %d bytes, its pages %d", file, pagesSize(t, path))
	}
	// The file, cut to its pages, grows again as it is written.
	s := openAt(t, path)
	s.h.opts.noSync = true
	for i := range 1000 {
		translate(t, s, model.Request{Owner: ownerA, Source: fmt.Sprint(i, " after compacting, a line long enough to take some pages"), To: korean}, model.StatusDone, "압축 뒤의 줄")
	}
	if err := s.Check(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Entries(ctx, ownerA, model.EntryQuery{}); err != nil || len(n) != oldFixture.entries+1000 {
		t.Fatalf("%d entries, %v", len(n), err)
	}
}

// plainCompaction compacts the file at path into dst with bbolt's own Compact, which keeps
// every value as it is, and returns the size of dst's pages.
func plainCompaction(t *testing.T, path, dst string) int {
	t.Helper()
	src, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	out, err := bolt.Open(dst, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := bolt.Compact(out, src, compactTxSize); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	return pagesSize(t, dst)
}

// TestOpenReadsOldEntries: a file of schema version 1 opened for writing goes to version 2
// at once; its JSON entries read, search, finish and approve as before, the ones written
// again take the binary form, and the file checks out.
func TestOpenReadsOldEntries(t *testing.T) {
	ctx := context.Background()
	f := oldFixture
	f.entries = 600
	path := f.build(t, filepath.Join(t.TempDir(), "yeok.db"))
	want := readContents(t, path, ownerA)
	s := openAt(t, path)
	if _, _, version := entryForms(t, path); version != schemaVersion {
		t.Fatalf("schema version %d after an open, want %d", version, schemaVersion)
	}
	got, err := s.Entries(ctx, ownerA, model.EntryQuery{Oldest: true})
	if err != nil || !reflect.DeepEqual(got, want.entries) {
		t.Fatalf("%d entries, %v; want %d", len(got), err, len(want.entries))
	}
	old := want.entries[10]
	approved, err := s.Approve(ctx, ownerA, old.ID, "고친 번역")
	if err != nil {
		t.Fatal(err)
	}
	next := translate(t, s, model.Request{Owner: ownerA, SessionID: old.SessionID, Source: "A needle, newly.", To: korean}, model.StatusDone, "새 바늘")
	found, err := s.Entries(ctx, ownerA, model.EntryQuery{Search: "needle"})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != f.entries/f.needleEvery+1 || found[0].ID != next.ID || !reflect.DeepEqual(found[1:], filterEntries(want.entries, "needle")) {
		t.Fatalf("search finds %d entries", len(found))
	}
	if got, err := s.Entry(ctx, ownerA, old.ID); err != nil || !reflect.DeepEqual(got, approved) {
		t.Fatalf("approved entry reads %+v, %v; want %+v", got, err, approved)
	}
	if err := s.Check(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if jsonForm, binaryForm, _ := entryForms(t, path); jsonForm != f.entries-1 || binaryForm != 2 {
		t.Fatalf("%d JSON and %d binary entries; want %d and 2", jsonForm, binaryForm, f.entries-1)
	}
}

// filterEntries returns the entries whose source contains s, newest first.
func filterEntries(entries []model.Entry, s string) []model.Entry {
	m := newMatcher(s)
	var out []model.Entry
	for i := len(entries) - 1; i >= 0; i-- {
		if m.match(entries[i]) {
			out = append(out, entries[i])
		}
	}
	return out
}

// TestSalvageBothForms: of a file cut in half that holds entries in both forms, Salvage
// copies entries of each form as they were.
func TestSalvageBothForms(t *testing.T) {
	dir := t.TempDir()
	src := salvageSource(t, dir, ownerA)
	was := map[uint64]model.Entry{}
	for _, e := range readContents(t, src, ownerA).entries {
		was[e.ID] = e
	}
	rewriteOldForm(t, src, func(id uint64) bool { return id%2 == 1 })
	if jsonForm, binaryForm, _ := entryForms(t, src); jsonForm == 0 || binaryForm == 0 {
		t.Fatalf("%d JSON and %d binary entries", jsonForm, binaryForm)
	}
	if err := os.Truncate(src, int64(pagesSize(t, src)/2)); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, "out.db")
	rep, err := Salvage(context.Background(), src, dst)
	if err != nil {
		t.Fatal(err)
	}
	var odd, even int
	for _, e := range readContents(t, dst, ownerA).entries {
		if !sameEntry(e, was[e.ID]) {
			t.Fatalf("entry %d salvaged as %+v; it was %+v", e.ID, e, was[e.ID])
		}
		if e.ID%2 == 1 {
			odd++
		} else {
			even++
		}
	}
	if odd == 0 || even == 0 || odd+even != rep.Entries || rep.Lost == 0 {
		t.Fatalf("salvaged %d JSON and %d binary entries, report %+v", odd, even, rep)
	}
	t.Logf("%+v: %d JSON, %d binary", rep, odd, even)
}
