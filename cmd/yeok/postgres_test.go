package main

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/yeok/yeok/llm/llmtest"
	"github.com/yeok/yeok/storage/postgres/pgtest"
)

// pg is the PostgreSQL server of this test binary, started by the first test that needs
// it and stopped by TestMain.
var pg struct {
	once sync.Once
	srv  *pgtest.Server
	err  error
}

// pgDatabase returns the URL of a new, empty database on the test binary's server.
func pgDatabase(t testing.TB) string {
	t.Helper()
	pg.once.Do(func() { pg.srv, pg.err = pgtest.Start() })
	if pg.err != nil {
		t.Fatalf("PostgreSQL for the tests: %v", pg.err)
	}
	return pg.srv.NewDatabase(t)
}

// stopPostgres stops the server if a test started it.
func stopPostgres() {
	if pg.srv != nil {
		_ = pg.srv.Stop()
	}
}

// TestPostgresFrontDoors: --db postgres://… (and YEOK_DB) runs translate, history, export,
// db check and db migrate on PostgreSQL; compact is refused in one line; a wrong password
// is never printed.
func TestPostgresFrontDoors(t *testing.T) {
	srv := llmtest.New(t, llmtest.Deltas("좋은 아침입니다"))
	url := pgDatabase(t)
	env := append(providerEnv(srv), "YEOK_DB="+url)
	if p := yeokRun(t, env, "", "translate", "--to", "ko-KR", "--script", "talk", "Good morning"); p.code != 0 || p.stdout != "좋은 아침입니다\n" {
		t.Fatalf("translate: code %d stdout %q stderr %q", p.code, p.stdout, p.stderr)
	}
	if p := yeokRun(t, providerEnv(srv), "", "history", "--db", url, "--script", "talk"); p.code != 0 || !strings.Contains(p.stdout, "좋은 아침입니다") {
		t.Fatalf("history: code %d stdout %q stderr %q", p.code, p.stdout, p.stderr)
	}
	if p := yeokRun(t, env, "", "export", "--script", "talk", "--format", "tsv"); p.code != 0 || !strings.Contains(p.stdout, "Good morning\t") {
		t.Fatalf("export: code %d stdout %q stderr %q", p.code, p.stdout, p.stderr)
	}
	if p := yeokRun(t, env, "", "db", "check"); p.code != 0 || !strings.HasSuffix(p.stdout, ": ok\n") {
		t.Fatalf("db check: code %d stdout %q stderr %q", p.code, p.stdout, p.stderr)
	}
	if p := yeokRun(t, env, "", "db", "migrate"); p.code != 0 || !strings.Contains(p.stdout, "schema up to date") {
		t.Fatalf("db migrate: code %d stdout %q stderr %q", p.code, p.stdout, p.stderr)
	}
	if p := yeokRun(t, env, "", "db", "compact"); p.code != 2 || !strings.Contains(p.stderr, "PostgreSQL database") || strings.Count(p.stderr, "\n") != 1 {
		t.Fatalf("db compact: code %d stderr %q", p.code, p.stderr)
	}
	const secret = "not-the-password-4711"
	wrong := pg.srv.TCPURL("postgres", pgtest.Superuser, secret)
	for _, args := range [][]string{{"history", "--db", wrong}, {"db", "check", "--db", wrong}, {"translate", "--to", "ko", "--db", wrong, "x"}} {
		p := yeokRun(t, providerEnv(srv), "", args...)
		if p.code == 0 || strings.Contains(p.stderr+p.stdout, secret) {
			t.Fatalf("%v with a wrong password: code %d, output %q", args[0], p.code, p.stderr+p.stdout)
		}
	}
}

// TestPostgresReplicas: two `yeok serve --http` over one PostgreSQL database serve one
// script: lines fed through both are one ordered log; a replica killed mid-stream leaves
// its entry interrupted, marked by the other once its lease runs out, never pending.
func TestPostgresReplicas(t *testing.T) {
	release := make(chan struct{})
	srv := llmtest.New(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(llmtest.LastUser(r), "hold me") {
			llmtest.Hold(release, "반쯤")(w, r)
			return
		}
		llmtest.Deltas("번역 "+strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(llmtest.LastUser(r), "<source>"), "</source>")))(w, r)
	})
	defer close(release)
	url := pgDatabase(t)
	args := []string{"--http", "127.0.0.1:0", "--db", url, "--db-lease", "2s", "--no-memory", "--to", "ko"}
	a := startServe(t, srv, t.TempDir(), args...)
	b := startServe(t, srv, t.TempDir(), args...)
	post := func(addr, script, msg string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/translate", strings.NewReader(fmt.Sprintf(`{"lang":"ko","message":%q}`, msg)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("x-script-id", script)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		var sb strings.Builder
		buf := make([]byte, 4096)
		for {
			n, err := resp.Body.Read(buf)
			sb.Write(buf[:n])
			if err != nil {
				break
			}
		}
		return resp.StatusCode, sb.String()
	}
	for i := range 6 {
		addr := a.httpAddr
		if i%2 == 1 {
			addr = b.httpAddr
		}
		if code, body := post(addr, "lec", fmt.Sprintf("line %d", i)); code != http.StatusOK || !strings.Contains(body, "[DONE]") {
			t.Fatalf("line %d through %s: %d %q", i, addr, code, body)
		}
	}
	p := yeokRun(t, providerEnv(srv), "", "export", "--db", url, "--script", "lec", "--format", "tsv")
	if p.code != 0 {
		t.Fatalf("export: code %d stderr %q", p.code, p.stderr)
	}
	last := -1
	for i := range 6 {
		at := strings.Index(p.stdout, fmt.Sprintf("line %d\t", i))
		if at <= last {
			t.Fatalf("the script is not one ordered log of both replicas:\n%s", p.stdout)
		}
		last = at
	}

	// A replica killed while it streams: its entry is interrupted by the other's sweep.
	for len(srv.Arrived) > 0 {
		<-srv.Arrived // the earlier requests'
	}
	go post(a.httpAddr, "lec2", "hold me")
	select {
	case <-srv.Arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("the held request did not reach the server")
	}
	if err := a.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		p := yeokRun(t, providerEnv(srv), "", "history", "--db", url, "--script", "lec2", "--json")
		if strings.Contains(p.stdout, `"status":"interrupted"`) && strings.Contains(p.stdout, "hold me") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the killed replica's entry is not interrupted: %q %q", p.stdout, p.stderr)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// Nothing is lost: every line of the first script is done, and the database is sound.
	if p := yeokRun(t, providerEnv(srv), "", "history", "--db", url, "--script", "lec", "--json"); strings.Count(p.stdout, `"status":"done"`) != 6 {
		t.Fatalf("after the kill the script holds: %q", p.stdout)
	}
	if p := yeokRun(t, providerEnv(srv), "", "db", "check", "--db", url); p.code != 0 {
		t.Fatalf("db check after the kill: code %d %q", p.code, p.stderr)
	}
}
