package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/yeok/yeok/llm/llmtest"
)

// ptyApp is the real binary's TUI in a pseudo-terminal: its screen output is gathered as it
// comes and its terminal queries are answered, as a terminal does.
type ptyApp struct {
	cmd  *exec.Cmd
	term *os.File
	mu   sync.Mutex
	out  []byte
	more chan struct{} // gets a value when output arrives
	done chan error
}

// startPTYApp runs yeok with args in a pty with the test's clean environment plus env.
func startPTYApp(t *testing.T, env []string, args ...string) *ptyApp {
	t.Helper()
	home := t.TempDir()
	cmd := exec.Command(yeokBin, args...)
	cmd.Env = append([]string{
		"HOME=" + home, "XDG_CONFIG_HOME=" + filepath.Join(home, "config"), "XDG_DATA_HOME=" + filepath.Join(home, "data"),
		"PATH=" + os.Getenv("PATH"), "LANG=C.UTF-8", "TERM=xterm-256color", "GORACE=atexit_sleep_ms=0",
	}, env...)
	term, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: tuiHeight, Cols: tuiWidth})
	if err != nil {
		t.Fatal(err)
	}
	a := &ptyApp{cmd: cmd, term: term, more: make(chan struct{}, 1), done: make(chan error, 1)}
	go func() { a.done <- cmd.Wait() }()
	go a.read()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = term.Close()
	})
	return a
}

func (a *ptyApp) read() {
	answered := map[string]int{}
	buf := make([]byte, 32<<10)
	for {
		n, err := a.term.Read(buf)
		a.mu.Lock()
		a.out = append(a.out, buf[:n]...)
		for _, q := range [][2][]byte{{queryBackground, answerBackground}, {queryCursor, answerCursor}} {
			for c := bytes.Count(a.out, q[0]); answered[string(q[0])] < c; answered[string(q[0])]++ {
				_, _ = a.term.Write(q[1])
			}
		}
		a.mu.Unlock()
		select {
		case a.more <- struct{}{}:
		default:
		}
		if err != nil {
			return
		}
	}
}

// waitFor waits until the screen output since the start contains want.
func (a *ptyApp) waitFor(t *testing.T, want string) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		a.mu.Lock()
		found := bytes.Contains(a.out, []byte(want))
		a.mu.Unlock()
		if found {
			return
		}
		select {
		case <-a.more:
		case <-deadline:
			a.mu.Lock()
			defer a.mu.Unlock()
			t.Fatalf("%q never showed: %q", want, tail(a.out))
		}
	}
}

func (a *ptyApp) send(t *testing.T, s string) {
	t.Helper()
	if _, err := a.term.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
}

