//go:build !linux

package storage

import bolt "go.etcd.io/bbolt"

// dropMapped does nothing where madvise's MADV_DONTNEED is not known to leave a shared
// file map's pages in the page cache.
func dropMapped(*bolt.DB) error { return nil }
