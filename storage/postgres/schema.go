package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// searchDoc is the text Entries searches, as one expression: the trigram index is built
// on it, and a query must spell it the same way for the planner to use it. The unit
// separator keeps a match from spanning two fields; a search text holding it is checked
// field by field as well.
const searchDoc = `(source || E'\x1f' || translation || E'\x1f' || clean || E'\x1f' || approved)`

// searchWords is searchDoc with its spaces, tabs and line breaks turned into a letter
// (U+A66E, which text rarely holds), so that pg_trgm, which takes trigrams within words,
// takes them across words too: "the morning" then has the trigrams that span the space
// ("eꙮm", "ꙮmo"), which a row holding both words apart lacks. A query is spelt the same
// way (see searchWordsOf) and then matched against searchDoc, since the letter stands for
// every kind of space and may be in the text itself.
const searchWords = `translate(` + searchDoc + `, E' \t\n\r', '` + wordJoins + `')`

// wordJoin is the letter searchWords puts in place of a space; wordJoins is one for each
// character it replaces.
const (
	wordJoin  = '\ua66e'
	wordJoins = "\ua66e\ua66e\ua66e\ua66e"
)

// searchChunkShift makes a chunk of 65,536 entry ids, the unit of the search index: an
// entry's search terms are the trigrams of searchWords hashed with its chunk
// (yeok_search_terms), so each chunk has posting lists of its own and a search reads the
// newest chunk's lists first, stopping when its page is full, rather than every list of
// the log whole. The migration's function holds the same number.
const searchChunkShift = 16

// searchTerms is the expression entries_terms indexes.
const searchTerms = `yeok_search_terms(` + searchWords + `, id)`

// migrations advance the schema one version each: migrations[0] makes version 1. A
// migration runs in the transaction that records its version, so a failed one leaves the
// schema as it was. Never edit a released migration; append another.
var migrations = []string{
	// 1: owners, sessions, scripts, entries, leases.
	`CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE owners (
	owner        text PRIMARY KEY,
	last_entry   bigint NOT NULL DEFAULT 0,
	last_session bigint NOT NULL DEFAULT 0,
	languages    text[] NOT NULL DEFAULT '{}',
	picked_model text NOT NULL DEFAULT ''
);

CREATE TABLE sessions (
	owner      text NOT NULL,
	id         bigint NOT NULL,
	origin     text NOT NULL DEFAULT '',
	script_id  text NOT NULL DEFAULT '',
	started    timestamptz NOT NULL,
	updated    timestamptz NOT NULL,
	title      text NOT NULL DEFAULT '',
	from_lang  text NOT NULL DEFAULT '',
	to_lang    text NOT NULL DEFAULT '',
	entries    integer NOT NULL DEFAULT 0,
	last_group bigint NOT NULL DEFAULT 0,
	PRIMARY KEY (owner, id)
);
CREATE INDEX sessions_activity ON sessions (owner, updated DESC, id DESC);

CREATE TABLE scripts (
	owner      text NOT NULL,
	id         text NOT NULL,
	created    timestamptz NOT NULL,
	updated    timestamptz NOT NULL,
	from_lang  text NOT NULL DEFAULT '',
	to_lang    text NOT NULL DEFAULT '',
	entries    integer NOT NULL DEFAULT 0,
	glossary   jsonb,
	context    integer,
	last_group bigint NOT NULL DEFAULT 0,
	PRIMARY KEY (owner, id)
);

CREATE TABLE leases (
	id      text PRIMARY KEY,
	host    text NOT NULL,
	pid     integer NOT NULL,
	started timestamptz NOT NULL DEFAULT now(),
	expires timestamptz NOT NULL
);

CREATE TABLE entries (
	owner             text NOT NULL,
	id                bigint NOT NULL,
	session_id        bigint NOT NULL DEFAULT 0,
	script_id         text NOT NULL DEFAULT '',
	created           timestamptz NOT NULL,
	finished          timestamptz,
	from_lang         text NOT NULL DEFAULT '',
	to_lang           text NOT NULL DEFAULT '',
	model             text NOT NULL DEFAULT '',
	source            text NOT NULL,
	translation       text NOT NULL DEFAULT '',
	clean             text NOT NULL DEFAULT '',
	refusal           text NOT NULL DEFAULT '',
	status            text NOT NULL,
	finish_reason     text NOT NULL DEFAULT '',
	error             text NOT NULL DEFAULT '',
	error_class       text NOT NULL DEFAULT '',
	prompt_tokens     integer NOT NULL DEFAULT 0,
	completion_tokens integer NOT NULL DEFAULT 0,
	total_tokens      integer NOT NULL DEFAULT 0,
	ttft_ns           bigint NOT NULL DEFAULT 0,
	duration_ns       bigint NOT NULL DEFAULT 0,
	flags             text[],
	cue_start         bigint,
	cue_end           bigint,
	group_id          bigint NOT NULL DEFAULT 0,
	approved          text NOT NULL DEFAULT '',
	approved_at       timestamptz,
	memory_of         bigint NOT NULL DEFAULT 0,
	source_key        bytea NOT NULL,
	reusable          boolean NOT NULL DEFAULT false,
	bigrams           text[] NOT NULL DEFAULT '{}',
	lease             text,
	PRIMARY KEY (owner, id)
);
CREATE INDEX entries_session ON entries (owner, session_id, id) WHERE session_id <> 0;
CREATE INDEX entries_script ON entries (owner, script_id, id) WHERE script_id <> '';
CREATE INDEX entries_memory ON entries (owner, to_lang, source_key, id) WHERE reusable;
CREATE INDEX entries_pending ON entries (lease) WHERE status = 'pending';
CREATE INDEX entries_search ON entries USING gin (` + searchDoc + ` gin_trgm_ops);
CREATE INDEX entries_bigrams ON entries USING gin (bigrams);`,
	// 2: the search index by chunk (searchChunkShift) of the trigrams across words
	// (searchWords), in place of the trigram index within words. The function's
	// search_path is the one it was made under, where pg_trgm is, since maintenance
	// commands may run it under another. A GIN build sorts in maintenance_work_mem; the
	// default 64 MB makes it spill.
	`SET LOCAL maintenance_work_mem = '256MB';
CREATE FUNCTION yeok_search_terms(words text, id bigint) RETURNS bigint[]
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT
	AS $$SELECT ARRAY(SELECT hashtextextended(g, id >> 16) FROM unnest(show_trgm(words)) AS g)$$;
CREATE INDEX entries_terms ON entries USING gin (` + searchTerms + `);
DROP INDEX entries_search;`,
}

