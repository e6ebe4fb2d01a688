package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// More of bbolt's file format (see meta.go). A branch page holds elements {pos u32, ksize u32,
// child page u64}; a leaf page holds elements {flags u32, pos u32, ksize u32, vsize u32}; both
// arrays start after the page header, and an element's key (and a leaf's value after it)
// starts pos bytes after the element itself. A leaf element with the bucket flag holds a
// bucket: {root page u64, sequence u64}, followed, when the root is 0, by the bucket's one
// page inline.
const (
	branchPageFlag = 0x01
	leafPageFlag   = 0x02
	bucketLeafFlag = 0x01
	elementSize    = 16
	bucketHeader   = 16
	// maxTreeDepth stops a walk that a damaged branch page sends around in circles.
	maxTreeDepth = 64
	// maxPageBytes caps what one page with its overflow may claim, so that a damaged header
	// cannot make the reader allocate without bound.
	maxPageBytes = 1 << 30
)

// bucketRef locates a bucket in the file: its root page, or its page inline.
type bucketRef struct {
	root   uint64
	inline []byte
	seq    uint64
}

// treeReader reads the B+tree of a bbolt file with ReadAt, never through a memory map, and
// checks every offset it follows: a page the file no longer has, or one whose header does
// not name it, is counted lost with the records under it, and the walk goes on with the
// next page. bbolt cannot do that: it faults on a page past the end of the file, and a
// panic on a damaged page ends the whole iteration of a bucket.
type treeReader struct {
	r    io.ReaderAt
	size int64
	meta fileMeta
	seen map[uint64]bool
	// lost counts the pages and records that could not be read.
	lost int
}

func newTreeReader(r io.ReaderAt, size int64, meta fileMeta) *treeReader {
	return &treeReader{r: r, size: size, meta: meta, seen: map[uint64]bool{}}
}

// root is the file's root bucket, which holds the top-level buckets.
func (t *treeReader) root() bucketRef { return bucketRef{root: t.meta.root} }

// forEach calls fn for every readable key of bucket b in key order: with its value, or with
// sub set for a nested bucket. The slices are valid only during the call.
func (t *treeReader) forEach(b bucketRef, fn func(k, v []byte, sub *bucketRef)) {
	if b.root == 0 {
		t.walk(b.inline, 0, fn)
		return
	}
	t.walkPage(b.root, 0, fn)
}

// buckets returns the nested buckets of b by name.
func (t *treeReader) buckets(b bucketRef) map[string]bucketRef {
	subs := map[string]bucketRef{}
	t.forEach(b, func(k, _ []byte, sub *bucketRef) {
		if sub != nil {
			subs[string(k)] = *sub
		}
	})
	return subs
}

func (t *treeReader) walkPage(id uint64, depth int, fn func(k, v []byte, sub *bucketRef)) {
	p, err := t.page(id)
	if err != nil {
		t.lost++
		return
	}
	t.walk(p, depth, fn)
}

// walk visits the elements of page p, which is checked before any of it is used.
func (t *treeReader) walk(p []byte, depth int, fn func(k, v []byte, sub *bucketRef)) {
	ne := binary.NativeEndian
	if depth > maxTreeDepth || len(p) < pageHeaderSize {
		t.lost++
		return
	}
	flags, count := ne.Uint16(p[8:]), int(ne.Uint16(p[10:]))
	if pageHeaderSize+count*elementSize > len(p) {
		t.lost++
		return
	}
	for i := range count {
		at := pageHeaderSize + i*elementSize
		el := p[at : at+elementSize]
		switch flags {
		case branchPageFlag:
			t.walkPage(ne.Uint64(el[8:]), depth+1, fn)
		case leafPageFlag:
			k, v, ok := slice2(p, at, ne.Uint32(el[4:]), ne.Uint32(el[8:]), ne.Uint32(el[12:]))
			if !ok {
				t.lost++
				continue
			}
			if ne.Uint32(el[0:])&bucketLeafFlag == 0 {
				fn(k, v, nil)
				continue
			}
			if len(v) < bucketHeader {
				t.lost++
				continue
			}
			sub := bucketRef{root: ne.Uint64(v[0:]), seq: ne.Uint64(v[8:])}
			if sub.root == 0 {
				sub.inline = v[bucketHeader:]
			}
			fn(k, nil, &sub)
		default:
			t.lost++
			return
		}
	}
}

