package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/yeok/yeok/model"
)

// writeTimeout bounds one group of Begins: the callers' contexts are not used for it, since
// a group serves many callers and a row it wrote must be returned to its caller.
const writeTimeout = 30 * time.Second

// beginGroup lets Begins share transactions. The first Begin writes at once; those that
// arrive while it is being written wait, and when it is done the oldest of them writes all
// that are waiting together. So one round trip at a time is in flight per store, and as many
// Begins as arrived during the last one go in the next.
type beginGroup struct {
	mu    sync.Mutex
	busy  bool
	queue []*beginCall
	// flushes and begins count the groups written and the Begins in them, for benchmarks.
	flushes, begins atomic.Int64
}

// beginCall is one Begin waiting for its group.
type beginCall struct {
	req   model.Request
	entry model.Entry
	err   error
	done  chan struct{} // closed when the entry is written or failed
	lead  chan struct{} // closed when this call is to write the waiting ones
}

// run writes c, alone or with others, by flush.
func (g *beginGroup) run(c *beginCall, flush func([]*beginCall)) {
	g.mu.Lock()
	g.queue = append(g.queue, c)
	if g.busy {
		g.mu.Unlock()
		select {
		case <-c.done:
			return
		case <-c.lead:
		}
		g.mu.Lock()
	} else {
		g.busy = true
	}
	batch := g.queue
	g.queue = nil
	g.mu.Unlock()
	g.flushes.Add(1)
	g.begins.Add(int64(len(batch)))
	flush(batch)
	g.mu.Lock()
	if len(g.queue) > 0 {
		close(g.queue[0].lead)
	} else {
		g.busy = false
	}
	g.mu.Unlock()
}

// Begin logs req as a pending entry, committed before it returns: the same transaction
// bumps the session's and the script's activity and counters (creating the script on its
// first use). A SessionID of zero logs the entry outside any session; a non-zero one must
// exist. Begins under way at once share a transaction (see beginGroup).
func (s *Store) Begin(ctx context.Context, req model.Request) (model.Entry, error) {
	if err := ctx.Err(); err != nil {
		return model.Entry{}, fmt.Errorf("begin entry: %w", err)
	}
	if err := checkOwner(req.Owner); err != nil {
		return model.Entry{}, fmt.Errorf("begin entry: %w", err)
	}
	if req.ScriptID != "" {
		if err := model.CheckIdentifier("script id", req.ScriptID); err != nil {
			return model.Entry{}, fmt.Errorf("begin entry: %w", err)
		}
	}
	c := &beginCall{req: req, done: make(chan struct{}), lead: make(chan struct{})}
	s.group.run(c, s.flushBegins)
	if c.err != nil {
		return model.Entry{}, fmt.Errorf("begin entry: %w", c.err)
	}
	return c.entry, nil
}

// flushBegins writes a group of Begins in one transaction. A call naming a missing session
// fails alone and the rest are written again without it; a group that fails otherwise is
// written one call at a time, so one bad request fails only its own Begin.
func (s *Store) flushBegins(batch []*beginCall) {
	defer func() {
		for _, c := range batch {
			close(c.done)
		}
	}()
	ctx, cancel := context.WithTimeout(s.ctx, writeTimeout)
	defer cancel()
	live := slices.Clone(batch)
	for attempt := 0; len(live) > 0; attempt++ {
		missing, err := s.writeBegins(ctx, live)
		switch {
		case err == nil && len(missing) == 0:
			return
		case len(missing) > 0:
			for _, c := range missing {
				c.err = fmt.Errorf("session %d: %w", c.req.SessionID, model.ErrNotFound)
			}
			live = slices.DeleteFunc(live, func(c *beginCall) bool { return c.err != nil })
		case retryable(err) && attempt < 5:
		case len(live) > 1:
			for _, c := range live {
				switch missing, err := s.writeBegins(ctx, []*beginCall{c}); {
				case err != nil:
					c.err = dbError(err)
				case len(missing) > 0:
					c.err = fmt.Errorf("session %d: %w", c.req.SessionID, model.ErrNotFound)
				}
			}
			return
		default:
			live[0].err = dbError(err)
			return
		}
	}
}

// isDivisionByZero reports the error a Begin naming a missing session gets in a batch.
func isDivisionByZero(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "22012"
}

// retryable reports a transaction PostgreSQL aborted for a conflict with another one.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40P01" || pe.Code == "40001")
}

