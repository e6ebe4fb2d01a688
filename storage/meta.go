package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"

	berrors "go.etcd.io/bbolt/errors"
)

// bbolt's file format (go.etcd.io/bbolt/internal/common, format version 2), read here so that
// a file can be judged before bbolt maps it: bbolt trusts the meta page and faults (SIGBUS)
// on the first page the file no longer has. Numbers are in the machine's byte order.
//
//	page header (16 bytes): id u64, flags u16, count u16, overflow u32
//	meta (64 bytes, after the header of pages 0 and 1): magic u32, version u32,
//	  page size u32, flags u32, root bucket {root page u64, sequence u64}, freelist page u64,
//	  high-water page id u64, txid u64, checksum u64 (FNV-64a of the 56 bytes before it)
const (
	pageHeaderSize = 16
	metaSize       = 64
	metaSumOffset  = 56
	metaMagic      = 0xED0CDAED
	metaVersion    = 2
	// maxProbedPageSize bounds the page sizes tried when meta page 0 is unreadable; bbolt
	// tries the same range.
	maxProbedPageSize = 1024 << 14
)

// fileMeta is what the valid meta page with the higher transaction id says, which is the one
// bbolt uses.
type fileMeta struct {
	pageSize uint64
	root     uint64 // the root bucket's page
	freelist uint64 // the freelist's page, or all ones when the freelist is not kept
	pgid     uint64 // the high-water mark: the file holds pages 0 to pgid-1
	txid     uint64
}

// need is how many bytes the pages the meta page counts take.
func (m fileMeta) need() uint64 {
	if m.pageSize == 0 || m.pgid > math.MaxInt64/m.pageSize {
		return math.MaxInt64
	}
	return m.pgid * m.pageSize
}

// errNoMeta says neither meta page is valid; it wraps bbolt's own error for that.
var errNoMeta = fmt.Errorf("neither meta page is valid: %w", berrors.ErrInvalid)

// readMeta reads and validates both meta pages of a file of size bytes, the way bbolt
// chooses them: page 0 gives the page size; when it is not valid, page 1 is looked for at
// each possible page size.
func readMeta(r io.ReaderAt, size int64) (fileMeta, error) {
	m0, ok0 := readMetaAt(r, 0)
	var m1 fileMeta
	ok1 := false
	if ok0 {
		m1, ok1 = readMetaAt(r, int64(m0.pageSize))
	} else {
		for ps := int64(1024); ps <= maxProbedPageSize && ps < size-1024; ps <<= 1 {
			if m1, ok1 = readMetaAt(r, ps); ok1 {
				break
			}
		}
	}
	switch {
	case ok0 && ok1 && m1.txid > m0.txid, !ok0 && ok1:
		return m1, nil
	case ok0:
		return m0, nil
	default:
		return fileMeta{}, errNoMeta
	}
}

// readMetaAt reads the page at off and reports whether it holds a valid meta.
func readMetaAt(r io.ReaderAt, off int64) (fileMeta, bool) {
	var buf [pageHeaderSize + metaSize]byte
	if n, _ := r.ReadAt(buf[:], off); n < len(buf) {
		return fileMeta{}, false
	}
	b := buf[pageHeaderSize:]
	ne := binary.NativeEndian
	h := fnv.New64a()
	_, _ = h.Write(b[:metaSumOffset])
	if ne.Uint32(b[0:]) != metaMagic || ne.Uint32(b[4:]) != metaVersion || h.Sum64() != ne.Uint64(b[metaSumOffset:]) {
		return fileMeta{}, false
	}
	m := fileMeta{
		pageSize: uint64(ne.Uint32(b[8:])),
		root:     ne.Uint64(b[16:]),
		freelist: ne.Uint64(b[32:]),
		pgid:     ne.Uint64(b[40:]),
		txid:     ne.Uint64(b[48:]),
	}
	if m.pageSize < pageHeaderSize+metaSize {
		return fileMeta{}, false
	}
	return m, true
}

// errEmpty is the cause given for an existing file with nothing in it.
var errEmpty = errors.New("the file is empty (0 bytes)")

// checkPages refuses a file bbolt would fault on: an empty one, one whose meta pages are
// both invalid, and one shorter than the pages its meta page counts.
func checkPages(r io.ReaderAt, size int64) error {
	if size == 0 {
		return errEmpty
	}
	m, err := readMeta(r, size)
	if err != nil {
		return err
	}
	if need := m.need(); uint64(size) < need {
		return fmt.Errorf("the file is shorter than its pages say (%d of %d bytes)", size, need)
	}
	return nil
}