// slice2 cuts the key and value of a leaf element at offset at of page p, or reports that
// they do not fit in the page.
func slice2(p []byte, at int, pos, ksize, vsize uint32) (k, v []byte, ok bool) {
	start := uint64(at) + uint64(pos)
	mid := start + uint64(ksize)
	end := mid + uint64(vsize)
	if end > uint64(len(p)) {
		return nil, nil, false
	}
	return p[start:mid], p[mid:end], true
}

// page reads page id with its overflow pages. It refuses a page outside the meta page's
// count, one already read (a damaged tree may point back up), one the file is too short for,
// and one whose header does not carry its id (zeroed, or reused for something else).
func (t *treeReader) page(id uint64) ([]byte, error) {
	ne := binary.NativeEndian
	if id < 2 || id >= t.meta.pgid {
		return nil, fmt.Errorf("page %d is outside the file's %d pages", id, t.meta.pgid)
	}
	if t.seen[id] {
		return nil, fmt.Errorf("page %d is reached twice", id)
	}
	t.seen[id] = true
	off := id * t.meta.pageSize
	var hdr [pageHeaderSize]byte
	if err := t.readAt(hdr[:], off); err != nil {
		return nil, err
	}
	if got := ne.Uint64(hdr[:]); got != id {
		return nil, fmt.Errorf("page %d says it is page %d", id, got)
	}
	overflow := uint64(ne.Uint32(hdr[12:]))
	n := (overflow + 1) * t.meta.pageSize
	if id+overflow >= t.meta.pgid || n > maxPageBytes {
		return nil, fmt.Errorf("page %d claims %d overflow pages", id, overflow)
	}
	buf := make([]byte, n)
	if err := t.readAt(buf, off); err != nil {
		return nil, err
	}
	return buf, nil
}

// errPastEnd says a page lies beyond the end of the file.
var errPastEnd = errors.New("the page lies past the end of the file")

func (t *treeReader) readAt(buf []byte, off uint64) error {
	if off+uint64(len(buf)) > uint64(t.size) {
		return errPastEnd
	}
	_, err := t.r.ReadAt(buf, int64(off))
	return err
}

// freelistPageFlag marks the page that lists the free pages: a count in the header (or, when
// it is 0xFFFF, in the first u64), then that many page ids.
const freelistPageFlag = 0x10

// freePages returns the pages the file's freelist names, or nil when it cannot be read.
func (t *treeReader) freePages() map[uint64]bool {
	ne := binary.NativeEndian
	if t.meta.freelist >= t.meta.pgid {
		return nil // not kept in the file
	}
	p, err := t.page(t.meta.freelist)
	if err != nil || ne.Uint16(p[8:]) != freelistPageFlag {
		return nil
	}
	ids := p[pageHeaderSize:]
	count := uint64(ne.Uint16(p[10:]))
	if count == 0xFFFF && len(ids) >= 8 {
		count, ids = ne.Uint64(ids), ids[8:]
	}
	if count > uint64(len(ids)/8) {
		return nil
	}
	free := make(map[uint64]bool, count)
	for i := range count {
		free[ne.Uint64(ids[i*8:])] = true
	}
	return free
}

// scanLeaves calls fn with every key and value of the leaf pages that the walks so far did
// not reach and the freelist does not name: the pages of the tree whose parents were lost.
// When the freelist is lost too, pages freed by earlier transactions come along, holding
// earlier versions of records.
func (t *treeReader) scanLeaves(fn func(k, v []byte)) {
	ne := binary.NativeEndian
	free := t.freePages()
	lost := t.lost // what the scan cannot read was not in the tree anyway
	defer func() { t.lost = lost }()
	last := min(t.meta.pgid, uint64(t.size)/t.meta.pageSize)
	for id := uint64(2); id < last; id++ {
		if t.seen[id] || free[id] {
			continue
		}
		p, err := t.page(id)
		if err != nil {
			continue
		}
		id += uint64(ne.Uint32(p[12:])) // skip its overflow pages
		if ne.Uint16(p[8:]) != leafPageFlag {
			continue
		}
		t.walk(p, 0, func(k, v []byte, sub *bucketRef) {
			if sub == nil {
				fn(k, v)
			}
		})
	}
}
