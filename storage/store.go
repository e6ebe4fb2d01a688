// Package storage keeps yeok's log in one embedded bbolt file: owners, their sessions,
// scripts, entries and settings. Every method is scoped to one owner; nothing crosses owners.
package storage

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/yeok/yeok/model"
)

// schemaVersion is the layout this package writes. A file with a newer version is refused;
// an older one is migrated at open. Version 2 stores entries in their binary form (see
// encodeEntry) beside the JSON of version 1, which is still read, so its migration only
// records the version: a yeok that reads only JSON then refuses the file instead of taking
// its new entries for damage. Compact rewrites the JSON entries. Version 3 keys the search
// index's posting lists by chunk first (searchFormat 3); an owner's index of an older format
// is rebuilt at the first open for writing (migrateSearch), and a yeok that knows only the
// older key would misread the lists, so it refuses the file.
const schemaVersion = 3

// DefaultTimeout is how long Open waits for another process to release the file.
const DefaultTimeout = 5 * time.Second

// interruptedMessage is the error an entry gets when its process died before finishing it.
const interruptedMessage = "yeok stopped before the answer finished"

// Options tune Open.
type Options struct {
	// Timeout is how long to wait for another process's lock; zero means DefaultTimeout.
	// Open never waits forever.
	Timeout time.Duration
	// ReadOnly opens the file with a shared lock and never writes to it.
	ReadOnly bool
	// noSync skips fsync, for tests that build large files.
	noSync bool
	// tidied says the leftovers of killed runs were already looked for (by this
	// process's first open of the file).
	tidied bool
}

