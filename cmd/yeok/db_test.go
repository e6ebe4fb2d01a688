package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yeok/yeok/llm/llmtest"
)

func TestDBCheckAndCompact(t *testing.T) {
	srv := llmtest.New(t, llmtest.Replay(llmtest.Fixture(t, "gpt-4o-mini-stop.sse")))
	db := filepath.Join(t.TempDir(), "y.db")
	in := strings.Repeat("a line to translate\n", 30)
	if p := yeokRun(t, providerEnv(srv), in, "translate", "--lines", "--to", "de", "--db", db, "--script", "s"); p.code != 0 {
		t.Fatalf("translate: %d %q", p.code, p.stderr)
	}
	if p := yeokRun(t, nil, "", "db", "check", "--db", db); p.code != 0 || !strings.Contains(p.stdout, "ok") {
		t.Fatalf("check: %d %q %q", p.code, p.stdout, p.stderr)
	}
	if p := yeokRun(t, nil, "", "db", "check", "--repair", "--db", db); p.code != 0 || !strings.Contains(p.stdout, "ok; indexed 30 entries for search\n") {
		t.Fatalf("check --repair: %d %q %q", p.code, p.stdout, p.stderr)
	}
	if p := yeokRun(t, nil, "", "db", "compact", "--repair", "--db", db); p.code != 2 {
		t.Fatalf("compact --repair: exit %d", p.code)
	}
	p := yeokRun(t, nil, "", "db", "compact", "--db", db)
	if p.code != 0 || !strings.Contains(p.stdout, "compacted") {
		t.Fatalf("compact: %d %q %q", p.code, p.stdout, p.stderr)
	}
	h := yeokRun(t, nil, "", "history", "--db", db, "--script", "s", "--json", "--limit", "0")
	if recs := decodeLines(t, h.stdout); len(recs) != 30 {
		t.Fatalf("%d entries after compact, want 30", len(recs))
	}
	p = yeokRun(t, nil, "", "db", "migrate", "--db", db)
	if p.code != 0 || !strings.Contains(p.stdout, db+": up to date\n") || !strings.Contains(p.stdout, "compacted "+db) {
		t.Fatalf("migrate: %d %q %q", p.code, p.stdout, p.stderr)
	}
	if again := yeokRun(t, nil, "", "history", "--db", db, "--script", "s", "--json", "--limit", "0"); again.stdout != h.stdout {
		t.Fatalf("history after migrate:\n%s\nbefore:\n%s", again.stdout, h.stdout)
	}
	if p := yeokRun(t, nil, "", "db", "frob", "--db", db); p.code != 2 {
		t.Fatalf("db frob: exit %d", p.code)
	}
}

func TestDamagedDatabase(t *testing.T) {
	db := filepath.Join(t.TempDir(), "y.db")
	if err := os.WriteFile(db, bytes.Repeat([]byte("not a database "), 2000), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"history"}, {"db", "check"}} {
		p := yeokRun(t, nil, "", append(args, "--db", db)...)
		if p.code != 1 || !strings.Contains(p.stderr, "damaged") || strings.Count(p.stderr, "\n") != 1 ||
			strings.Contains(p.stderr, "goroutine") {
			t.Fatalf("%v: exit %d stderr %q", args, p.code, p.stderr)
		}
	}
}

// TestSecondProcess: while yeok follow runs on a database, yeok translate, history,
// glossary and export use the same file at once, and each sees what the others wrote.
func TestSecondProcess(t *testing.T) {
	dir := t.TempDir()
	db, live := filepath.Join(dir, "y.db"), filepath.Join(dir, "live.txt")
	if err := os.WriteFile(live, []byte("a followed line\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := llmtest.New(t, llmtest.Replay(llmtest.Fixture(t, "gpt-4o-mini-stop.sse")))
	holder := exec.Command(yeokBin, "follow", "--from-start", "--to", "ko", "--db", db, "--script", "live", live)
	holder.Env = append(providerEnv(srv), "HOME="+dir, "GORACE=atexit_sleep_ms=0")
	out, err := holder.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = holder.Process.Kill(); _ = holder.Wait() }()
	first := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		first <- line
	}()
	select {
	case got := <-first:
		if got != "Hello\n" {
			t.Fatalf("follow wrote %q", got)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("follow wrote nothing")
	}
	p := yeokRun(t, providerEnv(srv), "", "translate", "--to", "ko", "--db", db, "--script", "live", "a typed line")
	if p.code != 0 || p.stdout != "Hello\n" {
		t.Fatalf("translate beside follow: exit %d %q %q", p.code, p.stdout, p.stderr)
	}
	h := yeokRun(t, nil, "", "history", "--db", db, "--script", "live", "--json")
	recs := decodeLines(t, h.stdout)
	if h.code != 0 || len(recs) != 2 || recs[0]["source"] != "a followed line" || recs[1]["source"] != "a typed line" {
		t.Fatalf("history beside follow: exit %d %q %q", h.code, h.stdout, h.stderr)
	}
	for _, r := range recs {
		if r["status"] != "done" {
			t.Fatalf("entry not done: %v", r)
		}
	}
	if g := yeokRun(t, nil, "", "glossary", "--db", db, "--script", "live", "set", "line=줄"); g.code != 0 {
		t.Fatalf("glossary beside follow: exit %d %q", g.code, g.stderr)
	}
	e := yeokRun(t, nil, "", "export", "--db", db, "--script", "live", "--format", "tsv")
	if e.code != 0 || !strings.Contains(e.stdout, "a followed line") || !strings.Contains(e.stdout, "a typed line") {
		t.Fatalf("export beside follow: exit %d %q %q", e.code, e.stdout, e.stderr)
	}
}
