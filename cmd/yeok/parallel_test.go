package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/yeok/yeok/llm/llmtest"
)

// sourceOf is the text a request asks to translate: its <source> block, without the
// preceding lines that come with it.
func sourceOf(r llmtest.Request) string {
	u := r.LastUser()
	_, rest, _ := strings.Cut(u, "<source>\n")
	text, _, _ := strings.Cut(rest, "\n</source>")
	return text
}

// numbered is n lines "line 1" … "line n", and what each is answered with: "L1" … "Ln".
func numbered(n int) (in string, want string) {
	var a, b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&a, "line %d\n", i)
		fmt.Fprintf(&b, "L%d\n", i)
	}
	return a.String(), b.String()
}

// cleanEnv is an environment for the binary started by a test itself: a home of its own
// (config and data dirs in a temp dir), PATH, and env.
func cleanEnv(t *testing.T, env ...string) []string {
	home := t.TempDir()
	return append([]string{"HOME=" + home, "XDG_CONFIG_HOME=" + filepath.Join(home, "config"), "XDG_DATA_HOME=" + filepath.Join(home, "data"),
		"PATH=" + os.Getenv("PATH"), "GORACE=atexit_sleep_ms=0", probePortsEnv + "=off"}, env...)
}

// lineNo is the number of the "line N" a request translates.
func lineNo(r *http.Request) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(sourceOf(llmtest.Recorded(r)), "line "))
	return n
}

// answerLine answers "line N" with "LN".
func answerLine(w http.ResponseWriter, r *http.Request) {
	llmtest.Deltas("L", strconv.Itoa(lineNo(r)))(w, r)
}

// scriptSources is the sources of a script's done entries, oldest first, and how many
// entries it has in all.
func scriptSources(t *testing.T, db, script string) (done []string, all int) {
	t.Helper()
	h := yeokRun(t, nil, "", "history", "--db", db, "--script", script, "--json", "--limit", "0")
	if h.code != 0 {
		t.Fatalf("history: %d %s", h.code, h.stderr)
	}
	recs := decodeLines(t, h.stdout)
	for _, r := range recs {
		if r["status"] == "done" {
			done = append(done, r["source"].(string))
		}
	}
	return done, len(recs)
}

func TestTranslateParallelKeepsOrder(t *testing.T) {
	const lines, parallel = 8, 4
	// The first four lines wait until all four have arrived, so they are provably in
	// flight at once; then each answers slower the earlier it is, so they finish in
	// reverse.
	var mu sync.Mutex
	arrived := 0
	together := make(chan struct{})
	srv := llmtest.New(t, func(w http.ResponseWriter, r *http.Request) {
		n := lineNo(r)
		if n <= parallel {
			mu.Lock()
			if arrived++; arrived == parallel {
				close(together)
			}
			mu.Unlock()
			select {
			case <-together:
			case <-r.Context().Done():
				return
			case <-time.After(20 * time.Second):
				http.Error(w, "the first lines were never in flight together", http.StatusInternalServerError)
				return
			}
		}
		delay := time.Duration(lines-n) * 15 * time.Millisecond
		llmtest.Paced(func(*http.Request) []string { return []string{"L", strconv.Itoa(n)} }, delay, 0, nil)(w, r)
	})
	db := filepath.Join(t.TempDir(), "y.db")
	in, want := numbered(lines)
	p := yeokRun(t, providerEnv(srv), in, "translate", "--lines", "--parallel", strconv.Itoa(parallel), "--to", "fr", "--db", db, "--script", "talk")
	if p.code != 0 || p.stdout != want || p.stderr != "" {
		t.Fatalf("code %d stdout %q stderr %q", p.code, p.stdout, p.stderr)
	}
	done, all := scriptSources(t, db, "talk")
	if all != lines || strings.Join(done, "\n")+"\n" != in {
		t.Fatalf("script not stored in input order: %q", done)
	}
	// Line 6 carries lines 3 to 5: as preceding lines, or as context pairs once done.
	for _, r := range srv.Requests() {
		if sourceOf(r) != "line 6" {
			continue
		}
		for _, l := range []string{"line 3", "line 4", "line 5"} {
			if !strings.Contains(allText(r), l) {
				t.Fatalf("line 6 carries neither %q as a preceding line nor as context:\n%s", l, allText(r))
			}
		}
	}

	// --parallel 1 keeps the sequential rule: no preceding lines.
	p = yeokRun(t, providerEnv(srv), "line 7\nline 8\n", "translate", "--lines", "--no-memory", "--parallel", "1", "--to", "fr", "--db", db)
	reqs := srv.Requests()
	if p.code != 0 || p.stdout != "L7\nL8\n" || strings.Contains(reqs[len(reqs)-1].LastUser(), "<preceding>") {
		t.Fatalf("--parallel 1: code %d stdout %q, last request %q", p.code, p.stdout, reqs[len(reqs)-1].LastUser())
	}
}

