package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/creack/pty"

	"github.com/yeok/yeok/model"
	"github.com/yeok/yeok/storage"
	"github.com/yeok/yeok/storage/postgres/pgtest"
	"github.com/yeok/yeok/storage/storagetest"
)

// TestDBCopy: `yeok db copy` moves a file with several owners into PostgreSQL and back into
// a new file, printing a verified row per owner; the file that comes back holds the same
// log as the first, read through the Log API, and the database serves history. Copying
// into a database that holds data, a database into itself, or without --to is refused in
// one line, and no password is ever printed.
func TestDBCopy(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	file := filepath.Join(dir, "yeok.db")
	st, err := storage.Open(ctx, file, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	storagetest.Populate(t, st)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	url := pgDatabase(t)

	p := yeokRun(t, nil, "", "db", "copy", "--from", file, "--to", url)
	if p.code != 0 || p.stderr != "" {
		t.Fatalf("copy into PostgreSQL: code %d\nstdout %s\nstderr %s", p.code, p.stdout, p.stderr)
	}
	t.Logf("yeok db copy says:\n%s", p.stdout)
	owners := len(storagetest.CopyOwners)
	if !strings.Contains(p.stdout, "13 entries") && !strings.Contains(p.stdout, "39 entries") ||
		strings.Count(p.stdout, " same\n") != owners || !strings.Contains(p.stdout, "verified") ||
		!strings.Contains(p.stdout, "entries still streaming in the source were copied as interrupted") {
		t.Fatalf("copy into PostgreSQL says:\n%s", p.stdout)
	}
	if p := yeokRun(t, nil, "", "history", "--db", url, "--script", "lecture-01"); p.code != 0 || !strings.Contains(p.stdout, "Attention is all you need") {
		t.Fatalf("history of the copy: code %d stdout %q stderr %q", p.code, p.stdout, p.stderr)
	}

	back := filepath.Join(dir, "back", "yeok.db")
	// --from defaults to the configured database.
	p = yeokRun(t, []string{"YEOK_DB=" + url}, "", "db", "copy", "--to", back)
	if p.code != 0 || strings.Count(p.stdout, " same\n") != owners {
		t.Fatalf("copy back into a file: code %d\nstdout %s\nstderr %s", p.code, p.stdout, p.stderr)
	}
	a, err := storage.Open(ctx, file, storage.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := storage.Open(ctx, back, storage.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	storagetest.SameLog(t, a, b, storage.Settle)
	if err := b.Check(ctx); err != nil {
		t.Fatal(err)
	}

	const secret = "s3cret-pa55word-0451"
	other := filepath.Join(dir, "other.db")
	refused := []struct {
		name string
		args []string
		code int
		says string
	}{
		{"database with data", []string{"--from", file, "--to", url}, 1, "already holds data"},
		{"file with data", []string{"--from", url, "--to", back}, 1, "already holds data"},
		{"same file", []string{"--from", file, "--to", filepath.Join(dir, ".", "yeok.db")}, 2, "both the source and the destination"},
		{"same database", []string{"--from", url, "--to", url + "&application_name=x"}, 2, "both the source and the destination"},
		{"no destination", []string{"--from", file}, 2, "name the destination"},
		{"missing source", []string{"--from", filepath.Join(dir, "nothing.db"), "--to", other}, 1, "no database at"},
		{"unreadable URL", []string{"--from", file, "--to", "postgres://yeok:" + secret + "@127.0.0.1:notaport/yeok"}, 1, "cannot be parsed"},
		{"wrong password", []string{"--from", pg.srv.TCPURL("postgres", pgtest.Superuser, secret), "--to", other}, 1, "password authentication failed"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			p := yeokRun(t, nil, "", append([]string{"db", "copy"}, tt.args...)...)
			if p.code != tt.code || !strings.Contains(p.stderr, tt.says) || strings.Count(p.stderr, "\n") != 1 {
				t.Fatalf("code %d, stderr %q; want code %d saying %q in one line", p.code, p.stderr, tt.code, tt.says)
			}
			if strings.Contains(p.stdout+p.stderr, secret) {
				t.Fatalf("the password is shown: %q", p.stdout+p.stderr)
			}
			if _, err := os.Stat(other); err == nil {
				t.Fatalf("a refused copy left %s", other)
			}
		})
	}
}

// TestPrintSummariesShowsDifferences: an owner whose counts or checksum differ, or who is
// on one side only, is marked and counted.
func TestPrintSummariesShowsDifferences(t *testing.T) {
	same := storage.Summary{Sessions: 2, Scripts: 1, Entries: 10, Settings: 1, Sum: "aaaaaaaaaaaaaaaa"}
	want := map[model.Owner]storage.Summary{"local": same, "ssh:x": same, "http:gone": same}
	changed := same
	changed.Entries, changed.Sum = 9, "bbbbbbbbbbbbbbbb"
	got := map[model.Owner]storage.Summary{"local": same, "ssh:x": changed, "http:new": same}
	var out bytes.Buffer
	if n := printSummaries(&out, want, got); n != 3 {
		t.Fatalf("%d owners differ, want 3:\n%s", n, out.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 5 || !strings.HasSuffix(lines[3], " same") || !strings.Contains(lines[4], "10≠9") ||
		!strings.Contains(lines[4], "aaaaaaaaaaaa≠bbbbbbbbbbbb") || strings.Count(out.String(), "DIFFERS") != 3 {
		t.Fatalf("table:\n%s", out.String())
	}
}

// TestDBCopyProgressOnTerminal: with stderr a terminal, db copy draws its progress there
// and wipes it before the report, which goes to stdout alone.
func TestDBCopyProgressOnTerminal(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "yeok.db")
	st, err := storage.Open(context.Background(), file, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	storagetest.Populate(t, st)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer ptmx.Close()
	cmd := exec.Command(yeokBin, "db", "copy", "--from", file, "--to", filepath.Join(dir, "copy.db"))
	cmd.Env = []string{"HOME=" + dir, "XDG_CONFIG_HOME=" + filepath.Join(dir, "config"), "XDG_DATA_HOME=" + filepath.Join(dir, "data"),
		"PATH=" + os.Getenv("PATH"), "GORACE=atexit_sleep_ms=0", probePortsEnv + "=off"}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, tty
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	_ = tty.Close()
	screen, _ := io.ReadAll(ptmx) // ends with EIO once the process is gone
	if err := cmd.Wait(); err != nil {
		t.Fatalf("db copy: %v\nstdout %s\nterminal %q", err, out.String(), screen)
	}
	if !bytes.Contains(screen, []byte("copying "+file)) || !bytes.Contains(screen, []byte("39 entries")) ||
		!bytes.HasSuffix(screen, []byte("\r\x1b[K")) {
		t.Fatalf("terminal shows %q", screen)
	}
	if !strings.Contains(out.String(), "verified") || strings.Contains(out.String(), "\x1b") {
		t.Fatalf("stdout %q", out.String())
	}
}
