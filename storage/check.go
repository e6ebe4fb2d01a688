package storage

import (
	"context"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/yeok/yeok/model"
)

// maxProblems caps how many problems Check describes.
const maxProblems = 50

// Check verifies the file: bbolt's own page checks, then the store's invariants (every index
// key points at an entry that belongs there, every entry is indexed, in the search index
// too where its block has a filter, counters match). It reads every entry. The error, which wraps model.ErrStoreCorrupt, lists one problem a line.
func (s *Store) Check(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("check %s: %w", s.path, err)
	}
	var problems []error
	add := func(format string, args ...any) {
		if len(problems) < maxProblems {
			problems = append(problems, fmt.Errorf(format, args...))
		}
	}
	err := s.view(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			add("bbolt: %v", err)
		}
		if meta := tx.Bucket(bucketMeta); meta == nil || len(meta.Get(keySchema)) != 8 {
			add("schema version is missing")
		}
		owners := tx.Bucket(bucketOwners)
		if owners == nil {
			return nil
		}
		return owners.ForEachBucket(func(name []byte) error {
			return checkOwnerData(ctx, owners.Bucket(name), func(format string, args ...any) {
				add("owner %q: "+format, append([]any{string(name)}, args...)...)
			})
		})
	})
	if err != nil {
		return fmt.Errorf("check %s: %w", s.path, err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("check %s: %w:\n%w", s.path, model.ErrStoreCorrupt, errors.Join(problems...))
	}
	return nil
}

