package main

import (
	"bufio"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/yeok/yeok/llm/llmtest"
)

// numberedAnswer answers each request with "번역 N" for the "line N" in its source, so the
// order of the output can be checked against the order of the input.
func numberedAnswer() http.HandlerFunc {
	re := regexp.MustCompile(`line (\d+)`)
	return func(w http.ResponseWriter, r *http.Request) {
		m := re.FindAllStringSubmatch(llmtest.LastUser(r), -1)
		num := "?"
		if len(m) > 0 {
			num = m[len(m)-1][1]
		}
		llmtest.Replay(llmtest.Stream("stop", "번역 ", num))(w, r)
	}
}

func TestFollowFile(t *testing.T) {
	srv := llmtest.New(t, numberedAnswer())
	dir := t.TempDir()
	db, transcript := filepath.Join(dir, "y.db"), filepath.Join(dir, "live.txt")
	if err := os.WriteFile(transcript, []byte("old line 0 is skipped\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(yeokBin, "follow", "--to", "ko", "--db", db, "--script", "live", "--context", "0", transcript)
	cmd.Env = append(providerEnv(srv), "HOME="+dir, "LANG=C.UTF-8")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	out := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			out <- sc.Text()
		}
		close(out)
	}()
	waitOpen(t, cmd.Process.Pid, transcript) // it starts at the end the file has when opened

	appendLines := func(from, to int) {
		f, err := os.OpenFile(transcript, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Error(err)
			return
		}
		defer f.Close()
		for i := from; i <= to; i++ {
			fmt.Fprintf(f, "spoken line %d\n\n", i)
			if i%3 == 0 {
				time.Sleep(20 * time.Millisecond)
			}
		}
	}
	expect := func(from, to int) {
		t.Helper()
		for i := from; i <= to; i++ {
			select {
			case got := <-out:
				if want := fmt.Sprintf("번역 %d", i); got != want {
					t.Fatalf("got %q, want %q (stderr %q)", got, want, stderr.String())
				}
			case <-time.After(15 * time.Second):
				t.Fatalf("line %d never translated (stderr %q)", i, stderr.String())
			}
		}
	}
	go appendLines(1, 30) // written while earlier lines translate: they queue, in order
	expect(1, 30)
	if err := os.Truncate(transcript, 0); err != nil {
		t.Fatal(err)
	}
	// Lines shorter than what was read: the file is seen cut whenever the follower looks.
	appendLines(31, 35)
	expect(31, 35)
	if err := os.Rename(transcript, transcript+".1"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(transcript, []byte("spoken line 36\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	expect(36, 36)

	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGINT: %v (stderr %q)", err, stderr.String())
	}
	h := yeokRun(t, nil, "", "history", "--db", db, "--script", "live", "--json", "--limit", "0")
	recs := decodeLines(t, h.stdout)
	if len(recs) != 36 {
		t.Fatalf("%d entries stored, want 36", len(recs))
	}
	ids := make([]float64, len(recs))
	for i, r := range recs {
		if r["source"] != fmt.Sprintf("spoken line %d", i+1) || r["status"] != "done" {
			t.Fatalf("entry %d: %v %v", i, r["source"], r["status"])
		}
		ids[i] = r["id"].(float64)
	}
	if !sort.Float64sAreSorted(ids) {
		t.Fatalf("script order is not entry order: %v", ids)
	}
}

func TestFollowStdin(t *testing.T) {
	srv := llmtest.New(t, numberedAnswer())
	db := filepath.Join(t.TempDir(), "y.db")
	p := yeokRun(t, providerEnv(srv), "line 1\n\nline 2\nline 3", "follow", "--to", "ko", "--db", db, "-")
	if p.code != 0 || p.stdout != "번역 1\n번역 2\n번역 3\n" {
		t.Fatalf("exit %d stdout %q stderr %q", p.code, p.stdout, p.stderr)
	}
	p = yeokRun(t, providerEnv(srv), "", "follow", "--to", "ko", "--db", db)
	if p.code != 2 {
		t.Fatalf("no file: exit %d", p.code)
	}
	p = yeokRun(t, providerEnv(srv), "", "follow", "--to", "ko", "--db", db, filepath.Join(t.TempDir(), "nodir", "x.txt"))
	if p.code != 1 || strings.Count(p.stderr, "\n") != 1 {
		t.Fatalf("missing directory: exit %d stderr %q", p.code, p.stderr)
	}
}

// waitOpen waits until process pid has path open.
func waitOpen(t *testing.T, pid int, path string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		fds, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
		for _, fd := range fds {
			if target, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name())); err == nil && target == path {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("yeok follow never opened %s", path)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
