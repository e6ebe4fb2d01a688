package storage

import (
	"bytes"
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
func encodeOffsets(offs []uint16) []byte {
	list := make([]byte, 1, 1+2*len(offs))
	prev := uint64(0)
	for _, o := range offs {
		list = binary.AppendUvarint(list, uint64(o)-prev)
		prev = uint64(o)
	}
	if len(list) <= 1+int(chunkSize()/8) {
		return list
	}
	set := newChunkSet()
	for _, o := range offs {
		set.set(uint64(o))
	}
	b := make([]byte, 1, 1+len(set)*8)
	b[0] = postingBitmap
	for _, w := range set {
		b = binary.LittleEndian.AppendUint64(b, w)
	}
	return b
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
	var terms map[uint64][]uint16
	for chunk := sealedChunks(p); chunk < upto; chunk++ {
		if terms == nil {
			terms = map[uint64][]uint16{}
		}
		clear(terms)
		if err := chunkPostings(ob, p, chunk, terms); err != nil {
			return err
		}
		first := chunk << (chunkShift - searchShift)
		for block := first; block < first+1<<(chunkShift-searchShift); block++ {
			if err := ob.search.Delete(u64(block)); err != nil {
				return err
			}
		}
	}
	if upto > sealedChunks(p) {
		return p.SetSequence(upto)
	}
	return nil
}

// chunkPostings writes the posting lists of one chunk from its entries, using terms as
// scratch.
func chunkPostings(ob ownerBuckets, p *bolt.Bucket, chunk uint64, terms map[uint64][]uint16) error {
	chunkTerms(ob, chunk, terms)
	lists := make([]posting, 0, len(terms))
	for h, offs := range terms {
		lists = append(lists, posting{postingKey(h, chunk), encodeOffsets(offs)})
	}
	return putSorted(p, lists)
}

// chunkTerms fills terms (empty) with the offsets of the entries of one chunk that hold
// each term. An entry that does not decode is left out (Check reports it).
func chunkTerms(ob ownerBuckets, chunk uint64, terms map[uint64][]uint16) {
	lo, hi := chunk<<chunkShift, (chunk+1)<<chunkShift
	c := ob.entries.Cursor()
	var buf []uint64
	for k, v := c.Seek(u64(lo)); k != nil && len(k) == 8 && fromU64(k) < hi; k, v = c.Next() {
		var e model.Entry
		if decode(v, &e) != nil {
			continue
		}
		off := uint16(e.ID - lo)
		buf = entryTerms(buf[:0], e)
		for _, h := range buf {
			if l := terms[h]; len(l) == 0 || l[len(l)-1] != off {
				terms[h] = append(l, off)
			}
		}
	}
}

// posting is one posting list to write.
type posting struct{ key, value []byte }

// putSorted writes posting lists in key order. bbolt splits the nodes a transaction
// changes only when it commits, so a new bucket filled in random order moves ever longer
// slices at each insert; in key order each insert appends.
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
