package storage

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/yeok/yeok/model"
)

// Bucket and key names; the layout is described on Store.
var (
	bucketMeta   = []byte("meta")
	bucketOwners = []byte("owners")

	bucketSessions  = []byte("sessions")
	bucketActivity  = []byte("activity")
	bucketEntries   = []byte("entries")
	bucketBySession = []byte("by_session")
	bucketByScript  = []byte("by_script")
	bucketPending   = []byte("pending")
	bucketScripts   = []byte("scripts")
	bucketSettings  = []byte("settings")
	bucketMemory    = []byte("memory")
	bucketSearch    = []byte("search")

	keySchema    = []byte("schema")
	keyLanguages = []byte("languages")
	keyModel     = []byte("model")
)

// ownerBuckets are one owner's buckets. In a read transaction they are all nil when the
// owner has never written anything.
type ownerBuckets struct {
	sessions, activity, entries, bySession, byScript, pending, scripts, settings *bolt.Bucket
	// memory is the translation memory's index; nil in a file written before it existed,
	// until the owner's next write.
	memory *bolt.Bucket
	// search is the search index (see search.go); nil likewise.
	search *bolt.Bucket
}

// appendFill is how full bbolt fills a page of a bucket whose keys only grow (entries and a
// script's index, by id) before it starts the next. bbolt's default of half suits keys put
// anywhere, where a split page gets keys on both sides; keys put only at the end would
// leave every page half empty for good. The rest of a page is room for an entry to grow
// (Finish, Approve) without a split. bbolt keeps the setting per bucket handle, not in the
// file, so every handle on such a bucket in a write transaction sets it.
const appendFill = 0.9

func openOwnerBucket(b *bolt.Bucket) ownerBuckets {
	if b == nil {
		return ownerBuckets{}
	}
	entries := b.Bucket(bucketEntries)
	if entries != nil {
		entries.FillPercent = appendFill
	}
	return ownerBuckets{
		sessions:  b.Bucket(bucketSessions),
		activity:  b.Bucket(bucketActivity),
		entries:   entries,
		bySession: b.Bucket(bucketBySession),
		byScript:  b.Bucket(bucketByScript),
		pending:   b.Bucket(bucketPending),
		scripts:   b.Bucket(bucketScripts),
		settings:  b.Bucket(bucketSettings),
		memory:    b.Bucket(bucketMemory),
		search:    b.Bucket(bucketSearch),
	}
}

// readOwner returns owner's buckets for reading.
func readOwner(tx *bolt.Tx, owner model.Owner) ownerBuckets {
	owners := tx.Bucket(bucketOwners)
	if owners == nil {
		return ownerBuckets{}
	}
	return openOwnerBucket(owners.Bucket([]byte(owner)))
}

// writeOwner returns owner's buckets for writing, creating them on the owner's first write.
func writeOwner(tx *bolt.Tx, owner model.Owner) (ownerBuckets, error) {
	owners := tx.Bucket(bucketOwners)
	b := owners.Bucket([]byte(owner))
	if b == nil {
		var err error
		if b, err = owners.CreateBucket([]byte(owner)); err != nil {
			return ownerBuckets{}, fmt.Errorf("create owner %q: %w", owner, err)
		}
		for _, name := range [][]byte{bucketSessions, bucketActivity, bucketEntries, bucketBySession,
			bucketByScript, bucketPending, bucketScripts, bucketSettings} {
			if _, err := b.CreateBucket(name); err != nil {
				return ownerBuckets{}, fmt.Errorf("create bucket %s of owner %q: %w", name, owner, err)
			}
		}
	}
	// Buckets added to the layout later are made on an owner's first write after it.
	for _, name := range [][]byte{bucketMemory, bucketSearch} {
		if b.Bucket(name) == nil {
			if _, err := b.CreateBucket(name); err != nil {
				return ownerBuckets{}, fmt.Errorf("create bucket %s of owner %q: %w", name, owner, err)
			}
		}
	}
	return openOwnerBucket(b), nil
}

