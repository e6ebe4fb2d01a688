package storage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"time"

	"github.com/yeok/yeok/model"
)

// CopyBatch is how many records Copy hands the destination per transaction: few enough to
// keep a million-entry log out of memory, enough to make the commits cheap.
const CopyBatch = 1000

// Dumper is a store that can stream its whole content: *Store and *postgres.Store.
//
// Dump calls fn with every record of every owner, owner by owner in the byte order of
// their names: first the owner's settings and sequences (model.OwnerInfo), then its
// sessions by id, its scripts by id (byte order), its entries by id. It reads one
// snapshot: what other processes write meanwhile is not seen. Entries are as stored, a
// pending one included. An error from fn stops the dump and is returned.
type Dumper interface {
	Dump(ctx context.Context, fn func(model.Record) error) error
}

// Loader is a store that can take a dump: *Store and *postgres.Store.
//
// Load writes one batch of records in one transaction, keeping every id, counter and time
// as given, and builds the store's own indexes (session and script indexes, translation
// memory, search) from them; the id sequences end up past the ids loaded and at least at
// the sequences an owner record names. An owner's record may come in an earlier batch than
// its sessions, scripts and entries. Entries must be final: Copy settles pending ones.
// Load is for an empty store (Empty), which Copy checks: loading a record whose id is
// taken is an error.
type Loader interface {
	Empty(ctx context.Context) (bool, error)
	Load(ctx context.Context, batch []model.Record) error
}

// ErrNotEmpty is returned by Copy when the destination already holds data.
var ErrNotEmpty = errors.New("the destination already holds data")

// CopyReport counts what Copy wrote.
type CopyReport struct {
	Owners, Sessions, Scripts, Entries int
	// Settled counts the entries that were still pending in the source and were copied as
	// interrupted.
	Settled int
	// Source is the checksum of what was read from the source (see Checksum), to hold
	// against the destination's.
	Source map[model.Owner]Summary
}

