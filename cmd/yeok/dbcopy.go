package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/yeok/yeok/model"
	"github.com/yeok/yeok/storage"
	"github.com/yeok/yeok/storage/postgres"
)

// copyStore is a store db copy reads from or writes into.
type copyStore interface {
	storage.Dumper
	storage.Loader
	Close() error
}

var (
	_ copyStore = (*storage.Store)(nil)
	_ copyStore = (*postgres.Store)(nil)
)

// copyDB copies the whole log at from into to (a new or empty file, or an empty PostgreSQL
// database), then checks the copy: the counts and checksum of every owner, read back from
// the destination, against those of the records read from the source (summed as they were
// read, so writes to the source during the copy do not count as a difference).
func copyDB(ctx context.Context, io stdio, c config, from, to string) error {
	fromName, toName := dbName(from), dbName(to)
	if sameDatabase(from, to) {
		return usageErrorf("db copy: %s is both the source and the destination", toName)
	}
	if !isPostgres(from) {
		if _, err := os.Stat(from); err != nil {
			return fmt.Errorf("db copy: no database at %s: %w", from, errors.Unwrap(err))
		}
	}
	src, err := openCopyStore(ctx, c, from, true)
	if err != nil {
		return fmt.Errorf("db copy: %w", err) // it names the database
	}
	defer src.Close()
	created := false
	if !isPostgres(to) {
		_, err := os.Lstat(to)
		created = errors.Is(err, fs.ErrNotExist)
	}
	dst, err := openCopyStore(ctx, c, to, false)
	if err != nil {
		return fmt.Errorf("db copy: %w", err)
	}
	copied := false
	defer func() {
		_ = dst.Close()
		if !copied && created {
			_ = os.Remove(to) // a file a failed copy made holds nothing worth keeping
		}
	}()

	start := time.Now()
	prog := newCopyProgress(io.err, fromName, toName, start)
	rep, err := storage.Copy(ctx, dst, src, prog.update)
	prog.clear()
	if errors.Is(err, storage.ErrNotEmpty) {
		return fmt.Errorf("db copy: %s already holds data; copy into a new file or an empty database", toName)
	}
	if err != nil {
		if !created {
			return fmt.Errorf("db copy %s to %s: %w (%s now holds part of the log: empty it before copying again)", fromName, toName, err, toName)
		}
		return fmt.Errorf("db copy %s to %s: %w", fromName, toName, err)
	}
	copied = true // a copy that differs is kept, to be looked into
	fmt.Fprintf(io.out, "copied %d owners, %d sessions, %d scripts and %d entries from %s to %s in %s\n",
		rep.Owners, rep.Sessions, rep.Scripts, rep.Entries, fromName, toName, time.Since(start).Round(time.Millisecond))
	if rep.Settled > 0 {
		fmt.Fprintf(io.out, "%d entries still streaming in the source were copied as interrupted\n", rep.Settled)
	}
	got, err := storage.Checksum(ctx, dst)
	if err != nil {
		return fmt.Errorf("db copy: verify %s: %w", toName, err)
	}
	differ := printSummaries(io.out, rep.Source, got)
	if differ > 0 {
		return fmt.Errorf("db copy: %d of %d owners differ between what was read from %s and what %s holds",
			differ, len(rep.Source), fromName, toName)
	}
	fmt.Fprintf(io.out, "verified: the counts and checksum of every owner match\n")
	return nil
}

// openCopyStore opens a source (read-only when a file) or a destination.
func openCopyStore(ctx context.Context, c config, db string, source bool) (copyStore, error) {
	if isPostgres(db) {
		return postgres.Open(ctx, db, postgres.Options{LeaseTTL: c.DBLease})
	}
	return storage.Open(ctx, db, storage.Options{Timeout: c.DBTimeout, ReadOnly: source})
}

// dbName is a database fit to print: a file's path, or a URL without its password.
func dbName(db string) string {
	if isPostgres(db) {
		return redactURL(db)
	}
	return db
}

