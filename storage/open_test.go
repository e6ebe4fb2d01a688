package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/yeok/yeok/model"
)

// TestWaiterReopensReplacedFile: a process that opened the file and waits for its lock while
// Compact renames a new file over it must write into the new file, not the old one.
func TestWaiterReopensReplacedFile(t *testing.T) {
	if _, err := os.Stat("/proc/self/fd"); err != nil {
		t.Skip("needs /proc/self/fd to see the waiter open the file")
	}
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "yeok.db")
	holder := openAt(t, path)
	translate(t, holder, model.Request{Owner: ownerA, Source: "before", To: korean}, model.StatusDone, "전")
	// What Compact makes: a copy of the file, to be renamed over it while its lock is held.
	replacement := filepath.Join(dir, "yeok.db.compact-1")
	copyTo(t, path, replacement)
	// The holder holds the file in an operation, as Compact does, until after the rename.
	if _, err := holder.h.acquire(); err != nil {
		t.Fatal(err)
	}

	done := make(chan error, 1)
	go func() {
		s, err := Open(ctx, path, Options{Timeout: 10 * time.Second})
		if err != nil {
			done <- err
			return
		}
		_, err = s.Begin(ctx, model.Request{Owner: ownerA, Source: "after", To: korean})
		done <- errors.Join(err, s.Close())
	}()
	waitOpenedTwice(t, path)
	if err := os.Rename(replacement, path); err != nil {
		t.Fatal(err)
	}
	holder.h.release()
	if err := holder.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	s := openAt(t, path)
	got, err := s.Entries(ctx, ownerA, model.EntryQuery{Oldest: true})
	if err != nil {
		t.Fatal(err)
	}
	var sources []string
	for _, e := range got {
		sources = append(sources, e.Source)
	}
	if want := []string{"before", "after"}; !reflect.DeepEqual(sources, want) {
		t.Fatalf("the file at the path holds %q, want %q: the waiter wrote into the replaced file", sources, want)
	}
}

// waitOpenedTwice waits until this process has path open twice: the holder and the waiter.
func waitOpenedTwice(t *testing.T, path string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		fds, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, fd := range fds {
			if target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name())); err == nil && target == path {
				n++
			}
		}
		if n >= 2 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the second Open never opened the file")
		}
		time.Sleep(time.Millisecond)
	}
}

func copyTo(t *testing.T, src, dst string) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestOpenShortFile: a file cut short is refused, in one line naming both sizes, by every
// way in, before bbolt touches a page past its end (which would kill the process).
func TestOpenShortFile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	good := fixture{owner: ownerA, sessions: 4, entries: 1500}.build(t, filepath.Join(dir, "good.db"))
	full, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	need := pagesSize(t, good)
	if need < 200000 {
		t.Fatalf("the fixture counts only %d bytes of pages", need)
	}
	for _, size := range []int{100, 4096, 8192, 20000, 50000, need / 2, need - 4096, need - 1} {
		path := filepath.Join(dir, fmt.Sprintf("cut-%d.db", size))
		writeFile(t, path, full[:size])
		want := fmt.Sprintf("database %s is damaged: the file is shorter than its pages say (%d of %d bytes)", path, size, need)
		for _, open := range []struct {
			name string
			run  func() error
		}{
			{"open", func() error { s, err := Open(ctx, path, Options{}); closeIf(s); return err }},
			{"read-only", func() error { s, err := Open(ctx, path, Options{ReadOnly: true}); closeIf(s); return err }},
			{"compact", func() error { return Compact(ctx, path) }},
		} {
			err := open.run()
			if !errors.Is(err, model.ErrStoreCorrupt) || !strings.HasSuffix(err.Error(), want) {
				t.Errorf("%d bytes, %s: %v, want %q", size, open.name, err, want)
			}
		}
		if fi, err := os.Stat(path); err != nil || fi.Size() != int64(size) {
			t.Errorf("%d bytes: the file changed: %v, %v", size, fi.Size(), err)
		}
	}
}

// pagesSize is how many bytes the pages of the file at path take, as bbolt counts them.
func pagesSize(t *testing.T, path string) int {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int64
	_ = db.View(func(tx *bolt.Tx) error { n = tx.Size(); return nil })
	return int(n)
}

