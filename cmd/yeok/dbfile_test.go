package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yeok/yeok/llm/llmtest"
)

// quickExit keeps a race-built yeok from sleeping a second before it exits (the race
// runtime's default atexit_sleep_ms), which would make a test of many runs take minutes.
var quickExit = []string{"GORACE=atexit_sleep_ms=0"}

// TestCompactRace: translations made while `yeok db compact` runs are all in the file
// afterwards. A translate that opens the database during the copy waits for the lock; it
// must then write into the compacted file at the path, not into the one renamed away.
func TestCompactRace(t *testing.T) {
	srv := llmtest.New(t, llmtest.Replay(llmtest.Fixture(t, "gpt-4o-mini-stop.sse")))
	dir := t.TempDir()
	db := filepath.Join(dir, "y.db")
	compactStore(t, db, 2000)
	env := append(providerEnv(srv), quickExit...)
	const rounds = 50
	for i := range rounds {
		compact := startCompact(t, dir, db)
		if !waitCompacting(t, dir, compact.done) {
			t.Fatalf("round %d: compact ended before it was seen copying", i)
		}
		// Vary when the translate starts, from at once to well into the copy.
		time.Sleep(time.Duration(i%5) * 4 * time.Millisecond)
		p := yeokRun(t, env, "", "translate", "--db", db, "--to", "ko", "--script", "race", fmt.Sprintf("RACE-ENTRY-%d", i))
		if p.code != 0 {
			t.Fatalf("round %d: translate: exit %d %q", i, p.code, p.stderr)
		}
		if err := <-compact.done; err != nil {
			t.Fatalf("round %d: compact: %v %s", i, err, compact.out.String())
		}
	}
	h := yeokRun(t, quickExit, "", "history", "--db", db, "--search", "RACE", "--limit", "0", "--json")
	found := map[string]bool{}
	for _, rec := range decodeLines(t, h.stdout) {
		found[fmt.Sprint(rec["source"])] = true
	}
	var missing []int
	for i := range rounds {
		if !found[fmt.Sprintf("RACE-ENTRY-%d", i)] {
			missing = append(missing, i)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("%d of %d translations made during a compact are lost: %v", len(missing), rounds, missing)
	}
}

// compactStore builds a store of a few MB at db, which compact copies for tens of
// milliseconds. A race-built yeok copies several times slower: there fewer entries give the
// same window.
func compactStore(t *testing.T, db string, entries int) {
	t.Helper()
	if raceEnabled {
		entries = entries * 3 / 10
	}
	largeStore{sessions: 4, entries: entries}.build(t, db)
}

// compactRun is a `yeok db compact` under way; done receives its end.
type compactRun struct {
	cmd  *exec.Cmd
	out  bytes.Buffer
	done chan error
}

// startCompact starts `yeok db compact` on db.
func startCompact(t *testing.T, home, db string) *compactRun {
	t.Helper()
	r := &compactRun{cmd: exec.Command(yeokBin, "db", "compact", "--db", db), done: make(chan error, 1)}
	r.cmd.Env = append([]string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "LANG=C.UTF-8"}, quickExit...)
	r.cmd.Stdout, r.cmd.Stderr = &r.out, &r.out
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { r.done <- r.cmd.Wait() }()
	t.Cleanup(func() { _ = r.cmd.Process.Kill() })
	return r
}

// waitCompacting waits until the compact's copy appears beside the database (it holds the
// lock from then until it renames the copy), or reports false if the compact ended first.
func waitCompacting(t *testing.T, dir string, done chan error) bool {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if len(compactLeftovers(t, dir)) > 0 {
			return true
		}
		select {
		case err := <-done:
			done <- err
			return false
		case <-time.After(time.Millisecond):
		}
	}
	t.Fatal("compact never started copying")
	return false
}

func compactLeftovers(t *testing.T, dir string) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "y.db.compact-*"))
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// TestKilledCompactLeavesNothing: a compact killed during its copy leaves the copy beside the
// database; the next command that opens the database removes it.
func TestKilledCompactLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "y.db")
	compactStore(t, db, 1500)
	for try := 0; ; try++ {
		compact := startCompact(t, dir, db)
		if waitCompacting(t, dir, compact.done) {
			if err := compact.cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			<-compact.done
			break
		}
		if try == 5 {
			t.Fatal("compact was never seen copying")
		}
	}
	if left := compactLeftovers(t, dir); len(left) != 1 {
		t.Fatalf("after SIGKILL: %v", left)
	}
	if p := yeokRun(t, quickExit, "", "history", "--db", db, "--limit", "1"); p.code != 0 {
		t.Fatalf("history: exit %d %q", p.code, p.stderr)
	}
	if left := compactLeftovers(t, dir); len(left) != 0 {
		t.Fatalf("the next run left %v", left)
	}
}

