package storage

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"math/bits"
	"slices"

	bolt "go.etcd.io/bbolt"

	"github.com/yeok/yeok/model"
)

// A posting list names the entries of one chunk that hold one term, by their offset in the
// chunk (id minus the chunk's first id). It is stored as the smaller of two forms, told
// apart by the first byte: postingList, then the offsets as uvarint gaps (the first from 0);
// or postingBitmap, then one bit per offset, little-endian 64-bit words. A term found in
// most entries of a chunk costs a bit an entry, a rare one a byte or two for each entry
// that holds it.
const (
	postingList   = 0
	postingBitmap = 1
)

// chunkSize is the number of ids in a chunk.
func chunkSize() uint64 { return 1 << chunkShift }

// chunkSet is a set of offsets in a chunk, one bit each.
type chunkSet []uint64

func newChunkSet() chunkSet { return make(chunkSet, chunkSize()/64) }

func (c chunkSet) has(off uint64) bool { return c[off>>6]&(1<<(off&63)) != 0 }
func (c chunkSet) set(off uint64)      { c[off>>6] |= 1 << (off & 63) }
func (c chunkSet) unset(off uint64)    { c[off>>6] &^= 1 << (off & 63) }

func (c chunkSet) clear() {
	for i := range c {
		c[i] = 0
	}
}

// and keeps the offsets also in o and reports whether any is left.
func (c chunkSet) and(o chunkSet) bool {
	any := uint64(0)
	for i := range c {
		c[i] &= o[i]
		any |= c[i]
	}
	return any != 0
}

func (c chunkSet) empty() bool {
	for _, w := range c {
		if w != 0 {
			return false
		}
	}
	return true
}

// next returns the smallest offset in c at or above off.
func (c chunkSet) next(off uint64) (uint64, bool) {
	for i := off >> 6; i < uint64(len(c)); i++ {
		w := c[i]
		if i == off>>6 {
			w &= ^uint64(0) << (off & 63)
		}
		if w != 0 {
			return i<<6 | uint64(bits.TrailingZeros64(w)), true
		}
	}
	return 0, false
}

// prev returns the largest offset in c at or below off.
func (c chunkSet) prev(off uint64) (uint64, bool) {
	for i := int(off >> 6); i >= 0; i-- {
		w := c[i]
		if i == int(off>>6) {
			w &= ^uint64(0) >> (63 - off&63)
		}
		if w != 0 {
			return uint64(i)<<6 | uint64(63-bits.LeadingZeros64(w)), true
		}
	}
	return 0, false
}

// encodeOffsets encodes the ascending offsets offs as a posting list, in its smaller form.
func encodeOffsets(offs []uint16) []byte { return appendPosting(nil, offs) }

// appendPosting appends to dst the posting list of the ascending offsets offs, in its
// smaller form.
func appendPosting(dst []byte, offs []uint16) []byte {
	start := len(dst)
	dst = append(dst, postingList)
	prev := uint64(0)
	for _, o := range offs {
		dst = binary.AppendUvarint(dst, uint64(o)-prev)
		prev = uint64(o)
		if len(dst)-start > 1+int(chunkSize()/8) {
			break // the bitmap is smaller
		}
	}
	if len(dst)-start <= 1+int(chunkSize()/8) {
		return dst
	}
	// The bitmap's 64-bit little-endian words put offset o in byte o/8, bit o%8.
	dst = append(dst[:start], postingBitmap)
	dst = append(dst, make([]byte, chunkSize()/8)...)
	bitmap := dst[start+1:]
	for _, o := range offs {
		bitmap[o>>3] |= 1 << (o & 7)
	}
	return dst
}

// encodeSet encodes a set as a posting list.
func encodeSet(set chunkSet) []byte {
	var offs []uint16
	for off, ok := set.next(0); ok; off, ok = set.next(off + 1) {
		offs = append(offs, uint16(off))
	}
	return encodeOffsets(offs)
}

var errBadPosting = errors.New("malformed posting list")

