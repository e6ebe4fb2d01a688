package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/yeok/yeok/model"
)

// Script returns one script of owner.
func (s *Store) Script(ctx context.Context, owner model.Owner, id string) (model.Script, error) {
	op := fmt.Sprintf("script %q", id)
	if err := ctx.Err(); err != nil {
		return model.Script{}, fmt.Errorf("%s: %w", op, err)
	}
	row := s.pool.QueryRow(ctx, `SELECT `+scriptColumns+` FROM scripts WHERE owner = $1 AND id = $2`, string(owner), id)
	sc, err := scanScript(row, owner)
	if err != nil {
		return model.Script{}, opError(op, err)
	}
	return sc, nil
}

// Scripts returns all of owner's scripts, the most recently active first.
func (s *Store) Scripts(ctx context.Context, owner model.Owner) ([]model.Script, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("list scripts: %w", err)
	}
	rows, err := s.pool.Query(ctx, `SELECT `+scriptColumns+` FROM scripts WHERE owner = $1 ORDER BY updated DESC, id`, string(owner))
	if err != nil {
		return nil, opError("list scripts", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (model.Script, error) { return scanScript(r, owner) })
	if err != nil {
		return nil, opError("list scripts", err)
	}
	return out, nil
}

// PutScript creates the script sc.ID of sc.Owner or updates its settings (glossary,
// context, languages). The entry counter, the creation time and, unless sc sets them, the
// activity time and languages are kept from the stored script.
func (s *Store) PutScript(ctx context.Context, sc model.Script) error {
	op := fmt.Sprintf("put script %q", sc.ID)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if err := checkOwner(sc.Owner); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if err := model.CheckIdentifier("script id", sc.ID); err != nil {
		return fmt.Errorf("put script: %w", err)
	}
	for _, t := range sc.Glossary {
		if err := model.CheckGlossaryTerm(t); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
	}
	var glossary []byte
	if len(sc.Glossary) > 0 {
		var err error
		if glossary, err = json.Marshal(sc.Glossary); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
	}
	var context *int32
	if sc.Context != nil {
		n := int32(*sc.Context)
		context = &n
	}
	created := sc.Created
	if created.IsZero() {
		created = now()
	}
	updated := sc.Updated
	if updated.IsZero() {
		updated = created
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO scripts (owner, id, created, updated, from_lang, to_lang, entries, glossary, context, last_group)
VALUES ($1, $2, $3, $4, $5, $6, 0, $7::jsonb, $8, $9)
ON CONFLICT (owner, id) DO UPDATE SET
	updated = CASE WHEN $10 THEN scripts.updated ELSE EXCLUDED.updated END,
	from_lang = CASE WHEN EXCLUDED.from_lang = '' THEN scripts.from_lang ELSE EXCLUDED.from_lang END,
	to_lang = CASE WHEN EXCLUDED.to_lang = '' THEN scripts.to_lang ELSE EXCLUDED.to_lang END,
	glossary = EXCLUDED.glossary, context = EXCLUDED.context, last_group = EXCLUDED.last_group`,
		string(sc.Owner), sc.ID, dbTime(created), dbTime(updated), string(sc.From), string(sc.To), glossary, context,
		int64(sc.LastGroup), sc.Updated.IsZero())
	if err != nil {
		return opError(op, err)
	}
	return nil
}

// DeleteScript removes a script of owner and its entries, and takes those entries off
// their sessions' counters, in one transaction.
func (s *Store) DeleteScript(ctx context.Context, owner model.Owner, id string) error {
	op := fmt.Sprintf("delete script %q", id)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var got string
		if err := tx.QueryRow(ctx, `DELETE FROM scripts WHERE owner = $1 AND id = $2 RETURNING id`, string(owner), id).Scan(&got); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `WITH d AS (DELETE FROM entries WHERE owner = $1 AND script_id = $2 RETURNING session_id),
c AS (SELECT session_id, count(*) AS n FROM d WHERE session_id <> 0 GROUP BY session_id)
UPDATE sessions SET entries = greatest(sessions.entries - c.n, 0) FROM c WHERE sessions.owner = $1 AND sessions.id = c.session_id`,
			string(owner), id)
		return err
	})
	if err != nil {
		return opError(op, err)
	}
	return nil
}

// pairsLook is how many finished entries of a script into a target ScriptPairs reads, at
// most, to find n done ones.
func pairsLook(n int) int { return max(64, 8*n) }

// ScriptPairs returns the last n done entries of a script into the target to as context
// pairs, oldest first, with the text a person reads as the translation. Entries still
// streaming are skipped, and no more than the last pairsLook(n) finished ones are read.
func (s *Store) ScriptPairs(ctx context.Context, owner model.Owner, id string, to model.Language, n int) ([]model.Pair, error) {
	op := fmt.Sprintf("script %q pairs", id)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if n <= 0 {
		return nil, nil
	}
	list, err := s.queryEntries(ctx, owner, `SELECT `+entryColumns+` FROM entries
WHERE owner = $1 AND script_id = $2 AND to_lang = $3 AND status <> 'pending' ORDER BY id DESC LIMIT $4`,
		string(owner), id, string(to), pairsLook(n))
	if err != nil {
		return nil, opError(op, err)
	}
	var pairs []model.Pair
	for _, e := range list {
		if e.Status.OK() {
			pairs = append(pairs, model.Pair{Source: e.Source, Translation: e.Display()})
			if len(pairs) == n {
				break
			}
		}
	}
	slices.Reverse(pairs)
	return pairs, nil
}