// TestExportLeftoverRemoved: the temporary file of an export killed before its rename is
// removed by the next export to the same file.
func TestExportLeftoverRemoved(t *testing.T) {
	srv := llmtest.New(t, llmtest.Replay(llmtest.Fixture(t, "gpt-4o-mini-stop.sse")))
	dir := t.TempDir()
	db, out := filepath.Join(dir, "y.db"), filepath.Join(dir, "notes.md")
	if p := yeokRun(t, append(providerEnv(srv), quickExit...), "", "translate", "--db", db, "--to", "ko", "--script", "s", "hello"); p.code != 0 {
		t.Fatalf("translate: %d %q", p.code, p.stderr)
	}
	left := filepath.Join(dir, ".notes.md.tmp-2094857123")
	if err := os.WriteFile(left, []byte("# half an exp"), 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Minute)
	if err := os.Chtimes(left, old, old); err != nil {
		t.Fatal(err)
	}
	if p := yeokRun(t, quickExit, "", "export", "--db", db, "--script", "s", "-o", out); p.code != 0 {
		t.Fatalf("export: %d %q", p.code, p.stderr)
	}
	if _, err := os.Stat(left); !os.IsNotExist(err) {
		t.Fatalf("the killed export's file is still there: %v", err)
	}
}

// mebibyte is a database file of 1 MiB whose pages reach past 1,000,000 bytes, built once
// for the tests that damage copies of it, and how many entries it holds. Entries vary by a
// few bytes (their times), so the count that fills such a file is looked for: pages grow
// about in proportion to entries, so each try aims at 1,020,000 bytes from the last.
var mebibyte struct {
	once    sync.Once
	file    []byte
	entries int
}

func mebibyteStore(t *testing.T) []byte {
	t.Helper()
	mebibyte.once.Do(func() {
		dir := t.TempDir()
		n := 1000
		for range 12 {
			path := filepath.Join(dir, fmt.Sprintf("good-%d.db", n))
			largeStore{sessions: 4, entries: n}.build(t, path)
			file, _ := os.ReadFile(path)
			pages := atoi(pagesInMessage(t, dir, file))
			if len(file) == 1<<20 && pages > 1000000 {
				mebibyte.file, mebibyte.entries = file, n
				break
			}
			next := n * 1020000 / max(pages, 1) / 4 * 4 // whole sessions of 4
			if next == n && pages <= 1000000 {
				next += 4
			} else if next == n {
				next -= 4
			}
			n = next
		}
	})
	if mebibyte.file == nil {
		t.Fatal("no entry count fills a 1 MiB database past 1,000,000 bytes of pages")
	}
	return mebibyte.file
}

// shortRe matches the message for a file cut short and captures both sizes.
var shortRe = regexp.MustCompile(`is damaged: the file is shorter than its pages say \((\d+) of (\d+) bytes\)`)

// TestTruncatedDatabase: a database cut to any of 20 sizes makes every command say so in one
// line and exit 1, never fault.
func TestTruncatedDatabase(t *testing.T) {
	srv := llmtest.New(t, llmtest.Replay(llmtest.Fixture(t, "gpt-4o-mini-stop.sse")))
	dir := t.TempDir()
	full := mebibyteStore(t)
	commands := []struct {
		name string
		env  []string
		args []string
	}{
		{"db check", nil, []string{"db", "check"}},
		{"history", nil, []string{"history"}},
		{"translate", providerEnv(srv), []string{"translate", "--to", "ko", "hello"}},
		{"export", nil, []string{"export", "--script", "s"}},
		{"db compact", nil, []string{"db", "compact"}},
	}
	// The pages' size as the message names it; the file is longer, grown ahead of them.
	need := atoi(pagesInMessage(t, dir, full))
	if need <= 1000000 {
		t.Fatalf("the fixture's pages take only %d bytes", need)
	}
	sizes := []int{1, 100, 4096, 8192, 12000, 16384, 20000, 32768, 50000, 100000, 200000, 300000,
		400000, 500000, 600000, 700000, 800000, 900000, 1000000, need - 1}
	for _, size := range sizes {
		path := filepath.Join(dir, fmt.Sprintf("cut-%d.db", size))
		for _, c := range commands {
			if err := os.WriteFile(path, full[:size], 0o600); err != nil {
				t.Fatal(err)
			}
			p := yeokRun(t, c.env, "", append(c.args, "--db", path)...)
			line := strings.TrimSuffix(p.stderr, "\n")
			bad := p.code != 1 || strings.Contains(line, "\n") || !strings.HasPrefix(line, "yeok: database "+path+" is damaged: ")
			if m := shortRe.FindStringSubmatch(line); size >= 8192 && (m == nil || m[1] != strconv.Itoa(size) || atoi(m[2]) <= size) {
				bad = true
			}
			if c.name == "db check" != strings.Contains(line, "--salvage") {
				bad = true // only db check gives advice, and it is the salvage
			}
			if bad {
				t.Errorf("%d bytes, %s: exit %d, stderr %q", size, c.name, p.code, firstLines(p.stderr, 3))
			}
		}
	}
}

