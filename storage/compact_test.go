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

	bolt "go.etcd.io/bbolt"

	"github.com/yeok/yeok/model"
)

func TestCompact(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "yeok.db")
	s := openAt(t, path)
	long := strings.Repeat("a long line of lecture text ", 40)
	for i := range 300 {
		req := model.Request{Owner: ownerA, Source: fmt.Sprint(i, long), To: korean, ScriptID: "drop"}
		if i%10 == 0 {
			req.ScriptID = "keep"
		}
		translate(t, s, req, model.StatusDone, long)
	}
	if err := s.DeleteScript(ctx, ownerA, "drop"); err != nil {
		t.Fatal(err)
	}
	want, err := s.Entries(ctx, ownerA, model.EntryQuery{Oldest: true})
	if err != nil {
		t.Fatal(err)
	}

	before := fileSize(t, path)
	// Compact while the store is open: the store takes the file for each operation, so it
	// writes into the compacted file afterwards.
	if err := Compact(ctx, path); err != nil {
		t.Fatal(err)
	}
	later := translate(t, s, model.Request{Owner: ownerA, Source: "after compact", To: korean}, model.StatusDone, "뒤")
	want = append(want, later)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	after := fileSize(t, path)
	if after >= before {
		t.Fatalf("file did not shrink: %d -> %d bytes", before, after)
	}
	if names := dirNames(t, dir); !reflect.DeepEqual(names, []string{"yeok.db"}) {
		t.Fatalf("files left beside the store: %v", names)
	}

	s = openAt(t, path)
	got, err := s.Entries(ctx, ownerA, model.EntryQuery{Oldest: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 31 || !reflect.DeepEqual(got, want) {
		t.Fatalf("after Compact: %d entries, want the same %d", len(got), len(want))
	}
	if err := s.Check(ctx); err != nil {
		t.Fatalf("Check after Compact: %v", err)
	}
	if e := translate(t, s, model.Request{Owner: ownerA, Source: "next", To: korean}, model.StatusDone, "다음"); e.ID != 302 {
		t.Fatalf("sequence after Compact gave id %d, want 302", e.ID)
	}
}

func TestCompactMissing(t *testing.T) {
	err := Compact(context.Background(), filepath.Join(t.TempDir(), "none.db"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("err = %v", err)
	}
}

func fileSize(t testing.TB, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// dirNames lists the files in dir, but for the waiters' lock file (PATH.wait), which stays
// beside a store for good.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	list, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range list {
		if !strings.HasSuffix(e.Name(), ".wait") {
			names = append(names, e.Name())
		}
	}
	return names
}

func TestCheckFindsBrokenInvariants(t *testing.T) {
	tests := []struct {
		name   string
		damage func(ob ownerBuckets) error
		want   string
	}{
		{"session index key lost", func(ob ownerBuckets) error { return ob.bySession.Delete(u64pair(1, 1)) },
			"entry 1 is missing from the index of session 1"},
		{"dangling pending key", func(ob ownerBuckets) error { return ob.pending.Put(u64(77), nil) },
			"pending index names entry"},
		{"entry lost", func(ob ownerBuckets) error { return ob.entries.Delete(u64(2)) },
			"session 1 counts 2 entries, has 1"},
		{"script index key lost", func(ob ownerBuckets) error { return ob.byScript.Bucket([]byte("talk")).Delete(u64(2)) },
			`entry 2 is missing from the index of script "talk"`},
		{"activity key lost", func(ob ownerBuckets) error {
			c := ob.activity.Cursor()
			k, _ := c.First()
			return ob.activity.Delete(k)
		}, "session 1 is missing from the activity index"},
		{"undecodable entry", func(ob ownerBuckets) error { return ob.entries.Put(u64(1), []byte("{")) },
			"does not decode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			s := openTest(t)
			sess, _ := s.NewSession(ctx, ownerA, model.Session{})
			translate(t, s, model.Request{Owner: ownerA, SessionID: sess.ID, Source: "a", To: korean}, model.StatusDone, "가")
			translate(t, s, model.Request{Owner: ownerA, SessionID: sess.ID, ScriptID: "talk", Source: "b", To: korean}, model.StatusDone, "나")
			if err := s.Check(ctx); err != nil {
				t.Fatalf("Check before breaking: %v", err)
			}
			if err := s.update(func(tx *bolt.Tx) error { return tt.damage(readOwner(tx, ownerA)) }); err != nil {
				t.Fatal(err)
			}
			err := s.Check(ctx)
			if !errors.Is(err, model.ErrStoreCorrupt) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Check = %v, want a problem containing %q", err, tt.want)
			}
		})
	}
}
