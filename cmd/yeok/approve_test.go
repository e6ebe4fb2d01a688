package main

import (
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yeok/yeok/llm/llmtest"
)

// numberedAnswers answers request N with "line N".
func numberedAnswers(w http.ResponseWriter, r *http.Request) {
	llmtest.Replay(llmtest.Stream("stop", "line ", string(rune('0'+llmtest.Recorded(r).N))))(w, r)
}

// scriptOfThree logs three lines under script "talk" (entries #1 to #3, "line 1" to "line 3").
func scriptOfThree(t *testing.T) (db string, srv *llmtest.Server) {
	t.Helper()
	srv = llmtest.New(t, numberedAnswers)
	db = filepath.Join(t.TempDir(), "y.db")
	p := yeokRun(t, providerEnv(srv), "first\nsecond\nthird\n", "translate", "--lines", "--parallel", "1", "--to", "fr", "--db", db, "--script", "talk")
	if p.code != 0 || p.stdout != "line 1\nline 2\nline 3\n" {
		t.Fatalf("translate: %d %q %q", p.code, p.stdout, p.stderr)
	}
	return db, srv
}

// yeok approve stores an approval or a correction, says which in one line, and history,
// history --approved and --json show it beside the model's text.
func TestApprove(t *testing.T) {
	db, _ := scriptOfThree(t)
	steps := []struct {
		stdin string
		args  []string
		want  string
	}{
		{"", []string{"approve", "1"}, "approved #1: line 1\n"},
		{"", []string{"approve", "#2", "--text", "ligne deux"}, "corrected #2: ligne deux\n"},
		{"ligne trois\n", []string{"approve", "3", "--text", "-"}, "corrected #3: ligne trois\n"},
		{"", []string{"approve", "3"}, "approved #3: ligne trois\n"}, // the correction stays
	}
	for _, s := range steps {
		p := yeokRun(t, nil, s.stdin, append(s.args, "--db", db)...)
		if p.code != 0 || p.stdout != s.want || p.stderr != "" {
			t.Fatalf("yeok %v: %d %q %q, want %q", s.args, p.code, p.stdout, p.stderr, s.want)
		}
	}
	recs := decodeLines(t, yeokRun(t, nil, "", "history", "--db", db, "--script", "talk", "--json").stdout)
	wantApproved := []string{"line 1", "ligne deux", "ligne trois"}
	for i, r := range recs {
		if r["approved"] != wantApproved[i] || r["translation"] != "line "+string(rune('1'+i)) || r["approved_at"] == nil {
			t.Errorf("record %d: %v", i+1, r)
		}
	}
	h := yeokRun(t, nil, "", "history", "--db", db, "--script", "talk")
	if strings.Count(h.stdout, "done, approved") != 3 || !strings.Contains(h.stdout, "→ ligne deux\n    (model: line 2)\n") || strings.Contains(h.stdout, "→ line 2") {
		t.Errorf("history:\n%s", h.stdout)
	}
}

// history --approved keeps the approved entries, newest first.
func TestHistoryApproved(t *testing.T) {
	db, _ := scriptOfThree(t)
	if p := yeokRun(t, nil, "", "approve", "2", "--db", db); p.code != 0 {
		t.Fatalf("approve: %d %q", p.code, p.stderr)
	}
	recs := decodeLines(t, yeokRun(t, nil, "", "history", "--db", db, "--approved", "--json").stdout)
	if len(recs) != 1 || recs[0]["id"] != 2.0 {
		t.Fatalf("history --approved: %v", recs)
	}
	if p := yeokRun(t, nil, "", "history", "--db", db, "--approved", "--search", "line 3"); p.code != 0 || p.stdout != "" {
		t.Fatalf("history --approved --search of an unapproved line: %d %q %q", p.code, p.stdout, p.stderr)
	}
}

