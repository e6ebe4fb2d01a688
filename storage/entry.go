package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/yeok/yeok/model"
)

// Begin logs req as a pending entry, in one commit, before its request leaves. The same
// commit bumps the session's and the script's activity and counters (creating the script on
// its first use) and indexes the entry by session, by script and as pending. A SessionID of
// zero logs the entry outside any session; a non-zero one must exist. While another process
// holds the file, Begin is run by that process (see Store).
func (s *Store) Begin(ctx context.Context, req model.Request) (model.Entry, error) {
	if err := ctx.Err(); err != nil {
		return model.Entry{}, fmt.Errorf("begin entry: %w", err)
	}
	if err := checkBegin(req); err != nil {
		return model.Entry{}, fmt.Errorf("begin entry: %w", err)
	}
	e, err := s.begin(req)
	if err != nil {
		return model.Entry{}, fmt.Errorf("begin entry: %w", err)
	}
	return e, nil
}

// checkBegin refuses a request Begin cannot log.
func checkBegin(req model.Request) error {
	if err := checkOwner(req.Owner); err != nil {
		return err
	}
	if req.ScriptID != "" {
		return checkScriptID(req.ScriptID)
	}
	return nil
}

// begin hands req to the holder of the file, or logs it here. When the holder's reply is
// lost, the entry is logged here unless the holder had logged it (see Store).
func (s *Store) begin(req model.Request) (model.Entry, error) {
	c := s.holderConn()
	if c == nil {
		return s.beginLocal(req, s.now(), selfMark(), false)
	}
	created, mark := s.createdTime(), selfMark()
	r := req
	rep, out := c.call(delegateRequest{Op: opBegin, Owner: req.Owner, Request: &r, Created: created, Mark: [2]uint64{mark.pid, mark.start}})
	switch out {
	case replied:
		s.peers.handed.Add(1)
		if rep.Err != nil {
			return model.Entry{}, decodeError(rep.Err, s.path)
		}
		if rep.Entry == nil {
			return model.Entry{}, fmt.Errorf("holder of %s sent no entry", s.path)
		}
		e := *rep.Entry
		e.Owner = req.Owner
		return e, nil
	case lost:
		return s.beginLocal(req, created, mark, true)
	default:
		return s.beginLocal(req, s.now(), mark, false)
	}
}

// beginLocal logs req in this process, created at now and pending under mark. With resume
// it first looks for the entry a lost delegated Begin may have logged (findBegun). When
// mark is another process's, the write is run for that process.
func (s *Store) beginLocal(req model.Request, now time.Time, mark processMark, resume bool) (model.Entry, error) {
	write := s.batchFirst(mark != selfMark())
	var e model.Entry
	err := write(func(tx *bolt.Tx) error {
		if resume {
			if found, ok := findBegun(tx, req, now, mark); ok {
				e = found
				return nil
			}
		}
		var err error
		e, err = beginTx(tx, req, now, mark)
		return err
	})
	return e, err
}

// findBegun returns the pending entry of req's owner that mark's process began at created
// with req's source: the one a delegated Begin logged before its reply was lost. A process
// never gives two delegated Begins the same creation time, so there is at most one.
func findBegun(tx *bolt.Tx, req model.Request, created time.Time, mark processMark) (model.Entry, bool) {
	ob := readOwner(tx, req.Owner)
	if ob.pending == nil {
		return model.Entry{}, false
	}
	want := mark.bytes()
	c := ob.pending.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if string(v) != string(want) {
			continue
		}
		var e model.Entry
		if load(ob.entries, k, &e) == nil && e.Created.Equal(created) && e.Source == req.Source {
			e.Owner = req.Owner
			return e, true
		}
	}
	return model.Entry{}, false
}