func TestTranslateParallelRateLimitStorm(t *testing.T) {
	const lines = 12
	srv := llmtest.New(t, func(w http.ResponseWriter, r *http.Request) {
		if n := llmtest.Recorded(r).N; n >= 3 && n <= 10 {
			llmtest.Error(429, "rate_limit_exceeded", "Rate limit reached for requests")(w, r)
			return
		}
		answerLine(w, r)
	})
	db := filepath.Join(t.TempDir(), "y.db")
	in, want := numbered(lines)
	p := yeokRun(t, providerEnv(srv), in, "translate", "--lines", "--parallel", "4", "--max-retries", "0", "--to", "fr", "--db", db, "--script", "storm")
	if p.code != 0 || p.stdout != want || p.stderr != "" {
		t.Fatalf("code %d stdout %q stderr %q", p.code, p.stdout, p.stderr)
	}
	// A line sent again after a 429 goes into the entry it was logged as: the script
	// holds one entry a line, in input order.
	done, all := scriptSources(t, db, "storm")
	if len(done) != lines || all != lines || strings.Join(done, "\n")+"\n" != in {
		t.Fatalf("%d entries, %d done, want %d in input order: %q", all, len(done), lines, done)
	}
	if n := srv.Count(); n != lines+8 {
		t.Fatalf("server saw %d requests, want %d", n, lines+8)
	}
}

func TestTranslateParallelStopsOnAuth(t *testing.T) {
	const lines = 10
	// Line 3 is refused once line 4 is in flight; line 4 is held until the batch cancels it.
	stopServer := func(t *testing.T) *llmtest.Server {
		fourth := make(chan struct{})
		return llmtest.New(t, func(w http.ResponseWriter, r *http.Request) {
			switch lineNo(r) {
			case 3:
				select {
				case <-fourth:
				case <-r.Context().Done():
					return
				}
				llmtest.Error(401, "invalid_api_key", "Incorrect API key provided")(w, r)
			case 4:
				close(fourth)
				llmtest.Hold(nil)(w, r)
			default:
				answerLine(w, r)
			}
		})
	}
	for _, asJSON := range []bool{false, true} {
		t.Run(fmt.Sprintf("json=%v", asJSON), func(t *testing.T) {
			srv := stopServer(t)
			db := filepath.Join(t.TempDir(), "y.db")
			in, _ := numbered(lines)
			args := []string{"translate", "--lines", "--parallel", "2", "--max-retries", "0", "--to", "fr", "--db", db, "--script", "s"}
			if asJSON {
				args = append(args, "--json")
			}
			p := yeokRun(t, providerEnv(srv), in, args...)
			if p.code != 1 || strings.Count(p.stderr, "\n") != 1 || !strings.Contains(p.stderr, "OPENAI_API_KEY") {
				t.Fatalf("code %d stderr %q", p.code, p.stderr)
			}
			if got := srv.Count(); got != 4 {
				t.Fatalf("server saw %d requests, want lines 1 to 4", got)
			}
			done, all := scriptSources(t, db, "s")
			if len(done) != 2 || all != 4 {
				t.Fatalf("script has %d entries, %d done; want lines 1 to 4 logged and 1, 2 done", all, len(done))
			}
			if !asJSON {
				if p.stdout != "L1\nL2\n" {
					t.Fatalf("stdout %q", p.stdout)
				}
				return
			}
			evs := decodeLines(t, p.stdout)
			last := evs[len(evs)-1]
			if last["type"] != "stopped" {
				t.Fatalf("last event %v", last)
			}
			unsent := last["unsent"].([]any)
			cancelled := last["cancelled"].([]any)
			if len(unsent) != lines-4 || unsent[0].(map[string]any)["source"] != "line 5" || len(cancelled) != 1 ||
				cancelled[0].(map[string]any)["line"] != 4.0 {
				t.Fatalf("stopped event %v", last)
			}
		})
	}
}