// decodePosting sets in set the offsets of posting list v.
func decodePosting(v []byte, set chunkSet) error {
	set.clear()
	if len(v) == 0 {
		return errBadPosting
	}
	switch v[0] {
	case postingBitmap:
		if len(v) != 1+len(set)*8 {
			return errBadPosting
		}
		for i := range set {
			set[i] = binary.LittleEndian.Uint64(v[1+i*8:])
		}
		return nil
	case postingList:
		off := uint64(0)
		for i := 1; i < len(v); {
			d, n := binary.Uvarint(v[i:])
			if n <= 0 {
				return errBadPosting
			}
			if off += d; off >= chunkSize() {
				return errBadPosting
			}
			set.set(off)
			i += n
		}
		return nil
	}
	return errBadPosting
}

// postingKey is the key of term h's posting list in chunk: the chunk first, so that the
// lists of a chunk sealed after the others go in after theirs, onto new pages packed full,
// and leave the pages of the chunks before it as they are.
func postingKey(h, chunk uint64) []byte {
	k := binary.BigEndian.AppendUint32(make([]byte, 0, 12), uint32(chunk))
	return binary.BigEndian.AppendUint64(k, h)
}

// postingChunk is the chunk of posting list key k (see postingKey).
func postingChunk(k []byte) uint64 { return uint64(binary.BigEndian.Uint32(k)) }

// postingsOf returns the owner's posting lists; nil for an index of an older format, whose
// lists are keyed otherwise (see searchFormat). The lists are only ever added a chunk at a
// time after the others, so their pages are filled full.
func postingsOf(ob ownerBuckets) *bolt.Bucket {
	if ob.search == nil || ob.search.Sequence() != searchFormat {
		return nil
	}
	p := ob.search.Bucket(bucketPostings)
	if p != nil {
		p.FillPercent = 1
	}
	return p
}

// sealedChunks returns how many chunks are in posting lists.
func sealedChunks(p *bolt.Bucket) uint64 {
	if p == nil {
		return 0
	}
	return p.Sequence()
}

// distinctTerms returns the terms of e, each once.
func distinctTerms(e model.Entry) []uint64 {
	terms := entryTerms(nil, e)
	slices.Sort(terms)
	return slices.Compact(terms)
}

// updatePostings adds (or, with remove, takes) entry e to (from) the posting lists of its
// terms in its chunk, which is sealed.
func updatePostings(p *bolt.Bucket, e model.Entry, remove bool) error {
	chunk, off := e.ID>>chunkShift, e.ID&(chunkSize()-1)
	set := newChunkSet()
	for _, h := range distinctTerms(e) {
		key := postingKey(h, chunk)
		if v := p.Get(key); v != nil {
			if err := decodePosting(v, set); err != nil {
				set.clear() // Check reports it; the list starts again
			}
		} else {
			set.clear()
		}
		if remove {
			if !set.has(off) {
				continue
			}
			set.unset(off)
			if set.empty() {
				if err := p.Delete(key); err != nil {
					return err
				}
				continue
			}
		} else {
			if set.has(off) {
				continue
			}
			set.set(off)
		}
		if err := p.Put(key, encodeSet(set)); err != nil {
			return err
		}
	}
	return nil
}

// unindexSearch takes a deleted entry out of the posting lists of its chunk when it is
// sealed; reindexSearch rebuilds the filters of the others.
func unindexSearch(ob ownerBuckets, e model.Entry) error {
	p := postingsOf(ob)
	if e.ID == 0 || e.ID>>chunkShift >= sealedChunks(p) {
		return nil
	}
	return updatePostings(p, e, true)
}

// sealChunks moves the chunks from the first unsealed one to below upto into posting lists
// and drops their blocks' filters.
func sealChunks(ob ownerBuckets, p *bolt.Bucket, upto uint64) error {
	var r chunkReader
	for chunk := sealedChunks(p); chunk < upto; chunk++ {
		// The lists go into the bucket in key order: bbolt splits the nodes a transaction
		// changes only when it commits, so in random order each insert would move ever
		// longer slices.
		err := r.lists(ob, chunk, func(key, list []byte) error { return p.Put(key, list) })
		if err != nil {
			return err
		}
		first := chunk << (chunkShift - searchShift)
		for block := first; block < first+1<<(chunkShift-searchShift); block++ {
			if err := ob.search.Delete(u64(block)); err != nil {
				return err
			}
		}
	}
	if upto <= sealedChunks(p) {
		return nil
	}
	// Sealing reads a chunk of entries and its blocks' filters: the pages go once the
	// transaction is committed, not at the next dropEvery.
	db := p.Tx().DB()
	p.Tx().OnCommit(func() { _ = dropMapped(db) })
	return p.SetSequence(upto)
}

