package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

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

// searchWalk is how many of the newest entries a paged search reads before it turns to
// the indexes: a common word fills the page from them at once, where the index would hand
// over every entry that has it; a rare one is found through the index.
const searchWalk = 500

// Entries returns owner's entries chosen by q: those of a session or a script or all of
// them, newest first unless q.Oldest, below q.Before, at most q.Limit. q.Search keeps
// entries whose source, translation, cleaned or approved translation contains the text,
// ignoring case; q.Approved those a person approved.
//
// A search reads the trigram index (three characters or more) or the bigram index (two
// letters of a script without spaces); a paged one first reads the newest searchWalk
// entries (see searchWalk) and the index only for the rest of the page.
func (s *Store) Entries(ctx context.Context, owner model.Owner, q model.EntryQuery) ([]model.Entry, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("list entries: %w", err)
	}
	if strings.ContainsRune(q.Search, 0) {
		return nil, nil // no text in the database holds a NUL
	}
	eq := newEntryQuery(owner, q)
	var out []model.Entry
	var after uint64 // with q.Oldest, the entries above it are left to read
	walk := cmp.Or(s.searchWalk, searchWalk)
	if q.Search != "" && q.Limit > 0 {
		// The newest entries first, read in order and matched one by one.
		sql := `SELECT ` + entryColumns + ` FROM (SELECT * FROM entries WHERE ` + eq.base(q.Before) +
			` ORDER BY id ` + eq.order + ` LIMIT ` + eq.arg(walk) + `) AS walk WHERE ` + eq.match(false) +
			` ORDER BY id ` + eq.order + ` LIMIT ` + eq.arg(q.Limit)
		found, err := s.queryEntries(ctx, owner, sql, eq.args...)
		if err != nil {
			return nil, opError("list entries", err)
		}
		out = found
		if len(out) == q.Limit {
			return out, nil
		}
		// Where the walk stopped: the rest comes from the index.
		eq = newEntryQuery(owner, q)
		var edge int64
		err = s.pool.QueryRow(ctx, `SELECT id FROM entries WHERE `+eq.base(q.Before)+` ORDER BY id `+eq.order+
			` OFFSET `+eq.arg(walk-1)+` LIMIT 1`, eq.args...).Scan(&edge)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return out, nil // the walk read them all
		case err != nil:
			return nil, opError("list entries", err)
		}
		q.Limit -= len(out)
		if q.Oldest {
			after = uint64(edge)
		} else {
			q.Before = uint64(edge)
		}
	}
	if utf8.RuneCountInString(q.Search) >= 3 {
		var grams []string
		err := s.pool.QueryRow(ctx, `SELECT ARRAY(SELECT unnest(show_trgm($1))
	EXCEPT SELECT unnest(show_trgm(left($1, 2)) || show_trgm(right($1, 2))))`, searchWordsOf(q.Search)).Scan(&grams)
		if err != nil {
			return nil, opError("list entries", err)
		}
		if len(grams) > 0 {
			rest, err := s.searchChunks(ctx, owner, q, after, grams)
			if err != nil {
				return nil, opError("list entries", err)
			}
			return append(out, rest...), nil
		}
	}
	eq = newEntryQuery(owner, q)
	if after != 0 {
		eq.where = append(eq.where, "id > "+eq.arg(int64(after)))
	}
	sql := `SELECT ` + entryColumns + ` FROM entries WHERE ` + eq.base(q.Before)
	if q.Search != "" {
		sql += ` AND ` + eq.match(true)
	}
	sql += ` ORDER BY id ` + eq.order
	if q.Limit > 0 {
		sql += ` LIMIT ` + eq.arg(q.Limit)
	}
	rest, err := s.queryEntries(ctx, owner, sql, eq.args...)
	if err != nil {
		return nil, opError("list entries", err)
	}
	return append(out, rest...), nil
}

// entryQuery builds the SQL of an EntryQuery, with its arguments.
type entryQuery struct {
	q     model.EntryQuery
	args  []any
	where []string
	order string
}

func newEntryQuery(owner model.Owner, q model.EntryQuery) *entryQuery {
	eq := &entryQuery{q: q, order: "DESC"}
	if q.Oldest {
		eq.order = "ASC"
	}
	eq.where = append(eq.where, "owner = "+eq.arg(string(owner)))
	if q.SessionID != 0 {
		eq.where = append(eq.where, "session_id = "+eq.arg(int64(q.SessionID)))
	}
	if q.ScriptID != "" {
		eq.where = append(eq.where, "script_id = "+eq.arg(q.ScriptID))
	}
	if q.Approved {
		eq.where = append(eq.where, "approved <> ''")
	}
	return eq
}