// Store is the bbolt-backed log. It is safe for concurrent use by many goroutines.
//
// Layout (keys in <>, 8-byte big-endian numbers in [], values JSON of model types but for
// entries, which have a binary form, see encodeEntry):
//
//	meta
//	  "schema"                      -> [version]
//	owners
//	  <owner>                          one bucket per model.Owner
//	    sessions   [session id]        -> model.Session  (bucket sequence: last session id)
//	    activity   [updated ns][id]    -> nil            sessions by last activity
//	    entries    [entry id]          -> model.Entry, binary or JSON (bucket sequence: last entry id)
//	    by_session [session id][id]    -> nil            entries of a session
//	    by_script  <script id>            one bucket per script
//	                 [entry id]        -> nil            entries of a script
//	    pending    [entry id]          -> nil            entries begun but not finished
//	    scripts    <script id>         -> model.Script
//	    search     [block]             -> Bloom filter   n-grams of entries id>>8 == block
//	                                      (bucket sequence: searchFormat)
//	      postings [chunk][n-gram hash] -> posting list  entries id>>12 == chunk holding it
//	                                      (bucket sequence: chunks sealed)
//	    settings   "languages"         -> []model.Language, most recent first
//	               "model"             -> string, the model last picked in the TUI
//
// Ids are per-owner sequences, so cursors walk entries and sessions in the order they were
// made. An entry is written twice: pending by Begin before its request leaves, final by
// Finish. An entry still in the pending index when the file is opened belonged to a process
// that died (the lock is exclusive), and Open marks it interrupted.
//
// Many processes. Any number of yeok processes use one file at once: TUIs in several panes,
// a pipe call, follow, history, a server. bbolt lets one process at a time have the file
// open for writing, so a process holds it only while it has operations under way: the
// handle opens the file (taking its lock) for an operation, shares it among the operations
// that overlap, and closes it lingerIdle after the last one, or at once when another
// process waits. Under steady load (a server with many streams) a process lets a waiting
// one in after maxHold. Every operation therefore either runs or gives up after
// Options.Timeout with one line naming the holder, and reads what other processes wrote.
// A process's death releases its lock and nothing else is needed.
//
// Handing the file over costs a close and an open, and two processes translating at once
// would hand it over at each Begin and Finish, each paying its own fsync. So those two, the
// writes every translation makes, go to the holder instead of the holder's file: a writable
// store listens on a unix socket (see serve), the holder sidecar PATH.pid names the socket
// of the process that last opened the file, and a process that does not hold the file sends
// its Begin and Finish there. The holder runs them as its own, opening the file again if it
// had closed it, so they share its commits (commitGroup) and nobody waits for a turn. Reads,
// settings and everything else take turns with the file as before. A socket is used only in
// a directory that is this user's, not a link, and closed to others, and both ends check
// with the kernel that the other runs as this user (the client also that it is the process
// the sidecar names); where that cannot be checked, or a connection cannot be made, the
// operation takes its turn with the file. The holder is needed for nothing else: when it
// dies, the next operation finds no one at its socket and opens the file itself.
//
// Delegated writes. A Begin run by the holder records the client's mark in the pending
// index, never its own, so killing the holder never interrupts a live client's entry and
// killing the client leaves its entries to the next open like any dead process's. A holder
// answers every request it has read before it closes a connection, so a reply goes missing
// only when the holder dies, after which it runs nothing more. A Finish is then run again
// here: it writes the same final entry, so twice is as once. A Begin carries a creation
// time its process gives no other delegated Begin; run again here, it first looks for a
// pending entry with its process's mark, that time and its source (findBegun) and returns
// the one the holder had logged, so an entry is neither logged twice nor left pending.
//
// Search. Entries with a Search finds the entries whose texts contain the query, ignoring
// case, anywhere, also inside a word and in scripts written without spaces, so the index
// holds character n-grams rather than words: the characters, bigrams and trigrams of the
// lowered and width-folded source, translation, cleaned and approved text. A query of three
// characters or more needs all its trigrams, one of two its bigram, one of one its
// character. Words would be smaller but cannot find "uick" in "quick", and n-grams of a
// spaced script cover its words anyway. The entries of every chunk of 4096 ids but the
// newest two are in posting lists, one per n-gram and chunk (12-byte key: the chunk, the
// n-gram's 64-bit hash, so that a chunk's lists go in after those of the chunks before
// it), each the chunk's entries that hold it as gaps or, when shorter, a bitmap of 512
// bytes: a search reads the lists of its n-grams in each chunk and intersects them, which
// reads only what the query names and finds exactly the entries with all its n-grams. Updating a list rewrites its page, and an entry has a few hundred
// n-grams, so the newest entries are kept instead in one Bloom filter value per block of
// 256 ids, cut in 16 segments of 16 entries (four hashes, grown through searchSizes so at
// most 30% of a segment's bits are set, an absent n-gram passing under 1%), which a write
// updates in place; the Finish that reaches a chunk two past the last sealed one moves the
// chunk below its own into posting lists (sealing it) and drops its filters. A search walks
// entries in the query's order, seeks to the entries the lists name and over the segments
// the filters rule out, and decodes and matches the entries left as a scan would, so the
// answer is the scan's. The index is updated in the transaction that writes an entry
// (Begin, Finish, Approve: a sealed entry's lists, else its block's filter); a deleted
// entry leaves its lists, or its block's filter is rebuilt from the entries left. A block
// with neither (a file from before the index, or salvaged) is read whole, and gets its filter
// on its next write. An owner whose index has no posting lists (a file from before them:
// the search bucket's sequence is not searchFormat) is rebuilt when the file is first opened
// for writing; RebuildSearch rebuilds them all.
//
// Pending entries. Begin records the streaming process in the pending index (pid and start
// time, see processMark). Whoever opens the file marks interrupted the pending entries of
// processes that are gone, never those of a live one.
//
// Locking. One process at a time holds the file's exclusive lock (an flock on its open
// file); read-only opens share it. The lock belongs to the open file, not to the path, and
// Compact replaces the file at the path by renaming a new one over it while holding the old
// one's lock. A process that opened the old file and waited for its lock would get it after
// the rename and write into a file no longer at its path, where every entry is lost. So every
// acquisition of the lock goes through openLocked, which after taking the lock compares the
// device and inode of the open file with those at the path (stillAtPath) and, when they
// differ, releases it and opens the path again, until the open timeout; nothing is read or
// written before that. Holding the lock on the file at the path therefore also means no
// Compact is under way, and leftovers of a killed one can be removed. When the lock is taken
// per transaction instead of per open, each acquisition must call stillAtPath the same way.
//
// Damage. Before bbolt maps the file, Open reads both meta pages and refuses a file shorter
// than the pages they count (bbolt would fault on the first missing page), an empty file and
// a directory; Salvage reads what it can of such a file without bbolt.
type Store struct {
	h        *handle
	path     string
	readOnly bool
	// now is the clock; tests replace it.
	now func() time.Time
	// group shares commits among the Begin and Finish calls under way.
	group commitGroup
	// srv runs other processes' Begin and Finish while this one holds the file; nil when
	// it cannot (read-only, another system, no private socket directory).
	srv *server
	// peers are the connections to the holders this process hands its own to.
	peers peers
}

