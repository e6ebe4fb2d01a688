package storage

import (
	"context"
	"fmt"
	"math/bits"
	"unicode"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/text/width"

	"github.com/yeok/yeok/model"
)

// The search index is a Bloom filter per block of 256 consecutive entry ids, holding the
// character bigrams and trigrams of the entries' source, translation, cleaned and approved
// text (see the Store comment for why). The filter is cut in segments of 16 entries each,
// so a word found once in a block costs 16 entries to read, not 256. A query of two
// characters or more is looked for only in the segments whose filter may hold all its
// n-grams, and in the blocks that have no filter; the entries found are then matched as
// before, so the index only skips work.

const (
	// searchShift makes a block of 256 entries: an id's block is id >> searchShift.
	searchShift = 8
	// segmentShift makes a segment of 16 entries: id >> segmentShift.
	segmentShift = 4
	// segments is how many segments a block has.
	segments = 1 << (searchShift - segmentShift)
	// searchHashes is how many bits a term sets.
	searchHashes = 4
	// searchFill is the share of set bits (in tenths) above which a filter grows: with four
	// hashes an absent n-gram then passes less than one time in a hundred.
	searchFill = 3
	// bigramFlag tells a bigram's term from a trigram's.
	bigramFlag = 1 << 63
)

// searchSizes are the sizes in bytes of a block's filter, smallest first: a filter starts
// at the first and moves to the next when a segment gets too full. Each is a multiple of
// segments and fits a whole number of 4 KiB pages with its key, so bbolt wastes little.
var searchSizes = [...]int{992, 2016, 4048, 8144, 16336, 32720}

// bloom is a block's filter: segments equal parts, one per 16 entries.
type bloom []byte

// segment returns the part of the filter that holds entry id's terms.
func (f bloom) segment(id uint64) bloom {
	n := len(f) / segments
	i := int(id>>segmentShift) % segments
	return f[i*n : (i+1)*n]
}

// position returns the byte and bit of a segment of n bytes that the i-th hash of term h
// sets.
func position(h uint64, i uint32, n int) (int, byte) {
	a, b := uint32(h), uint32(h>>32)|1
	p := int(uint64(a+i*b) * uint64(n*8) >> 32)
	return p >> 3, 1 << (p & 7)
}

// add adds term h (already mixed) to a segment.
func (f bloom) add(h uint64) {
	for i := range uint32(searchHashes) {
		at, bit := position(h, i, len(f))
		f[at] |= bit
	}
}

// hasAll reports whether every term (already mixed) may be in a segment.
func (f bloom) hasAll(mixed []uint64) bool {
	for _, h := range mixed {
		for i := range uint32(searchHashes) {
			if at, bit := position(h, i, len(f)); f[at]&bit == 0 {
				return false
			}
		}
	}
	return true
}

// full reports whether a segment has more bits set than searchFill allows.
func (f bloom) full() bool {
	set := 0
	for _, c := range f {
		set += bits.OnesCount8(c)
	}
	return set*10 > len(f)*8*searchFill
}

// validSize reports whether n is a filter size.
func validSize(n int) bool {
	for _, s := range searchSizes {
		if n == s {
			return true
		}
	}
	return false
}

// mix is splitmix64's finaliser, spreading a term over all 64 bits.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// foldRune folds a rune that strings.ToLower has already lowered: full- and half-width
// forms to their usual width, then lower case again for the folded letters.
func foldRune(r rune) rune {
	if f := width.LookupRune(r).Folded(); f != 0 {
		r = f
	}
	return unicode.ToLower(r)
}

// appendTerms appends the terms of s, lowered as strings.ToLower does and folded: its
// bigrams and trigrams as asked, each as one number (three runes of 21 bits fit in 64)
// mixed for the filter.
func appendTerms(dst []uint64, s string, bigrams, trigrams bool) []uint64 {
	var a, b rune
	n := 0
	for _, r := range s {
		if r >= 0x80 {
			r = foldRune(unicode.ToLower(r))
		} else if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		n++
		if bigrams && n >= 2 {
			dst = append(dst, mix(bigramFlag|uint64(b)<<21|uint64(r)))
		}
		if trigrams && n >= 3 {
			dst = append(dst, mix(uint64(a)<<42|uint64(b)<<21|uint64(r)))
		}
		a, b = b, r
	}
	return dst
}

// entryTerms appends the terms of every text of e that search matches, each text once.
func entryTerms(dst []uint64, e model.Entry) []uint64 {
	texts := [...]string{e.Source, e.Text, e.Clean, e.Approved}
	for i, t := range texts {
		seen := false
		for _, u := range texts[:i] {
			seen = seen || u == t
		}
		if !seen {
			dst = appendTerms(dst, t, true, true)
		}
	}
	return dst
}

// queryTerms returns the terms a segment must hold to contain the lowered query q: its
// trigrams, or its bigram when it has two characters; nil when it is shorter and segments
// cannot be told apart.
func queryTerms(q string) []uint64 {
	if utf8.RuneCountInString(q) == 2 {
		return appendTerms(nil, q, true, false)
	}
	return appendTerms(nil, q, false, true)
}

