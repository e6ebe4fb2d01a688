package storage

import (
	"context"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/yeok/yeok/model"
)

// NewSession stores sess as a new session of owner and returns it with its id (the owner's
// next session number) and with Started and Updated set to now when they were zero. The entry
// counter starts at zero whatever sess says.
func (s *Store) NewSession(ctx context.Context, owner model.Owner, sess model.Session) (model.Session, error) {
	if err := ctx.Err(); err != nil {
		return model.Session{}, fmt.Errorf("new session: %w", err)
	}
	if err := checkOwner(owner); err != nil {
		return model.Session{}, fmt.Errorf("new session: %w", err)
	}
	now := s.now()
	if sess.Started.IsZero() {
		sess.Started = now
	}
	if sess.Updated.IsZero() {
		sess.Updated = now
	}
	sess.Owner, sess.Entries = owner, 0
	err := s.update(func(tx *bolt.Tx) error {
		var err error
		sess, err = newSessionTx(tx, sess)
		return err
	})
	if err != nil {
		return model.Session{}, fmt.Errorf("new session: %w", err)
	}
	return sess, nil
}

// newSessionTx stores a new session of sess.Owner inside a write transaction.
func newSessionTx(tx *bolt.Tx, sess model.Session) (model.Session, error) {
	ob, err := writeOwner(tx, sess.Owner)
	if err != nil {
		return sess, err
	}
	if sess.ID, err = ob.sessions.NextSequence(); err != nil {
		return sess, err
	}
	if err := save(ob.sessions, u64(sess.ID), sess); err != nil {
		return sess, err
	}
	return sess, ob.activity.Put(activityKey(sess), nil)
}

// Session returns one session of owner.
func (s *Store) Session(ctx context.Context, owner model.Owner, id uint64) (model.Session, error) {
	if err := ctx.Err(); err != nil {
		return model.Session{}, fmt.Errorf("session %d: %w", id, err)
	}
	var sess model.Session
	err := s.view(func(tx *bolt.Tx) error {
		return load(readOwner(tx, owner).sessions, u64(id), &sess)
	})
	if err != nil {
		return model.Session{}, fmt.Errorf("session %d: %w", id, err)
	}
	sess.Owner = owner
	return sess, nil
}

// Sessions returns owner's sessions, the most recently active first, at most limit of them
// (all when limit <= 0). It reads the activity index, so the first page costs the same
// however many sessions there are.
func (s *Store) Sessions(ctx context.Context, owner model.Owner, limit int) ([]model.Session, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	var out []model.Session
	err := s.view(func(tx *bolt.Tx) error {
		ob := readOwner(tx, owner)
		if ob.activity == nil {
			return nil
		}
		c := ob.activity.Cursor()
		for k, _ := c.Last(); k != nil && (limit <= 0 || len(out) < limit); k, _ = c.Prev() {
			var sess model.Session
			if err := load(ob.sessions, k[8:], &sess); err != nil {
				if errors.Is(err, model.ErrNotFound) {
					continue // a dangling index key; Check reports it
				}
				return err
			}
			sess.Owner = owner
			out = append(out, sess)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	return out, nil
}

// LastSession returns owner's most recently active session, or model.ErrNotFound.
func (s *Store) LastSession(ctx context.Context, owner model.Owner) (model.Session, error) {
	list, err := s.Sessions(ctx, owner, 1)
	if err != nil {
		return model.Session{}, fmt.Errorf("last session: %w", err)
	}
	if len(list) == 0 {
		return model.Session{}, fmt.Errorf("last session: %w", model.ErrNotFound)
	}
	return list[0], nil
}

// DeleteSession removes a session of owner and its entries, and takes those entries off
// their scripts' counters.
func (s *Store) DeleteSession(ctx context.Context, owner model.Owner, id uint64) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("delete session %d: %w", id, err)
	}
	err := s.update(func(tx *bolt.Tx) error {
		ob := readOwner(tx, owner)
		var sess model.Session
		if err := load(ob.sessions, u64(id), &sess); err != nil {
			return err
		}
		ids, err := indexIDs(ob.bySession, u64(id))
		if err != nil {
			return err
		}
		byScript := map[string][]uint64{}
		for _, eid := range ids {
			e, err := deleteEntry(ob, eid)
			if err != nil {
				return err
			}
			if err := ob.bySession.Delete(u64pair(id, eid)); err != nil {
				return err
			}
			if e.ScriptID != "" {
				byScript[e.ScriptID] = append(byScript[e.ScriptID], eid)
			}
		}
		for scriptID, eids := range byScript {
			if err := uncountScript(ob, scriptID, eids); err != nil {
				return err
			}
		}
		if err := reindexSearch(ob, ids); err != nil {
			return err
		}
		if err := ob.activity.Delete(activityKey(sess)); err != nil {
			return err
		}
		return ob.sessions.Delete(u64(id))
	})
	if err != nil {
		return fmt.Errorf("delete session %d: %w", id, err)
	}
	return nil
}

// uncountSession drops deleted entries from their session's index and counter.
func uncountSession(ob ownerBuckets, sessionID uint64, entryIDs []uint64) error {
	for _, eid := range entryIDs {
		if err := ob.bySession.Delete(u64pair(sessionID, eid)); err != nil {
			return err
		}
	}
	var sess model.Session
	if err := load(ob.sessions, u64(sessionID), &sess); err != nil {
		if errors.Is(err, model.ErrNotFound) {
			return nil
		}
		return err
	}
	sess.Entries = max(sess.Entries-len(entryIDs), 0)
	return save(ob.sessions, u64(sessionID), sess)
}

// deleteEntry removes an entry, its pending key and, when its chunk is sealed, its place in
// the posting lists, returning what it was. The caller fixes the session and script indexes
// it knows about, and the search filters (reindexSearch) once for all the entries it deletes.
func deleteEntry(ob ownerBuckets, id uint64) (model.Entry, error) {
	var e model.Entry
	if err := load(ob.entries, u64(id), &e); err != nil && !errors.Is(err, model.ErrNotFound) {
		return e, err
	}
	if err := ob.pending.Delete(u64(id)); err != nil {
		return e, err
	}
	if err := unindexMemory(ob, e); err != nil {
		return e, err
	}
	if err := unindexSearch(ob, e); err != nil {
		return e, err
	}
	return e, ob.entries.Delete(u64(id))
}

// indexIDs lists the entry ids under prefix in an index bucket, copied out so the caller can
// delete while going through them.
func indexIDs(b *bolt.Bucket, prefix []byte) ([]uint64, error) {
	var ids []uint64
	err := walkKeys(b.Cursor(), prefix, 0, true, func(id, _ []byte) (bool, error) {
		ids = append(ids, fromU64(id))
		return true, nil
	})
	return ids, err
}