// arg adds an argument and returns its placeholder.
func (eq *entryQuery) arg(v any) string {
	eq.args = append(eq.args, v)
	return fmt.Sprintf("$%d", len(eq.args))
}

// base is the condition without the search, below before when it is not zero.
func (eq *entryQuery) base(before uint64) string {
	w := slices.Clone(eq.where)
	if before != 0 {
		w = append(w, "id < "+eq.arg(int64(min(before, 1<<63-1))))
	}
	return strings.Join(w, " AND ")
}

// match is the search condition. ***= makes the rest of a regular expression a literal
// string and ~* ignores case. With indexed, two letters of a script without spaces are
// looked up in the bigram index; otherwise the expression is spelt so that the planner
// reads no index on it (a text of three characters or more goes through searchChunks).
func (eq *entryQuery) match(indexed bool) string {
	search := eq.q.Search
	p := eq.arg("***=" + search)
	var m string
	switch {
	case indexed && len(bigrams(search)) > 0:
		m = fmt.Sprintf("bigrams @> %s AND (%s || '') ~* %s", eq.arg(bigrams(search)), searchDoc, p)
	default:
		m = fmt.Sprintf("(%s || '') ~* %s", searchDoc, p)
	}
	if strings.Contains(search, "\x1f") {
		m += fmt.Sprintf(" AND (source ~* %s OR translation ~* %s OR clean ~* %s OR approved ~* %s)", p, p, p, p)
	}
	return m
}

// searchChunks returns the entries of owner that q chooses, whose search trigrams (the
// trigrams of searchWordsOf(q.Search) but those at its two ends, which a text holding
// it inside a word lacks) are grams, above after. It reads the search index one chunk at a
// time, the newest first (the oldest with q.Oldest), and stops when it has q.Limit
// entries: a common text fills its page from the newest chunk's posting lists alone. The
// id bounds are spelt so that the planner does not read the primary key for them, which
// would hand over every entry of the chunk.
func (s *Store) searchChunks(ctx context.Context, owner model.Owner, q model.EntryQuery, after uint64, grams []string) ([]model.Entry, error) {
	sql, args := chunkQuery(owner, q, after, grams)
	found, err := s.queryEntries(ctx, owner, sql, args...)
	if err != nil {
		return nil, err
	}
	// The chunks come in order and each in order; sorting keeps that true whatever plan
	// the server picks.
	slices.SortFunc(found, func(a, b model.Entry) int {
		if q.Oldest {
			return cmp.Compare(a.ID, b.ID)
		}
		return cmp.Compare(b.ID, a.ID)
	})
	return found, nil
}

// chunkQuery is searchChunks' statement, with its arguments.
func chunkQuery(owner model.Owner, q model.EntryQuery, after uint64, grams []string) (string, []any) {
	eq := newEntryQuery(owner, q)
	where := slices.Clone(eq.where)
	hi := `(SELECT last_entry FROM owners WHERE owner = $1)`
	if q.Before != 0 {
		b := eq.arg(int64(min(q.Before, 1<<63-1)))
		where = append(where, "id + 0 < "+b)
		hi = "LEAST(" + b + " - 1, " + hi + ")"
	}
	lo := "0"
	if after != 0 {
		lo = eq.arg(int64(after))
		where = append(where, "id + 0 > "+lo)
	}
	shift := fmt.Sprint(searchChunkShift)
	series := fmt.Sprintf("generate_series((%s) >> %s, %s >> %s, -1)", hi, shift, lo, shift)
	if q.Oldest {
		series = fmt.Sprintf("generate_series(%s >> %s, (%s) >> %s)", lo, shift, hi, shift)
	}
	where = append(where, "id + 0 >= k << "+shift, "id + 0 < (k + 1) << "+shift,
		fmt.Sprintf("%s @> ARRAY(SELECT hashtextextended(g, k) FROM unnest(%s::text[]) AS g)", searchTerms, eq.arg(grams)),
		eq.match(false))
	limit := ""
	if q.Limit > 0 {
		limit = ` LIMIT ` + eq.arg(q.Limit)
	}
	sql := `SELECT e.* FROM ` + series + ` AS k CROSS JOIN LATERAL (SELECT ` + entryColumns + ` FROM entries WHERE ` +
		strings.Join(where, " AND ") + ` ORDER BY id ` + eq.order + limit + `) AS e` + limit
	return sql, eq.args
}

// searchWordsOf spells a search text as searchWords spells the text it searches.
func searchWordsOf(search string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\n', '\r':
			return wordJoin
		}
		return r
	}, search)
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
