//go:build !linux

package storage

import bolt "go.etcd.io/bbolt"

// pageReleaser hands mapped pages back on Linux only (see release_linux.go); elsewhere it
// does nothing.
type pageReleaser struct{}

func newPageReleaser(tx *bolt.Tx) pageReleaser { return pageReleaser{} }

func (r *pageReleaser) read(v []byte) {}
func (r *pageReleaser) release()      {}

// dropMapped does nothing where madvise's MADV_DONTNEED is not known to leave a shared
// file map's pages in the page cache.
func dropMapped(*bolt.DB) error { return nil }
