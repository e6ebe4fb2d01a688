package storage

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"

	"github.com/yeok/yeok/model"
)

// Entries returns owner's entries chosen by q: those of a session or a script (read through
// their indexes) or all of them, newest first unless q.Oldest, below q.Before, at most
// q.Limit. q.Search keeps entries whose source, translation, cleaned or approved translation
// contains the text, ignoring case; q.Approved those a person approved. A search
// reads only the entries the search index cannot rule out, from the file (see pageReader),
// and hands back the mapped pages of those it had to read through bbolt as it goes (see
// pageReleaser).
func (s *Store) Entries(ctx context.Context, owner model.Owner, q model.EntryQuery) ([]model.Entry, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("list entries: %w", err)
	}
	m := newMatcher(q.Search)
	var out []model.Entry
	err := s.view(func(tx *bolt.Tx) error {
		ob := readOwner(tx, owner)
		if ob.entries == nil {
			return nil
		}
		n := 0
		rel := newPageReleaser(tx)
		defer rel.release()
		return walkFiltered(ob, q, newBlockFilter(ob, m.q), func(v []byte) (bool, error) {
			rel.read(v)
			if n++; n%4096 == 0 {
				if err := ctx.Err(); err != nil {
					return false, err
				}
			}
			if !m.maybe(v) || q.Approved && !entryMayBeApproved(v) {
				return true, nil
			}
			found, matched := m.matchValue(v)
			if matched && !found {
				return true, nil
			}
			var e model.Entry
			if err := decode(v, &e); err != nil {
				return false, err
			}
			if q.ScriptID != "" && e.ScriptID != q.ScriptID || !matched && !m.match(e) || q.Approved && e.Approved == "" {
				return true, nil
			}
			e.Owner = owner
			out = append(out, e)
			return q.Limit <= 0 || len(out) < q.Limit, nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list entries: %w", err)
	}
	return out, nil
}

// walkEntries calls fn with the raw value of each entry q selects by session, script and
// Before, in q's order, until fn returns false.
func walkEntries(ob ownerBuckets, q model.EntryQuery, fn func(v []byte) (bool, error)) error {
	return walkFiltered(ob, q, nil, fn)
}

// walkFiltered is walkEntries leaving out the entries of the segments bf rules out (nil:
// none).
func walkFiltered(ob ownerBuckets, q model.EntryQuery, bf *blockFilter, fn func(v []byte) (bool, error)) error {
	var (
		c      *bolt.Cursor
		prefix []byte
	)
	switch {
	case q.SessionID != 0:
		c, prefix = ob.bySession.Cursor(), u64(q.SessionID)
	case q.ScriptID != "":
		idx := ob.byScript.Bucket([]byte(q.ScriptID))
		if idx == nil {
			return nil
		}
		c = idx.Cursor()
	case bf != nil:
		return walkBlocks(ob.entries, q.Before, q.Oldest, bf, fn)
	default:
		c = ob.entries.Cursor()
		return walkKeys(c, nil, q.Before, q.Oldest, func(_, v []byte) (bool, error) { return fn(v) })
	}
	return walkKeys(c, prefix, q.Before, q.Oldest, func(id, _ []byte) (bool, error) {
		if !bf.may(fromU64(id)) {
			return true, nil
		}
		v := ob.entries.Get(id)
		if v == nil {
			return true, nil // a dangling index key; Check reports it
		}
		return fn(v)
	})
}

// walkKeys walks the keys of c that are prefix followed by an 8-byte id, oldest or newest
// first, skipping ids at or above before (when non-zero). fn gets the id and the value.
func walkKeys(c *bolt.Cursor, prefix []byte, before uint64, oldest bool, fn func(id, v []byte) (bool, error)) error {
	var k, v []byte
	if oldest {
		k, v = c.Seek(prefix)
	} else {
		upper := before
		if upper == 0 {
			upper = ^uint64(0)
		}
		if k, _ = c.Seek(append(append([]byte(nil), prefix...), u64(upper)...)); k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
	}
	for k != nil && bytes.HasPrefix(k, prefix) && len(k) == len(prefix)+8 {
		id := k[len(prefix):]
		if oldest && before != 0 && fromU64(id) >= before {
			return nil
		}
		more, err := fn(id, v)
		if err != nil || !more {
			return err
		}
		if oldest {
			k, v = c.Next()
		} else {
			k, v = c.Prev()
		}
	}
	return nil
}

// walkBlocks is walkKeys over the entries bucket that visits only the ids bf may match. The
// entries of sealed chunks that the posting lists name lie one here and one there: it reads
// them through a pageReader while it can. The others, in the newest chunks' segments that
// their filters pass or in blocks without a filter, often lie side by side: it reads them
// with bbolt's cursor, seeking over the segments ruled out.
func walkBlocks(entries *bolt.Bucket, before uint64, oldest bool, bf *blockFilter, fn func(v []byte) (bool, error)) error {
	c := entries.Cursor()
	k, v := c.Last()
	if len(k) != 8 {
		return nil
	}
	last := fromU64(k)
	id := uint64(0)
	if !oldest {
		if before == 1 {
			return nil
		}
		id = last
		if before != 0 {
			id = min(last, before-1)
		}
	}
	// The reader is opened for the first entry of a sealed chunk, so that a miss costs no
	// open.
	var pages *pageReader
	opened := false
	defer func() { pages.close() }()
	for {
		next, ok := bf.next(id, oldest, last)
		if !ok || oldest && before != 0 && next >= before {
			return nil
		}
		if next>>chunkShift < bf.sealed {
			if !opened {
				pages, opened = newPageReader(entries.Tx(), entries), true
			}
			key := u64(next)
			v, read := []byte(nil), false
			if pages != nil {
				if v, read = pages.get(key); !read {
					pages.close()
					pages = nil
				}
			}
			if !read {
				v = entries.Get(key)
			}
			if v != nil {
				if more, err := fn(v); err != nil || !more {
					return err
				}
			}
			switch {
			case oldest:
				id = next + 1
			case next == 0:
				return nil
			default:
				id = next - 1
			}
			continue
		}
		if k == nil || fromU64(k) != next {
			if k, v = seekID(c, next, oldest); len(k) != 8 {
				return nil
			}
			if id = fromU64(k); id != next {
				continue // no entry next: on to the nearest one there is
			}
		}
		if more, err := fn(v); err != nil || !more {
			return err
		}
		if oldest {
			k, v = c.Next()
		} else {
			k, v = c.Prev()
		}
		if len(k) != 8 {
			return nil
		}
		id = fromU64(k)
	}
}

// seekID moves c to id or, when there is no such key, to the nearest one after it (oldest)
// or before it.
func seekID(c *bolt.Cursor, id uint64, oldest bool) ([]byte, []byte) {
	k, v := c.Seek(u64(id))
	switch {
	case oldest:
		return k, v
	case k == nil:
		return c.Last()
	case fromU64(k) > id:
		return c.Prev()
	}
	return k, v
}

// matcher is a case-insensitive search over an entry's source and translations. To stay
// fast over a whole log it first looks for the lowered query in the lowered stored value,
// and decodes only the values that pass. That cannot miss a real match when the query holds
// no character JSON escapes: the binary form holds each text as it is (a text equal to an
// earlier one is the same bytes), and every part of it ends in a byte below 0x80, so
// lowering rune by rune meets each text at its first rune.
type matcher struct {
	q     string
	raw   []byte // q as it appears in a stored value; nil when the prefilter cannot be used
	lower []byte // reused buffer for lowered values
	// lowered is q's bytes, which a text is searched for.
	lowered []byte
	// caseless says no character but q's own lowers to one of q's, so the raw value can be
	// searched as it is; ascii that q is ASCII, searched without lowering the value.
	caseless, ascii bool
}

func newMatcher(search string) *matcher {
	if search == "" {
		return &matcher{}
	}
	m := &matcher{q: strings.ToLower(search)}
	m.lowered = []byte(m.q)
	m.caseless = !strings.ContainsFunc(m.q, func(r rune) bool { return unicode.SimpleFold(r) != r })
	m.ascii = !strings.ContainsFunc(m.q, func(r rune) bool { return r >= utf8.RuneSelf })
	if !strings.ContainsFunc(m.q, func(r rune) bool {
		return r < 0x20 || r == '"' || r == '\\' || r == '\u2028' || r == '\u2029' || r == utf8.RuneError
	}) {
		m.raw = m.lowered
	}
	return m
}

// Only these two characters outside ASCII lower to ASCII letters (İ to i, the Kelvin sign
// to k); a value holding neither can be searched for an ASCII query byte by byte.
var (
	capitalIWithDot = []byte("\u0130")
	kelvinSign      = []byte("\u212a")
)

// maybe reports whether the stored value of an entry may match.
func (m *matcher) maybe(v []byte) bool {
	return m.raw == nil || m.has(v, m.raw)
}

// has reports whether b, lowered as strings.ToLower does, contains the lowered q: b as it
// is when the query is caseless, ignoring ASCII case when the query is ASCII and b holds
// neither character that lowers into ASCII, else b lowered into a reused buffer.
func (m *matcher) has(b, q []byte) bool {
	switch {
	case m.caseless:
		return bytes.Contains(b, q)
	case m.ascii && !bytes.Contains(b, capitalIWithDot) && !bytes.Contains(b, kelvinSign):
		return containsFoldASCII(b, q)
	}
	m.lower = appendLower(m.lower[:0], b)
	return bytes.Contains(m.lower, q)
}

// containsFoldASCII reports whether v contains the lowered ASCII q, ignoring the case of
// ASCII letters in v. It looks for q's first byte in either case with bytes.IndexByte,
// remembering the next of each, so it reads v about twice.
func containsFoldASCII(v, q []byte) bool {
	lo, up := q[0], q[0]
	if 'a' <= lo && lo <= 'z' {
		up = lo - 'a' + 'A'
	}
	find := func(c byte, from int) int {
		if i := bytes.IndexByte(v[from:], c); i >= 0 {
			return from + i
		}
		return len(v)
	}
	nextLo, nextUp := -1, -1
	for off := 0; off+len(q) <= len(v); {
		if nextLo < off {
			nextLo = find(lo, off)
		}
		if nextUp < off {
			nextUp = find(up, off)
		}
		i := min(nextLo, nextUp)
		if i+len(q) > len(v) {
			return false
		}
		if equalFoldASCII(v[i+1:i+len(q)], q[1:]) {
			return true
		}
		off = i + 1
	}
	return false
}

// equalFoldASCII reports whether a lowered as ASCII equals the lowered b.
func equalFoldASCII(a, b []byte) bool {
	for i, c := range a {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != b[i] {
			return false
		}
	}
	return true
}

// matchValue reports whether a binary entry value's texts contain the query, which is
// what match says of the entry it decodes to, without decoding it or lowering a text into
// a new string; matched is false when the value is not one entryTexts reads.
func (m *matcher) matchValue(v []byte) (found, matched bool) {
	if m.q == "" {
		return true, true
	}
	texts, ok := entryTexts(v)
	if !ok {
		return false, false
	}
	for _, t := range texts {
		if m.contains(t) {
			return true, true
		}
	}
	return false, true
}

// contains reports whether text t, valid UTF-8, holds the query (see has).
func (m *matcher) contains(t []byte) bool {
	return len(t) > 0 && m.has(t, m.lowered)
}

// match reports whether the entry matches.
func (m *matcher) match(e model.Entry) bool {
	if m.q == "" {
		return true
	}
	return containsFold(e.Source, m.q) || containsFold(e.Text, m.q) || containsFold(e.Clean, m.q) || containsFold(e.Approved, m.q)
}

func containsFold(s, lowered string) bool {
	return s != "" && strings.Contains(strings.ToLower(s), lowered)
}

// appendLower appends b lowered rune by rune (as strings.ToLower does) to dst, with a fast
// path for ASCII.
func appendLower(dst, b []byte) []byte {
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		dst = utf8.AppendRune(dst, unicode.ToLower(r))
		i += size
	}
	return dst
}