// Each mistake gets one line and the right exit status, and changes nothing.
func TestApproveErrors(t *testing.T) {
	db, _ := scriptOfThree(t)
	cases := []struct {
		name, stdin string
		args        []string
		code        int
		want        string
	}{
		{"unknown entry", "", []string{"approve", "99"}, 1, "yeok: approve: no entry #99 (yeok history lists yours)\n"},
		{"another owner", "", []string{"approve", "1", "--owner", "http:alice"}, 2, "yeok: approve: only your own entries can be approved here, not those http:alice logged\n"},
		{"empty text", "", []string{"approve", "1", "--text", "  "}, 2, "yeok: approve: --text is empty: give the corrected translation, or leave --text out to approve it as it is\n"},
		{"empty stdin", "\n", []string{"approve", "1", "--text", "-"}, 2, "yeok: approve: stdin is empty: give the corrected translation, or leave --text out to approve it as it is\n"},
		{"not a number", "", []string{"approve", "first"}, 2, "yeok: approve: \"first\" is not an entry number (yeok history shows them, as #12)\n"},
		{"no entry", "", []string{"approve"}, 2, "yeok: approve: name one entry, as yeok history shows it (#12 or 12)\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := yeokRun(t, nil, c.stdin, append(c.args, "--db", db)...)
			if p.code != c.code || p.stderr != c.want || p.stdout != "" {
				t.Errorf("yeok %v: %d %q %q, want %d %q", c.args, p.code, p.stdout, p.stderr, c.code, c.want)
			}
		})
	}
	if p := yeokRun(t, nil, "", "history", "--db", db, "--approved"); p.stdout != "" {
		t.Errorf("a refused approval approved something:\n%s", p.stdout)
	}
}

// An entry still streaming in another process cannot be approved yet.
func TestApprovePendingEntry(t *testing.T) {
	release := make(chan struct{})
	srv := llmtest.New(t, func(w http.ResponseWriter, r *http.Request) {
		llmtest.StartSSE(w)
		llmtest.Frame(w, llmtest.DeltaJSON("en cours"))
		select {
		case <-release:
		case <-r.Context().Done():
		}
		llmtest.Frame(w, llmtest.FinishJSON("stop"))
		llmtest.Raw(w, "data: [DONE]\n\n")
	})
	db := filepath.Join(t.TempDir(), "y.db")
	cmd := exec.Command(yeokBin, "translate", "--to", "fr", "--db", db, "in flight")
	cmd.Env = append(providerEnv(srv), "HOME="+t.TempDir(), "LANG=C.UTF-8", "GORACE=atexit_sleep_ms=0", probePortsEnv+"=off")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var waitErr error
	exited := make(chan struct{})
	go func() { waitErr = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	select {
	case <-srv.Arrived:
	case <-exited:
		t.Fatalf("translate ended before its request arrived: %v", waitErr)
	case <-time.After(30 * time.Second):
		t.Fatal("no request arrived")
	}
	p := yeokRun(t, nil, "", "approve", "1", "--db", db, "--db-timeout", "10s")
	close(release)
	if p.code != 1 || p.stderr != "yeok: approve: entry #1 is still being translated; approve it once it is done\n" {
		t.Errorf("approve of a pending entry: %d %q %q", p.code, p.stdout, p.stderr)
	}
	<-exited
	if waitErr != nil {
		t.Fatalf("translate: %v", waitErr)
	}
	if p := yeokRun(t, nil, "", "approve", "1", "--db", db); p.code != 0 || p.stdout != "approved #1: en cours\n" {
		t.Errorf("approve once done: %d %q %q", p.code, p.stdout, p.stderr)
	}
}

// A failed entry has no translation to approve as it is; a correction gives it one.
func TestApproveFailedEntry(t *testing.T) {
	srv := llmtest.New(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(llmtest.ErrorJSON("bad request", "invalid_request_error", "")))
	})
	db := filepath.Join(t.TempDir(), "y.db")
	if p := yeokRun(t, providerEnv(srv), "", "translate", "--to", "fr", "--db", db, "lost"); p.code != 1 {
		t.Fatalf("translate: %d %q", p.code, p.stderr)
	}
	p := yeokRun(t, nil, "", "approve", "1", "--db", db)
	if p.code != 1 || p.stderr != "yeok: approve: entry #1 has no translation (failed): give one with --text\n" {
		t.Errorf("approve a failed entry: %d %q %q", p.code, p.stdout, p.stderr)
	}
	if p := yeokRun(t, nil, "", "approve", "1", "--text", "perdu", "--db", db); p.code != 0 || p.stdout != "corrected #1: perdu\n" {
		t.Errorf("correct a failed entry: %d %q %q", p.code, p.stdout, p.stderr)
	}
}
