package main

import (
	"bytes"
	"fmt"
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
	p := yeokRun(t, nil, "", "db", "compact", "--db", db)
	if p.code != 0 || !strings.Contains(p.stdout, "compacted") {
		t.Fatalf("compact: %d %q %q", p.code, p.stdout, p.stderr)
	}
	h := yeokRun(t, nil, "", "history", "--db", db, "--script", "s", "--json", "--limit", "0")
	if recs := decodeLines(t, h.stdout); len(recs) != 30 {
		t.Fatalf("%d entries after compact, want 30", len(recs))
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

// TestSecondProcess: while one yeok holds the database, a second says within about a second,
// in one line, which process holds it.
func TestSecondProcess(t *testing.T) {
	dir := t.TempDir()
	db, live := filepath.Join(dir, "y.db"), filepath.Join(dir, "live.txt")
	if err := os.WriteFile(live, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	srv := llmtest.New(t, llmtest.Replay(llmtest.Fixture(t, "gpt-4o-mini-stop.sse")))
	holder := exec.Command(yeokBin, "follow", "--to", "ko", "--db", db, live)
	holder.Env = append(providerEnv(srv), "HOME="+dir)
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = holder.Process.Kill(); _ = holder.Wait() }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(db + ".pid"); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the holder never opened the database")
		}
		time.Sleep(20 * time.Millisecond)
	}
	start := time.Now()
	p := yeokRun(t, nil, "", "history", "--db", db)
	took := time.Since(start)
	if p.code != 1 || !strings.Contains(p.stderr, fmt.Sprint(holder.Process.Pid)) || strings.Count(p.stderr, "\n") != 1 {
		t.Fatalf("exit %d stderr %q, want one line naming pid %d", p.code, p.stderr, holder.Process.Pid)
	}
	if took > 5*time.Second {
		t.Fatalf("the second process took %v to give up", took)
	}
}