// sameDatabase reports whether a and b name one database: the same file (by path or, when
// it exists, by inode), or the same PostgreSQL host, port and database.
func sameDatabase(a, b string) bool {
	if isPostgres(a) != isPostgres(b) {
		return false
	}
	if isPostgres(a) {
		ka, oka := pgIdentity(a)
		kb, okb := pgIdentity(b)
		return oka && okb && ka == kb
	}
	if fa, err := os.Stat(a); err == nil {
		if fb, err := os.Stat(b); err == nil {
			return os.SameFile(fa, fb)
		}
	}
	pa, erra := filepath.Abs(a)
	pb, errb := filepath.Abs(b)
	return erra == nil && errb == nil && pa == pb
}

// pgIdentity is the host, port and database a PostgreSQL URL names, with the defaults
// libpq uses; false when it cannot be read.
func pgIdentity(raw string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", false
	}
	q := u.Query()
	host := cmp.Or(u.Hostname(), q.Get("host"), "localhost")
	port := cmp.Or(u.Port(), q.Get("port"), "5432")
	user := ""
	if u.User != nil {
		user = u.User.Username()
	}
	db := cmp.Or(strings.TrimPrefix(u.Path, "/"), q.Get("dbname"), q.Get("user"), user)
	return strings.ToLower(host) + "\x00" + port + "\x00" + db, true
}

// printSummaries writes one row per owner, source and copy side by side, and returns how
// many owners differ.
func printSummaries(w io.Writer, want, got map[model.Owner]storage.Summary) int {
	owners := make([]model.Owner, 0, len(want))
	for o := range want {
		owners = append(owners, o)
	}
	for o := range got {
		if _, ok := want[o]; !ok {
			owners = append(owners, o)
		}
	}
	slices.Sort(owners)
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "owner\tsessions\tscripts\tentries\tsettings\tchecksum")
	differ := 0
	for _, o := range owners {
		a, b := want[o], got[o]
		verdict := "same"
		if a != b {
			differ++
			verdict = "DIFFERS"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s  %s\n", model.SanitizeLine(string(o)),
			pair(a.Sessions, b.Sessions), pair(a.Scripts, b.Scripts), pair(a.Entries, b.Entries),
			pair(a.Settings, b.Settings), shortSum(a.Sum, b.Sum), verdict)
	}
	_ = tw.Flush()
	return differ
}

// pair is one count, or the source's and the copy's when they differ.
func pair(a, b int) string {
	if a == b {
		return fmt.Sprint(a)
	}
	return fmt.Sprintf("%d≠%d", a, b)
}

// shortSum is the start of a checksum, or of both when they differ.
func shortSum(a, b string) string {
	cut := func(s string) string {
		if s == "" {
			return "-"
		}
		return s[:min(len(s), 12)]
	}
	if a == b {
		return cut(a)
	}
	return cut(a) + "≠" + cut(b)
}

// copyProgress draws one line of progress on stderr while a copy runs, when stderr is a
// terminal.
type copyProgress struct {
	w          io.Writer
	tty, shown bool
	from, to   string
	start      time.Time
}

func newCopyProgress(w io.Writer, from, to string, start time.Time) *copyProgress {
	return &copyProgress{w: w, tty: isTerminal(w), from: from, to: to, start: start}
}

func (p *copyProgress) update(rep storage.CopyReport) {
	if !p.tty {
		return
	}
	rate := float64(rep.Entries) / max(time.Since(p.start).Seconds(), 0.001)
	fmt.Fprintf(p.w, "\r\x1b[Kcopying %s to %s: %d owners, %d sessions, %d entries (%.0f entries/s)",
		model.SanitizeLine(p.from), model.SanitizeLine(p.to), rep.Owners, rep.Sessions, rep.Entries, rate)
	p.shown = true
}

func (p *copyProgress) clear() {
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.shown = false
	}
}
