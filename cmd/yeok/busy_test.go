package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/yeok/yeok/llm/llmtest"
)

// busyServer runs `yeok serve --http` on db with streams concurrent streams in flight,
// each a paced answer of a few seconds, and returns a function that waits for them to end.
func busyServer(t *testing.T, db string, streams int) (*serveProc, func() int) {
	tokens := make([]string, 40)
	for i := range tokens {
		tokens[i] = fmt.Sprintf(" 낱말%d", i)
	}
	srv := llmtest.New(t, llmtest.Paced(func(*http.Request) []string { return tokens }, 50*time.Millisecond, 50*time.Millisecond, nil))
	sp := startServe(t, srv, t.TempDir(), "--http", "127.0.0.1:0", "--db", db, "--http-max-streams", "1000")
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: streams, MaxConnsPerHost: streams}}
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for i := range streams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodPost, "http://"+sp.httpAddr+"/translate",
				strings.NewReader(fmt.Sprintf(`{"lang":"ko","message":"line %d"}`, i)))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("x-script-id", fmt.Sprintf("load-%d", i%8))
			resp, err := client.Do(req)
			if err != nil {
				return
			}
			defer resp.Body.Close()
			if b, _ := io.ReadAll(resp.Body); strings.HasSuffix(string(b), "data: [DONE]\n\n") {
				mu.Lock()
				done++
				mu.Unlock()
			}
		}()
	}
	// Wait until the server has every stream upstream.
	deadline := time.Now().Add(30 * time.Second)
	for srv.Count() < streams && time.Now().Before(deadline) {
		<-srv.Arrived
	}
	return sp, func() int {
		wg.Wait()
		return done
	}
}

// TestHistoryBesideBusyServer: while yeok serve --http streams 200 answers into a database,
// yeok history in another process answers, 20 times in a row, each time well within the
// store's lock timeout; and every stream completes.
func TestHistoryBesideBusyServer(t *testing.T) {
	db := filepath.Join(t.TempDir(), "y.db")
	sp, wait := busyServer(t, db, 200)
	var slowest time.Duration
	for i := range 20 {
		start := time.Now()
		h := yeokRun(t, nil, "", "history", "--db", db, "--limit", "20")
		took := time.Since(start)
		slowest = max(slowest, took)
		if h.code != 0 || !strings.Contains(h.stdout, "line ") {
			t.Fatalf("history %d beside the server: exit %d %q %q", i, h.code, h.stdout, h.stderr)
		}
		if took > 5*time.Second {
			t.Fatalf("history %d took %v beside the server", i, took)
		}
	}
	if n := wait(); n != 200 {
		t.Fatalf("%d of 200 streams completed", n)
	}
	sp.terminate(t)
	t.Logf("slowest of 20 history runs beside 200 streams: %v", slowest)
}

// TestDBTimeout: while something holds the database's lock, a command gives up after
// --db-timeout with one line saying the file is in use, and works once it is free.
func TestDBTimeout(t *testing.T) {
	srv := llmtest.New(t, llmtest.ReplayFixture(t, llmtest.FixtureStop))
	db := filepath.Join(t.TempDir(), "y.db")
	if p := yeokRun(t, providerEnv(srv), "", "translate", "--to", "ko", "--db", db, "hello"); p.code != 0 {
		t.Fatalf("translate: %d %q", p.code, p.stderr)
	}
	f, err := os.OpenFile(db, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	p := yeokRun(t, nil, "", "history", "--db", db, "--db-timeout", "300ms")
	if took := time.Since(start); p.code != 1 || strings.Count(p.stderr, "\n") != 1 || !strings.Contains(p.stderr, "is in use by") || took > 5*time.Second {
		t.Fatalf("history while the file is held: exit %d %q after %v", p.code, p.stderr, took)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_UN); err != nil {
		t.Fatal(err)
	}
	if p := yeokRun(t, nil, "", "history", "--db", db, "--db-timeout", "300ms"); p.code != 0 || !strings.Contains(p.stdout, "hello") {
		t.Fatalf("history once the file is free: exit %d %q %q", p.code, p.stdout, p.stderr)
	}
}
