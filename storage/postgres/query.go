package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/yeok/yeok/model"
)

// maxInputScan bounds how many entries RecentInputs reads for each input it returns.
const maxInputScan = 20

// Entry returns one entry of owner.
func (s *Store) Entry(ctx context.Context, owner model.Owner, id uint64) (model.Entry, error) {
	op := fmt.Sprintf("entry %d", id)
	if err := ctx.Err(); err != nil {
		return model.Entry{}, fmt.Errorf("%s: %w", op, err)
	}
	row := s.pool.QueryRow(ctx, `SELECT `+entryColumns+` FROM entries WHERE owner = $1 AND id = $2`, string(owner), int64(id))
	e, err := scanEntry(row, owner)
	if err != nil {
		return model.Entry{}, opError(op, err)
	}
	return e, nil
}

// Entries returns owner's entries chosen by q: those of a session or a script or all of
// them, newest first unless q.Oldest, below q.Before, at most q.Limit. q.Search keeps
// entries whose source, translation, cleaned or approved translation contains the text,
// ignoring case, through the trigram index; q.Approved those a person approved.
func (s *Store) Entries(ctx context.Context, owner model.Owner, q model.EntryQuery) ([]model.Entry, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("list entries: %w", err)
	}
	var where strings.Builder
	args := []any{string(owner)}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	where.WriteString("owner = $1")
	if q.SessionID != 0 {
		where.WriteString(" AND session_id = " + arg(int64(q.SessionID)))
	}
	if q.ScriptID != "" {
		where.WriteString(" AND script_id = " + arg(q.ScriptID))
	}
	if q.Before != 0 {
		where.WriteString(" AND id < " + arg(int64(min(q.Before, 1<<63-1))))
	}
	if q.Approved {
		where.WriteString(" AND approved <> ''")
	}
	if q.Search != "" {
		p := arg("%" + escapeLike(q.Search) + "%")
		fmt.Fprintf(&where, " AND %s ILIKE %s AND (source ILIKE %s OR translation ILIKE %s OR clean ILIKE %s OR approved ILIKE %s)",
			searchDoc, p, p, p, p, p)
	}
	order := "DESC"
	if q.Oldest {
		order = "ASC"
	}
	sql := `SELECT ` + entryColumns + ` FROM entries WHERE ` + where.String() + ` ORDER BY id ` + order
	if q.Limit > 0 {
		sql += " LIMIT " + arg(q.Limit)
	}
	out, err := s.queryEntries(ctx, owner, sql, args...)
	if err != nil {
		return nil, opError("list entries", err)
	}
	return out, nil
}

// queryEntries runs a query of entryColumns.
func (s *Store) queryEntries(ctx context.Context, owner model.Owner, sql string, args ...any) ([]model.Entry, error) {
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []model.Entry
	for rows.Next() {
		e, err := scanEntry(rows, owner)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// escapeLike makes s match itself in a LIKE pattern (backslash is the default escape).
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// RecentInputs returns up to n distinct source texts of owner, the newest first.
func (s *Store) RecentInputs(ctx context.Context, owner model.Owner, n int) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("recent inputs: %w", err)
	}
	if n <= 0 {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT source FROM entries WHERE owner = $1 ORDER BY id DESC LIMIT $2`,
		string(owner), n*maxInputScan)
	if err != nil {
		return nil, opError("recent inputs", err)
	}
	sources, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, opError("recent inputs", err)
	}
	var out []string
	seen := map[string]bool{}
	for _, src := range sources {
		if !seen[src] {
			seen[src] = true
			out = append(out, src)
			if len(out) == n {
				break
			}
		}
	}
	return out, nil
}
