// Package postgres keeps yeok's log in PostgreSQL, for a team that runs several `yeok serve`
// replicas over one store. It satisfies the same contract as the bbolt store in package
// storage (storage/storagetest runs against both), and no pgx type leaves it.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/yeok/yeok/model"
)

// DefaultLeaseTTL is how long a process's pending entries stay pending after its last
// heartbeat before another process marks them interrupted.
const DefaultLeaseTTL = 30 * time.Second

// interruptedMessage is the error an entry gets when its process died before finishing it.
const interruptedMessage = "yeok stopped before the answer finished"

// Options tune Open.
type Options struct {
	// LeaseTTL is how long this process's pending entries survive it without a heartbeat;
	// zero means DefaultLeaseTTL. Heartbeats are sent every third of it.
	LeaseTTL time.Duration
	// MaxConns caps the connection pool; zero leaves pgx's default (4 or the CPU count,
	// whichever is more), or pool_max_conns in the URL.
	MaxConns int32
}

// Store is the PostgreSQL-backed log. It is safe for concurrent use by many goroutines and
// by many processes on many machines over one database.
//
// Schema (version in yeok_schema, advanced by the migrations in schema.go at Open):
//
//	yeok_schema  version                               one row
//	owners       owner PK, last_entry, last_session,   per-owner id sequences and settings
//	             languages text[], picked_model
//	sessions     (owner, id) PK, origin, script_id, started, updated, title, from_lang,
//	             to_lang, entries, last_group          index (owner, updated DESC, id DESC)
//	scripts      (owner, id) PK, created, updated, from_lang, to_lang, entries,
//	             glossary jsonb, context, last_group
//	entries      (owner, id) PK, session_id (0: none), script_id ('': none), created,
//	             finished, languages, model, source, translation, clean, refusal, status,
//	             finish_reason, error, error_class, usage, ttft_ns, duration_ns, flags,
//	             cue_start, cue_end, group_id, approved, approved_at, memory_of,
//	             source_key, reusable, lease, bigrams
//	             indexes: (owner, session_id, id), (owner, script_id, id),
//	             memory (owner, to_lang, source_key, id) WHERE reusable,
//	             pending (lease) WHERE status = 'pending',
//	             terms GIN over yeok_search_terms: the pg_trgm trigrams of source,
//	             translation, clean and approved, spaces made a letter, hashed with
//	             the id's chunk of 65,536,
//	             bigrams GIN over the bigrams array
//	leases       id PK, host, pid, started, expires    one row per open store
//
// Ids are per owner, as in the bbolt store, so a log moves between the two with its ids:
// owners.last_entry and last_session are the sequences, taken under the owner's row lock in
// the transaction that uses them. Every statement on an owner's data names the owner; only
// the lease sweep and Check read across owners, and they return no owner's data.
//
// Times are stored to the microsecond (PostgreSQL's precision) and returned in UTC; the
// entries, sessions and scripts this store returns carry the times it stored.
//
// Writes. Begin commits the pending row before it returns (log before stream). Begins that
// arrive while one is being written wait and then go together, in one transaction sent as
// one pgx.Batch (see beginGroup), so many streams starting at once cost a few round trips,
// not one each. Finish is one UPDATE, one implicit transaction.
//
// Pending entries and leases. Each open store holds a lease: a row in leases whose expiry
// it pushes forward every LeaseTTL/3. Begin writes the lease id on the pending row. Open
// and every heartbeat sweep: pending rows whose lease expired or is gone are marked
// interrupted. A replica killed mid-stream therefore leaves its entries pending for at most
// LeaseTTL, and never marks another live replica's entries. Close marks its own pending
// rows interrupted and drops its lease.
//
// Translation memory. source_key is the first 16 bytes of the SHA-256 of the normalised
// source (model.NormalizeSource), written by Begin; reusable is set by Finish and Approve
// (done and unflagged, or approved). Recall reads the partial index on (owner, to_lang,
// source_key) where reusable, so its cost does not grow with the log.
//
// Search. Entries with a search text matches the search expression case-insensitively
// (~* with a literal pattern). Texts of three characters or more, in every script
// (trigrams need no spaces), are looked up in a GIN index of pg_trgm's trigrams taken
// with the spaces turned into a letter, so that trigrams span words ("the morning" is
// looked for by "eꙮm" and "ꙮmo" too, which rows holding both words apart lack), each
// hashed with its entry's chunk of 65,536 ids: a search reads one chunk's posting lists at
// a time, the newest first, and stops when its page is full, so two common words together
// cost the newest chunk, not every row of the log that holds both. Two letters of a script
// written without spaces (a Korean, Chinese or Japanese word) are too short for trigrams:
// bigrams holds the pairs of adjacent non-ASCII letters of the source and translations,
// written by Begin, Finish and Approve, and its GIN index serves them. A paged search first
// reads the newest entries in order (a common word fills the page there), then the index.
// Case folding follows the database's collation: create the database with a UTF-8 locale
// (not "C") for case-insensitive search beyond ASCII. The trigram index folds as lower()
// does, ~* by a character's upper and lower case: the rare character the two fold apart
// (the long s, which ~* matches to S) may be found among the newest entries and missed
// through the index.
//
// Secrets. The password comes only from the URL, PGPASSWORD or a PGPASSFILE; it is never
// part of an error this package returns, nor of Name.
type Store struct {
	// ctx is Open's context without its cancellation: the background work (heartbeat,
	// groups of Begins that serve many callers) runs under it.
	ctx   context.Context
	pool  *pgxpool.Pool
	name  string // the URL without its password
	lease *lease
	group beginGroup
	// searchWalk replaces the package's searchWalk when not zero, for tests.
	searchWalk int
	// closeOnce guards Close.
	closeOnce sync.Once
	closeErr  error
}

