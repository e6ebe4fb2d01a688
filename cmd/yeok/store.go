package main

import (
	"context"
	"net/url"
	"strings"

	"github.com/yeok/yeok/model"
	"github.com/yeok/yeok/storage"
	"github.com/yeok/yeok/storage/postgres"
)

// logStore is the log every front door uses: the bbolt file (*storage.Store, the default)
// or PostgreSQL (*postgres.Store, for several replicas over one database). Both pass the
// same contract suite, storage/storagetest.
type logStore interface {
	Begin(ctx context.Context, req model.Request) (model.Entry, error)
	Finish(ctx context.Context, e model.Entry) (model.Entry, error)
	Entry(ctx context.Context, owner model.Owner, id uint64) (model.Entry, error)
	Entries(ctx context.Context, owner model.Owner, q model.EntryQuery) ([]model.Entry, error)
	Recall(ctx context.Context, req model.Request) (model.Recollection, error)
	Approve(ctx context.Context, owner model.Owner, id uint64, text string) (model.Entry, error)

	Script(ctx context.Context, owner model.Owner, id string) (model.Script, error)
	Scripts(ctx context.Context, owner model.Owner) ([]model.Script, error)
	PutScript(ctx context.Context, sc model.Script) error
	DeleteScript(ctx context.Context, owner model.Owner, id string) error
	ScriptPairs(ctx context.Context, owner model.Owner, id string, to model.Language, n int) ([]model.Pair, error)

	NewSession(ctx context.Context, owner model.Owner, sess model.Session) (model.Session, error)
	Session(ctx context.Context, owner model.Owner, id uint64) (model.Session, error)
	Sessions(ctx context.Context, owner model.Owner, limit int) ([]model.Session, error)
	LastSession(ctx context.Context, owner model.Owner) (model.Session, error)
	DeleteSession(ctx context.Context, owner model.Owner, id uint64) error

	RecentLanguages(ctx context.Context, owner model.Owner) ([]model.Language, error)
	TouchLanguage(ctx context.Context, owner model.Owner, l model.Language) error
	RecentInputs(ctx context.Context, owner model.Owner, n int) ([]string, error)
	PickedModel(ctx context.Context, owner model.Owner) (string, error)
	PickModel(ctx context.Context, owner model.Owner, name string) error

	Check(ctx context.Context) error
	Close() error
}

var (
	_ logStore = (*storage.Store)(nil)
	_ logStore = (*postgres.Store)(nil)
)

// isPostgres reports whether a --db value names a PostgreSQL database rather than a file.
func isPostgres(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// openLog opens the database the config names: PostgreSQL for a postgres:// URL, else the
// bbolt file.
func openLog(ctx context.Context, c config) (logStore, error) {
	if isPostgres(c.DBPath) {
		return postgres.Open(ctx, c.DBPath, postgres.Options{LeaseTTL: c.DBLease})
	}
	return storage.Open(ctx, c.DBPath, storage.Options{Timeout: c.DBTimeout})
}

// redactURL is a database URL fit to print: without its password, in the user part or in
// the query.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "the PostgreSQL database"
	}
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	q := u.Query()
	if q.Has("password") {
		q.Del("password")
		u.RawQuery = q.Encode()
	}
	return u.String()
}
