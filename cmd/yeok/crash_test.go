package main

import (
	"bufio"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/yeok/yeok/llm/llmtest"
)

// TestKilledMidStream is fault row 17: yeok is killed with SIGKILL while a translation
// streams. On the next start the entry is there, interrupted, with its source; every earlier
// entry is intact; the file checks clean. Twenty times over one database.
func TestKilledMidStream(t *testing.T) {
	srv := llmtest.New(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		// More than the writer holds back of a first line, so it reaches stdout.
		_, _ = w.Write(llmtest.Stream("", "부분 번역이 ", strings.Repeat("길게 이어집니다 ", 8)))
		w.(http.Flusher).Flush()
		<-r.Context().Done() // never finishes: the client is killed first
	})
	db := filepath.Join(t.TempDir(), "y.db")
	const runs = 20
	for i := 1; i <= runs; i++ {
		src := fmt.Sprintf("source line %d", i)
		cmd := exec.Command(yeokBin, "translate", "--to", "ko", "--db", db, src)
		cmd.Env = append(providerEnv(srv), "HOME="+t.TempDir(), "LANG=C.UTF-8")
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Wait until the partial translation is on stdout: the stream is in flight.
		got := make(chan string, 1)
		go func() {
			r := bufio.NewReader(stdout)
			buf := make([]byte, 64)
			n, _ := r.Read(buf)
			got <- string(buf[:n])
		}()
		select {
		case s := <-got:
			if !strings.Contains(s, "부분") {
				t.Fatalf("run %d: stdout %q", i, s)
			}
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			t.Fatalf("run %d: no partial text streamed", i)
		}
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()

		h := yeokRun(t, nil, "", "history", "--db", db, "--json", "--limit", "0")
		if h.code != 0 {
			t.Fatalf("run %d: history after kill: %d %q", i, h.code, h.stderr)
		}
		recs := decodeLines(t, h.stdout)
		if len(recs) != i {
			t.Fatalf("run %d: %d entries after restart, want %d", i, len(recs), i)
		}
		for j, r := range recs {
			want := fmt.Sprintf("source line %d", i-j)
			if r["status"] != "interrupted" || r["source"] != want {
				t.Fatalf("run %d: entry %d is %v %q, want interrupted %q", i, j, r["status"], r["source"], want)
			}
		}
		if c := yeokRun(t, nil, "", "db", "check", "--db", db); c.code != 0 {
			t.Fatalf("run %d: db check: %d %q %q", i, c.code, c.stdout, c.stderr)
		}
	}
	if _, err := os.Stat(db + ".pid"); err == nil {
		t.Log("a stale holder file is left behind by a killed process; the next open must cope (it did)")
	}
}
