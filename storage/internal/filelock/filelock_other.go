//go:build !unix

package filelock

import (
	"os"
	"time"
)

// noFollow is not available here.
const noFollow = 0

// TryLock always succeeds where advisory locks are not available; bbolt takes its own lock
// on the database.
func TryLock(f *os.File, exclusive bool) (bool, error) { return true, nil }

// Unlock has nothing to release where TryLock took nothing.
func Unlock(f *os.File) error { return nil }

// ownedByCurrentUser cannot tell a file's owner here; the files are in the user's own
// directories.
func ownedByCurrentUser(fi os.FileInfo) bool { return true }

// Lock always succeeds where advisory locks are not available.
func Lock(f *os.File, exclusive bool, deadline time.Time) (bool, error) { return true, nil }