// Copy streams everything src holds into dst, which must be empty (else ErrNotEmpty), in
// transactions of CopyBatch records. An entry still pending in the source is copied as
// interrupted (Settle), as the destination has no process to finish it. progress, when
// not nil, is called after each batch with the counts so far. The report holds the
// checksum of what was read (Checksum's, computed in the same pass). A copy that fails
// leaves what it had written in dst.
func Copy(ctx context.Context, dst Loader, src Dumper, progress func(CopyReport)) (CopyReport, error) {
	var rep CopyReport
	empty, err := dst.Empty(ctx)
	if err != nil {
		return rep, fmt.Errorf("copy: %w", err)
	}
	if !empty {
		return rep, fmt.Errorf("copy: %w", ErrNotEmpty)
	}
	var sum Summer
	batch := make([]model.Record, 0, CopyBatch)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := dst.Load(ctx, batch); err != nil {
			return err
		}
		clear(batch)
		batch = batch[:0]
		if progress != nil {
			progress(rep)
		}
		return nil
	}
	err = src.Dump(ctx, func(r model.Record) error {
		switch {
		case r.Owner != nil:
			rep.Owners++
		case r.Session != nil:
			rep.Sessions++
		case r.Script != nil:
			rep.Scripts++
		case r.Entry != nil:
			rep.Entries++
			if r.Entry.Status == model.StatusPending {
				rep.Settled++
			}
			e := Settle(*r.Entry)
			r.Entry = &e
		}
		if err := sum.Add(r); err != nil {
			return err
		}
		batch = append(batch, r)
		if len(batch) == CopyBatch {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return rep, fmt.Errorf("copy: %w", err)
	}
	rep.Source = sum.Summaries()
	return rep, nil
}

// Settle returns e as the store would once its process is known to be gone: a pending
// entry becomes interrupted, keeping its source and whatever text it had.
func Settle(e model.Entry) model.Entry {
	if e.Status == model.StatusPending {
		e.Status, e.Error, e.ErrorClass = model.StatusInterrupted, interruptedMessage, model.ClassInterrupted
	}
	return e
}

// Summary is what Checksum finds of one owner: counts and a checksum.
type Summary struct {
	Sessions, Scripts, Entries int
	// Settings counts the settings set: recent languages, the picked model.
	Settings int
	// Sum is the hex SHA-256 of the owner's canonical serialisation (see Checksum).
	Sum string
}

// Checksum reads a store's whole content through its Dump and returns, per owner, the
// counts and a checksum of a canonical serialisation: one JSON line per session, script
// and entry in id order, then the settings and sequences, with times in UTC to the
// microsecond (the precision both stores keep), empty lists as none, pending entries
// settled (Settle) and every sequence at least the largest id it numbers. Two stores that
// hold the same log give the same summaries, whatever their encoding.
func Checksum(ctx context.Context, src Dumper) (map[model.Owner]Summary, error) {
	var sum Summer
	if err := src.Dump(ctx, sum.Add); err != nil {
		return nil, fmt.Errorf("checksum: %w", err)
	}
	return sum.Summaries(), nil
}

// Summer computes what Checksum returns from records fed to it one at a time, in the
// order a Dump gives them. The zero value is ready to use.
type Summer struct {
	owners map[model.Owner]*ownerSum
}

func (s *Summer) of(o model.Owner) *ownerSum {
	if s.owners == nil {
		s.owners = map[model.Owner]*ownerSum{}
	}
	acc := s.owners[o]
	if acc == nil {
		acc = &ownerSum{h: sha256.New()}
		s.owners[o] = acc
	}
	return acc
}

// Add adds one record; it fails only on a value that does not encode.
func (s *Summer) Add(r model.Record) error {
	switch {
	case r.Owner != nil:
		s.of(r.Owner.Owner).info = *r.Owner
	case r.Session != nil:
		acc := s.of(r.Session.Owner)
		acc.Sessions++
		acc.maxSession = max(acc.maxSession, r.Session.ID)
		return acc.line('s', canonSession(*r.Session))
	case r.Script != nil:
		acc := s.of(r.Script.Owner)
		acc.Scripts++
		return acc.line('c', canonScript(*r.Script))
	case r.Entry != nil:
		acc := s.of(r.Entry.Owner)
		acc.Entries++
		acc.maxEntry = max(acc.maxEntry, r.Entry.ID)
		return acc.line('e', canonEntry(*r.Entry))
	}
	return nil
}

// Summaries returns the summary of every owner added, each owner's settings and
// sequences hashed after its records. It ends the sum: call it once, after the last Add.
func (s *Summer) Summaries() map[model.Owner]Summary {
	out := make(map[model.Owner]Summary, len(s.owners))
	for o, acc := range s.owners {
		info := acc.info
		info.Owner = ""
		if len(info.Languages) == 0 {
			info.Languages = nil
		}
		info.LastEntry = max(info.LastEntry, acc.maxEntry)
		info.LastSession = max(info.LastSession, acc.maxSession)
		_ = acc.line('o', info) // an OwnerInfo always encodes
		if info.Languages != nil {
			acc.Settings++
		}
		if info.PickedModel != "" {
			acc.Settings++
		}
		acc.Sum = hex.EncodeToString(acc.h.Sum(nil))
		out[o] = acc.Summary
	}
	return out
}

// ownerSum is one owner's checksum under way.
type ownerSum struct {
	Summary
	h                    hash.Hash
	info                 model.OwnerInfo
	maxEntry, maxSession uint64
}

// line adds one record, tagged with its kind, to the checksum.
func (s *ownerSum) line(kind byte, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	s.h.Write([]byte{kind, ' '})
	s.h.Write(b)
	s.h.Write([]byte{'\n'})
	return nil
}

// canonTime is t as both stores keep it: UTC, to the microsecond.
func canonTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Microsecond)
}

func canonSession(sess model.Session) model.Session {
	sess.Owner = ""
	sess.Started, sess.Updated = canonTime(sess.Started), canonTime(sess.Updated)
	return sess
}

func canonScript(sc model.Script) model.Script {
	sc.Owner = ""
	sc.Created, sc.Updated = canonTime(sc.Created), canonTime(sc.Updated)
	if len(sc.Glossary) == 0 {
		sc.Glossary = nil
	}
	return sc
}

func canonEntry(e model.Entry) model.Entry {
	e = Settle(e)
	e.Owner = ""
	e.Created, e.Finished, e.ApprovedAt = canonTime(e.Created), canonTime(e.Finished), canonTime(e.ApprovedAt)
	if len(e.Flags) == 0 {
		e.Flags = nil
	}
	return e
}
