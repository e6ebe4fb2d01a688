package main

import (
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/yeok/yeok/llm/llmtest"
)

func TestTranslateRetranslate(t *testing.T) {
	const lines = 5
	var failing atomic.Bool
	failing.Store(true)
	srv := llmtest.New(t, func(w http.ResponseWriter, r *http.Request) {
		if failing.Load() && lineNo(r) == 3 {
			llmtest.Error(503, "server_error", "overloaded")(w, r)
			return
		}
		answerLine(w, r)
	})
	db := filepath.Join(t.TempDir(), "y.db")
	in, want := numbered(lines)
	args := []string{"translate", "--max-retries", "0", "--db", db, "--script", "talk"}
	if p := yeokRun(t, providerEnv(srv), in, append(args, "--lines", "--to", "fr")...); p.code != 1 || p.stdout != "L1\nL2\nL4\nL5\n" {
		t.Fatalf("first run: code %d stdout %q stderr %q", p.code, p.stdout, p.stderr)
	}
	failing.Store(false)

	sent := srv.Count()
	p := yeokRun(t, providerEnv(srv), "", append(args, "--retranslate", "--only", "failed")...)
	reqs := srv.Requests()[sent:]
	if p.code != 0 || p.stdout != "L3\n" || len(reqs) != 1 || sourceOf(reqs[0]) != "line 3" || !strings.Contains(allText(reqs[0]), "line 2") {
		t.Fatalf("--only failed: code %d stdout %q stderr %q, %d requests", p.code, p.stdout, p.stderr, len(reqs))
	}
	recs := scriptEntries(t, db, "talk")
	if len(recs) != lines+1 || recs[2]["status"] != "failed" || recs[lines]["status"] != "done" || recs[lines]["source"] != "line 3" {
		t.Fatalf("the failed entry is not kept beside the new one: %v", recs)
	}

	// Nothing failed any more: nothing is sent.
	sent = srv.Count()
	if p := yeokRun(t, providerEnv(srv), "", append(args, "--retranslate", "--only", "failed,truncated")...); p.code != 0 || p.stdout != "" || srv.Count() != sent {
		t.Fatalf("second --only failed: code %d stdout %q, %d requests", p.code, p.stdout, srv.Count()-sent)
	}

	// Every line into another target, in batches.
	sent = srv.Count()
	srv.SetHandlers(llmtest.Batches(answerSource))
	p = yeokRun(t, providerEnv(srv), "", append(args, "--retranslate", "--to", "ko", "--batch", "3", "--parallel", "2")...)
	if p.code != 0 || p.stdout != want || srv.Count()-sent != 2 {
		t.Fatalf("--to ko: code %d stdout %q stderr %q, %d requests", p.code, p.stdout, p.stderr, srv.Count()-sent)
	}
	for _, r := range srv.Requests()[sent:] {
		if r.Target() != "ko" {
			t.Fatalf("sent into %q", r.Target())
		}
	}
	if recs := scriptEntries(t, db, "talk"); len(recs) != 2*lines+1 || recs[len(recs)-1]["to"] != "ko" {
		t.Fatalf("%d entries after --to ko", len(recs))
	}
}

func TestTranslateRetranslateErrors(t *testing.T) {
	srv := llmtest.New(t, answerLine)
	db := filepath.Join(t.TempDir(), "y.db")
	if p := yeokRun(t, providerEnv(srv), "line 1\n", "translate", "--lines", "--to", "fr", "--db", db, "--script", "s"); p.code != 0 {
		t.Fatalf("setup: %d %s", p.code, p.stderr)
	}
	for _, tt := range []struct {
		name string
		args []string
		code int
		says string
	}{
		{"unknown script", []string{"--script", "nope", "--retranslate"}, 1, `no script "nope"`},
		{"bad --only", []string{"--script", "s", "--retranslate", "--only", "failed,wrong"}, 2, `unknown state "wrong"`},
		{"no script", []string{"--retranslate"}, 2, "--retranslate needs --script"},
		{"input text", []string{"--script", "s", "--retranslate", "hello"}, 2, "takes no text or files"},
		{"--only alone", []string{"--script", "s", "--only", "failed"}, 2, "--only goes with --retranslate"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sent := srv.Count()
			p := yeokRun(t, providerEnv(srv), "", append([]string{"translate", "--db", db}, tt.args...)...)
			if p.code != tt.code || strings.Count(p.stderr, "\n") != 1 || !strings.Contains(p.stderr, tt.says) || srv.Count() != sent {
				t.Fatalf("code %d stderr %q", p.code, p.stderr)
			}
		})
	}
}
