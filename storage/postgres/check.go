package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/yeok/yeok/model"
)

// maxProblems caps how many problems Check describes.
const maxProblems = 50

// invariants are the queries Check runs: each returns one line per problem found.
var invariants = []string{
	`SELECT format('session %s of %L counts %s entries, has %s', s.id, s.owner, s.entries, count(e.id))
FROM sessions s LEFT JOIN entries e ON e.owner = s.owner AND e.session_id = s.id
GROUP BY s.owner, s.id, s.entries HAVING s.entries <> count(e.id)`,
	`SELECT format('script %L of %L counts %s entries, has %s', s.id, s.owner, s.entries, count(e.id))
FROM scripts s LEFT JOIN entries e ON e.owner = s.owner AND e.script_id = s.id
GROUP BY s.owner, s.id, s.entries HAVING s.entries <> count(e.id)`,
	`SELECT format('%s entries of %L belong to session %s, which does not exist', count(*), e.owner, e.session_id)
FROM entries e WHERE e.session_id <> 0
	AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.owner = e.owner AND s.id = e.session_id)
GROUP BY e.owner, e.session_id`,
	`SELECT format('%s entries of %L belong to script %L, which does not exist', count(*), e.owner, e.script_id)
FROM entries e WHERE e.script_id <> ''
	AND NOT EXISTS (SELECT 1 FROM scripts s WHERE s.owner = e.owner AND s.id = e.script_id)
GROUP BY e.owner, e.script_id`,
	`SELECT format('entry %s of %L has status %L but lease %L', id, owner, status, lease)
FROM entries WHERE (status = 'pending') <> (lease IS NOT NULL)`,
	`SELECT format('entry %s of %L is in the memory but may not be reused', id, owner)
FROM entries WHERE reusable AND (to_lang = '' OR (approved = '' AND status <> 'done'))`,
	`SELECT format('owner %L has entry %s beyond its sequence %s', o.owner, max(e.id), o.last_entry)
FROM owners o JOIN entries e ON e.owner = o.owner GROUP BY o.owner, o.last_entry HAVING max(e.id) > o.last_entry`,
	`SELECT format('owner %L has session %s beyond its sequence %s', o.owner, max(s.id), o.last_session)
FROM owners o JOIN sessions s ON s.owner = o.owner GROUP BY o.owner, o.last_session HAVING max(s.id) > o.last_session`,
	`SELECT format('entries of %L have no owner row', e.owner) FROM entries e
WHERE NOT EXISTS (SELECT 1 FROM owners o WHERE o.owner = e.owner) GROUP BY e.owner`,
}

// Check verifies the schema version and the store's invariants: counters match, every
// entry's session and script exist, pending rows hold a lease and only they do, the memory
// holds only reusable entries, and the id sequences are ahead of the ids. It reads every
// entry. The error, which wraps model.ErrStoreCorrupt, lists one problem a line.
func (s *Store) Check(ctx context.Context) error {
	op := fmt.Sprintf("check %s", s.name)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	var problems []error
	var version int
	if err := s.pool.QueryRow(ctx, `SELECT version FROM yeok_schema`).Scan(&version); err != nil {
		problems = append(problems, fmt.Errorf("schema version cannot be read: %v", dbError(err)))
	} else if version != schemaVersion() {
		problems = append(problems, fmt.Errorf("schema version is %d, this yeok writes %d", version, schemaVersion()))
	}
	for _, q := range invariants {
		rows, err := s.pool.Query(ctx, q+` LIMIT `+fmt.Sprint(maxProblems))
		if err != nil {
			return opError(op, err)
		}
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				rows.Close()
				return opError(op, err)
			}
			if len(problems) < maxProblems {
				problems = append(problems, errors.New(model.SanitizeLine(line)))
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return opError(op, err)
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s: %w:\n%w", op, model.ErrStoreCorrupt, errors.Join(problems...))
	}
	return nil
}
