// Package filelock holds the advisory file locks yeok takes on its own files, and removes
// the temporary files a killed yeok left behind without touching one still in use.
package filelock

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// RemoveStale removes the files in dir named prefix followed by digits (the names
// os.CreateTemp gives for the pattern prefix+"*") that another run of yeok left behind. A
// file is removed only when it is a regular file of the current user, was last modified
// before notAfter (the zero time means any time), and its exclusive lock can be taken, so
// that a file another process still writes under its lock is kept. It returns how many
// files it removed; a file it cannot remove is left for the next run.
func RemoveStale(dir, prefix string, notAfter time.Time) (int, error) {
	list, err := os.ReadDir(dir)
	if err != nil {
		return 0, fmt.Errorf("list %s: %w", dir, err)
	}
	removed := 0
	for _, d := range list {
		if !isTempName(d.Name(), prefix) || !d.Type().IsRegular() {
			continue
		}
		if removeIfStale(filepath.Join(dir, d.Name()), notAfter) {
			removed++
		}
	}
	return removed, nil
}

// isTempName reports whether name is prefix followed by one or more decimal digits.
func isTempName(name, prefix string) bool {
	rest, ok := strings.CutPrefix(name, prefix)
	if !ok || rest == "" {
		return false
	}
	for _, r := range rest {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// removeIfStale removes path while holding its exclusive lock, when the file is the
// current user's and older than notAfter.
func removeIfStale(path string, notAfter time.Time) bool {
	f, err := os.OpenFile(path, os.O_RDONLY|noFollow, 0)
	if err != nil {
		return false
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() || !ownedByCurrentUser(fi) {
		return false
	}
	if !notAfter.IsZero() && !fi.ModTime().Before(notAfter) {
		return false
	}
	if ok, err := TryLock(f, true); err != nil || !ok {
		return false
	}
	// The name may have been reused since it was opened: remove it only if it still names
	// the file this process holds locked.
	if now, err := os.Lstat(path); err != nil || !os.SameFile(fi, now) {
		return false
	}
	return os.Remove(path) == nil
}

// started is when this process loaded the package, close enough to its start for telling a
// dead run's temporary files from the ones of runs still going.
var started = time.Now()

// Started returns when this process started, for RemoveStale's notAfter: a temporary file
// last written before then belongs to another process.
func Started() time.Time { return started }