func TestTranslateResumeAfterKill(t *testing.T) {
	const lines, first = 10, 5
	srv := llmtest.New(t, func(w http.ResponseWriter, r *http.Request) {
		if lineNo(r) > first {
			llmtest.Hold(nil)(w, r)
			return
		}
		answerLine(w, r)
	})
	dir := t.TempDir()
	db := filepath.Join(dir, "y.db")
	in, want := numbered(lines)
	input := filepath.Join(dir, "talk.txt")
	if err := os.WriteFile(input, []byte(in), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"translate", "--lines", "--parallel", "3", "--to", "fr", "--db", db, "--script", "talk"}

	cmd, out := startYeok(t, cleanEnv(t, providerEnv(srv)...), nil, append(args, input)...)
	for i := 1; i <= first; i++ {
		line, err := out.ReadString('\n')
		if err != nil || line != fmt.Sprintf("L%d\n", i) {
			t.Fatalf("line %d: %q %v", i, line, err)
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	srv.SetHandlers(answerLine)
	sent := srv.Count()
	p := yeokRun(t, providerEnv(srv), "", append(args, "--resume", input)...)
	if p.code != 0 || p.stdout != want[strings.Index(want, "L6"):] {
		t.Fatalf("resume: code %d stdout %q stderr %q", p.code, p.stdout, p.stderr)
	}
	for _, r := range srv.Requests()[sent:] {
		if n, _ := strconv.Atoi(strings.TrimPrefix(sourceOf(r), "line ")); n <= first {
			t.Fatalf("resume sent done line %q again", sourceOf(r))
		}
	}
	done, _ := scriptSources(t, db, "talk")
	seen := map[string]int{}
	for _, s := range done {
		seen[s]++
	}
	for i := 1; i <= lines; i++ {
		if n := seen[fmt.Sprintf("line %d", i)]; n != 1 {
			t.Fatalf("line %d done %d times: %q", i, n, done)
		}
	}

	// Everything done: a second resume sends nothing.
	sent = srv.Count()
	if p := yeokRun(t, providerEnv(srv), "", append(args, "--resume", input)...); p.code != 0 || p.stdout != "" || srv.Count() != sent {
		t.Fatalf("resume of a finished script: code %d stdout %q, %d requests", p.code, p.stdout, srv.Count()-sent)
	}
	if p := yeokRun(t, nil, "", "translate", "--lines", "--resume", input); p.code != 2 || !strings.Contains(p.stderr, "--script") {
		t.Fatalf("--resume without --script: code %d stderr %q", p.code, p.stderr)
	}
}

// TestTranslateParallelTargetsRateLimited: a line into two targets, one of them rate
// limited, sends only that target again; stdout keeps lines and targets in order.
func TestTranslateParallelTargetsRateLimited(t *testing.T) {
	const lines = 6
	var mu sync.Mutex
	refused := 0
	srv := llmtest.New(t, llmtest.ByTarget(map[string]http.HandlerFunc{
		"fr": func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			refused++
			n := refused
			mu.Unlock()
			if n <= 3 {
				llmtest.Error(429, "rate_limit_exceeded", "Rate limit reached for requests")(w, r)
				return
			}
			answerLine(w, r)
		},
		"ko": answerLine,
	}))
	db := filepath.Join(t.TempDir(), "y.db")
	in, _ := numbered(lines)
	p := yeokRun(t, providerEnv(srv), in, "translate", "--lines", "--parallel", "3", "--max-retries", "0", "--to", "fr,ko", "--db", db, "--script", "two")
	var want strings.Builder
	for i := 1; i <= lines; i++ {
		fmt.Fprintf(&want, "[fr] L%d\n[ko] L%d\n", i, i)
	}
	if p.code != 0 || p.stdout != want.String() || p.stderr != "" {
		t.Fatalf("code %d stdout %q stderr %q", p.code, p.stdout, p.stderr)
	}
	if done, _ := scriptSources(t, db, "two"); len(done) != 2*lines {
		t.Fatalf("%d entries done, want %d", len(done), 2*lines)
	}
	if n := srv.Count(); n != 2*lines+3 {
		t.Fatalf("server saw %d requests, want %d: a done target was sent again", n, 2*lines+3)
	}
}

// TestTranslateResumeTargets: --resume sends a line only into the targets it is not done
// into yet, counting a repeated line once per time it is done.
func TestTranslateResumeTargets(t *testing.T) {
	refuse := true
	var mu sync.Mutex
	srv := llmtest.New(t, llmtest.ByTarget(map[string]http.HandlerFunc{
		"fr": answerLine,
		"ko": func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			no := refuse && lineNo(r) == 2
			mu.Unlock()
			if no {
				llmtest.Error(503, "server_error", "overloaded")(w, r)
				return
			}
			answerLine(w, r)
		},
	}))
	db := filepath.Join(t.TempDir(), "y.db")
	in := "line 1\nline 2\nline 1\n"
	args := []string{"translate", "--lines", "--no-memory", "--max-retries", "0", "--to", "fr,ko", "--db", db, "--script", "r"}
	if p := yeokRun(t, providerEnv(srv), in, args...); p.code != 1 {
		t.Fatalf("first run: code %d stderr %q", p.code, p.stderr)
	}
	mu.Lock()
	refuse = false
	mu.Unlock()
	sent := srv.Count()
	p := yeokRun(t, providerEnv(srv), in+"line 1\n", append(args, "--resume")...)
	if p.code != 0 || p.stdout != "[ko] L2\n[fr] L1\n[ko] L1\n" {
		t.Fatalf("resume: code %d stdout %q stderr %q", p.code, p.stdout, p.stderr)
	}
	if n := srv.Count() - sent; n != 3 {
		t.Fatalf("resume sent %d requests, want 3", n)
	}
}

// startYeok runs yeok with args in env, its stderr into stderr when not nil, and returns the
// process and its stdout to read as it writes; the process is killed when the test ends.
func startYeok(t *testing.T, env []string, stderr io.Writer, args ...string) (*exec.Cmd, *bufio.Reader) {
	t.Helper()
	cmd := exec.Command(yeokBin, args...)
	cmd.Env = env
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd, bufio.NewReader(stdout)
}
