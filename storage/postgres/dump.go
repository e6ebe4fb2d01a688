package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/yeok/yeok/model"
)

// dumpPage is how many rows Dump reads per query.
const dumpPage = 1000

// Dump calls fn with every record of every owner (see storage.Dumper): owners in the byte
// order of their names, then each owner's settings and sequences, sessions by id, scripts
// by id in byte order and entries by id. It reads in one read-only repeatable-read
// transaction, so it sees one snapshot, a page of rows at a time.
func (s *Store) Dump(ctx context.Context, fn func(model.Record) error) error {
	op := fmt.Sprintf("dump %s", s.name)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return opError(op, err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	// A script put before its owner's first entry or session has no owner row.
	rows, err := tx.Query(ctx, `SELECT a.owner, coalesce(o.languages, '{}'), coalesce(o.picked_model, ''),
	coalesce(o.last_entry, 0), coalesce(o.last_session, 0)
FROM (SELECT owner FROM owners UNION SELECT owner FROM scripts) a LEFT JOIN owners o ON o.owner = a.owner
ORDER BY a.owner COLLATE "C"`)
	if err != nil {
		return opError(op, err)
	}
	owners, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (model.OwnerInfo, error) {
		var (
			info         model.OwnerInfo
			owner        string
			langs        []string
			entry, sessn int64
		)
		err := r.Scan(&owner, &langs, &info.PickedModel, &entry, &sessn)
		info.Owner, info.LastEntry, info.LastSession = model.Owner(owner), uint64(entry), uint64(sessn)
		for _, l := range langs {
			info.Languages = append(info.Languages, model.Language(l))
		}
		return info, err
	})
	if err != nil {
		return opError(op, err)
	}
	for _, info := range owners {
		if err := fn(model.Record{Owner: &info}); err != nil {
			return err
		}
		if err := dumpOwner(ctx, tx, info.Owner, fn); err != nil {
			return err
		}
	}
	return nil
}

