package storage

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/yeok/yeok/model"
)

// salvageBatch is how many entries Salvage writes per transaction.
const salvageBatch = 500

// SalvageReport says what Salvage copied.
type SalvageReport struct {
	Owners, Entries, Sessions, Scripts int
	// Lost counts the pages and records of the tree that could not be read; zero means
	// everything the file's tree reaches was copied.
	Lost int
}

// Salvage copies every entry that can be read from the database at src, with the sessions,
// scripts (and their glossaries) and settings that can be read, into a new database at dst,
// which must not exist. It waits, as Open does, while another process writes to src.
//
// It reads src itself rather than through bbolt (see treeReader), so it works on a file that
// Open refuses, such as one cut short, and a lost page costs only the records under it. It
// first walks the tree from the meta page, which gives every record its owner and its latest
// version. When pages of the tree were lost, the leaves they led to are still in the file:
// it then scans every page the walk did not reach and the freelist does not name, and keeps
// the entries found there that the walk did not give. Those are given to the file's only
// owner, or, when it has several, to the local owner (the person who owns the file, who may
// read every owner's entries anyway), never to another. When the freelist is lost as well,
// an entry deleted shortly before the damage may come back.
//
// The indexes and counters of dst are rebuilt from the entries copied, a session or script
// whose record was lost is made again from its entries, and an entry that was still pending
// is marked interrupted.
func Salvage(ctx context.Context, src, dst string) (rep SalvageReport, err error) {
	if err := ctx.Err(); err != nil {
		return rep, fmt.Errorf("salvage %s: %w", src, err)
	}
	if _, err := os.Lstat(dst); !errors.Is(err, fs.ErrNotExist) {
		return rep, fmt.Errorf("salvage into %s: the file exists; name a new one", dst)
	}
	f, _, err := openLocked(src, os.O_RDONLY, false, time.Now().Add(DefaultTimeout))
	if errors.Is(err, berrors.ErrTimeout) {
		return rep, &lockedError{path: src, holder: readHolder(src)}
	}
	if err != nil {
		return rep, fmt.Errorf("salvage %s: %w", src, err)
	}
	defer releaseFile(f)
	fi, err := f.Stat()
	if err != nil {
		return rep, fmt.Errorf("salvage %s: %w", src, err)
	}
	if fi.IsDir() {
		return rep, fmt.Errorf("salvage: database %s %w", src, errIsDir)
	}
	meta, err := readMeta(f, fi.Size())
	if err != nil {
		return rep, fmt.Errorf("salvage %s: nothing can be read: %w", src, err)
	}
	out, err := Open(ctx, dst, Options{})
	if err != nil {
		return rep, fmt.Errorf("salvage into %s: %w", dst, err)
	}
	defer func() {
		if cerr := out.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("salvage into %s: %w", dst, cerr)
		}
		if err != nil {
			_ = os.Remove(dst)
		}
	}()
	if err := salvageTree(ctx, newTreeReader(f, fi.Size(), meta), out, &rep); err != nil {
		return rep, fmt.Errorf("salvage %s into %s: %w", src, dst, err)
	}
	return rep, nil
}

// salvageTree copies what t can read into out: each owner's tree, then the entries of pages
// the tree no longer reaches, then each owner's sessions, scripts and settings.
func salvageTree(ctx context.Context, t *treeReader, out *Store, rep *SalvageReport) error {
	runs := map[model.Owner]*ownerSalvage{}
	run := func(owner model.Owner) *ownerSalvage {
		if runs[owner] == nil {
			runs[owner] = &ownerSalvage{owner: owner, t: t, out: out, rep: rep,
				sessions: map[uint64]model.Session{}, scripts: map[string]model.Script{},
				sessionSpans: map[uint64]*span{}, scriptSpans: map[string]*span{}}
		}
		return runs[owner]
	}
	if owners, ok := t.buckets(t.root())[string(bucketOwners)]; ok {
		for name, ref := range t.buckets(owners) {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := run(model.Owner(name)).copyTree(ref); err != nil {
				return err
			}
		}
	} else {
		t.lost++
	}
	rep.Lost = t.lost
	if t.lost > 0 {
		orphanOwner := model.LocalOwner
		if len(runs) == 1 {
			for owner := range runs {
				orphanOwner = owner
			}
		}
		if err := run(orphanOwner).copyOrphans(); err != nil {
			return err
		}
	}
	for _, s := range runs {
		if err := s.finish(); err != nil {
			return err
		}
	}
	rep.Owners = len(runs)
	return nil
}