// Open opens (creating when needed) the store at path. The parent directory is created with
// mode 0700 and the file with 0600. When another process holds the file, Open gives up after
// opts.Timeout with an error wrapping model.ErrStoreLocked that names the holder; a damaged
// file gives an error wrapping model.ErrStoreCorrupt.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if !opts.ReadOnly {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("open store %s: %w", path, err)
		}
	}
	s := &Store{path: path, readOnly: opts.ReadOnly, now: utcNow}
	s.h = newHandle(path, opts, s.startup)
	if s.srv = serve(s); s.srv != nil {
		s.h.sock = s.srv.sock
	}
	// The first open creates the buckets and checks the schema and the file: a store
	// that cannot be used fails here, not at its first operation.
	if _, err := s.h.acquire(); err != nil {
		if s.srv != nil {
			s.srv.close()
		}
		_ = s.h.close()
		return nil, err
	}
	s.h.release()
	return s, nil
}

// startup runs each time the handle opens the file. The first time it creates the buckets
// and the schema version (a read-only store only checks the version); every time, it marks
// interrupted the pending entries of processes that are gone, writing only when there are.
func (s *Store) startup(db *bolt.DB, first bool) error {
	if s.readOnly {
		if !first {
			return nil
		}
		return db.View(func(tx *bolt.Tx) error { return checkSchema(tx) })
	}
	if !first {
		var dead bool
		if err := db.View(func(tx *bolt.Tx) error { dead = hasDeadPending(tx); return nil }); err != nil || !dead {
			return err
		}
	}
	return db.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketMeta, bucketOwners} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("create bucket %s: %w", name, err)
			}
		}
		meta := tx.Bucket(bucketMeta)
		if meta.Get(keySchema) == nil {
			if err := meta.Put(keySchema, u64(schemaVersion)); err != nil {
				return fmt.Errorf("write schema version: %w", err)
			}
		}
		if err := checkSchema(tx); err != nil {
			return err
		}
		if fromU64(meta.Get(keySchema)) < schemaVersion {
			if err := meta.Put(keySchema, u64(schemaVersion)); err != nil {
				return fmt.Errorf("write schema version: %w", err)
			}
		}
		if first {
			if err := migrateSearch(tx); err != nil {
				return err
			}
		}
		return s.recoverPending(tx)
	})
}

// checkSchema refuses a file written by a newer yeok.
func checkSchema(tx *bolt.Tx) error {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		return nil // a new file opened read-only: nothing written yet
	}
	v := meta.Get(keySchema)
	if len(v) != 8 {
		return &corruptError{cause: errors.New("schema version is missing or malformed")}
	}
	if got := fromU64(v); got > schemaVersion {
		return fmt.Errorf("database schema version %d is newer than this yeok understands (%d); upgrade yeok", got, schemaVersion)
	}
	return nil
}

// hasDeadPending reports whether a pending entry belongs to a process that is gone.
func hasDeadPending(tx *bolt.Tx) bool {
	dead := false
	_ = forEachPending(tx, func(_ ownerBuckets, _, v []byte) bool {
		dead = !markAlive(v)
		return !dead
	})
	return dead
}

// markAlive reports whether the process a pending index value names still runs.
func markAlive(v []byte) bool {
	m, ok := parseMark(v)
	return ok && m.alive()
}

// forEachPending calls fn with every pending index key and value of every owner, until fn
// returns false.
func forEachPending(tx *bolt.Tx, fn func(ob ownerBuckets, k, v []byte) bool) error {
	owners := tx.Bucket(bucketOwners)
	if owners == nil {
		return nil
	}
	return owners.ForEachBucket(func(name []byte) error {
		ob := openOwnerBucket(owners.Bucket(name))
		if ob.pending == nil {
			return nil
		}
		c := ob.pending.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if !fn(ob, k, v) {
				return errStopWalk
			}
		}
		return nil
	})
}

