package storage

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/yeok/yeok/model"
)

// The translation memory is an index, per owner, of the entries whose translation may be
// reused: done and unflagged, or approved by a person. Its keys are the target, a zero
// byte, the first 16 bytes of the SHA-256 of the normalised source (model.NormalizeSource)
// and the entry id; its values are empty. A lookup reads the few keys of one source and
// target, newest first, and decodes only those entries: its cost does not grow with the
// log. Entries finished before the index existed are not in it.

// memoryHash is the length of the source hash in a memory key.
const memoryHash = 16

// nearLook is how many of the script's (or session's) newest entries into the target a
// lookup compares for a near match, when there is no exact one.
const nearLook = 100

// memoryPrefix is the key prefix of a source and target.
func memoryPrefix(to model.Language, source string) []byte {
	sum := sha256.Sum256([]byte(model.NormalizeSource(source)))
	k := make([]byte, 0, len(to)+1+memoryHash+8)
	k = append(append(k, to...), 0)
	return append(k, sum[:memoryHash]...)
}

// reusable reports whether an entry's translation may be reused: a person approved it, or
// it is done, unflagged and not itself taken from memory.
func reusable(e model.Entry) bool {
	if e.Approved != "" {
		return true
	}
	return e.Status == model.StatusDone && len(e.Flags) == 0 && e.Memory == 0 && strings.TrimSpace(e.Display()) != ""
}

// indexMemory adds e to the memory when it is reusable.
func indexMemory(ob ownerBuckets, e model.Entry) error {
	if ob.memory == nil || !reusable(e) || e.To.IsAuto() {
		return nil
	}
	return ob.memory.Put(append(memoryPrefix(e.To, e.Source), u64(e.ID)...), nil)
}

// unindexMemory drops e from the memory.
func unindexMemory(ob ownerBuckets, e model.Entry) error {
	if ob.memory == nil || e.ID == 0 {
		return nil
	}
	return ob.memory.Delete(append(memoryPrefix(e.To, e.Source), u64(e.ID)...))
}

// Recall returns the best earlier translation for req from the owner's memory: the newest
// approved entry of the same normalised source into the same target, else the newest
// reusable one; when there is none, the most similar source (from model.NearMatch) among
// the newest nearLook entries of req's script, or else its session, into that target.
func (s *Store) Recall(ctx context.Context, req model.Request) (model.Recollection, error) {
	if err := ctx.Err(); err != nil {
		return model.Recollection{}, fmt.Errorf("recall: %w", err)
	}
	var rec model.Recollection
	err := s.view(func(tx *bolt.Tx) error {
		ob := readOwner(tx, req.Owner)
		if ob.entries == nil {
			return nil
		}
		var err error
		if rec, err = recallExact(ob, req); err != nil || rec.Exact() {
			return err
		}
		rec, err = recallNear(ob, req)
		return err
	})
	if err != nil {
		return model.Recollection{}, fmt.Errorf("recall: %w", err)
	}
	return rec, nil
}

// recallExact looks the source up in the memory index.
func recallExact(ob ownerBuckets, req model.Request) (model.Recollection, error) {
	if ob.memory == nil {
		return model.Recollection{}, nil
	}
	want := model.NormalizeSource(req.Source)
	var best model.Entry
	err := walkKeys(ob.memory.Cursor(), memoryPrefix(req.To, req.Source), 0, false, func(id, _ []byte) (bool, error) {
		var e model.Entry
		if err := load(ob.entries, id, &e); err != nil {
			return true, nil // gone or damaged: Check reports it
		}
		if model.NormalizeSource(e.Source) != want || e.To != req.To || !reusable(e) {
			return true, nil
		}
		if e.Approved != "" {
			best = e
			return false, nil
		}
		if best.ID == 0 {
			best = e
		}
		return true, nil
	})
	if err != nil || best.ID == 0 {
		return model.Recollection{}, err
	}
	best.Owner = req.Owner
	return model.Recollection{Entry: best, Similarity: 1}, nil
}

// recallNear compares the source with the newest entries of the script (or session) into
// the same target.
func recallNear(ob ownerBuckets, req model.Request) (model.Recollection, error) {
	var c *bolt.Cursor
	var prefix []byte
	switch {
	case req.ScriptID != "" && ob.byScript != nil:
		idx := ob.byScript.Bucket([]byte(req.ScriptID))
		if idx == nil {
			return model.Recollection{}, nil
		}
		c = idx.Cursor()
	case req.SessionID != 0 && ob.bySession != nil:
		c, prefix = ob.bySession.Cursor(), u64(req.SessionID)
	default:
		return model.Recollection{}, nil
	}
	want := model.NormalizeSource(req.Source)
	var best model.Recollection
	look := nearLook
	err := walkKeys(c, prefix, 0, false, func(id, _ []byte) (bool, error) {
		look--
		v := ob.entries.Get(id)
		if v == nil || !entryMayBeInto(v, req.To) {
			return look > 0, nil
		}
		var e model.Entry
		if err := decode(v, &e); err != nil {
			return false, err
		}
		if e.To != req.To || !reusable(e) {
			return look > 0, nil
		}
		if sim := model.Similarity(want, model.NormalizeSource(e.Source)); sim >= model.NearMatch && sim < 1 && sim > best.Similarity {
			e.Owner = req.Owner
			best = model.Recollection{Entry: e, Similarity: sim}
		}
		return look > 0, nil
	})
	return best, err
}

// Approve stores text as a person's approved translation of entry id (text empty: the
// translation as it is), keeping the model's own text beside it, and puts the entry in the
// translation memory. Only a finished entry with a translation can be approved.
func (s *Store) Approve(ctx context.Context, owner model.Owner, id uint64, text string) (model.Entry, error) {
	if err := ctx.Err(); err != nil {
		return model.Entry{}, fmt.Errorf("approve entry %d: %w", id, err)
	}
	var e model.Entry
	err := s.update(func(tx *bolt.Tx) error {
		var err error
		e, err = approveTx(tx, owner, id, text, s.now())
		return err
	})
	if err != nil {
		return model.Entry{}, fmt.Errorf("approve entry %d: %w", id, err)
	}
	e.Owner = owner
	return e, nil
}

// approveTx is Approve inside a write transaction, approved at now.
func approveTx(tx *bolt.Tx, owner model.Owner, id uint64, text string, now time.Time) (model.Entry, error) {
	ob, err := writeOwner(tx, owner)
	if err != nil {
		return model.Entry{}, err
	}
	var e model.Entry
	if err := load(ob.entries, u64(id), &e); err != nil {
		return model.Entry{}, err
	}
	if !e.Status.Final() {
		return model.Entry{}, fmt.Errorf("entry %d is still streaming", id)
	}
	text = strings.TrimSpace(text)
	if text == "" {
		text = e.Display()
	}
	if strings.TrimSpace(text) == "" {
		return model.Entry{}, fmt.Errorf("entry %d has no translation to approve: give the text", id)
	}
	e.Approved, e.ApprovedAt = text, now
	if err := save(ob.entries, u64(id), e); err != nil {
		return model.Entry{}, err
	}
	if err := indexSearch(ob, e); err != nil {
		return model.Entry{}, err
	}
	return e, indexMemory(ob, e)
}