// span is what an owner's salvaged entries say about a session or script whose own record
// may have been lost: when it started and was last used, and its first source and languages.
type span struct {
	entries     int
	first, last time.Time
	title       string
	script      string
	from, to    model.Language
}

func (sp *span) add(e model.Entry) {
	if sp.entries == 0 || e.Created.Before(sp.first) {
		sp.first, sp.title = e.Created, model.Title(e.Source, 60)
	}
	if sp.entries == 0 || e.Created.After(sp.last) {
		sp.last, sp.script, sp.from, sp.to = e.Created, e.ScriptID, e.From, e.To
	}
	sp.entries++
}

func spanOf[K comparable](m map[K]*span, k K) *span {
	sp := m[k]
	if sp == nil {
		sp = &span{}
		m[k] = sp
	}
	return sp
}

// ownerSalvage copies one owner's records.
type ownerSalvage struct {
	owner model.Owner
	t     *treeReader
	out   *Store
	rep   *SalvageReport
	// What the tree gave besides entries, written by finish.
	sessions           map[uint64]model.Session
	scripts            map[string]model.Script
	settings           [][2][]byte
	entrySeq, lastSess uint64
	sessionSpans       map[uint64]*span
	scriptSpans        map[string]*span
	maxEntry           uint64
}

// copyTree copies the owner's entries as it reads them and keeps the rest for finish. It
// reads every page of the owner's tree before the orphan scan, which skips the pages read.
func (s *ownerSalvage) copyTree(ref bucketRef) error {
	subs := s.t.buckets(ref)
	if b, ok := subs[string(bucketSessions)]; ok {
		s.lastSess = b.seq
		s.t.forEach(b, func(k, v []byte, sub *bucketRef) {
			var sess model.Session
			if sub != nil || len(k) != 8 || decode(v, &sess) != nil || sess.ID != fromU64(k) {
				s.t.lost++
				return
			}
			s.sessions[sess.ID] = sess
		})
	}
	if b, ok := subs[string(bucketScripts)]; ok {
		s.t.forEach(b, func(k, v []byte, sub *bucketRef) {
			var sc model.Script
			if sub != nil || decode(v, &sc) != nil || sc.ID != string(k) || sc.ID == "" {
				s.t.lost++
				return
			}
			s.scripts[sc.ID] = sc
		})
	}
	if b, ok := subs[string(bucketSettings)]; ok {
		s.t.forEach(b, func(k, v []byte, sub *bucketRef) {
			if sub == nil {
				s.settings = append(s.settings, [2][]byte{k, v})
			}
		})
	}
	b, ok := subs[string(bucketEntries)]
	if !ok {
		return nil
	}
	s.entrySeq = b.seq
	var batch []model.Entry
	var err error
	s.t.forEach(b, func(k, v []byte, sub *bucketRef) {
		e, ok := entryRecord(k, v, sub)
		if !ok {
			s.t.lost++
			return
		}
		if batch = append(batch, e); len(batch) == salvageBatch && err == nil {
			err = s.writeEntries(batch, false)
			batch = batch[:0]
		}
	})
	if err != nil {
		return err
	}
	return s.writeEntries(batch, false)
}