// dumpOwner streams one owner's sessions, scripts and entries, a page at a time.
func dumpOwner(ctx context.Context, tx pgx.Tx, owner model.Owner, fn func(model.Record) error) error {
	o := string(owner)
	for after := int64(0); ; {
		rows, err := tx.Query(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE owner = $1 AND id > $2 ORDER BY id LIMIT $3`, o, after, dumpPage)
		if err != nil {
			return opError(fmt.Sprintf("dump sessions of %q", owner), err)
		}
		page, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (model.Session, error) { return scanSession(r, owner) })
		if err != nil {
			return opError(fmt.Sprintf("dump sessions of %q", owner), err)
		}
		for i := range page {
			if err := fn(model.Record{Session: &page[i]}); err != nil {
				return err
			}
		}
		if len(page) < dumpPage {
			break
		}
		after = int64(page[len(page)-1].ID)
	}
	for after := ""; ; {
		rows, err := tx.Query(ctx, `SELECT `+scriptColumns+` FROM scripts WHERE owner = $1 AND id > $2 COLLATE "C"
ORDER BY id COLLATE "C" LIMIT $3`, o, after, dumpPage)
		if err != nil {
			return opError(fmt.Sprintf("dump scripts of %q", owner), err)
		}
		page, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (model.Script, error) { return scanScript(r, owner) })
		if err != nil {
			return opError(fmt.Sprintf("dump scripts of %q", owner), err)
		}
		for i := range page {
			if err := fn(model.Record{Script: &page[i]}); err != nil {
				return err
			}
		}
		if len(page) < dumpPage {
			break
		}
		after = page[len(page)-1].ID
	}
	for after := int64(0); ; {
		rows, err := tx.Query(ctx, `SELECT `+entryColumns+` FROM entries WHERE owner = $1 AND id > $2 ORDER BY id LIMIT $3`, o, after, dumpPage)
		if err != nil {
			return opError(fmt.Sprintf("dump entries of %q", owner), err)
		}
		page, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (model.Entry, error) { return scanEntry(r, owner) })
		if err != nil {
			return opError(fmt.Sprintf("dump entries of %q", owner), err)
		}
		for i := range page {
			if err := fn(model.Record{Entry: &page[i]}); err != nil {
				return err
			}
		}
		if len(page) < dumpPage {
			return nil
		}
		after = int64(page[len(page)-1].ID)
	}
}

// Empty reports whether the database holds no owner, session, script or entry.
func (s *Store) Empty(ctx context.Context) (bool, error) {
	op := fmt.Sprintf("look into %s", s.name)
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("%s: %w", op, err)
	}
	var held bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM owners) OR EXISTS (SELECT 1 FROM sessions)
	OR EXISTS (SELECT 1 FROM scripts) OR EXISTS (SELECT 1 FROM entries)`).Scan(&held)
	if err != nil {
		return false, opError(op, err)
	}
	return !held, nil
}

// Load writes a batch of records in one transaction (see storage.Loader): sessions,
// scripts and entries with COPY, each entry with the columns Begin, Finish and Approve
// derive for the memory and search indexes; then the owners' sequences are moved past the
// ids loaded.
func (s *Store) Load(ctx context.Context, batch []model.Record) error {
	op := fmt.Sprintf("load into %s", s.name)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	var (
		infos              []model.OwnerInfo
		sessions, scripts  [][]any
		entries            [][]any
		lastEntry, lastSes = map[model.Owner]uint64{}, map[model.Owner]uint64{}
	)
	for _, r := range batch {
		switch {
		case r.Owner != nil:
			if err := checkOwner(r.Owner.Owner); err != nil {
				return fmt.Errorf("%s: %w", op, err)
			}
			infos = append(infos, *r.Owner)
		case r.Session != nil:
			sess := r.Session
			if err := checkOwner(sess.Owner); err != nil {
				return fmt.Errorf("%s: %w", op, err)
			}
			lastSes[sess.Owner] = max(lastSes[sess.Owner], sess.ID)
			sessions = append(sessions, []any{string(sess.Owner), int64(sess.ID), sess.Origin, sess.ScriptID,
				dbTime(sess.Started), dbTime(sess.Updated), sess.Title, string(sess.From), string(sess.To),
				int32(sess.Entries), int64(sess.LastGroup)})
		case r.Script != nil:
			row, err := scriptRow(*r.Script)
			if err != nil {
				return fmt.Errorf("%s: %w", op, err)
			}
			scripts = append(scripts, row)
		case r.Entry != nil:
			e := r.Entry
			if err := checkOwner(e.Owner); err != nil {
				return fmt.Errorf("%s: %w", op, err)
			}
			if !e.Status.Final() {
				return fmt.Errorf("%s: owner %q entry %d: status %q is not final", op, e.Owner, e.ID, e.Status)
			}
			lastEntry[e.Owner] = max(lastEntry[e.Owner], e.ID)
			entries = append(entries, entryRow(*e))
		}
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		for _, info := range infos {
			langs := make([]string, 0, len(info.Languages))
			for _, l := range info.Languages {
				langs = append(langs, string(l))
			}
			if _, err := tx.Exec(ctx, `INSERT INTO owners (owner, last_entry, last_session, languages, picked_model)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (owner) DO UPDATE SET last_entry = greatest(owners.last_entry, EXCLUDED.last_entry),
	last_session = greatest(owners.last_session, EXCLUDED.last_session),
	languages = EXCLUDED.languages, picked_model = EXCLUDED.picked_model`,
				string(info.Owner), int64(info.LastEntry), int64(info.LastSession), langs, info.PickedModel); err != nil {
				return err
			}
		}
		for _, table := range []struct {
			name string
			cols []string
			rows [][]any
		}{
			{"sessions", sessionCopyColumns, sessions},
			{"scripts", scriptCopyColumns, scripts},
			{"entries", entryCopyColumns, entries},
		} {
			if len(table.rows) == 0 {
				continue
			}
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{table.name}, table.cols, pgx.CopyFromRows(table.rows)); err != nil {
				return fmt.Errorf("copy %s: %w", table.name, err)
			}
		}
		owners := make([]model.Owner, 0, len(lastEntry)+len(lastSes))
		for o := range lastEntry {
			owners = append(owners, o)
		}
		for o := range lastSes {
			if _, ok := lastEntry[o]; !ok {
				owners = append(owners, o)
			}
		}
		slices.Sort(owners)
		for _, o := range owners {
			if _, err := tx.Exec(ctx, `INSERT INTO owners (owner, last_entry, last_session) VALUES ($1, $2, $3)
ON CONFLICT (owner) DO UPDATE SET last_entry = greatest(owners.last_entry, EXCLUDED.last_entry),
	last_session = greatest(owners.last_session, EXCLUDED.last_session)`,
				string(o), int64(lastEntry[o]), int64(lastSes[o])); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return opError(op, err)
	}
	return nil
}

var sessionCopyColumns = []string{"owner", "id", "origin", "script_id", "started", "updated", "title",
	"from_lang", "to_lang", "entries", "last_group"}

var scriptCopyColumns = []string{"owner", "id", "created", "updated", "from_lang", "to_lang", "entries",
	"glossary", "context", "last_group"}

// scriptRow is a script as a row of scriptCopyColumns, checked as PutScript checks it.
func scriptRow(sc model.Script) ([]any, error) {
	if err := checkOwner(sc.Owner); err != nil {
		return nil, err
	}
	if err := model.CheckIdentifier("script id", sc.ID); err != nil {
		return nil, fmt.Errorf("owner %q: %w", sc.Owner, err)
	}
	var glossary []byte
	if len(sc.Glossary) > 0 {
		for _, t := range sc.Glossary {
			if err := model.CheckGlossaryTerm(t); err != nil {
				return nil, fmt.Errorf("owner %q script %q: %w", sc.Owner, sc.ID, err)
			}
		}
		var err error
		if glossary, err = json.Marshal(sc.Glossary); err != nil {
			return nil, err
		}
	}
	var context *int32
	if sc.Context != nil {
		n := int32(*sc.Context)
		context = &n
	}
	return []any{string(sc.Owner), sc.ID, dbTime(sc.Created), dbTime(sc.Updated), string(sc.From), string(sc.To),
		int32(sc.Entries), glossary, context, int64(sc.LastGroup)}, nil
}

var entryCopyColumns = []string{"owner", "id", "session_id", "script_id", "created", "finished", "from_lang",
	"to_lang", "model", "source", "translation", "clean", "refusal", "status", "finish_reason", "error",
	"error_class", "prompt_tokens", "completion_tokens", "total_tokens", "ttft_ns", "duration_ns", "flags",
	"cue_start", "cue_end", "group_id", "approved", "approved_at", "memory_of", "source_key", "reusable", "bigrams"}

// entryRow is a final entry as a row of entryCopyColumns, with source_key, reusable and
// bigrams as Begin, Finish and Approve write them.
func entryRow(e model.Entry) []any {
	var cueStart, cueEnd *int64
	if e.Cue != nil {
		cs, ce := int64(e.Cue.Start), int64(e.Cue.End)
		cueStart, cueEnd = &cs, &ce
	}
	return []any{string(e.Owner), int64(e.ID), int64(e.SessionID), e.ScriptID, dbTime(e.Created), nullTime(e.Finished),
		string(e.From), string(e.To), e.Model, e.Source, e.Text, e.Clean, e.Refusal, string(e.Status), e.Finish,
		e.Error, string(e.ErrorClass), int32(e.Usage.PromptTokens), int32(e.Usage.CompletionTokens),
		int32(e.Usage.TotalTokens), int64(e.FirstToken), int64(e.Duration), flagStrings(e.Flags), cueStart, cueEnd,
		int64(e.Group), e.Approved, nullTime(e.ApprovedAt), int64(e.Memory), sourceKey(e.Source),
		e.To != "" && reusable(e), nonNil(bigrams(e.Source, e.Text, e.Clean, e.Approved))}
}
