package main

import (
	"bufio"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yeok/yeok/llm/llmtest"
)

// fakeKey is a recognisable API key that must never show up in output or storage.
const fakeKey = "sk-test-NEVER-SHOW-4f2a9c"

func providerEnv(f *llmtest.Server) []string {
	return []string{"OPENAI_API_KEY=" + fakeKey, "OPENAI_BASE_URL=" + f.BaseURL()}
}

func TestTranslateArgsAndStdin(t *testing.T) {
	srv := llmtest.New(t, llmtest.Replay(llmtest.Fixture(t, "gpt-4o-mini-stop.sse")))
	db := filepath.Join(t.TempDir(), "y.db")

	p := yeokRun(t, providerEnv(srv), "", "translate", "--to", "ko-KR", "--db", db, "안녕", "세상")
	if p.code != 0 || p.stdout != "Hello\n" {
		t.Fatalf("args: code %d stdout %q stderr %q", p.code, p.stdout, p.stderr)
	}
	p = yeokRun(t, providerEnv(srv), "bonjour\n", "translate", "--db", db, "--to", "en")
	if p.code != 0 || p.stdout != "Hello\n" {
		t.Fatalf("stdin: code %d stdout %q stderr %q", p.code, p.stdout, p.stderr)
	}
	reqs := srv.Requests()
	if len(reqs) != 2 {
		t.Fatalf("server saw %d requests, want 2", len(reqs))
	}
	if !strings.Contains(reqs[0].LastUser(), "안녕 세상") || !strings.Contains(reqs[1].LastUser(), "bonjour") {
		t.Fatalf("sources not sent: %q / %q", reqs[0].LastUser(), reqs[1].LastUser())
	}
	if !strings.Contains(allText(reqs[0]), "Korean") || reqs[0].Auth() != "Bearer "+fakeKey {
		t.Fatalf("request does not name the target or carry the key: %+v", reqs[0])
	}

	h := yeokRun(t, nil, "", "history", "--db", db, "--json", "--limit", "0")
	if h.code != 0 {
		t.Fatalf("history: %d %s", h.code, h.stderr)
	}
	recs := decodeLines(t, h.stdout)
	if len(recs) != 2 {
		t.Fatalf("history has %d entries, want 2:\n%s", len(recs), h.stdout)
	}
	for _, r := range recs {
		if r["status"] != "done" || r["translation"] != "Hello" {
			t.Fatalf("entry not stored as done: %v", r)
		}
	}
	if recs[0]["source"] != "bonjour" || recs[1]["source"] != "안녕 세상" {
		t.Fatalf("history not newest first: %v", recs)
	}
}

func TestTranslateLinesInOrder(t *testing.T) {
	srv := llmtest.New(t, func(w http.ResponseWriter, r *http.Request) {
		llmtest.Replay(llmtest.Stream("stop", "line ", string(rune('0'+llmtest.Recorded(r).N))))(w, r)
	})
	db := filepath.Join(t.TempDir(), "y.db")
	in := "first\n\n  \nsecond\r\nthird\n"
	p := yeokRun(t, providerEnv(srv), in, "translate", "--lines", "--parallel", "1", "--to", "fr", "--db", db, "--script", "talk")
	if p.code != 0 {
		t.Fatalf("code %d stderr %q", p.code, p.stderr)
	}
	if p.stdout != "line 1\nline 2\nline 3\n" {
		t.Fatalf("stdout %q", p.stdout)
	}
	reqs := srv.Requests()
	for i, want := range []string{"first", "second", "third"} {
		if got := reqs[i].LastUser(); !strings.Contains(got, want) || strings.Contains(got, "\r") {
			t.Fatalf("request %d carries %q, want %q", i, got, want)
		}
	}
	h := yeokRun(t, nil, "", "history", "--db", db, "--script", "talk", "--json")
	recs := decodeLines(t, h.stdout)
	if len(recs) != 3 || recs[0]["source"] != "first" || recs[2]["translation"] != "line 3" {
		t.Fatalf("script not stored in order: %s", h.stdout)
	}
}

func TestTranslateJSON(t *testing.T) {
	srv := llmtest.New(t, llmtest.Replay(llmtest.Fixture(t, "gpt-4o-length-usage.sse")))
	p := yeokRun(t, providerEnv(srv), "", "translate", "--json", "--to", "de", "--db", filepath.Join(t.TempDir(), "y.db"), "hi")
	if p.code != 1 {
		t.Fatalf("truncated answer should exit 1, got %d", p.code)
	}
	kinds := map[string]int{}
	for _, ev := range decodeLines(t, p.stdout) {
		kinds[ev["type"].(string)]++
		if ev["type"] == "entry" {
			entry := ev["entry"].(map[string]any)
			if entry["status"] != "truncated" {
				t.Fatalf("entry status %v", entry["status"])
			}
		}
	}
	if kinds["delta"] == 0 || kinds["usage"] != 1 || kinds["done"] != 1 || kinds["entry"] != 1 {
		t.Fatalf("event kinds %v\n%s", kinds, p.stdout)
	}
	if !strings.Contains(p.stderr, "truncated") || strings.Count(p.stderr, "\n") != 1 {
		t.Fatalf("stderr %q", p.stderr)
	}
}