// copyOrphans copies the entries found outside the tree that the tree did not give; of two
// versions of one, the finished one, or the one finished later, is kept.
func (s *ownerSalvage) copyOrphans() error {
	found := map[uint64]model.Entry{}
	s.t.scanLeaves(func(k, v []byte) {
		e, ok := entryRecord(k, v, nil)
		if !ok {
			return
		}
		if old, dup := found[e.ID]; dup && (old.Status.Final() && !e.Status.Final() || !e.Finished.After(old.Finished)) {
			return
		}
		found[e.ID] = e
	})
	batch := make([]model.Entry, 0, salvageBatch)
	for _, e := range found {
		if batch = append(batch, e); len(batch) == salvageBatch {
			if err := s.writeEntries(batch, true); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	return s.writeEntries(batch, true)
}

// entryRecord decodes an entry stored under key k, or reports that it is not one.
func entryRecord(k, v []byte, sub *bucketRef) (model.Entry, bool) {
	var e model.Entry
	if sub != nil || len(k) != 8 || decode(v, &e) != nil || e.ID == 0 || e.ID != fromU64(k) || e.Status == "" {
		return e, false
	}
	return e, true
}

// writeEntries writes entries with their session and script indexes, in one transaction;
// with skipKnown, an entry whose id is already there is left out.
func (s *ownerSalvage) writeEntries(entries []model.Entry, skipKnown bool) error {
	if len(entries) == 0 {
		return nil
	}
	return s.out.update(func(tx *bolt.Tx) error {
		ob, err := writeOwner(tx, s.owner)
		if err != nil {
			return err
		}
		for _, e := range entries {
			key := u64(e.ID)
			if skipKnown && has(ob.entries, key) {
				continue
			}
			if e.Status == model.StatusPending {
				e.Status, e.Error, e.ErrorClass = model.StatusInterrupted, interruptedMessage, model.ClassInterrupted
			}
			if err := save(ob.entries, key, e); err != nil {
				return err
			}
			if e.SessionID != 0 {
				if err := ob.bySession.Put(u64pair(e.SessionID, e.ID), nil); err != nil {
					return err
				}
				spanOf(s.sessionSpans, e.SessionID).add(e)
			}
			if e.ScriptID != "" {
				idx, err := scriptIndex(ob, e.ScriptID)
				if err != nil {
					return err
				}
				if err := idx.Put(key, nil); err != nil {
					return err
				}
				spanOf(s.scriptSpans, e.ScriptID).add(e)
			}
			s.maxEntry = max(s.maxEntry, e.ID)
			s.rep.Entries++
		}
		return nil
	})
}

// finish writes the owner's sessions and scripts with their counts and indexes rebuilt (one
// made from its entries for each whose record was lost), its settings and its sequences.
func (s *ownerSalvage) finish() error {
	for id, sp := range s.sessionSpans {
		if _, ok := s.sessions[id]; !ok {
			s.sessions[id] = model.Session{ID: id, Origin: "salvage", ScriptID: sp.script, Started: sp.first,
				Updated: sp.last, Title: sp.title, From: sp.from, To: sp.to}
		}
	}
	for id, sp := range s.scriptSpans {
		if _, ok := s.scripts[id]; !ok {
			s.scripts[id] = model.Script{ID: id, Created: sp.first, Updated: sp.last, From: sp.from, To: sp.to}
		}
	}
	return s.out.update(func(tx *bolt.Tx) error {
		ob, err := writeOwner(tx, s.owner)
		if err != nil {
			return err
		}
		for id, sess := range s.sessions {
			sess.Entries = 0
			if sp := s.sessionSpans[id]; sp != nil {
				sess.Entries = sp.entries
			}
			if err := save(ob.sessions, u64(id), sess); err != nil {
				return err
			}
			if err := ob.activity.Put(activityKey(sess), nil); err != nil {
				return err
			}
			s.lastSess = max(s.lastSess, id)
		}
		for id, sc := range s.scripts {
			sc.Entries = 0
			if sp := s.scriptSpans[id]; sp != nil {
				sc.Entries = sp.entries
			}
			if err := save(ob.scripts, []byte(id), sc); err != nil {
				return err
			}
		}
		for _, kv := range s.settings {
			if err := ob.settings.Put(kv[0], kv[1]); err != nil {
				return err
			}
		}
		s.rep.Sessions += len(s.sessions)
		s.rep.Scripts += len(s.scripts)
		if err := ob.sessions.SetSequence(s.lastSess); err != nil {
			return err
		}
		return ob.entries.SetSequence(max(s.entrySeq, s.maxEntry))
	})
}
