package main

import (
	"context"
	"net/url"
	"strings"

	"github.com/yeok/yeok/storage"
	"github.com/yeok/yeok/storage/postgres"
)

// logStore is the log every front door uses: the bbolt file (*storage.Store, the default)
// or PostgreSQL (*postgres.Store, for several replicas over one database). Both pass the
// same contract suite, storage/storagetest.
type logStore = storage.Log

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