func TestTranslateBadInput(t *testing.T) {
	srv := llmtest.New(t, llmtest.Replay(llmtest.Fixture(t, "gpt-4o-mini-stop.sse")))
	dir := t.TempDir()
	db := filepath.Join(dir, "y.db")
	big := strings.Repeat("a", 40<<10)
	tests := []struct {
		name   string
		env    []string
		stdin  string
		args   []string
		code   int
		stderr string
	}{
		{"invalid tag", providerEnv(srv), "", []string{"translate", "--to", "kore", "hi"}, 2, "nearest"},
		{"unknown flag", providerEnv(srv), "", []string{"translate", "--bogus", "hi"}, 2, "unknown flag"},
		{"unknown command", providerEnv(srv), "", []string{"translat"}, 2, "unknown command"},
		{"empty stdin", providerEnv(srv), "  \n\n", []string{"translate"}, 2, "nothing to translate"},
		{"empty lines", providerEnv(srv), "\n\n", []string{"translate", "--lines"}, 2, "nothing to translate"},
		{"too large", providerEnv(srv), big, []string{"translate"}, 2, "over the limit of 32 KiB"},
		{"too large custom", providerEnv(srv), "", []string{"translate", "--max-input", "4", "hello"}, 2, "over the limit of 4 B"},
		{"invalid utf8", providerEnv(srv), "a\xffb", []string{"translate"}, 2, "UTF-8"},
		{"no provider", nil, "", []string{"translate", "hi"}, 1, "OPENAI_API_KEY"},
		{"unreachable", []string{"OPENAI_BASE_URL=http://127.0.0.1:1/v1", "OPENAI_API_KEY=" + fakeKey}, "", []string{"translate", "--max-retries", "0", "hi"}, 1, "127.0.0.1:1"},
		{"db is a directory", providerEnv(srv), "", []string{"translate", "--db", dir, "hi"}, 1, dir},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(srv.Requests())
			args := tt.args
			if tt.name != "db is a directory" {
				args = append(args, "--db", db)
			}
			p := yeokRun(t, tt.env, tt.stdin, args...)
			if p.code != tt.code {
				t.Fatalf("exit %d, want %d (stderr %q)", p.code, tt.code, p.stderr)
			}
			if !strings.Contains(p.stderr, tt.stderr) || strings.Count(p.stderr, "\n") != 1 || !strings.HasPrefix(p.stderr, "yeok: ") {
				t.Fatalf("stderr %q, want one line containing %q", p.stderr, tt.stderr)
			}
			if strings.Contains(p.stderr, fakeKey) {
				t.Fatal("API key in stderr")
			}
			if tt.code == 2 && len(srv.Requests()) != before {
				t.Fatal("a refused input was sent")
			}
		})
	}
}

func TestTranslateKeyNeverLeaks(t *testing.T) {
	srv := llmtest.New(t, llmtest.Error(401, "invalid_api_key", "Incorrect API key provided: "+fakeKey[:8]+"..."))
	db := filepath.Join(t.TempDir(), "y.db")
	p := yeokRun(t, providerEnv(srv), "", "translate", "--json", "--db", db, "--to", "ko", "secret plans")
	if p.code != 1 || !strings.Contains(p.stderr, "OPENAI_API_KEY") {
		t.Fatalf("401: code %d stderr %q", p.code, p.stderr)
	}
	if len(srv.Requests()) != 1 {
		t.Fatalf("401 was retried: %d requests", len(srv.Requests()))
	}
	raw, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]string{"stdout": p.stdout, "stderr": p.stderr, "db": string(raw)} {
		if strings.Contains(s, fakeKey) {
			t.Fatalf("API key found in %s", name)
		}
	}
	h := yeokRun(t, nil, "", "history", "--db", db, "--json")
	if recs := decodeLines(t, h.stdout); len(recs) != 1 || recs[0]["status"] != "failed" || recs[0]["source"] != "secret plans" {
		t.Fatalf("failed entry not kept with its source: %s", h.stdout)
	}
}

func allText(r llmtest.Request) string {
	var b strings.Builder
	for _, m := range r.Chat.Messages {
		b.WriteString(m.Content)
		b.WriteByte('\n')
	}
	return b.String()
}

func decodeLines(t *testing.T, s string) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("not JSON: %q: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	return out
}