// beginTx is Begin inside a write transaction.
func beginTx(tx *bolt.Tx, req model.Request, now time.Time, mark processMark) (model.Entry, error) {
	ob, err := writeOwner(tx, req.Owner)
	if err != nil {
		return model.Entry{}, err
	}
	id, err := ob.entries.NextSequence()
	if err != nil {
		return model.Entry{}, err
	}
	e := model.Entry{
		ID: id, Owner: req.Owner, SessionID: req.SessionID, ScriptID: req.ScriptID,
		Created: now, From: req.From, To: req.To, Model: req.Model, Source: req.Source,
		Status: model.StatusPending, Cue: req.Cue, Group: req.Group,
	}
	key := u64(id)
	if req.SessionID != 0 {
		if err := touchSession(ob, req, now); err != nil {
			return model.Entry{}, err
		}
		if err := ob.bySession.Put(u64pair(req.SessionID, id), nil); err != nil {
			return model.Entry{}, err
		}
	}
	if req.ScriptID != "" {
		if err := touchScript(ob, req, now); err != nil {
			return model.Entry{}, err
		}
		idx, err := scriptIndex(ob, req.ScriptID)
		if err != nil {
			return model.Entry{}, err
		}
		if err := idx.Put(key, nil); err != nil {
			return model.Entry{}, err
		}
	}
	if err := ob.entries.Put(key, encodeReserving(nil, e, pendingReserve(e))); err != nil {
		return model.Entry{}, err
	}
	if err := indexSearch(ob, e); err != nil {
		return model.Entry{}, err
	}
	return e, ob.pending.Put(key, mark.bytes())
}

// pendingReserve is the room a pending entry keeps for its answer: about what Finish adds,
// a translation as long as the source and some 30 bytes of times, usage and finish reason.
// Entries are packed into pages in id order and a page keeps a tenth of itself free
// (appendFill), which is not room enough for many pending entries finished after their
// page was written (many streams at once): each would grow its page past full, and split
// it into one full page and a small one that stays small. Kept the size it will have, an
// entry finished later changes its page little.
func pendingReserve(e model.Entry) int {
	return len(e.Source) + 30
}

// touchSession records a new entry on its session: activity, counter, title, languages.
func touchSession(ob ownerBuckets, req model.Request, now time.Time) error {
	var sess model.Session
	if err := load(ob.sessions, u64(req.SessionID), &sess); err != nil {
		return fmt.Errorf("session %d: %w", req.SessionID, err)
	}
	if err := ob.activity.Delete(activityKey(sess)); err != nil {
		return err
	}
	sess.Updated = now
	sess.Entries++
	if sess.Title == "" {
		sess.Title = model.Title(req.Source, 60)
	}
	if sess.ScriptID == "" {
		sess.ScriptID = req.ScriptID
	}
	if req.Group == 0 || req.Group != sess.LastGroup {
		// A line's later targets are logged after its first: the session keeps the first.
		sess.From, sess.To, sess.LastGroup = req.From, req.To, req.Group
	}
	if err := save(ob.sessions, u64(sess.ID), sess); err != nil {
		return err
	}
	return ob.activity.Put(activityKey(sess), nil)
}

// touchScript records a new entry on its script, creating the script on first use.
func touchScript(ob ownerBuckets, req model.Request, now time.Time) error {
	var sc model.Script
	switch err := load(ob.scripts, []byte(req.ScriptID), &sc); {
	case errors.Is(err, model.ErrNotFound):
		sc = model.Script{ID: req.ScriptID, Created: now}
	case err != nil:
		return err
	}
	sc.Updated = now
	sc.Entries++
	if req.Group == 0 || req.Group != sc.LastGroup {
		sc.From, sc.To, sc.LastGroup = req.From, req.To, req.Group
	}
	return save(ob.scripts, []byte(sc.ID), sc)
}

