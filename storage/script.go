package storage

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/yeok/yeok/model"
)

// Script returns one script of owner.
func (s *Store) Script(ctx context.Context, owner model.Owner, id string) (model.Script, error) {
	if err := ctx.Err(); err != nil {
		return model.Script{}, fmt.Errorf("script %q: %w", id, err)
	}
	var sc model.Script
	err := s.view(func(tx *bolt.Tx) error {
		return load(readOwner(tx, owner).scripts, []byte(id), &sc)
	})
	if err != nil {
		return model.Script{}, fmt.Errorf("script %q: %w", id, err)
	}
	sc.Owner = owner
	return sc, nil
}

// Scripts returns all of owner's scripts, the most recently active first.
func (s *Store) Scripts(ctx context.Context, owner model.Owner) ([]model.Script, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("list scripts: %w", err)
	}
	var out []model.Script
	err := s.view(func(tx *bolt.Tx) error {
		ob := readOwner(tx, owner)
		if ob.scripts == nil {
			return nil
		}
		return ob.scripts.ForEach(func(_, v []byte) error {
			var sc model.Script
			if err := decode(v, &sc); err != nil {
				return err
			}
			sc.Owner = owner
			out = append(out, sc)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list scripts: %w", err)
	}
	slices.SortStableFunc(out, func(a, b model.Script) int {
		if c := b.Updated.Compare(a.Updated); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// PutScript creates the script sc.ID of sc.Owner or updates its settings (glossary,
// context, languages). The entry counter, the creation time and, unless sc sets them, the
// activity time and languages are kept from the stored script.
func (s *Store) PutScript(ctx context.Context, sc model.Script) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("put script %q: %w", sc.ID, err)
	}
	if err := checkOwner(sc.Owner); err != nil {
		return fmt.Errorf("put script %q: %w", sc.ID, err)
	}
	if err := checkScriptID(sc.ID); err != nil {
		return fmt.Errorf("put script: %w", err)
	}
	if err := checkGlossary(sc.Glossary); err != nil {
		return fmt.Errorf("put script %q: %w", sc.ID, err)
	}
	now := s.now()
	err := s.update(func(tx *bolt.Tx) error {
		ob, err := writeOwner(tx, sc.Owner)
		if err != nil {
			return err
		}
		var old model.Script
		switch err := load(ob.scripts, []byte(sc.ID), &old); {
		case err == nil:
			sc.Created, sc.Entries = old.Created, old.Entries
			if sc.Updated.IsZero() {
				sc.Updated = old.Updated
			}
			if sc.From == "" {
				sc.From = old.From
			}
			if sc.To == "" {
				sc.To = old.To
			}
		case errors.Is(err, model.ErrNotFound):
			sc.Entries = 0
			if sc.Created.IsZero() {
				sc.Created = now
			}
			if sc.Updated.IsZero() {
				sc.Updated = sc.Created
			}
		default:
			return err
		}
		return save(ob.scripts, []byte(sc.ID), sc)
	})
	if err != nil {
		return fmt.Errorf("put script %q: %w", sc.ID, err)
	}
	return nil
}

// DeleteScript removes a script of owner and its entries, and takes those entries off their
// sessions' counters.
func (s *Store) DeleteScript(ctx context.Context, owner model.Owner, id string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("delete script %q: %w", id, err)
	}
	err := s.update(func(tx *bolt.Tx) error {
		ob := readOwner(tx, owner)
		key := []byte(id)
		var sc model.Script
		if err := load(ob.scripts, key, &sc); err != nil {
			return err
		}
		if idx := ob.byScript.Bucket(key); idx != nil {
			ids, err := indexIDs(idx, nil)
			if err != nil {
				return err
			}
			bySession := map[uint64][]uint64{}
			for _, eid := range ids {
				e, err := deleteEntry(ob, eid)
				if err != nil {
					return err
				}
				if e.SessionID != 0 {
					bySession[e.SessionID] = append(bySession[e.SessionID], eid)
				}
			}
			for sid, eids := range bySession {
				if err := uncountSession(ob, sid, eids); err != nil {
					return err
				}
			}
			if err := reindexSearch(ob, ids); err != nil {
				return err
			}
			if err := ob.byScript.DeleteBucket(key); err != nil {
				return err
			}
		}
		return ob.scripts.Delete(key)
	})
	if err != nil {
		return fmt.Errorf("delete script %q: %w", id, err)
	}
	return nil
}

// uncountScript drops deleted entries from their script's index and counter.
func uncountScript(ob ownerBuckets, scriptID string, entryIDs []uint64) error {
	if idx := ob.byScript.Bucket([]byte(scriptID)); idx != nil {
		for _, eid := range entryIDs {
			if err := idx.Delete(u64(eid)); err != nil {
				return err
			}
		}
	}
	var sc model.Script
	if err := load(ob.scripts, []byte(scriptID), &sc); err != nil {
		if errors.Is(err, model.ErrNotFound) {
			return nil
		}
		return err
	}
	sc.Entries = max(sc.Entries-len(entryIDs), 0)
	return save(ob.scripts, []byte(scriptID), sc)
}

// pairsLook is how many finished entries of a script ScriptPairs reads, at most, to find n
// done ones.
func pairsLook(n int) int { return max(64, 8*n) }

// ScriptPairs returns the last n done entries of a script into the target to as context
// pairs, oldest first, with the text a person reads as the translation: a script whose
// lines go into several languages keeps one context per target. It looks at no more than
// the script's last pairsLook(n) finished entries into to, so that a long run of failed
// or cancelled ones costs a bounded read.
func (s *Store) ScriptPairs(ctx context.Context, owner model.Owner, id string, to model.Language, n int) ([]model.Pair, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("script %q pairs: %w", id, err)
	}
	if n <= 0 {
		return nil, nil
	}
	var pairs []model.Pair
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		pairs, err = scriptPairs(readOwner(tx, owner), id, to, n)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("script %q pairs: %w", id, err)
	}
	return pairs, nil
}

