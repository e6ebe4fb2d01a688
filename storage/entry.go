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
// zero logs the entry outside any session; a non-zero one must exist.
func (s *Store) Begin(ctx context.Context, req model.Request) (model.Entry, error) {
	if err := ctx.Err(); err != nil {
		return model.Entry{}, fmt.Errorf("begin entry: %w", err)
	}
	if err := checkOwner(req.Owner); err != nil {
		return model.Entry{}, fmt.Errorf("begin entry: %w", err)
	}
	if req.ScriptID != "" {
		if err := checkScriptID(req.ScriptID); err != nil {
			return model.Entry{}, fmt.Errorf("begin entry: %w", err)
		}
	}
	var e model.Entry
	err := s.batch(func(tx *bolt.Tx) error {
		var err error
		e, err = beginTx(tx, req, s.now())
		return err
	})
	if err != nil {
		return model.Entry{}, fmt.Errorf("begin entry: %w", err)
	}
	return e, nil
}

// beginTx is Begin inside a write transaction.
func beginTx(tx *bolt.Tx, req model.Request, now time.Time) (model.Entry, error) {
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
		idx, err := ob.byScript.CreateBucketIfNotExists([]byte(req.ScriptID))
		if err != nil {
			return model.Entry{}, err
		}
		if err := idx.Put(key, nil); err != nil {
			return model.Entry{}, err
		}
	}
	if err := save(ob.entries, key, e); err != nil {
		return model.Entry{}, err
	}
	return e, ob.pending.Put(key, selfMark().bytes())
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
	sess.From, sess.To = req.From, req.To
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
	sc.From, sc.To = req.From, req.To
	return save(ob.scripts, []byte(sc.ID), sc)
}

// Finish stores the outcome of an entry in one commit and drops it from the pending index.
// The caller has applied the result (e.Apply) and may have set Clean and Flags; the entry's
// identity (session, script, source, creation time) is kept as logged. e.Status must be
// final.
func (s *Store) Finish(ctx context.Context, e model.Entry) (model.Entry, error) {
	if err := ctx.Err(); err != nil {
		return model.Entry{}, fmt.Errorf("finish entry %d: %w", e.ID, err)
	}
	if err := checkOwner(e.Owner); err != nil {
		return model.Entry{}, fmt.Errorf("finish entry %d: %w", e.ID, err)
	}
	if !e.Status.Final() {
		return model.Entry{}, fmt.Errorf("finish entry %d: status %q is not final", e.ID, e.Status)
	}
	var out model.Entry
	err := s.batch(func(tx *bolt.Tx) error {
		var err error
		out, err = finishTx(tx, e)
		return err
	})
	if err != nil {
		return model.Entry{}, fmt.Errorf("finish entry %d: %w", e.ID, err)
	}
	return out, nil
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
	if e.Model != "" {
		stored.Model = e.Model
	}
	if err := save(ob.entries, key, stored); err != nil {
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
