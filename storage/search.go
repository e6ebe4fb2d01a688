package storage

import (
	"context"
	"fmt"
	"math/bits"
	"slices"
	"unicode"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/text/width"

	"github.com/yeok/yeok/model"
)

// The search index holds the characters, bigrams and trigrams of the entries' source,
// translation, cleaned and approved text (see the Store comment for why) in two forms. The
// entries of every chunk of 4096 ids but the newest two are in posting lists: for each
// n-gram and chunk, the ids of the chunk's entries that hold it. The newest entries are in a
// Bloom filter per block of 256 consecutive ids, cut in segments of 16 entries each, which
// one write updates in place; when the entries reach a chunk two past the last one in
// posting lists, the chunk below is moved into posting lists (sealed) and its filters
// dropped. A query is looked for only in the entries the posting
// lists name and in the segments whose filter may hold all its n-grams (and in the blocks
// that have neither); the entries found are then matched as before, so the index only
// skips work.

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
	// bigramFlag tells a bigram's term from a trigram's, unigramFlag a character's from
	// both.
	bigramFlag  = 1 << 63
	unigramFlag = 1<<63 | 1<<62
	// searchFormat marks, as the search bucket's sequence, an owner whose index has posting
	// lists keyed by chunk first and holds single characters too; an owner's index without
	// it is rebuilt when the file is opened for writing, and until then its posting lists
	// are not read (format 2 keyed them by term first) and it is not used for a query of one
	// character.
	searchFormat = 3
)

// chunkShift makes a chunk of 4096 entry ids, the unit of the posting lists: an id's chunk
// is id >> chunkShift. It is at least searchShift, so a chunk holds whole blocks. Tests make
// it smaller to seal chunks with few entries.
var chunkShift = 12

// bucketPostings is the bucket inside an owner's search bucket that holds the posting lists,
// keyed by chunk (4 bytes) and term (8 bytes); its sequence counts the sealed chunks: the
// chunks below it are in posting lists and have no filters.
var bucketPostings = []byte("postings")

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
// characters, bigrams and trigrams as asked (n-grams of those lengths), each as one number
// (three runes of 21 bits fit in 64) mixed for the filter.
func appendTerms(dst []uint64, s string, grams terms) []uint64 {
	var a, b rune
	n := 0
	for _, r := range s {
		if r >= 0x80 {
			r = foldRune(unicode.ToLower(r))
		} else if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		n++
		if grams&unigrams != 0 {
			dst = append(dst, mix(unigramFlag|uint64(r)))
		}
		if grams&bigrams != 0 && n >= 2 {
			dst = append(dst, mix(bigramFlag|uint64(b)<<21|uint64(r)))
		}
		if grams&trigrams != 0 && n >= 3 {
			dst = append(dst, mix(uint64(a)<<42|uint64(b)<<21|uint64(r)))
		}
		a, b = b, r
	}
	return dst
}

// terms says which n-grams appendTerms appends.
type terms int

const (
	unigrams terms = 1 << iota
	bigrams
	trigrams
)

// entryTerms appends the terms of every text of e that search matches, each text once.
func entryTerms(dst []uint64, e model.Entry) []uint64 {
	texts := [...]string{e.Source, e.Text, e.Clean, e.Approved}
	for i, t := range texts {
		seen := false
		for _, u := range texts[:i] {
			seen = seen || u == t
		}
		if !seen {
			dst = appendTerms(dst, t, unigrams|bigrams|trigrams)
		}
	}
	return dst
}

// queryTerms returns the terms an entry must hold to contain the lowered query q: its
// trigrams, or its bigram when it has two characters, or its character; nil when it is
// empty.
func queryTerms(q string) []uint64 {
	switch utf8.RuneCountInString(q) {
	case 1:
		return appendTerms(nil, q, unigrams)
	case 2:
		return appendTerms(nil, q, bigrams)
	}
	return appendTerms(nil, q, trigrams)
}

// indexSearch adds e's text to the index: to the posting lists when its chunk is sealed,
// else to its segment of its block's filter. A block without a filter (its entries were made
// before the index, or it had none left) gets one built from all its entries, as does a
// filter whose segment grew too full. A finished entry two chunks past the last sealed one
// seals the chunks below its own but one.
func indexSearch(ob ownerBuckets, e model.Entry) error {
	if ob.search == nil {
		return nil
	}
	p, err := ownerPostings(ob, e.ID)
	if err != nil {
		return err
	}
	if e.ID>>chunkShift < sealedChunks(p) {
		return updatePostings(p, e, false)
	}
	if err := indexBlock(ob, e); err != nil {
		return err
	}
	if p != nil && e.Status.Final() && sealTarget(e.ID) > sealedChunks(p) {
		return sealChunks(ob, p, sealTarget(e.ID))
	}
	return nil
}