// errStopWalk ends a walk early; it is not an error.
var errStopWalk = errors.New("stop")

// recoverPending marks interrupted every entry left pending by a process that is gone,
// keeping its source and whatever text it had; a live process's entries are left alone.
// Only the small pending indexes are read, never all entries.
func (s *Store) recoverPending(tx *bolt.Tx) error {
	owners := tx.Bucket(bucketOwners)
	names, err := ownerNames(owners)
	if err != nil {
		return err
	}
	for _, name := range names {
		ob := openOwnerBucket(owners.Bucket(name))
		if ob.pending == nil {
			continue
		}
		var ids [][]byte
		c := ob.pending.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if !markAlive(v) {
				ids = append(ids, append([]byte(nil), k...))
			}
		}
		for _, k := range ids {
			var e model.Entry
			if err := load(ob.entries, k, &e); err == nil && e.Status == model.StatusPending {
				e.Status = model.StatusInterrupted
				e.Error = interruptedMessage
				e.ErrorClass = model.ClassInterrupted
				if err := save(ob.entries, k, e); err != nil {
					return fmt.Errorf("mark entry %d interrupted: %w", fromU64(k), err)
				}
			}
			if err := ob.pending.Delete(k); err != nil {
				return fmt.Errorf("clear pending entry %d: %w", fromU64(k), err)
			}
		}
	}
	return nil
}

// with runs fn with the database open, turning a panic on a damaged page into an error.
func (s *Store) with(fn func(db *bolt.DB) error) error {
	db, err := s.h.acquire()
	if err != nil {
		return err
	}
	defer s.h.release()
	return guard(s.path, func() error { return fn(db) })
}

// view runs fn in a read transaction, turning a panic on a damaged page into an error.
func (s *Store) view(fn func(tx *bolt.Tx) error) error {
	return s.with(func(db *bolt.DB) error { return db.View(fn) })
}

// update runs fn in a write transaction, turning a panic on a damaged page into an error.
func (s *Store) update(fn func(tx *bolt.Tx) error) error {
	if s.readOnly {
		return fmt.Errorf("store %s is open read-only", s.path)
	}
	return s.with(func(db *bolt.DB) error { return db.Update(fn) })
}

// batch runs fn in a write transaction. A write with no other under way commits at once;
// writes made while one commits share the next commit (see commitGroup), so that many
// streams starting or ending together cost a few commits instead of one each. fn may run
// more than once, so it must only depend on tx.
func (s *Store) batch(fn func(tx *bolt.Tx) error) error {
	if s.readOnly {
		return fmt.Errorf("store %s is open read-only", s.path)
	}
	return s.group.do(fn, false, s.commitCalls)
}

// batchFor is batch for a write run for another process.
func (s *Store) batchFor(fn func(tx *bolt.Tx) error) error {
	return s.group.do(fn, true, s.commitCalls)
}

// batchFirst is batch for a Begin, which its request waits on before it leaves: it goes
// ahead of the other writes queued (see commitGroup). remote says it is run for another
// process.
func (s *Store) batchFirst(remote bool) func(fn func(tx *bolt.Tx) error) error {
	return func(fn func(tx *bolt.Tx) error) error {
		if s.readOnly {
			return fmt.Errorf("store %s is open read-only", s.path)
		}
		return s.group.doFirst(fn, remote, s.commitCalls)
	}
}

// Close releases the file and its lock.
func (s *Store) Close() error {
	// The operations other processes handed to this one end first, while the file can
	// still be opened for them.
	if s.srv != nil {
		s.srv.close()
	}
	s.closePeers()
	if !s.readOnly {
		removeHolder(s.path)
	}
	if err := s.h.close(); err != nil {
		return fmt.Errorf("close store %s: %w", s.path, err)
	}
	return nil
}

// Path returns the file the store was opened from.
func (s *Store) Path() string { return s.path }

// utcNow is the store's clock: UTC without a monotonic reading, so values read back from
// the file compare equal to the ones that were written.
func utcNow() time.Time { return time.Now().UTC().Round(0) }

// closeQuietly closes db after a failed startup; a damaged file may panic here too.
func closeQuietly(db *bolt.DB) {
	defer func() { _ = recover() }()
	_ = db.Close()
}
