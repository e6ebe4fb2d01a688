//go:build unix

package storage

import (
	"errors"
	"os"
	"syscall"
)

// processAlive reports whether a process with this pid exists.
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// releaseFile drops the lock on a file bbolt left open when it panicked, then closes it.
// bbolt's memory map still refers to the file, so closing alone would keep the lock.
func releaseFile(f *os.File) {
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	_ = f.Close()
}
