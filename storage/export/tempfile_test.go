package export

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/yeok/yeok/storage/internal/filelock"
)

// TestWriteFileRemovesLeftovers: an export killed before its rename leaves its temporary
// file; the next export to that path removes it, but not the file of an export still under
// way (locked, or written since this process started), nor anything else.
func TestWriteFileRemovesLeftovers(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "notes.md")
	old := time.Now().Add(-time.Hour)
	mk := func(name string, mtime time.Time) *os.File {
		t.Helper()
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		if err := os.Chtimes(f.Name(), mtime, mtime); err != nil {
			t.Fatal(err)
		}
		return f
	}
	mk(".notes.md.tmp-1234567", old)                      // a killed export's
	mk(".notes.md.tmp-7654321", old)                      // a killed export's
	mk(".notes.md.tmp-2222", time.Now().Add(time.Minute)) // written after this process started
	running := mk(".notes.md.tmp-3333", old)
	if ok, err := filelock.TryLock(running, true); !ok || err != nil {
		t.Fatalf("lock: %v %v", ok, err)
	}
	mk(".other.md.tmp-1", old)
	mk(".notes.md.tmp-x", old)
	mk("notes.md.tmp-1", old)

	if err := WriteFile(path, Markdown, Meta{Title: "Notes", Exported: t0}, sample()); err != nil {
		t.Fatal(err)
	}
	list, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range list {
		names = append(names, d.Name())
	}
	want := []string{".notes.md.tmp-2222", ".notes.md.tmp-3333", ".notes.md.tmp-x", ".other.md.tmp-1", "notes.md", "notes.md.tmp-1"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("files after export: %v, want %v", names, want)
	}
}