// Open connects to the database at rawURL (a postgres:// URL or a keyword/value string),
// applies the migrations it lacks and takes a lease for this process's pending entries.
// A database a newer yeok migrated is refused with one line.
func Open(ctx context.Context, rawURL string, opts Options) (*Store, error) {
	red := newRedactor(rawURL)
	s, err := open(ctx, rawURL, opts)
	if err != nil {
		return nil, red.wrap(fmt.Errorf("open store %s: %w", red.name, err))
	}
	s.name = red.name
	return s, nil
}

func open(ctx context.Context, rawURL string, opts Options) (*Store, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if opts.LeaseTTL <= 0 {
		opts.LeaseTTL = DefaultLeaseTTL
	}
	cfg, err := pgxpool.ParseConfig(rawURL)
	if err != nil {
		return nil, errors.New("the database URL cannot be parsed")
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	if _, set := cfg.ConnConfig.RuntimeParams["jit"]; !set {
		// The statements read a page at a time, where compiling costs more than it saves;
		// a search's estimate counts every chunk it may read, enough to start JIT.
		cfg.ConnConfig.RuntimeParams["jit"] = "off"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, dbError(err)
	}
	s := &Store{ctx: context.WithoutCancel(ctx), pool: pool}
	if err := pool.AcquireFunc(ctx, func(c *pgxpool.Conn) error { return migrate(ctx, c.Conn()) }); err != nil {
		pool.Close()
		return nil, dbError(err)
	}
	if s.lease, err = takeLease(ctx, s.ctx, pool, opts.LeaseTTL); err != nil {
		pool.Close()
		return nil, dbError(err)
	}
	return s, nil
}

// Name is the database the store was opened from: its URL without the password.
func (s *Store) Name() string { return s.name }

// Close marks this process's pending entries interrupted, drops its lease and closes the
// connections.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.closeErr = s.lease.release(s.ctx, s.pool)
		s.pool.Close()
		if s.closeErr != nil {
			s.closeErr = fmt.Errorf("close store %s: %w", s.name, s.closeErr)
		}
	})
	return s.closeErr
}

// now is the store's clock: UTC to the microsecond, as the database keeps it.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// redactor keeps the password of a database URL out of every error Open returns.
type redactor struct {
	name   string
	secret string
}

var keywordPassword = regexp.MustCompile(`(?i)\bpassword\s*=\s*('(?:[^'\\]|\\.)*'|\S+)`)

func newRedactor(raw string) redactor {
	r := redactor{name: raw}
	if u, err := url.Parse(raw); err == nil && u.Scheme != "" {
		if pw, ok := u.User.Password(); ok {
			r.secret = pw
		}
		q := u.Query()
		if pw := q.Get("password"); pw != "" {
			r.secret = pw
			q.Set("password", "xxxxx")
			u.RawQuery = q.Encode()
		}
		if u.User != nil {
			if _, ok := u.User.Password(); ok {
				u.User = url.UserPassword(u.User.Username(), "xxxxx")
			}
		}
		r.name = u.Redacted()
		return r
	}
	if m := keywordPassword.FindStringSubmatch(raw); m != nil {
		r.secret = strings.Trim(m[1], "'")
		r.name = keywordPassword.ReplaceAllString(raw, "password=xxxxx")
		return r
	}
	if i := strings.IndexAny(raw, "@"); i >= 0 {
		// Not a URL we can read: name nothing that might hold a secret.
		r.name = "the database"
	}
	return r
}

// wrap returns err with the password replaced wherever it appears; errors.Is still sees
// the sentinels err wraps.
func (r redactor) wrap(err error) error {
	if err == nil || r.secret == "" || !strings.Contains(err.Error(), r.secret) {
		return err
	}
	return &redactedError{msg: strings.ReplaceAll(err.Error(), r.secret, "xxxxx"), err: err}
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }

// Unwrap lets errors.Is match sentinels; the wrapped error's text is never shown.
func (e *redactedError) Unwrap() error { return unwrapSentinel(e.err) }

// unwrapSentinel returns the model sentinel err wraps, or context's, so that errors.Is
// works through a redacted error without handing out the unredacted one.
func unwrapSentinel(err error) error {
	for _, s := range []error{model.ErrNotFound, context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, s) {
			return s
		}
	}
	return nil
}

// opError wraps a database error for the operation op. A missing row becomes
// model.ErrNotFound and a context's end stays matchable; any other driver error keeps only
// its text, so no pgx type leaves the package.
func opError(op string, err error) error {
	return fmt.Errorf("%s: %w", op, dbError(err))
}

// dbError maps a driver error to what callers may match: model.ErrNotFound, a context's
// error, or plain text.
func dbError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, pgx.ErrNoRows):
		return model.ErrNotFound
	case errors.Is(err, model.ErrNotFound), errors.Is(err, model.ErrStoreCorrupt):
		return err // ours already
	case errors.Is(err, context.Canceled):
		return context.Canceled
	case errors.Is(err, context.DeadlineExceeded):
		return context.DeadlineExceeded
	}
	var own *plainError
	if errors.As(err, &own) {
		return err
	}
	return &plainError{msg: err.Error()}
}

// plainError is a driver error reduced to its text.
type plainError struct{ msg string }

func (e *plainError) Error() string { return e.msg }