// schemaVersion is the version this package's migrations reach.
func schemaVersion() int { return len(migrations) }

// migrationLock is the advisory lock key under which a store migrates, so two replicas
// starting together do not run the same migration twice.
const migrationLock = 0x7965_6f6b // "yeok"

// migrate brings the schema to schemaVersion, refusing a database a newer yeok wrote.
func migrate(ctx context.Context, conn *pgx.Conn) error {
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrationLock)); err != nil {
			return fmt.Errorf("lock schema: %w", err)
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS yeok_schema (version integer NOT NULL)`); err != nil {
			return fmt.Errorf("create version table: %w", err)
		}
		var version int
		switch err := tx.QueryRow(ctx, `SELECT version FROM yeok_schema`).Scan(&version); err {
		case nil:
		case pgx.ErrNoRows:
			if _, err := tx.Exec(ctx, `INSERT INTO yeok_schema (version) VALUES (0)`); err != nil {
				return fmt.Errorf("write schema version: %w", err)
			}
		default:
			return fmt.Errorf("read schema version: %w", err)
		}
		if version > schemaVersion() {
			return fmt.Errorf("database schema version %d is newer than this yeok understands (%d); upgrade yeok", version, schemaVersion())
		}
		for v := version; v < schemaVersion(); v++ {
			if _, err := tx.Exec(ctx, migrations[v]); err != nil {
				return fmt.Errorf("migrate schema to version %d: %w", v+1, err)
			}
			if _, err := tx.Exec(ctx, `UPDATE yeok_schema SET version = $1`, v+1); err != nil {
				return fmt.Errorf("write schema version %d: %w", v+1, err)
			}
		}
		return nil
	})
}