// quit presses Ctrl+C and waits for the program to end.
func (a *ptyApp) quit(t *testing.T) {
	t.Helper()
	a.send(t, "\x03")
	select {
	case err := <-a.done:
		if err != nil {
			t.Fatalf("yeok exited: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("yeok did not quit on ctrl+c")
	}
}

// echoAnswer answers each request with "번역 " and the last word of its source, so that an
// entry's answer can be checked against its source.
func echoAnswer(w http.ResponseWriter, r *http.Request) {
	words := strings.Fields(strings.NewReplacer("<source>", " ", "</source>", " ").Replace(llmtest.LastUser(r)))
	last := "?"
	if len(words) > 0 {
		last = words[len(words)-1]
	}
	llmtest.Deltas("번역 ", last)(w, r)
}

// TestManyProcessesOneDatabase runs two TUIs in ptys, a pipe run of 200 lines and a
// follow over one database at once: afterwards every entry of every process is there,
// done, with its own answer, in input order per session, and db check is clean.
func TestManyProcessesOneDatabase(t *testing.T) {
	srv := llmtest.New(t, echoAnswer)
	dir := t.TempDir()
	db := filepath.Join(dir, "y.db")
	env := providerEnv(srv)

	transcript := filepath.Join(dir, "live.txt")
	var followIn strings.Builder
	for i := range 20 {
		fmt.Fprintf(&followIn, "followed f%d\n", i)
	}
	if err := os.WriteFile(transcript, []byte(followIn.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	follow := exec.Command(yeokBin, "follow", "--from-start", "--to", "ko", "--db", db, "--script", "live", transcript)
	follow.Env = append(env, "HOME="+dir, "GORACE=atexit_sleep_ms=0")
	var followOut bytes.Buffer
	follow.Stdout = &followOut
	if err := follow.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = follow.Process.Kill(); _ = follow.Wait() }()

	var pipeIn strings.Builder
	for i := range 200 {
		fmt.Fprintf(&pipeIn, "piped p%d\n", i)
	}
	pipeDone := make(chan proc, 1)
	go func() {
		pipeDone <- yeokRun(t, env, pipeIn.String(), "translate", "--lines", "--to", "ko", "--db", db, "--script", "pipe")
	}()

	tuis := []*ptyApp{
		startPTYApp(t, env, "--db", db, "--to", "ko", "--script", "pane-a"),
		startPTYApp(t, env, "--db", db, "--to", "ko", "--script", "pane-b"),
	}
	for _, a := range tuis {
		a.waitFor(t, "ctrl+t")
	}
	for k := range 5 {
		for i, a := range tuis {
			word := fmt.Sprintf("%c%d", 'a'+i, k)
			a.send(t, "typed "+word+"\r")
			a.waitFor(t, "번역 "+word)
		}
	}
	p := <-pipeDone
	if p.code != 0 || strings.Count(p.stdout, "\n") != 200 {
		t.Fatalf("pipe run: exit %d, %d lines, stderr %q", p.code, strings.Count(p.stdout, "\n"), p.stderr)
	}
	// The follower has written its 20 answers once history counts them.
	var recs []map[string]any
	deadline := time.Now().Add(30 * time.Second)
	for {
		h := yeokRun(t, nil, "", "history", "--db", db, "--limit", "0", "--json")
		recs = decodeLines(t, h.stdout)
		if h.code == 0 && len(recs) == 230 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, a := range tuis {
		a.quit(t)
	}
	if err := follow.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	_ = follow.Wait()

	if len(recs) != 230 {
		t.Fatalf("history holds %d entries, want 230", len(recs))
	}
	bySession := map[float64][]map[string]any{}
	for _, r := range recs {
		words := strings.Fields(r["source"].(string))
		if r["status"] != "done" || r["translation"] != "번역 "+words[len(words)-1] {
			t.Fatalf("entry %v is not done with its own answer", r)
		}
		s := r["session"].(float64)
		bySession[s] = append(bySession[s], r)
	}
	if len(bySession) != 4 {
		t.Fatalf("%d sessions, want 4 (two panes, the pipe, the follower)", len(bySession))
	}
	for s, rs := range bySession {
		// history lists newest first; ids are given in the order entries were begun.
		sort.Slice(rs, func(i, j int) bool { return rs[i]["id"].(float64) < rs[j]["id"].(float64) })
		for i, r := range rs {
			if want := fmt.Sprint(i); !strings.HasSuffix(r["source"].(string), want) {
				t.Fatalf("session %v: entry %d is %q, out of input order", s, i, r["source"])
			}
		}
	}
	if c := yeokRun(t, nil, "", "db", "check", "--db", db); c.code != 0 {
		t.Fatalf("db check: exit %d %q", c.code, c.stderr)
	}
}

// TestKilledWriterLeavesOthersAlone kills one of three writing processes mid-stream, 20
// times over one database: the killed one's entry is interrupted with its source; the
// others' entries are done, never interrupted.
func TestKilledWriterLeavesOthersAlone(t *testing.T) {
	victimRe := regexp.MustCompile(`victim(\d+)`)
	streaming := make(chan string, 1)
	srv := llmtest.New(t, func(w http.ResponseWriter, r *http.Request) {
		m := victimRe.FindStringSubmatch(llmtest.LastUser(r))
		if m == nil {
			echoAnswer(w, r)
			return
		}
		llmtest.StartSSE(w)
		llmtest.Frame(w, llmtest.RoleJSON)
		llmtest.Frame(w, llmtest.DeltaJSON("부분 "+m[1]))
		streaming <- m[1]
		<-r.Context().Done() // until the victim dies
	})
	db := filepath.Join(t.TempDir(), "y.db")
	env := providerEnv(srv)
	for round := range 20 {
		victim := exec.Command(yeokBin, "translate", "--to", "ko", "--db", db, "--script", "victims", fmt.Sprintf("victim%d", round))
		victim.Env = append(env, "HOME="+t.TempDir(), "PATH="+os.Getenv("PATH"))
		victim.Stdout, victim.Stderr = io.Discard, io.Discard
		if err := victim.Start(); err != nil {
			t.Fatal(err)
		}
		select {
		case <-streaming:
		case <-time.After(30 * time.Second):
			_ = victim.Process.Kill()
			t.Fatalf("round %d: the victim never streamed", round)
		}
		var wg sync.WaitGroup
		results := make([]proc, 2)
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				in := fmt.Sprintf("r%dw%d first\nr%dw%d second\n", round, i, round, i)
				results[i] = yeokRun(t, env, in, "translate", "--lines", "--to", "ko", "--db", db, "--script", fmt.Sprintf("writer-%d", i))
			}()
		}
		if round%2 == 0 {
			_ = victim.Process.Kill() // while the others write
			wg.Wait()
		} else {
			wg.Wait()
			_ = victim.Process.Kill() // after they wrote
		}
		_ = victim.Wait()
		for i, r := range results {
			if r.code != 0 {
				t.Fatalf("round %d: writer %d: exit %d %q", round, i, r.code, r.stderr)
			}
		}
	}
	h := yeokRun(t, nil, "", "history", "--db", db, "--limit", "0", "--json")
	recs := decodeLines(t, h.stdout)
	if h.code != 0 || len(recs) != 20*5 {
		t.Fatalf("history: exit %d, %d entries (%q)", h.code, len(recs), h.stderr)
	}
	for _, r := range recs {
		src := r["source"].(string)
		switch {
		case strings.HasPrefix(src, "victim"):
			// Nothing is written per token: the partial text died with the process.
			if r["status"] != "interrupted" || r["error_class"] != "interrupted" {
				t.Fatalf("a killed writer's entry: %v", r)
			}
		case r["status"] != "done":
			t.Fatalf("a live writer's entry is %v: %v", r["status"], r)
		}
	}
	if c := yeokRun(t, nil, "", "db", "check", "--db", db); c.code != 0 {
		t.Fatalf("db check: exit %d %q", c.code, c.stderr)
	}
}