// writeBegins writes calls in one transaction sent as one batch (one round trip), taking
// row locks in one order (owners, then sessions, then scripts, each sorted) so that groups
// written by several processes at once do not deadlock. It returns a call whose session
// does not exist, having written nothing, or nil having committed and filled in every
// call's entry.
func (s *Store) writeBegins(ctx context.Context, calls []*beginCall) ([]*beginCall, error) {
	t := now()
	owners := map[model.Owner][]*beginCall{}
	var ownerNames []model.Owner
	for _, c := range calls {
		if owners[c.req.Owner] == nil {
			ownerNames = append(ownerNames, c.req.Owner)
		}
		owners[c.req.Owner] = append(owners[c.req.Owner], c)
	}
	slices.Sort(ownerNames)
	bySession := slices.Clone(calls)
	bySession = slices.DeleteFunc(bySession, func(c *beginCall) bool { return c.req.SessionID == 0 })
	slices.SortStableFunc(bySession, func(a, b *beginCall) int {
		return cmp.Or(strings.Compare(string(a.req.Owner), string(b.req.Owner)), cmp.Compare(a.req.SessionID, b.req.SessionID))
	})
	byScript := slices.Clone(calls)
	byScript = slices.DeleteFunc(byScript, func(c *beginCall) bool { return c.req.ScriptID == "" })
	slices.SortStableFunc(byScript, func(a, b *beginCall) int {
		return cmp.Or(strings.Compare(string(a.req.Owner), string(b.req.Owner)), strings.Compare(a.req.ScriptID, b.req.ScriptID))
	})

	b := &pgx.Batch{}
	for _, o := range ownerNames {
		b.Queue(`INSERT INTO owners (owner, last_entry) VALUES ($1, $2)
ON CONFLICT (owner) DO UPDATE SET last_entry = owners.last_entry + EXCLUDED.last_entry RETURNING last_entry`,
			string(o), len(owners[o]))
	}
	for _, c := range bySession {
		r := c.req
		// A missing session divides by zero, which fails the batch: the caller then
		// knows which Begin named it.
		b.Queue(`WITH touched AS (UPDATE sessions SET updated = $3, entries = entries + 1,
	title = CASE WHEN title = '' THEN $4 ELSE title END,
	script_id = CASE WHEN script_id = '' THEN $5 ELSE script_id END,
	from_lang = CASE WHEN $6::bigint = 0 OR $6::bigint <> last_group THEN $7 ELSE from_lang END,
	to_lang = CASE WHEN $6::bigint = 0 OR $6::bigint <> last_group THEN $8 ELSE to_lang END,
	last_group = CASE WHEN $6::bigint = 0 OR $6::bigint <> last_group THEN $6::bigint ELSE last_group END
WHERE owner = $1 AND id = $2 RETURNING id)
SELECT 1 / count(*) FROM touched`,
			string(r.Owner), int64(r.SessionID), t, model.Title(r.Source, 60), r.ScriptID, int64(r.Group), string(r.From), string(r.To))
	}
	for _, c := range byScript {
		r := c.req
		b.Queue(`INSERT INTO scripts (owner, id, created, updated, from_lang, to_lang, entries, last_group)
VALUES ($1, $2, $3, $3, $4, $5, 1, $6)
ON CONFLICT (owner, id) DO UPDATE SET updated = $3, entries = scripts.entries + 1,
	from_lang = CASE WHEN $6::bigint = 0 OR $6::bigint <> scripts.last_group THEN $4 ELSE scripts.from_lang END,
	to_lang = CASE WHEN $6::bigint = 0 OR $6::bigint <> scripts.last_group THEN $5 ELSE scripts.to_lang END,
	last_group = CASE WHEN $6::bigint = 0 OR $6::bigint <> scripts.last_group THEN $6::bigint ELSE scripts.last_group END`,
			string(r.Owner), r.ScriptID, t, string(r.From), string(r.To), int64(r.Group))
	}
	for _, o := range ownerNames {
		list := owners[o]
		for i, c := range list {
			r := c.req
			var cueStart, cueEnd *int64
			if r.Cue != nil {
				cs, ce := int64(r.Cue.Start), int64(r.Cue.End)
				cueStart, cueEnd = &cs, &ce
			}
			b.Queue(`INSERT INTO entries (owner, id, session_id, script_id, created, from_lang, to_lang, model, source,
	status, cue_start, cue_end, group_id, source_key, lease, bigrams)
VALUES ($1, (SELECT last_entry FROM owners WHERE owner = $1) - $2, $3, $4, $5, $6, $7, $8, $9, 'pending', $10, $11, $12, $13, $14, $15)`,
				string(r.Owner), len(list)-1-i, int64(r.SessionID), r.ScriptID, t, string(r.From), string(r.To), r.Model, r.Source,
				cueStart, cueEnd, int64(r.Group), sourceKey(r.Source), s.lease.id, nonNil(bigrams(r.Source)))
		}
	}

	// A batch outside a transaction runs as one implicit transaction: one round trip,
	// and nothing of it is committed when a statement fails.
	br := s.pool.SendBatch(ctx, b)
	last := map[model.Owner]int64{}
	var missing []*beginCall
	err := func() error {
		for _, o := range ownerNames {
			var id int64
			if err := br.QueryRow().Scan(&id); err != nil {
				return err
			}
			last[o] = id
		}
		for _, c := range bySession {
			if _, err := br.Exec(); err != nil {
				if isDivisionByZero(err) {
					missing = append(missing, c)
				}
				return err
			}
		}
		for range len(byScript) + len(calls) {
			if _, err := br.Exec(); err != nil {
				return err
			}
		}
		return nil
	}()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if len(missing) > 0 {
		return missing, nil
	}
	if err != nil {
		return nil, err
	}
	for _, o := range ownerNames {
		list := owners[o]
		for i, c := range list {
			r := c.req
			c.entry = model.Entry{
				ID: uint64(last[o]) - uint64(len(list)-1-i), Owner: r.Owner, SessionID: r.SessionID, ScriptID: r.ScriptID,
				Created: t, From: r.From, To: r.To, Model: r.Model, Source: r.Source,
				Status: model.StatusPending, Group: r.Group,
			}
			if r.Cue != nil {
				cue := *r.Cue
				c.entry.Cue = &cue
			}
		}
	}
	return nil, nil
}