// Finish stores the outcome of an entry in one commit and drops it from the pending index.
// The caller has applied the result (e.Apply) and may have set Clean and Flags; the entry's
// identity (session, script, source, creation time) is kept as logged. e.Status must be
// final. While another process holds the file, Finish is run by that process (see Store).
func (s *Store) Finish(ctx context.Context, e model.Entry) (model.Entry, error) {
	if err := ctx.Err(); err != nil {
		return model.Entry{}, fmt.Errorf("finish entry %d: %w", e.ID, err)
	}
	if err := checkFinish(e); err != nil {
		return model.Entry{}, fmt.Errorf("finish entry %d: %w", e.ID, err)
	}
	out, err := s.finish(e)
	if err != nil {
		return model.Entry{}, fmt.Errorf("finish entry %d: %w", e.ID, err)
	}
	return out, nil
}

// checkFinish refuses an entry Finish cannot store.
func checkFinish(e model.Entry) error {
	if err := checkOwner(e.Owner); err != nil {
		return err
	}
	if !e.Status.Final() {
		return fmt.Errorf("status %q is not final", e.Status)
	}
	return nil
}

// finish hands e to the holder of the file, or stores it here, also when the holder's reply
// is lost: finishing an entry twice stores the same thing.
func (s *Store) finish(e model.Entry) (model.Entry, error) {
	if c := s.holderConn(); c != nil {
		in := e
		if rep, out := c.call(delegateRequest{Op: opFinish, Owner: e.Owner, Entry: &in}); out == replied {
			s.peers.handed.Add(1)
			if rep.Err != nil {
				return model.Entry{}, decodeError(rep.Err, s.path)
			}
			if rep.Entry == nil {
				return model.Entry{}, fmt.Errorf("holder of %s sent no entry", s.path)
			}
			stored := *rep.Entry
			stored.Owner = e.Owner
			return stored, nil
		}
	}
	return s.finishLocal(e, false)
}

// finishLocal stores e's outcome in this process, for this process or, with remote, for
// another.
func (s *Store) finishLocal(e model.Entry, remote bool) (model.Entry, error) {
	write := s.batch
	if remote {
		write = s.batchFor
	}
	var out model.Entry
	err := write(func(tx *bolt.Tx) error {
		var err error
		out, err = finishTx(tx, e)
		return err
	})
	return out, err
}

// finishTx is Finish inside a write transaction.
func finishTx(tx *bolt.Tx, e model.Entry) (model.Entry, error) {
	ob := readOwner(tx, e.Owner)
	key := u64(e.ID)
	var stored model.Entry
	if err := load(ob.entries, key, &stored); err != nil {
		return model.Entry{}, err
	}
	stored.Owner = e.Owner
	stored.Finished = e.Finished
	stored.Text, stored.Clean, stored.Refusal = e.Text, e.Clean, e.Refusal
	stored.Status, stored.Finish = e.Status, e.Finish
	stored.Error, stored.ErrorClass = e.Error, e.ErrorClass
	stored.Usage, stored.FirstToken, stored.Duration = e.Usage, e.FirstToken, e.Duration
	stored.Flags = e.Flags
	stored.Memory = e.Memory
	if e.Model != "" {
		stored.Model = e.Model
	}
	if err := save(ob.entries, key, stored); err != nil {
		return model.Entry{}, err
	}
	if err := indexMemory(ob, stored); err != nil {
		return model.Entry{}, err
	}
	if err := indexSearch(ob, stored); err != nil {
		return model.Entry{}, err
	}
	return stored, ob.pending.Delete(key)
}

// Entry returns one entry of owner.
func (s *Store) Entry(ctx context.Context, owner model.Owner, id uint64) (model.Entry, error) {
	if err := ctx.Err(); err != nil {
		return model.Entry{}, fmt.Errorf("entry %d: %w", id, err)
	}
	var e model.Entry
	err := s.view(func(tx *bolt.Tx) error {
		return load(readOwner(tx, owner).entries, u64(id), &e)
	})
	if err != nil {
		return model.Entry{}, fmt.Errorf("entry %d: %w", id, err)
	}
	e.Owner = owner
	return e, nil
}