// indexSearch adds e's text to its segment of its block's filter. A block without a filter
// (its entries were made before the index, or it had none left) gets one built from all its
// entries, as does a filter whose segment grew too full.
func indexSearch(ob ownerBuckets, e model.Entry) error {
	if ob.search == nil {
		return nil
	}
	block := e.ID >> searchShift
	old := ob.search.Get(u64(block))
	if old == nil || !validSize(len(old)) {
		return rebuildBlock(ob, block)
	}
	f := append(bloom(nil), old...)
	seg := f.segment(e.ID)
	for _, h := range entryTerms(nil, e) {
		seg.add(h)
	}
	if seg.full() && len(f) < searchSizes[len(searchSizes)-1] {
		return rebuildBlock(ob, block)
	}
	return ob.search.Put(u64(block), f)
}

// reindexSearch rebuilds the filters of the blocks of deleted entries from the entries left
// in them, so deleted text stops matching.
func reindexSearch(ob ownerBuckets, deleted []uint64) error {
	if ob.search == nil {
		return nil
	}
	done := map[uint64]bool{}
	var buf blockTerms
	for _, id := range deleted {
		if block := id >> searchShift; !done[block] {
			done[block] = true
			if _, err := buf.build(ob, block); err != nil {
				return err
			}
		}
	}
	return nil
}

// rebuildBlock builds the filter of one block from its entries.
func rebuildBlock(ob ownerBuckets, block uint64) error {
	var buf blockTerms
	_, err := buf.build(ob, block)
	return err
}

// blockTerms holds the terms of a block's entries by segment, a buffer reused from block to
// block.
type blockTerms [segments][]uint64

// build builds the filter of one block from its entries, in the smallest size whose
// segments are not too full, and returns how many entries it holds; a block with none loses
// its filter. An entry that does not decode is left out (Check reports it).
func (t *blockTerms) build(ob ownerBuckets, block uint64) (int, error) {
	for i := range t {
		t[i] = t[i][:0]
	}
	lo, hi := block<<searchShift, (block+1)<<searchShift
	n := 0
	c := ob.entries.Cursor()
	for k, v := c.Seek(u64(lo)); k != nil && len(k) == 8 && fromU64(k) < hi; k, v = c.Next() {
		var e model.Entry
		if decode(v, &e) != nil {
			continue
		}
		n++
		i := (e.ID >> segmentShift) % segments
		t[i] = entryTerms(t[i], e)
	}
	key := u64(block)
	if n == 0 {
		return 0, ob.search.Delete(key)
	}
	var f bloom
	for _, size := range searchSizes {
		f = make(bloom, size)
		full := false
		for i, terms := range t {
			seg := f.segment(uint64(i) << segmentShift)
			for _, h := range terms {
				seg.add(h)
			}
			full = full || seg.full()
		}
		if !full {
			break
		}
	}
	return n, ob.search.Put(key, f)
}

// blockFilter answers whether an entry's segment may hold a query's terms, remembering the
// last block and segment asked about.
type blockFilter struct {
	b       *bolt.Bucket
	terms   []uint64
	block   uint64
	filter  bloom // the block's filter; nil when it has none
	segment uint64
	known   bool
	pass    bool
}

// newBlockFilter returns the filter for the lowered query q, or nil when every entry must
// be read (no index, or a query too short for it).
func newBlockFilter(ob ownerBuckets, q string) *blockFilter {
	if ob.search == nil {
		return nil
	}
	terms := queryTerms(q)
	if len(terms) == 0 {
		return nil
	}
	return &blockFilter{b: ob.search, terms: terms}
}

// may reports whether entry id's segment may hold a match; a block without a filter may.
func (x *blockFilter) may(id uint64) bool {
	if x == nil {
		return true
	}
	if seg := id >> segmentShift; !x.known || seg != x.segment {
		if block := id >> searchShift; !x.known || block != x.block {
			x.block, x.filter = block, x.b.Get(u64(block))
			if !validSize(len(x.filter)) {
				x.filter = nil
			}
		}
		x.segment, x.known = seg, true
		x.pass = x.filter == nil || x.filter.segment(id).hasAll(x.terms)
	}
	return x.pass
}

// RebuildSearch builds every owner's search index from its entries, replacing what was
// there, and returns how many entries it indexed. Files made before the index existed are
// searched correctly without it, only more slowly.
func (s *Store) RebuildSearch(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("rebuild search index: %w", err)
	}
	total := 0
	err := s.update(func(tx *bolt.Tx) error {
		total = 0
		owners := tx.Bucket(bucketOwners)
		var names [][]byte
		if err := owners.ForEachBucket(func(name []byte) error {
			names = append(names, append([]byte(nil), name...))
			return nil
		}); err != nil {
			return err
		}
		var buf blockTerms
		for _, name := range names {
			ob, err := writeOwner(tx, model.Owner(name))
			if err != nil {
				return err
			}
			if err := owners.Bucket(name).DeleteBucket(bucketSearch); err != nil {
				return err
			}
			if ob.search, err = owners.Bucket(name).CreateBucket(bucketSearch); err != nil {
				return err
			}
			k, _ := ob.entries.Cursor().First()
			for k != nil {
				if err := ctx.Err(); err != nil {
					return err
				}
				block := fromU64(k) >> searchShift
				n, err := buf.build(ob, block)
				if err != nil {
					return err
				}
				total += n
				k, _ = ob.entries.Cursor().Seek(u64((block + 1) << searchShift))
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("rebuild search index: %w", err)
	}
	return total, nil
}
