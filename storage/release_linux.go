package storage

import (
	"syscall"
	"unsafe"

	bolt "go.etcd.io/bbolt"
)

// releaseWindow is the span the kernel maps around a page a read faults in (fault-around,
// 64 KiB), and releaseAfter how many such windows a walk reads before it hands back the
// pages it mapped: about 8 MiB, in one call.
const (
	releaseWindow = 64 << 10
	releaseAfter  = 128
)

// pageReleaser hands back to the kernel the mapped pages of the file that a walk has read:
// a search that reads a thousand entries scattered over the file would otherwise keep a
// thousand windows resident, 64 MiB for a few hundred KiB of entries. It hands back the
// whole span between the lowest and the highest value read since it last did, so that it
// costs one call for many windows; pages of that span the walk still uses (the tree's
// branches) are faulted in again. The file is mapped shared and read-only and bbolt
// writes through the file, not the mapping, so a page handed back is read again from the
// page cache, unchanged, when it is touched.
type pageReleaser struct {
	// base and end bound the file's mapping: a value outside it (one bbolt holds in memory)
	// is never handed back.
	base, end uintptr
	at        unsafe.Pointer // the first byte of the span
	lo, hi    uintptr        // the span's addresses
	windows   int            // windows read since the last release
	last      uintptr        // the window of the last value read
}

// newPageReleaser returns a releaser for the values tx reads.
func newPageReleaser(tx *bolt.Tx) pageReleaser {
	base := tx.DB().Info().Data
	return pageReleaser{base: base, end: base + uintptr(tx.Size())}
}

// read records that the walk read v, handing the span back once enough windows were read.
func (r *pageReleaser) read(v []byte) {
	if len(v) == 0 {
		return
	}
	p := unsafe.Pointer(unsafe.SliceData(v))
	start := uintptr(p)
	if start < r.base || start+uintptr(len(v)) > r.end {
		return
	}
	lo := start &^ (releaseWindow - 1)
	hi := (start + uintptr(len(v)) + releaseWindow - 1) &^ (releaseWindow - 1)
	if lo == r.last {
		return
	}
	r.last = lo
	lo, hi = max(lo, r.base), min(hi, r.end)
	if r.at == nil || lo < r.lo {
		r.at, r.lo = unsafe.Add(p, -int(start-lo)), lo
	}
	r.hi = max(r.hi, hi)
	if r.windows++; r.windows >= releaseAfter {
		r.release()
	}
}

// release hands back the span read since the last release.
func (r *pageReleaser) release() {
	if r.at != nil {
		// An error (a span past the end of the mapping) only leaves pages resident.
		_ = syscall.Madvise(unsafe.Slice((*byte)(r.at), r.hi-r.lo), syscall.MADV_DONTNEED)
	}
	*r = pageReleaser{base: r.base, end: r.end}
}

// dropMapped tells the kernel that this process no longer needs any page of db's file it
// has mapped, as pageReleaser does for the pages a walk read: they leave the process's
// resident set but stay in the page cache. The read transaction keeps the map from being
// replaced meanwhile, and covers the file up to its size in that transaction, which the
// map is at least as large as.
func dropMapped(db *bolt.DB) error {
	return db.View(func(tx *bolt.Tx) error {
		if _, _, errno := syscall.Syscall(syscall.SYS_MADVISE, db.Info().Data, uintptr(tx.Size()), syscall.MADV_DONTNEED); errno != 0 {
			return errno
		}
		return nil
	})
}
