package storage

import (
	"context"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/yeok/yeok/model"
)

var (
	_ Dumper = (*Store)(nil)
	_ Loader = (*Store)(nil)
)

// Dump streams the file's content (see Dumper) from one read transaction, so it is one
// snapshot; other processes' writes wait until it is done.
func (s *Store) Dump(ctx context.Context, fn func(model.Record) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("dump %s: %w", s.path, err)
	}
	err := s.view(func(tx *bolt.Tx) error {
		owners := tx.Bucket(bucketOwners)
		if owners == nil {
			return nil
		}
		names, err := ownerNames(owners)
		if err != nil {
			return err
		}
		for _, name := range names {
			if err := dumpOwner(ctx, model.Owner(name), openOwnerBucket(owners.Bucket(name)), fn); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("dump %s: %w", s.path, err)
	}
	return nil
}

// dumpOwner streams one owner's records.
func dumpOwner(ctx context.Context, owner model.Owner, ob ownerBuckets, fn func(model.Record) error) error {
	info := model.OwnerInfo{Owner: owner}
	if err := load(ob.settings, keyLanguages, &info.Languages); err != nil && !errors.Is(err, model.ErrNotFound) {
		return fmt.Errorf("owner %q languages: %w", owner, err)
	}
	if err := load(ob.settings, keyModel, &info.PickedModel); err != nil && !errors.Is(err, model.ErrNotFound) {
		return fmt.Errorf("owner %q model: %w", owner, err)
	}
	if ob.entries != nil {
		info.LastEntry = ob.entries.Sequence()
	}
	if ob.sessions != nil {
		info.LastSession = ob.sessions.Sequence()
	}
	if err := fn(model.Record{Owner: &info}); err != nil {
		return err
	}
	n := 0
	each := func(b *bolt.Bucket, what string, rec func(k, v []byte) (model.Record, error)) error {
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if v == nil {
				continue // a nested bucket; there are none in these
			}
			if n++; n%1024 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			r, err := rec(k, v)
			if err != nil {
				return fmt.Errorf("owner %q %s %x: %w", owner, what, k, err)
			}
			if err := fn(r); err != nil {
				return err
			}
		}
		return nil
	}
	if err := each(ob.sessions, "session", func(_, v []byte) (model.Record, error) {
		sess := new(model.Session)
		err := decode(v, sess)
		sess.Owner = owner
		return model.Record{Session: sess}, err
	}); err != nil {
		return err
	}
	if err := each(ob.scripts, "script", func(_, v []byte) (model.Record, error) {
		sc := new(model.Script)
		err := decode(v, sc)
		sc.Owner = owner
		return model.Record{Script: sc}, err
	}); err != nil {
		return err
	}
	return each(ob.entries, "entry", func(_, v []byte) (model.Record, error) {
		e := new(model.Entry)
		err := decode(v, e)
		e.Owner = owner
		return model.Record{Entry: e}, err
	})
}

// Empty reports whether the file holds no owner.
func (s *Store) Empty(ctx context.Context) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("look into %s: %w", s.path, err)
	}
	empty := true
	err := s.view(func(tx *bolt.Tx) error {
		if owners := tx.Bucket(bucketOwners); owners != nil {
			k, _ := owners.Cursor().First()
			empty = k == nil
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("look into %s: %w", s.path, err)
	}
	return empty, nil
}

// Load writes a batch of records in one transaction (see Loader), with the indexes Begin,
// Finish and Approve keep: session, activity, script, memory and search.
func (s *Store) Load(ctx context.Context, batch []model.Record) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("load into %s: %w", s.path, err)
	}
	err := s.update(func(tx *bolt.Tx) error {
		buckets := map[model.Owner]ownerBuckets{}
		of := func(owner model.Owner) (ownerBuckets, error) {
			if ob, ok := buckets[owner]; ok {
				return ob, nil
			}
			if err := checkOwner(owner); err != nil {
				return ownerBuckets{}, err
			}
			ob, err := writeOwner(tx, owner)
			buckets[owner] = ob
			return ob, err
		}
		for _, r := range batch {
			var err error
			switch {
			case r.Owner != nil:
				err = loadOwner(of, *r.Owner)
			case r.Session != nil:
				err = loadSession(of, *r.Session)
			case r.Script != nil:
				err = loadScript(of, *r.Script)
			case r.Entry != nil:
				err = loadEntry(of, *r.Entry)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("load into %s: %w", s.path, err)
	}
	return nil
}

type ownerOf func(model.Owner) (ownerBuckets, error)

func loadOwner(of ownerOf, info model.OwnerInfo) error {
	ob, err := of(info.Owner)
	if err != nil {
		return err
	}
	if len(info.Languages) > 0 {
		if err := save(ob.settings, keyLanguages, info.Languages); err != nil {
			return err
		}
	}
	if info.PickedModel != "" {
		if err := save(ob.settings, keyModel, info.PickedModel); err != nil {
			return err
		}
	}
	if err := raiseSequence(ob.entries, info.LastEntry); err != nil {
		return err
	}
	return raiseSequence(ob.sessions, info.LastSession)
}

func loadSession(of ownerOf, sess model.Session) error {
	ob, err := of(sess.Owner)
	if err != nil {
		return err
	}
	key := u64(sess.ID)
	if sess.ID == 0 || has(ob.sessions, key) {
		return fmt.Errorf("owner %q session %d: the id is taken", sess.Owner, sess.ID)
	}
	if err := save(ob.sessions, key, sess); err != nil {
		return err
	}
	if err := ob.activity.Put(activityKey(sess), nil); err != nil {
		return err
	}
	return raiseSequence(ob.sessions, sess.ID)
}

func loadScript(of ownerOf, sc model.Script) error {
	ob, err := of(sc.Owner)
	if err != nil {
		return err
	}
	if err := checkScriptID(sc.ID); err != nil {
		return fmt.Errorf("owner %q: %w", sc.Owner, err)
	}
	if err := checkGlossary(sc.Glossary); err != nil {
		return fmt.Errorf("owner %q script %q: %w", sc.Owner, sc.ID, err)
	}
	if has(ob.scripts, []byte(sc.ID)) {
		return fmt.Errorf("owner %q script %q: the id is taken", sc.Owner, sc.ID)
	}
	return save(ob.scripts, []byte(sc.ID), sc)
}

func loadEntry(of ownerOf, e model.Entry) error {
	ob, err := of(e.Owner)
	if err != nil {
		return err
	}
	if !e.Status.Final() {
		return fmt.Errorf("owner %q entry %d: status %q is not final", e.Owner, e.ID, e.Status)
	}
	key := u64(e.ID)
	if e.ID == 0 || has(ob.entries, key) {
		return fmt.Errorf("owner %q entry %d: the id is taken", e.Owner, e.ID)
	}
	if err := save(ob.entries, key, e); err != nil {
		return err
	}
	if e.SessionID != 0 {
		if err := ob.bySession.Put(u64pair(e.SessionID, e.ID), nil); err != nil {
			return err
		}
	}
	if e.ScriptID != "" {
		idx, err := scriptIndex(ob, e.ScriptID)
		if err != nil {
			return err
		}
		if err := idx.Put(key, nil); err != nil {
			return err
		}
	}
	if err := indexMemory(ob, e); err != nil {
		return err
	}
	if err := indexSearch(ob, e); err != nil {
		return err
	}
	return raiseSequence(ob.entries, e.ID)
}

// raiseSequence moves b's sequence up to n when it is below.
func raiseSequence(b *bolt.Bucket, n uint64) error {
	if b.Sequence() >= n {
		return nil
	}
	return b.SetSequence(n)
}