// ownerPostings returns the owner's posting lists, making them for an owner whose first
// entry is id. An owner with older entries and no posting lists keeps only filters until
// its index is rebuilt (RebuildSearch, or the next open for writing): nil.
func ownerPostings(ob ownerBuckets, id uint64) (*bolt.Bucket, error) {
	if p := postingsOf(ob); p != nil {
		return p, nil
	}
	if k, _ := ob.entries.Cursor().First(); k != nil && fromU64(k) != id || ob.search.Bucket(bucketPostings) != nil {
		return nil, nil
	}
	if err := ob.search.SetSequence(searchFormat); err != nil {
		return nil, err
	}
	return ob.search.CreateBucket(bucketPostings)
}

// indexBlock adds e's text to its segment of its block's filter.
func indexBlock(ob ownerBuckets, e model.Entry) error {
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
// in them, so deleted text stops matching; deleted entries of sealed chunks left their
// posting lists when they were deleted (unindexSearch).
func reindexSearch(ob ownerBuckets, deleted []uint64) error {
	if ob.search == nil {
		return nil
	}
	sealed := sealedChunks(postingsOf(ob))
	done := map[uint64]bool{}
	var buf blockTerms
	for _, id := range deleted {
		if block := id >> searchShift; !done[block] && id>>chunkShift >= sealed {
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

// blockFilter answers whether an entry may hold a query's terms: through the posting lists
// of its chunk when it is sealed, else through its segment's filter, remembering the last
// chunk, block and segment asked about.
type blockFilter struct {
	b       *bolt.Bucket
	p       *bolt.Bucket // the posting lists; nil when there are none
	sealed  uint64       // the chunks below are in posting lists
	terms   []uint64
	block   uint64
	filter  bloom // the block's filter; nil when it has none
	segment uint64
	known   bool
	pass    bool
	// chunk's entries that may match, when chunkKnown.
	chunk      uint64
	chunkKnown bool
	cand, tmp  chunkSet
	lists      [][]byte // the terms' lists in chunk, made with cand
}

// newBlockFilter returns the filter for the lowered query q, or nil when every entry must
// be read (no index, or a query too short for it).
func newBlockFilter(ob ownerBuckets, q string) *blockFilter {
	if ob.search == nil {
		return nil
	}
	terms := queryTerms(q)
	if len(terms) == 0 || utf8.RuneCountInString(q) == 1 && ob.search.Sequence() != searchFormat {
		return nil
	}
	p := postingsOf(ob)
	return &blockFilter{b: ob.search, p: p, sealed: sealedChunks(p), terms: terms}
}

// chunkSet returns the offsets of the entries of sealed chunk that hold every term,
// intersecting the shortest lists first.
func (x *blockFilter) chunkSet(chunk uint64) chunkSet {
	if x.chunkKnown && x.chunk == chunk {
		return x.cand
	}
	if x.cand == nil {
		x.cand, x.tmp = newChunkSet(), newChunkSet()
		x.lists = make([][]byte, len(x.terms))
	}
	x.chunk, x.chunkKnown = chunk, true
	x.cand.clear()
	for i, h := range x.terms {
		if x.lists[i] = x.p.Get(postingKey(h, chunk)); x.lists[i] == nil {
			return x.cand
		}
	}
	slices.SortFunc(x.lists, func(a, b []byte) int { return len(a) - len(b) })
	for i, v := range x.lists {
		set := x.tmp
		if i == 0 {
			set = x.cand
		}
		if decodePosting(v, set) != nil {
			x.cand.clear()
			break
		}
		if i > 0 && !x.cand.and(x.tmp) {
			break
		}
	}
	return x.cand
}

// may reports whether entry id may hold a match; an entry of a block without a filter
// (and not sealed) may.
func (x *blockFilter) may(id uint64) bool {
	if x == nil {
		return true
	}
	if chunk := id >> chunkShift; chunk < x.sealed {
		return x.chunkSet(chunk).has(id & (chunkSize() - 1))
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

// next returns the id nearest to id that may hold a match, going up to last (oldest) or
// down to 0; false when there is none.
func (x *blockFilter) next(id uint64, oldest bool, last uint64) (uint64, bool) {
	for !oldest || id <= last {
		if chunk := id >> chunkShift; chunk < x.sealed {
			set, off := x.chunkSet(chunk), id&(chunkSize()-1)
			if oldest {
				if o, ok := set.next(off); ok {
					return chunk<<chunkShift | o, true
				}
				id = (chunk + 1) << chunkShift
				continue
			}
			if o, ok := set.prev(off); ok {
				return chunk<<chunkShift | o, true
			}
			if chunk == 0 {
				return 0, false
			}
			id = chunk<<chunkShift - 1
			continue
		}
		if x.may(id) {
			return id, true
		}
		seg := id >> segmentShift
		if oldest {
			id = (seg + 1) << segmentShift
			continue
		}
		if seg == 0 {
			return 0, false
		}
		id = seg<<segmentShift - 1
	}
	return 0, false
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
		names, err := ownerNames(owners)
		if err != nil {
			return err
		}
		for _, name := range names {
			n, err := rebuildOwnerSearch(ctx, tx, model.Owner(name))
			if err != nil {
				return err
			}
			total += n
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("rebuild search index: %w", err)
	}
	return total, nil
}

// rebuildOwnerSearch builds one owner's search index from its entries: posting lists for
// all chunks but the newest two, filters for those.
func rebuildOwnerSearch(ctx context.Context, tx *bolt.Tx, owner model.Owner) (int, error) {
	ob, err := writeOwner(tx, owner)
	if err != nil {
		return 0, err
	}
	b := tx.Bucket(bucketOwners).Bucket([]byte(owner))
	if err := b.DeleteBucket(bucketSearch); err != nil {
		return 0, err
	}
	if ob.search, err = b.CreateBucket(bucketSearch); err != nil {
		return 0, err
	}
	if err := ob.search.SetSequence(searchFormat); err != nil {
		return 0, err
	}
	p, err := ob.search.CreateBucket(bucketPostings)
	if err != nil {
		return 0, err
	}
	// The lists go in in key order into an empty bucket: full pages, not halves.
	p.FillPercent = 1
	c := ob.entries.Cursor()
	last, _ := c.Last()
	if last == nil {
		return 0, nil
	}
	sealed := sealTarget(fromU64(last))
	total := 0
	var (
		r     chunkReader
		lists []posting
	)
	for chunk := uint64(0); chunk < sealed; chunk++ {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		if err := r.lists(ob, chunk, func(key, list []byte) error {
			lists = append(lists, posting{key, list})
			return nil
		}); err != nil {
			return 0, err
		}
	}
	// Chunk by chunk, the keys are in order only within each chunk.
	if err := putSorted(p, lists); err != nil {
		return 0, err
	}
	if err := p.SetSequence(sealed); err != nil {
		return 0, err
	}
	for k, _ := c.First(); k != nil && len(k) == 8 && fromU64(k)>>chunkShift < sealed; k, _ = c.Next() {
		total++
	}
	var buf blockTerms
	k, _ := c.Seek(u64(sealed << chunkShift))
	for k != nil {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		block := fromU64(k) >> searchShift
		n, err := buf.build(ob, block)
		if err != nil {
			return 0, err
		}
		total += n
		k, _ = ob.entries.Cursor().Seek(u64((block + 1) << searchShift))
	}
	return total, nil
}

// migrateSearch rebuilds the search index of every owner whose index is of an older format
// (or missing) and who has entries.
func migrateSearch(tx *bolt.Tx) error {
	owners := tx.Bucket(bucketOwners)
	var old []model.Owner
	if err := owners.ForEachBucket(func(name []byte) error {
		b := owners.Bucket(name)
		search, entries := b.Bucket(bucketSearch), b.Bucket(bucketEntries)
		if entries == nil {
			return nil
		}
		if k, _ := entries.Cursor().First(); k == nil {
			return nil
		}
		if search == nil || search.Sequence() != searchFormat || search.Bucket(bucketPostings) == nil {
			old = append(old, model.Owner(name))
		}
		return nil
	}); err != nil {
		return err
	}
	for _, owner := range old {
		if _, err := rebuildOwnerSearch(context.Background(), tx, owner); err != nil {
			return fmt.Errorf("rebuild search index of owner %q: %w", owner, err)
		}
	}
	return nil
}
