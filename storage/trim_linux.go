package storage

import (
	"syscall"

	bolt "go.etcd.io/bbolt"
)

// dropMapped tells the kernel that this process no longer needs the pages of db's file it
// has mapped: they leave the process's resident set but stay in the page cache, so the
// next read of one maps it again without reading the disk. bbolt maps the file read-only
// and writes through the file, so no page of the map holds anything the file does not.
// The read transaction keeps the map from being replaced meanwhile, and covers the file
// up to its size in that transaction, which the map is at least as large as.
func dropMapped(db *bolt.DB) error {
	return db.View(func(tx *bolt.Tx) error {
		if _, _, errno := syscall.Syscall(syscall.SYS_MADVISE, db.Info().Data, uintptr(tx.Size()), syscall.MADV_DONTNEED); errno != 0 {
			return errno
		}
		return nil
	})
}
