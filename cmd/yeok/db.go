package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/yeok/yeok/model"
	"github.com/yeok/yeok/storage"
	"github.com/yeok/yeok/storage/postgres"
)

const dbSynopsis = "yeok db check [--repair | --salvage NEW.db] | yeok db compact | yeok db migrate | yeok db copy [--from PATH|URL] --to PATH|URL   (check the database, rebuild a file's search index, copy what can be read of a damaged file, compact a file in place, bring a database's schema up to date (a file's entries rewritten compactly), or copy the whole log into a new file or an empty PostgreSQL database and verify it; with copy, --from and --to name databases, --from defaulting to --db)"

// salvageHint is what `db check` adds to a damaged file's message.
const salvageHint = "; `yeok db check --salvage NEW.db` copies what can still be read into a new file"

func runDB(ctx context.Context, args []string, io stdio, getenv env) error {
	var f commonFlags
	fs := newFlagSet("db", &f)
	salvage := fs.String("salvage", "", "with check: copy every entry that can be read into a new database `NEW.db`")
	repair := fs.Bool("repair", false, "with check: rebuild the search index first (files from before it search more slowly)")
	// In db, --from and --to name databases, not languages.
	fs.Lookup("from").Usage = "with copy: the database `PATH|URL` to copy from, a file or a postgres:// URL (default --db)"
	fs.Lookup("to").Usage = "with copy: the database `PATH|URL` to copy into, a new file or an empty PostgreSQL database"
	pos, err := parseCommand(fs, args, io.out, dbSynopsis)
	if err != nil {
		return err
	}
	if len(pos) != 1 || (pos[0] != "check" && pos[0] != "compact" && pos[0] != "migrate" && pos[0] != "copy") {
		return usageErrorf("db: say check, compact, migrate or copy (see yeok db --help)")
	}
	if (*salvage != "" || *repair) && pos[0] != "check" {
		return usageErrorf("db: --salvage and --repair go with check (see yeok db --help)")
	}
	var from, to string
	if pos[0] == "copy" {
		// --from and --to name databases here, not languages.
		if len(f.to) != 1 || strings.TrimSpace(f.to[0]) == "" {
			return usageErrorf("db copy: name the destination once, --to PATH or --to postgres://… (see yeok db --help)")
		}
		from, to = strings.TrimSpace(f.from), strings.TrimSpace(f.to[0])
		f.from, f.to = "", nil
	}
	c, err := resolveConfig(&f, getenv)
	if err != nil {
		return err
	}
	if pos[0] == "copy" {
		return copyDB(ctx, io, c, cmp.Or(from, c.DBPath), to)
	}
	if isPostgres(c.DBPath) {
		return postgresDB(ctx, io, c, pos[0], *salvage != "" || *repair)
	}
	switch {
	case pos[0] == "migrate":
		// Every open brings a file's schema up to date; compacting it rewrites the entries
		// an older yeok wrote in their compact form.
		st, err := storage.Open(ctx, c.DBPath, storage.Options{Timeout: c.DBTimeout})
		if err != nil {
			return err
		}
		if err := st.Close(); err != nil {
			return err
		}
		fmt.Fprintf(io.out, "%s: up to date\n", c.DBPath)
		return compactDB(ctx, io, c.DBPath)
	case pos[0] == "compact":
		return compactDB(ctx, io, c.DBPath)
	case *salvage != "":
		return salvageDB(ctx, io, c.DBPath, *salvage)
	}
	st, err := storage.Open(ctx, c.DBPath, storage.Options{ReadOnly: !*repair, Timeout: c.DBTimeout})
	indexed := -1
	if err == nil && *repair {
		indexed, err = st.RebuildSearch(ctx)
	}
	if err == nil {
		err = st.Check(ctx)
	}
	if st != nil {
		_ = st.Close()
	}
	if errors.Is(err, model.ErrStoreCorrupt) {
		return fmt.Errorf("%w%s", err, salvageHint)
	}
	if err != nil {
		return err
	}
	if indexed >= 0 {
		fmt.Fprintf(io.out, "%s: ok; indexed %d entries for search\n", c.DBPath, indexed)
		return nil
	}
	fmt.Fprintf(io.out, "%s: ok\n", c.DBPath)
	return nil
}

// compactDB compacts the database and says how much smaller it got.
func compactDB(ctx context.Context, io stdio, path string) error {
	before := fileSize(path)
	if err := storage.Compact(ctx, path); err != nil {
		return err
	}
	fmt.Fprintf(io.out, "compacted %s: %s → %s\n", path, model.ByteSize(int(before)), model.ByteSize(int(fileSize(path))))
	return nil
}

// salvageDB copies what can be read of the database into a new one and says how much.
func salvageDB(ctx context.Context, io stdio, path, out string) error {
	rep, err := storage.Salvage(ctx, path, out)
	if err != nil {
		return err
	}
	fmt.Fprintf(io.out, "salvaged %d entries, %d sessions and %d scripts of %s into %s", rep.Entries, rep.Sessions, rep.Scripts, path, out)
	if rep.Lost > 0 {
		fmt.Fprintf(io.out, "; %d pages or records could not be read", rep.Lost)
	}
	fmt.Fprintln(io.out)
	return nil
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// postgresDB runs a db command on a PostgreSQL database: check (the schema and the
// invariants) and migrate (Open applies the migrations, refusing a newer schema). Compact,
// --salvage and --repair are for a database file; PostgreSQL keeps its own.
func postgresDB(ctx context.Context, io stdio, c config, cmd string, fileOnly bool) error {
	name := redactURL(c.DBPath)
	if cmd == "compact" || fileOnly {
		return usageErrorf("db: %s is a PostgreSQL database: compact, --salvage and --repair are for a database file (PostgreSQL has VACUUM and its own backups)", name)
	}
	st, err := postgres.Open(ctx, c.DBPath, postgres.Options{LeaseTTL: c.DBLease})
	if err != nil {
		return err
	}
	defer st.Close()
	if cmd == "migrate" {
		fmt.Fprintf(io.out, "%s: schema up to date\n", name)
		return nil
	}
	if err := st.Check(ctx); err != nil {
		return err
	}
	fmt.Fprintf(io.out, "%s: ok\n", name)
	return nil
}