// Finish stores the outcome of an entry in one statement and releases it from this
// process's lease. The caller has applied the result (e.Apply) and may have set Clean and
// Flags; the entry's identity (session, script, source, creation time) is kept as logged.
// e.Status must be final. It returns the entry as stored.
func (s *Store) Finish(ctx context.Context, e model.Entry) (model.Entry, error) {
	op := fmt.Sprintf("finish entry %d", e.ID)
	if err := ctx.Err(); err != nil {
		return model.Entry{}, fmt.Errorf("%s: %w", op, err)
	}
	if err := checkOwner(e.Owner); err != nil {
		return model.Entry{}, fmt.Errorf("%s: %w", op, err)
	}
	if !e.Status.Final() {
		return model.Entry{}, fmt.Errorf("%s: status %q is not final", op, e.Status)
	}
	modelSide := e
	modelSide.Approved = ""
	row := s.pool.QueryRow(ctx, `UPDATE entries SET finished = $3, translation = $4, clean = $5, refusal = $6,
	status = $7, finish_reason = $8, error = $9, error_class = $10, prompt_tokens = $11,
	completion_tokens = $12, total_tokens = $13, ttft_ns = $14, duration_ns = $15, flags = $16,
	memory_of = $17, model = CASE WHEN $18 = '' THEN model ELSE $18 END, lease = NULL,
	reusable = to_lang <> '' AND (approved <> '' OR $19),
	bigrams = ARRAY(SELECT DISTINCT unnest(bigrams || $20::text[]))
WHERE owner = $1 AND id = $2 RETURNING `+entryColumns,
		string(e.Owner), int64(e.ID), nullTime(e.Finished), e.Text, e.Clean, e.Refusal,
		string(e.Status), e.Finish, e.Error, string(e.ErrorClass), e.Usage.PromptTokens,
		e.Usage.CompletionTokens, e.Usage.TotalTokens, int64(e.FirstToken), int64(e.Duration), flagStrings(e.Flags),
		int64(e.Memory), e.Model, reusable(modelSide), nonNil(bigrams(e.Text, e.Clean)))
	out, err := scanEntry(row, e.Owner)
	if err != nil {
		return model.Entry{}, opError(op, err)
	}
	return out, nil
}

// nonNil stores no strings as an empty array, never NULL.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
