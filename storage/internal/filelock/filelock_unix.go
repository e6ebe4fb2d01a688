//go:build unix

package filelock

import (
	"errors"
	"os"
	"syscall"
)

// noFollow keeps RemoveStale from following a symbolic link planted under a temporary
// file's name.
const noFollow = syscall.O_NOFOLLOW

// TryLock takes f's advisory lock (exclusive or shared) without waiting. It reports false
// when another open file holds a lock that conflicts. The lock belongs to the open file, so
// it lasts until f is closed or Unlock is called, and a second open of the same file in
// this process conflicts with it as another process's would.
func TryLock(f *os.File, exclusive bool) (bool, error) {
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	for {
		err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
		switch {
		case err == nil:
			return true, nil
		case errors.Is(err, syscall.EWOULDBLOCK):
			return false, nil
		case errors.Is(err, syscall.EINTR):
			continue
		default:
			return false, &os.PathError{Op: "flock", Path: f.Name(), Err: err}
		}
	}
}

// Unlock releases f's advisory lock.
func Unlock(f *os.File) error {
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_UN); err != nil {
		return &os.PathError{Op: "funlock", Path: f.Name(), Err: err}
	}
	return nil
}

// ownedByCurrentUser reports whether the file belongs to the user this process runs as.
func ownedByCurrentUser(fi os.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == os.Getuid()
}