// chunkReader reads the posting lists of a chunk out of its entries in one pass, each
// term's list built as it goes in its encoded form (gaps, then a bitmap once that is
// smaller), so that it holds about what the lists take on disk, not an offset per entry
// and term. Its buffers are reused from chunk to chunk.
type chunkReader struct {
	index map[uint64]int32 // a term's place in built
	built []termList
	terms []uint64
	// pages hands back the file's pages the entries were read from.
	pages pageReleaser
}

// termList is one term's posting list while it is built.
type termList struct {
	term uint64
	// list is the encoded list so far (appendPosting's forms); nil while the term is in one
	// entry only, at first.
	list  []byte
	first uint16
	prev  uint16 // the last offset added
}

// add adds offset off, above every offset added before, to the list.
func (l *termList) add(off uint16) {
	if l.list == nil {
		l.list = appendPosting(make([]byte, 0, 8), []uint16{l.first})
	}
	if l.list[0] == postingBitmap {
		l.list[1+off>>3] |= 1 << (off & 7)
		return
	}
	l.list = binary.AppendUvarint(l.list, uint64(off-l.prev))
	l.prev = off
	if len(l.list) > 1+int(chunkSize()/8) {
		bitmap := make([]byte, 1+chunkSize()/8)
		bitmap[0] = postingBitmap
		o := uint64(0)
		for i := 1; i < len(l.list); {
			d, n := binary.Uvarint(l.list[i:])
			o += d
			bitmap[1+o>>3] |= 1 << (o & 7)
			i += n
		}
		l.list = bitmap
	}
}

// encoded returns the finished list.
func (l *termList) encoded() []byte {
	if l.list == nil {
		return appendPosting(make([]byte, 0, 4), []uint16{l.first})
	}
	return l.list
}

// lists calls put with the key and posting list of every term of one chunk, in key order;
// both are put's own. An entry that does not decode is left out
// (Check reports it).
func (r *chunkReader) lists(ob ownerBuckets, chunk uint64, put func(key, list []byte) error) error {
	if r.index == nil {
		r.index = map[uint64]int32{}
	}
	clear(r.index)
	r.built = r.built[:0]
	r.pages = newPageReleaser(ob.entries.Tx())
	defer r.pages.release()
	first, end := chunk<<chunkShift, (chunk+1)<<chunkShift
	c := ob.entries.Cursor()
	var e model.Entry // one for all: decode's argument escapes
	for k, v := c.Seek(u64(first)); k != nil && len(k) == 8 && fromU64(k) < end; k, v = c.Next() {
		r.pages.read(v)
		if e = (model.Entry{}); decode(v, &e) != nil {
			continue
		}
		off := uint16(e.ID - first)
		r.terms = entryTerms(r.terms[:0], e)
		for _, h := range r.terms {
			i, ok := r.index[h]
			if !ok {
				r.index[h] = int32(len(r.built))
				r.built = append(r.built, termList{term: h, first: off, prev: off})
				continue
			}
			if l := &r.built[i]; l.prev != off {
				l.add(off)
			}
		}
	}
	slices.SortFunc(r.built, func(a, b termList) int { return cmp.Compare(a.term, b.term) })
	for i := range r.built {
		l := &r.built[i]
		if err := put(postingKey(l.term, chunk), l.encoded()); err != nil {
			return err
		}
		l.list = nil // put's now
	}
	return nil
}

// posting is one posting list to write.
type posting struct{ key, value []byte }

// putSorted writes posting lists in key order (see sealChunks).
func putSorted(p *bolt.Bucket, lists []posting) error {
	slices.SortFunc(lists, func(a, b posting) int { return bytes.Compare(a.key, b.key) })
	for _, l := range lists {
		if err := p.Put(l.key, l.value); err != nil {
			return err
		}
	}
	return nil
}

// sealTarget is how many chunks should be sealed when the newest entry is last: all but the
// newest two.
func sealTarget(last uint64) uint64 {
	if c := last >> chunkShift; c > 1 {
		return c - 1
	}
	return 0
}