// scriptIndex returns the index of script id's entries for writing, creating it on the
// script's first entry.
func scriptIndex(ob ownerBuckets, id string) (*bolt.Bucket, error) {
	idx, err := ob.byScript.CreateBucketIfNotExists([]byte(id))
	if err != nil {
		return nil, err
	}
	idx.FillPercent = appendFill
	return idx, nil
}

// ownerNames is the names of the owners' buckets, copied: safe to use while the buckets
// are written.
func ownerNames(owners *bolt.Bucket) ([][]byte, error) {
	var names [][]byte
	err := owners.ForEachBucket(func(name []byte) error {
		names = append(names, append([]byte(nil), name...))
		return nil
	})
	return names, err
}

// checkOwner refuses the empty owner, which would otherwise collect everyone's strays.
func checkOwner(owner model.Owner) error {
	if owner == "" {
		return errors.New("no owner given")
	}
	return nil
}

// checkScriptID refuses script ids that model.CheckIdentifier refuses: ids a person could
// not tell apart, or that would confuse a terminal.
func checkScriptID(id string) error {
	return model.CheckIdentifier("script id", id)
}

// checkGlossary refuses a glossary with a term model.CheckGlossaryTerm refuses.
func checkGlossary(g []model.GlossaryTerm) error {
	for _, t := range g {
		if err := model.CheckGlossaryTerm(t); err != nil {
			return err
		}
	}
	return nil
}

// u64 encodes n as an 8-byte big-endian key, so keys sort in numeric order.
func u64(n uint64) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8), n)
}

// u64pair encodes two numbers as one 16-byte key.
func u64pair(a, b uint64) []byte {
	k := make([]byte, 0, 16)
	k = binary.BigEndian.AppendUint64(k, a)
	return binary.BigEndian.AppendUint64(k, b)
}

func fromU64(b []byte) uint64 { return binary.BigEndian.Uint64(b) }

// activityKey orders a session by its last activity, then by id.
func activityKey(sess model.Session) []byte {
	return u64pair(uint64(sess.Updated.UnixNano()), sess.ID)
}

// save writes v under key: an entry (model.Entry) in its binary form (see encodeEntry),
// anything else as JSON. HTML escaping is off so that text is stored as typed, which lets
// search match raw values before decoding them.
func save(b *bolt.Bucket, key []byte, v any) error {
	if e, ok := v.(model.Entry); ok {
		return b.Put(key, encodeEntry(nil, e))
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	return b.Put(key, bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}

// load decodes the value under key into v (a copy, safe after the transaction), or returns
// model.ErrNotFound.
func load(b *bolt.Bucket, key []byte, v any) error {
	if b == nil {
		return model.ErrNotFound
	}
	raw := b.Get(key)
	if raw == nil {
		return model.ErrNotFound
	}
	return decode(raw, v)
}

// decode decodes a stored value into v: into a *model.Entry an entry in either of its
// forms (see decodeEntry), into anything else JSON. A value that does not decode means
// damage.
func decode(raw []byte, v any) error {
	if e, ok := v.(*model.Entry); ok {
		return decodeEntry(raw, e)
	}
	return decodeJSON(raw, v)
}

// decodeJSON decodes a JSON value into v.
func decodeJSON(raw []byte, v any) error {
	if err := json.Unmarshal(raw, v); err != nil {
		return &corruptError{cause: fmt.Errorf("decode %T: %w", v, err)}
	}
	return nil
}

// has reports whether key is in b. Index keys carry no value, and Get cannot tell an empty
// value from a missing key inside the transaction that wrote it.
func has(b *bolt.Bucket, key []byte) bool {
	if b == nil {
		return false
	}
	k, _ := b.Cursor().Seek(key)
	return bytes.Equal(k, key)
}