// pagesInMessage cuts the database full to 20000 bytes and returns the size of its pages
// as `db check` names it.
func pagesInMessage(t *testing.T, dir string, full []byte) string {
	t.Helper()
	path := filepath.Join(dir, "probe.db")
	if err := os.WriteFile(path, full[:20000], 0o600); err != nil {
		t.Fatal(err)
	}
	p := yeokRun(t, nil, "", "db", "check", "--db", path)
	m := shortRe.FindStringSubmatch(p.stderr)
	if m == nil {
		t.Fatalf("db check of a cut file: exit %d %q", p.code, firstLines(p.stderr, 3))
	}
	return m[2]
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	return strings.Join(lines[:min(n, len(lines))], "\n")
}

// TestSalvageTruncated: `db check --salvage` copies the entries a cut file still has into a
// new, sound database.
func TestSalvageTruncated(t *testing.T) {
	dir := t.TempDir()
	cut, out := filepath.Join(dir, "t.db"), filepath.Join(dir, "out.db")
	full := mebibyteStore(t)
	if err := os.WriteFile(cut, full[:600000], 0o600); err != nil {
		t.Fatal(err)
	}
	p := yeokRun(t, quickExit, "", "db", "check", "--db", cut, "--salvage", out)
	m := regexp.MustCompile(`^salvaged (\d+) entries, \d+ sessions and \d+ scripts of .* into .*out\.db; \d+ pages or records could not be read\n$`).FindStringSubmatch(p.stdout)
	if p.code != 0 || m == nil {
		t.Fatalf("salvage: exit %d stdout %q stderr %q", p.code, p.stdout, p.stderr)
	}
	saved := atoi(m[1])
	if saved == 0 || saved >= mebibyte.entries {
		t.Fatalf("salvaged %d of %d entries from a file cut at 600000 of %d bytes", saved, mebibyte.entries, len(full))
	}
	if p := yeokRun(t, quickExit, "", "db", "check", "--db", out); p.code != 0 {
		t.Fatalf("check of the salvaged file: %d %q", p.code, p.stderr)
	}
	h := yeokRun(t, quickExit, "", "history", "--db", out, "--limit", "0", "--json")
	if recs := decodeLines(t, h.stdout); len(recs) != saved {
		t.Fatalf("history of the salvaged file lists %d entries, the salvage said %d", len(recs), saved)
	}
	if p := yeokRun(t, nil, "", "db", "check", "--db", cut, "--salvage", out); p.code != 1 || !strings.Contains(p.stderr, "exists") {
		t.Fatalf("salvage over an existing file: exit %d %q", p.code, p.stderr)
	}
	t.Logf("salvaged %d of %d entries", saved, mebibyte.entries)
}

// TestEmptyOrDirectoryDatabase: an existing empty file is damaged for every command, and a
// directory is named as one; neither is written to.
func TestEmptyOrDirectoryDatabase(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"db", "check"}, {"history"}, {"db", "compact"}} {
		for path, want := range map[string]string{
			empty: "yeok: database " + empty + " is damaged: the file is empty (0 bytes)",
			dir:   "yeok: database " + dir + " is a directory, not a database file",
		} {
			p := yeokRun(t, nil, "", append(args, "--db", path)...)
			line := strings.TrimSuffix(p.stderr, "\n")
			if p.code != 1 || strings.Contains(line, "\n") || !strings.HasPrefix(line, want) {
				t.Errorf("%v on %s: exit %d %q, want %q", args, filepath.Base(path), p.code, p.stderr, want)
			}
		}
	}
	if fi, err := os.Stat(empty); err != nil || fi.Size() != 0 {
		t.Fatalf("the empty file was written to: %v", err)
	}
}
