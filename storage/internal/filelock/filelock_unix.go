//go:build unix

package filelock

import (
	"errors"
	"os"
	"syscall"
	"time"
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

// Lock takes f's advisory lock, waiting for it until deadline: the kernel hands the lock
// over the moment its holder lets go, with no polling. It reports false when the deadline
// passed first. The wait runs on a duplicate of f's descriptor, which shares f's lock: when
// the deadline passes, the waiting goroutine keeps the duplicate and lets go of the lock as
// soon as it gets it, so f can be closed at once.
func Lock(f *os.File, exclusive bool, deadline time.Time) (bool, error) {
	if ok, err := TryLock(f, exclusive); ok || err != nil {
		return ok, err
	}
	dup, err := syscall.Dup(int(f.Fd()))
	if err != nil {
		return false, &os.PathError{Op: "dup", Path: f.Name(), Err: err}
	}
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	got := make(chan error, 1)
	go func() {
		var err error
		for {
			if err = syscall.Flock(dup, how); !errors.Is(err, syscall.EINTR) {
				break
			}
		}
		got <- err
	}()
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	select {
	case err := <-got:
		_ = syscall.Close(dup)
		if err != nil {
			return false, &os.PathError{Op: "flock", Path: f.Name(), Err: err}
		}
		return true, nil
	case <-timer.C:
		go func() {
			if err := <-got; err == nil {
				_ = syscall.Flock(dup, syscall.LOCK_UN)
			}
			_ = syscall.Close(dup)
		}()
		return false, nil
	}
}