func closeIf(s *Store) {
	if s != nil {
		_ = s.Close()
	}
}

// TestFaultIsAnError: when the file shrinks under an open store, reading a page past its
// end is a memory fault; it must become a damaged-file error, not kill the process.
func TestFaultIsAnError(t *testing.T) {
	ctx := context.Background()
	path := fixture{owner: ownerA, sessions: 2, entries: 1500}.build(t, filepath.Join(t.TempDir(), "yeok.db"))
	s := openAt(t, path)
	if err := os.Truncate(path, 3*4096); err != nil {
		t.Fatal(err)
	}
	_, err := s.Entries(ctx, ownerA, model.EntryQuery{})
	if !errors.Is(err, model.ErrStoreCorrupt) || !strings.Contains(err.Error(), "a page of the file cannot be read") {
		t.Fatalf("reading a truncated file: %v, want the page fault as a damaged-file error", err)
	}
}

// TestOpenEmptyOrDirectory: an empty file that exists is damaged for every way in (a path
// that does not exist is a new database), and a directory is named as one.
func TestOpenEmptyOrDirectory(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.db")
	writeFile(t, empty, nil)
	for _, opts := range []Options{{}, {ReadOnly: true}} {
		s, err := Open(ctx, empty, opts)
		closeIf(s)
		if want := "database " + empty + " is damaged: the file is empty (0 bytes)"; !errors.Is(err, model.ErrStoreCorrupt) || err.Error() != want {
			t.Errorf("empty file, %+v: %v, want %q", opts, err, want)
		}
	}
	if err := Compact(ctx, empty); !errors.Is(err, model.ErrStoreCorrupt) {
		t.Errorf("Compact of an empty file: %v", err)
	}
	if fi, err := os.Stat(empty); err != nil || fi.Size() != 0 {
		t.Errorf("the empty file was written to: %v", err)
	}
	for _, opts := range []Options{{}, {ReadOnly: true}} {
		s, err := Open(ctx, dir, opts)
		closeIf(s)
		if want := "database " + dir + " is a directory, not a database file"; err == nil || err.Error() != want {
			t.Errorf("directory, %+v: %v, want %q", opts, err, want)
		}
	}
}

// TestOpenCreatesOnce: many opens of a path that does not exist yet, at once, all succeed:
// none takes the new file for an empty, damaged one.
func TestOpenCreatesOnce(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "yeok.db")
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Go(func() {
			s, err := Open(ctx, path, Options{Timeout: 20 * time.Second})
			if err == nil {
				_, err = s.Begin(ctx, model.Request{Owner: ownerA, Source: fmt.Sprint(i), To: korean})
				err = errors.Join(err, s.Close())
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if names := dirNames(t, filepath.Dir(path)); !reflect.DeepEqual(names, []string{"yeok.db"}) {
		t.Fatalf("files beside the store: %v", names)
	}
}

// TestOpenRemovesCompactLeftovers: a killed Compact leaves its copy beside the store; the
// next writable open, which holds the lock Compact would hold, removes it and nothing else.
func TestOpenRemovesCompactLeftovers(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "yeok.db")
	openAt(t, path).Close()
	for _, name := range []string{"yeok.db.compact-1234567", ".yeok.db.new-42", "yeok.db.compact-x1", "other.db.compact-1", "yeok.db.compact-"} {
		writeFile(t, filepath.Join(dir, name), []byte("left"))
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(filepath.Join(dir, ".yeok.db.new-42"), old, old); err != nil {
		t.Fatal(err)
	}
	ro, err := Open(context.Background(), path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	ro.Close()
	if names := dirNames(t, dir); len(names) != 6 {
		t.Fatalf("a read-only open removed files: %v", names)
	}
	openAt(t, path).Close()
	want := []string{"other.db.compact-1", "yeok.db", "yeok.db.compact-", "yeok.db.compact-x1"}
	if names := dirNames(t, dir); !reflect.DeepEqual(names, want) {
		t.Fatalf("after open: %v, want %v", names, want)
	}
}