// checkOwnerData checks one owner's buckets against each other.
func checkOwnerData(ctx context.Context, b *bolt.Bucket, add func(format string, args ...any)) error {
	ob := openOwnerBucket(b)
	if ob.sessions == nil || ob.activity == nil || ob.entries == nil || ob.bySession == nil ||
		ob.byScript == nil || ob.pending == nil || ob.scripts == nil || ob.settings == nil {
		add("a bucket is missing")
		return nil
	}
	sessionEntries := map[uint64]int{}
	scriptEntries := map[string]int{}
	var terms []uint64
	n := 0
	err := ob.entries.ForEach(func(k, v []byte) error {
		if n++; n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		var e model.Entry
		if len(k) != 8 || decode(v, &e) != nil || e.ID != fromU64(k) {
			add("entry %x does not decode or has the wrong id", k)
			return nil
		}
		if e.SessionID != 0 {
			sessionEntries[e.SessionID]++
			if !has(ob.bySession, u64pair(e.SessionID, e.ID)) {
				add("entry %d is missing from the index of session %d", e.ID, e.SessionID)
			}
		}
		if e.ScriptID != "" {
			scriptEntries[e.ScriptID]++
			if !has(ob.byScript.Bucket([]byte(e.ScriptID)), k) {
				add("entry %d is missing from the index of script %q", e.ID, e.ScriptID)
			}
		}
		if (e.Status == model.StatusPending) != has(ob.pending, k) {
			add("entry %d has status %q but the pending index disagrees", e.ID, e.Status)
		}
		if p := postingsOf(ob); e.ID>>chunkShift < sealedChunks(p) {
			if !inPostings(p, e) {
				add("entry %d is missing from the search index", e.ID)
			}
		} else if f := bloom(searchFilter(ob, e.ID)); f != nil {
			if terms = entryTerms(terms[:0], e); validSize(len(f)) && !f.segment(e.ID).hasAll(terms) {
				add("entry %d is missing from the search index", e.ID)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	checkSearch(ob, add)
	checkSessions(ob, sessionEntries, add)
	checkScripts(ob, scriptEntries, add)
	return ob.pending.ForEach(func(k, _ []byte) error {
		if !has(ob.entries, k) {
			add("pending index names entry %x, which does not exist", k)
		}
		return nil
	})
}

// searchFilter returns the search filter of id's block, or nil.
func searchFilter(ob ownerBuckets, id uint64) []byte {
	if ob.search == nil {
		return nil
	}
	return ob.search.Get(u64(id >> searchShift))
}

// checkSearch checks that every search filter has a filter's size and covers entries of a
// chunk not sealed, and that every posting list decodes and belongs to a sealed chunk.
func checkSearch(ob ownerBuckets, add func(format string, args ...any)) {
	if ob.search == nil {
		return
	}
	p := postingsOf(ob)
	sealed := sealedChunks(p)
	c := ob.entries.Cursor()
	_ = ob.search.ForEach(func(k, v []byte) error {
		if v == nil && string(k) == string(bucketPostings) {
			return nil
		}
		if len(k) != 8 || !validSize(len(v)) {
			add("search index key %x holds %d bytes, not a filter", k, len(v))
			return nil
		}
		block := fromU64(k)
		if id, _ := c.Seek(u64(block << searchShift)); id == nil || fromU64(id)>>searchShift != block {
			add("search index block %d holds no entries", block)
		}
		if block<<searchShift>>chunkShift < sealed {
			add("search index block %d has a filter but its chunk is in posting lists", block)
		}
		return nil
	})
	if p == nil {
		return
	}
	set := newChunkSet()
	_ = p.ForEach(func(k, v []byte) error {
		if len(k) != 12 || v == nil || decodePosting(v, set) != nil || set.empty() {
			add("posting list %x does not decode", k)
		} else if chunk := postingChunk(k); chunk >= sealed {
			add("posting list %x is of chunk %d, which is not sealed", k, chunk)
		}
		return nil
	})
}

// inPostings reports whether the posting lists of e's chunk name e for (up to 16 of) its
// terms.
func inPostings(p *bolt.Bucket, e model.Entry) bool {
	set := newChunkSet()
	terms := distinctTerms(e)
	for i, h := range terms {
		if i == 16 {
			break
		}
		v := p.Get(postingKey(h, e.ID>>chunkShift))
		if v == nil || decodePosting(v, set) != nil || !set.has(e.ID&(chunkSize()-1)) {
			return false
		}
	}
	return true
}

// checkSessions checks session records, their activity keys, their entry index and counters.
func checkSessions(ob ownerBuckets, counts map[uint64]int, add func(format string, args ...any)) {
	_ = ob.sessions.ForEach(func(k, v []byte) error {
		var sess model.Session
		if len(k) != 8 || decode(v, &sess) != nil || sess.ID != fromU64(k) {
			add("session %x does not decode or has the wrong id", k)
			return nil
		}
		if !has(ob.activity, activityKey(sess)) {
			add("session %d is missing from the activity index", sess.ID)
		}
		if sess.Entries != counts[sess.ID] {
			add("session %d counts %d entries, has %d", sess.ID, sess.Entries, counts[sess.ID])
		}
		delete(counts, sess.ID)
		return nil
	})
	for id, n := range counts {
		add("%d entries belong to session %d, which does not exist", n, id)
	}
	_ = ob.activity.ForEach(func(k, _ []byte) error {
		if len(k) != 16 || !has(ob.sessions, k[8:]) {
			add("activity index key %x names no session", k)
		}
		return nil
	})
	_ = ob.bySession.ForEach(func(k, _ []byte) error {
		var e model.Entry
		if len(k) != 16 || load(ob.entries, k[8:], &e) != nil || e.SessionID != fromU64(k[:8]) {
			add("session index key %x names no entry of that session", k)
		}
		return nil
	})
}

// checkScripts checks script records, their entry indexes and counters.
func checkScripts(ob ownerBuckets, counts map[string]int, add func(format string, args ...any)) {
	_ = ob.scripts.ForEach(func(k, v []byte) error {
		var sc model.Script
		if decode(v, &sc) != nil || sc.ID != string(k) {
			add("script %q does not decode or has the wrong id", k)
			return nil
		}
		if sc.Entries != counts[sc.ID] {
			add("script %q counts %d entries, has %d", sc.ID, sc.Entries, counts[sc.ID])
		}
		delete(counts, sc.ID)
		return nil
	})
	for id, n := range counts {
		add("%d entries belong to script %q, which does not exist", n, id)
	}
	_ = ob.byScript.ForEachBucket(func(name []byte) error {
		return ob.byScript.Bucket(name).ForEach(func(k, _ []byte) error {
			var e model.Entry
			if load(ob.entries, k, &e) != nil || e.ScriptID != string(name) {
				add("script index %q names entry %x, which is not of that script", name, k)
			}
			return nil
		})
	})
}