// ScriptContext is ScriptPairs and Script in one read, for a request about to be sent:
// the last n done pairs of the script into to, and its record, with found false when the
// script has none.
func (s *Store) ScriptContext(ctx context.Context, owner model.Owner, id string, to model.Language, n int) (pairs []model.Pair, sc model.Script, found bool, _ error) {
	if err := ctx.Err(); err != nil {
		return nil, model.Script{}, false, fmt.Errorf("script %q context: %w", id, err)
	}
	err := s.view(func(tx *bolt.Tx) error {
		ob := readOwner(tx, owner)
		var err error
		if n > 0 {
			if pairs, err = scriptPairs(ob, id, to, n); err != nil {
				return err
			}
		}
		switch err = load(ob.scripts, []byte(id), &sc); {
		case errors.Is(err, model.ErrNotFound):
			return nil
		case err != nil:
			return err
		}
		found = true
		return nil
	})
	if err != nil {
		return nil, model.Script{}, false, fmt.Errorf("script %q context: %w", id, err)
	}
	if found {
		sc.Owner = owner
	}
	return pairs, sc, found, nil
}

// scriptPairs is ScriptPairs inside a read transaction, n > 0.
func scriptPairs(ob ownerBuckets, id string, to model.Language, n int) ([]model.Pair, error) {
	if ob.entries == nil || ob.byScript == nil {
		return nil, nil
	}
	idx := ob.byScript.Bucket([]byte(id))
	if idx == nil {
		return nil, nil
	}
	var pairs []model.Pair
	look := pairsLook(n)
	err := walkKeys(idx.Cursor(), nil, 0, false, func(k, _ []byte) (bool, error) {
		// Entries still streaming, often many at the script's end when a server runs
		// streams side by side, are skipped without decoding them.
		if ob.pending != nil && ob.pending.Get(k) != nil {
			return true, nil
		}
		v := ob.entries.Get(k)
		if v == nil {
			return true, nil // a dangling index key; Check reports it
		}
		var e model.Entry
		if err := decode(v, &e); err != nil {
			return false, err
		}
		if e.To != to {
			return true, nil
		}
		if e.Status.OK() {
			pairs = append(pairs, model.Pair{Source: e.Source, Translation: e.Display()})
		}
		look--
		return len(pairs) < n && look > 0, nil
	})
	if err != nil {
		return nil, err
	}
	slices.Reverse(pairs)
	return pairs, nil
}
