package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/yeok/yeok/model"
)

// NewSession stores sess as a new session of owner and returns it with its id (the owner's
// next session number) and with Started and Updated set to now when they were zero. The
// entry counter starts at zero whatever sess says.
func (s *Store) NewSession(ctx context.Context, owner model.Owner, sess model.Session) (model.Session, error) {
	if err := ctx.Err(); err != nil {
		return model.Session{}, fmt.Errorf("new session: %w", err)
	}
	if err := checkOwner(owner); err != nil {
		return model.Session{}, fmt.Errorf("new session: %w", err)
	}
	t := now()
	if sess.Started.IsZero() {
		sess.Started = t
	}
	if sess.Updated.IsZero() {
		sess.Updated = t
	}
	row := s.pool.QueryRow(ctx, `WITH o AS (
	INSERT INTO owners (owner, last_session) VALUES ($1, 1)
	ON CONFLICT (owner) DO UPDATE SET last_session = owners.last_session + 1 RETURNING last_session)
INSERT INTO sessions (owner, id, origin, script_id, started, updated, title, from_lang, to_lang, entries, last_group)
SELECT $1, o.last_session, $2, $3, $4, $5, $6, $7, $8, 0, $9 FROM o RETURNING `+sessionColumns,
		string(owner), sess.Origin, sess.ScriptID, dbTime(sess.Started), dbTime(sess.Updated), sess.Title,
		string(sess.From), string(sess.To), int64(sess.LastGroup))
	out, err := scanSession(row, owner)
	if err != nil {
		return model.Session{}, opError("new session", err)
	}
	return out, nil
}

// Session returns one session of owner.
func (s *Store) Session(ctx context.Context, owner model.Owner, id uint64) (model.Session, error) {
	op := fmt.Sprintf("session %d", id)
	if err := ctx.Err(); err != nil {
		return model.Session{}, fmt.Errorf("%s: %w", op, err)
	}
	row := s.pool.QueryRow(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE owner = $1 AND id = $2`, string(owner), int64(id))
	sess, err := scanSession(row, owner)
	if err != nil {
		return model.Session{}, opError(op, err)
	}
	return sess, nil
}

// Sessions returns owner's sessions, the most recently active first, at most limit of them
// (all when limit <= 0).
func (s *Store) Sessions(ctx context.Context, owner model.Owner, limit int) ([]model.Session, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	sql := `SELECT ` + sessionColumns + ` FROM sessions WHERE owner = $1 ORDER BY updated DESC, id DESC`
	args := []any{string(owner)}
	if limit > 0 {
		sql += ` LIMIT $2`
		args = append(args, limit)
	}
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, opError("list sessions", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (model.Session, error) { return scanSession(r, owner) })
	if err != nil {
		return nil, opError("list sessions", err)
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
// their scripts' counters, in one transaction.
func (s *Store) DeleteSession(ctx context.Context, owner model.Owner, id uint64) error {
	op := fmt.Sprintf("delete session %d", id)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var got int64
		if err := tx.QueryRow(ctx, `DELETE FROM sessions WHERE owner = $1 AND id = $2 RETURNING id`, string(owner), int64(id)).Scan(&got); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `WITH d AS (DELETE FROM entries WHERE owner = $1 AND session_id = $2 RETURNING script_id),
c AS (SELECT script_id, count(*) AS n FROM d WHERE script_id <> '' GROUP BY script_id)
UPDATE scripts SET entries = greatest(scripts.entries - c.n, 0) FROM c WHERE scripts.owner = $1 AND scripts.id = c.script_id`,
			string(owner), int64(id))
		return err
	})
	if err != nil {
		return opError(op, err)
	}
	return nil
}
