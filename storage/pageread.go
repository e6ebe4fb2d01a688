package storage

import (
	"bytes"
	"encoding/binary"
	"os"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// pageReader reads the entries a search picks out of the file with pread instead of
// through bbolt's memory map. A search of a large store reads a few entries from each of
// thousands of pages scattered over the file; through the map each costs a page fault that
// maps the 64 KiB around the page (the kernel's fault-around), and a madvise to hand them
// back (see pageReleaser), several times what reading the one page costs. It walks the
// entries bucket's B+tree as it stands in the read transaction, which bbolt never
// overwrites while the transaction is open (a commit writes new pages and the meta page,
// both through the file), keeping the branch pages it read and the last leaf. It checks
// what it follows as treeReader does; after anything it cannot read it stops and the
// search reads the rest through bbolt.
type pageReader struct {
	f        *os.File
	pageSize uint64
	root     uint64
	pages    uint64            // the transaction's page count
	branches map[uint64][]byte // branch pages read so far
	leaf     []byte            // the last leaf page read, nil before the first
	// first and last are the first and last keys of leaf: a key between them is in leaf or
	// nowhere.
	first, last []byte
	spare       []byte // the buffer the next leaf is read into
}

// maxBranches bounds the branch pages a pageReader keeps; beyond it, it forgets them all.
const maxBranches = 4096

// newPageReader returns a reader of the entries bucket b of read transaction tx, or nil when
// it cannot read it: a write transaction (whose changes are not in the file yet), a bucket
// inline in its parent, or a file whose meta pages are not those of tx's.
func newPageReader(tx *bolt.Tx, b *bolt.Bucket) *pageReader {
	root := uint64(b.Root())
	if tx.Writable() || root == 0 {
		return nil
	}
	f, err := os.Open(tx.DB().Path())
	if err != nil {
		return nil
	}
	// The file at the path is the one bbolt has open while the transaction holds its lock
	// (Compact renames a file only under the lock); the meta check catches anything else.
	pageSize := uint64(tx.DB().Info().PageSize)
	m0, ok0 := readMetaAt(f, 0)
	m1, ok1 := readMetaAt(f, int64(pageSize))
	txid := uint64(tx.ID())
	if !(ok0 && m0.txid == txid && m0.pageSize == pageSize) && !(ok1 && m1.txid == txid && m1.pageSize == pageSize) {
		_ = f.Close()
		return nil
	}
	return &pageReader{f: f, pageSize: pageSize, root: root, pages: uint64(tx.Size()) / pageSize, branches: map[uint64][]byte{}}
}

// close closes the reader's file; a nil reader does nothing.
func (r *pageReader) close() {
	if r != nil {
		_ = r.f.Close()
	}
}

// get returns the value of key (not a nested bucket's), nil when there is none, and ok
// false when a page on the way does not read. The value is valid until the next call.
func (r *pageReader) get(key []byte) (v []byte, ok bool) {
	if r.leaf != nil && bytes.Compare(key, r.first) >= 0 && bytes.Compare(key, r.last) <= 0 {
		return leafValue(r.leaf, key)
	}
	id := r.root
	for range maxTreeDepth {
		p, isLeaf, ok := r.page(id)
		if !ok {
			return nil, false
		}
		if isLeaf {
			return leafValue(p, key)
		}
		if id, ok = branchChild(p, key); !ok {
			return nil, false
		}
	}
	return nil, false
}

// page returns page id with its overflow, read from the file or kept, and whether it is a
// leaf; ok is false for a page outside the transaction's, one whose header does not name
// it, and one neither branch nor leaf.
func (r *pageReader) page(id uint64) (p []byte, isLeaf, ok bool) {
	if p, ok := r.branches[id]; ok {
		return p, false, true
	}
	if id < 2 || id >= r.pages {
		return nil, false, false
	}
	ne := binary.NativeEndian
	// A leaf is read into the buffer of the leaf before last, as nothing holds that one.
	buf := r.spare[:0]
	if cap(buf) < int(r.pageSize) {
		buf = make([]byte, r.pageSize)
	}
	buf = buf[:r.pageSize]
	if _, err := r.f.ReadAt(buf, int64(id*r.pageSize)); err != nil || ne.Uint64(buf) != id {
		return nil, false, false
	}
	if overflow := uint64(ne.Uint32(buf[12:])); overflow > 0 {
		if id+overflow >= r.pages || (overflow+1)*r.pageSize > maxPageBytes {
			return nil, false, false
		}
		buf = slices.Grow(buf, int(overflow*r.pageSize))[:(overflow+1)*r.pageSize]
		if _, err := r.f.ReadAt(buf[r.pageSize:], int64((id+1)*r.pageSize)); err != nil {
			return nil, false, false
		}
	}
	count := int(ne.Uint16(buf[10:]))
	if count == 0 || pageHeaderSize+count*elementSize > len(buf) {
		return nil, false, false
	}
	switch ne.Uint16(buf[8:]) {
	case branchPageFlag:
		if len(r.branches) >= maxBranches {
			clear(r.branches)
		}
		r.branches[id] = buf
		r.spare = nil
		return buf, false, true
	case leafPageFlag:
		first, _, ok1 := leafElement(buf, 0)
		last, _, ok2 := leafElement(buf, count-1)
		if !ok1 || !ok2 {
			return nil, false, false
		}
		r.spare, r.leaf, r.first, r.last = r.leaf, buf, first, last
		return buf, true, true
	}
	return nil, false, false
}

// branchChild returns the child of branch page p whose keys may hold key: the last one
// whose first key is at most key, or the first one (bbolt's search).
func branchChild(p, key []byte) (uint64, bool) {
	ne := binary.NativeEndian
	count := int(ne.Uint16(p[10:]))
	lo, hi := 0, count // the first element whose key is above key is in [lo, hi]
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		at := pageHeaderSize + mid*elementSize
		el := p[at : at+elementSize]
		start := uint64(at) + uint64(ne.Uint32(el[0:]))
		end := start + uint64(ne.Uint32(el[4:]))
		if end > uint64(len(p)) {
			return 0, false
		}
		if bytes.Compare(p[start:end], key) <= 0 {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	i := max(lo-1, 0)
	at := pageHeaderSize + i*elementSize
	return ne.Uint64(p[at+8:]), true
}

// leafElement returns the key and value of element i of leaf page p; ok is false when they
// do not fit in the page. A nested bucket's value is nil.
func leafElement(p []byte, i int) (k, v []byte, ok bool) {
	ne := binary.NativeEndian
	at := pageHeaderSize + i*elementSize
	el := p[at : at+elementSize]
	k, v, ok = slice2(p, at, ne.Uint32(el[4:]), ne.Uint32(el[8:]), ne.Uint32(el[12:]))
	if ok && ne.Uint32(el[0:])&bucketLeafFlag != 0 {
		v = nil
	}
	return k, v, ok
}

// leafValue returns the value of key in leaf page p, nil when it has none.
func leafValue(p, key []byte) ([]byte, bool) {
	count := int(binary.NativeEndian.Uint16(p[10:]))
	lo, hi := 0, count
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		k, v, ok := leafElement(p, mid)
		if !ok {
			return nil, false
		}
		switch c := bytes.Compare(k, key); {
		case c == 0:
			return v, true
		case c < 0:
			lo = mid + 1
		default:
			hi = mid
		}
	}
	return nil, true
}
