package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/yeok/yeok/llm/llmtest"
)

// answerSource answers "line N" with "LN".
func answerSource(src string) string { return "L" + strings.TrimPrefix(src, "line ") }

// usageOf is the usage a server reported for request r: what llmtest.WithUsage sends.
func usageOf(t *testing.T, srv *llmtest.Server, i int) (prompt, completion int) {
	t.Helper()
	r := srv.Requests()[i]
	lines, asJSON := r.Batch()
	text := ""
	if lines == nil {
		text = answerSource(sourceOf(r))
	} else {
		answers := make([]string, len(lines))
		for k, l := range lines {
			answers[k] = answerSource(l)
		}
		text = llmtest.BatchText(asJSON, answers)
	}
	return r.PromptTokens(), len(text)/4 + 1
}

// scriptEntries is a script's entries, oldest first.
func scriptEntries(t *testing.T, db, script string) []map[string]any {
	t.Helper()
	h := yeokRun(t, nil, "", "history", "--db", db, "--script", script, "--json", "--limit", "0")
	if h.code != 0 {
		t.Fatalf("history: %d %s", h.code, h.stderr)
	}
	recs := decodeLines(t, h.stdout)
	sort.Slice(recs, func(i, j int) bool { return recs[i]["id"].(float64) < recs[j]["id"].(float64) })
	return recs
}

func tokens(rec map[string]any, field string) int {
	u, _ := rec["usage"].(map[string]any)
	n, _ := u[field].(float64)
	return int(n)
}

func TestTranslateBatch(t *testing.T) {
	const lines, per = 10, 5
	srv := llmtest.New(t, llmtest.Batches(answerSource))
	db := filepath.Join(t.TempDir(), "y.db")
	in, want := numbered(lines)
	p := yeokRun(t, providerEnv(srv), in, "translate", "--lines", "--batch", fmt.Sprint(per), "--parallel", "2", "--to", "fr", "--db", db, "--script", "b")
	if p.code != 0 || p.stdout != want || p.stderr != "" {
		t.Fatalf("code %d stdout %q stderr %q", p.code, p.stdout, p.stderr)
	}
	reqs := srv.Requests()
	if len(reqs) != lines/per {
		t.Fatalf("server saw %d requests, want %d", len(reqs), lines/per)
	}
	wantPrompt, wantCompletion := 0, 0
	for i, r := range reqs {
		got, asJSON := r.Batch()
		if len(got) != per || !asJSON {
			t.Fatalf("request %d: %d lines, JSON %v:\n%s", i, len(got), asJSON, allText(r))
		}
		var schema struct {
			Type       string `json:"type"`
			JSONSchema struct {
				Strict bool            `json:"strict"`
				Schema json.RawMessage `json:"schema"`
			} `json:"json_schema"`
		}
		if err := json.Unmarshal(r.Chat.ResponseFormat, &schema); err != nil || schema.Type != "json_schema" || !schema.JSONSchema.Strict ||
			!strings.Contains(string(schema.JSONSchema.Schema), `"5"`) {
			t.Fatalf("request %d response_format %s", i, r.Chat.ResponseFormat)
		}
		pt, ct := usageOf(t, srv, i)
		wantPrompt += pt
		wantCompletion += ct
	}
	recs := scriptEntries(t, db, "b")
	if len(recs) != lines {
		t.Fatalf("%d entries, want %d", len(recs), lines)
	}
	gotPrompt, gotCompletion := 0, 0
	for i, r := range recs {
		if r["status"] != "done" || r["source"] != fmt.Sprintf("line %d", i+1) || r["translation"] != fmt.Sprintf("L%d", i+1) {
			t.Fatalf("entry %d: %v", i, r)
		}
		gotPrompt += tokens(r, "prompt_tokens")
		gotCompletion += tokens(r, "completion_tokens")
	}
	if gotPrompt != wantPrompt || gotCompletion != wantCompletion {
		t.Fatalf("stored usage %d+%d, server reported %d+%d", gotPrompt, gotCompletion, wantPrompt, wantCompletion)
	}
	// The split: equal parts, the remainder on the batch's first line.
	first, second := tokens(recs[0], "prompt_tokens"), tokens(recs[1], "prompt_tokens")
	if pt, _ := usageOf(t, srv, 0); second != pt/per || first != pt/per+pt%per {
		t.Fatalf("prompt tokens %d of a batch split as %d, %d", pt, first, second)
	}
}

// TestTranslateBatchMisaligned: an answer that leaves out line 2, gives line 3 twice and
// adds a line 9 has lines 2 and 3 sent again on their own, and only those.
func TestTranslateBatchMisaligned(t *testing.T) {
	const lines = 5
	srv := llmtest.New(t, func(w http.ResponseWriter, r *http.Request) {
		if got, _ := llmtest.Recorded(r).Batch(); got != nil {
			llmtest.WithUsage(`{"1":"L1","3":"L3","3":"L3 again","4":"L4","5":"L5","9":"L9"}`)(w, r)
			return
		}
		llmtest.WithUsage(answerSource(sourceOf(llmtest.Recorded(r))))(w, r)
	})
	db := filepath.Join(t.TempDir(), "y.db")
	in, want := numbered(lines)
	p := yeokRun(t, providerEnv(srv), in, "translate", "--lines", "--batch", "5", "--parallel", "1", "--to", "fr", "--db", db, "--script", "m")
	if p.code != 0 || p.stdout != want || p.stderr != "" {
		t.Fatalf("code %d stdout %q stderr %q", p.code, p.stdout, p.stderr)
	}
	reqs := srv.Requests()
	var singles []string
	for _, r := range reqs[1:] {
		singles = append(singles, sourceOf(r))
	}
	if len(reqs) != 3 || strings.Join(singles, ",") != "line 2,line 3" {
		t.Fatalf("after the batch the server saw %q, want lines 2 and 3 alone", singles)
	}
	recs := scriptEntries(t, db, "m")
	if len(recs) != lines {
		t.Fatalf("%d entries, want %d", len(recs), lines)
	}
	total := 0
	for i, r := range recs {
		if r["status"] != "done" || r["source"] != fmt.Sprintf("line %d", i+1) || r["translation"] != fmt.Sprintf("L%d", i+1) {
			t.Fatalf("entry %d: %v", i, r)
		}
		total += tokens(r, "prompt_tokens")
	}
	want3 := 0
	for _, r := range reqs {
		want3 += r.PromptTokens()
	}
	if total != want3 {
		t.Fatalf("stored prompt tokens %d, server reported %d", total, want3)
	}
}

// TestTranslateBatchPlain: a server that refuses response_format (400) gets the batch
// again as numbered lines, and every later batch that way at once.
func TestTranslateBatchPlain(t *testing.T) {
	const lines = 10
	srv := llmtest.New(t, func(w http.ResponseWriter, r *http.Request) {
		if len(llmtest.Recorded(r).Chat.ResponseFormat) > 0 {
			llmtest.Error(400, "invalid_request_error", "response_format is not supported by this model")(w, r)
			return
		}
		llmtest.Batches(answerSource)(w, r)
	})
	db := filepath.Join(t.TempDir(), "y.db")
	in, want := numbered(lines)
	p := yeokRun(t, providerEnv(srv), in, "translate", "--lines", "--batch", "5", "--parallel", "1", "--to", "fr", "--db", db, "--script", "p")
	if p.code != 0 || p.stdout != want || p.stderr != "" {
		t.Fatalf("code %d stdout %q stderr %q", p.code, p.stdout, p.stderr)
	}
	reqs := srv.Requests()
	if len(reqs) != 3 || len(reqs[0].Chat.ResponseFormat) == 0 {
		t.Fatalf("server saw %d requests, want a refused one and two batches", len(reqs))
	}
	for _, r := range reqs[1:] {
		got, asJSON := r.Batch()
		if len(got) != 5 || asJSON || !strings.Contains(r.LastUser(), "\n1: line") || !strings.Contains(allText(r), `"N: translation"`) {
			t.Fatalf("not the numbered-lines contract:\n%s", allText(r))
		}
	}
	if recs := scriptEntries(t, db, "p"); len(recs) != lines || recs[9]["translation"] != "L10" {
		t.Fatalf("entries %v", recs)
	}
}

func TestTranslateBatchRefusesTargets(t *testing.T) {
	p := yeokRun(t, []string{"OPENAI_API_KEY=" + fakeKey}, "a\n", "translate", "--lines", "--batch", "5", "--to", "fr,ko")
	if p.code != 2 || !strings.Contains(p.stderr, "--batch takes one --to") {
		t.Fatalf("code %d stderr %q", p.code, p.stderr)
	}
}

// TestTranslateBatchRateLimited: a batch refused with 429 goes again into the entries it
// was logged as: one entry a line, in input order.
func TestTranslateBatchRateLimited(t *testing.T) {
	const lines = 6
	srv := llmtest.New(t, llmtest.Error(429, "rate_limit_exceeded", "Rate limit reached for requests"), llmtest.Batches(answerSource))
	db := filepath.Join(t.TempDir(), "y.db")
	in, want := numbered(lines)
	p := yeokRun(t, providerEnv(srv), in, "translate", "--lines", "--batch", "3", "--parallel", "1", "--max-retries", "0", "--to", "fr", "--db", db, "--script", "r")
	if p.code != 0 || p.stdout != want || p.stderr != "" || srv.Count() != 3 {
		t.Fatalf("code %d stdout %q stderr %q, %d requests", p.code, p.stdout, p.stderr, srv.Count())
	}
	done, all := scriptSources(t, db, "r")
	if all != lines || strings.Join(done, "\n")+"\n" != in {
		t.Fatalf("%d entries, done in order %q", all, done)
	}
}

// TestTranslateBatchShares: lines too few to fill --batch for every request --parallel
// allows are shared out among the requests, so that no request waits behind one long
// answer: ten lines, batches of 20, four at once go as 3, 3, 2 and 2 lines.
func TestTranslateBatchShares(t *testing.T) {
	srv := llmtest.New(t, llmtest.Batches(answerSource))
	db := filepath.Join(t.TempDir(), "y.db")
	in, want := numbered(10)
	p := yeokRun(t, providerEnv(srv), in, "translate", "--lines", "--batch", "20", "--parallel", "4", "--to", "fr", "--db", db, "--script", "b")
	if p.code != 0 || p.stdout != want || p.stderr != "" {
		t.Fatalf("code %d stdout %q stderr %q", p.code, p.stdout, p.stderr)
	}
	var sizes []int
	for _, r := range srv.Requests() {
		got, _ := r.Batch()
		sizes = append(sizes, len(got))
	}
	sort.Sort(sort.Reverse(sort.IntSlice(sizes)))
	if fmt.Sprint(sizes) != "[3 3 2 2]" {
		t.Fatalf("batches of %v lines, want 3, 3, 2 and 2", sizes)
	}
	if recs := scriptEntries(t, db, "b"); len(recs) != 10 {
		t.Fatalf("%d entries, want 10", len(recs))
	}
}

func TestBatchUnitSize(t *testing.T) {
	for _, c := range []struct{ lines, left, free, want int }{
		{0, 100, 4, 1}, {1, 100, 4, 1}, {20, 300, 4, 20}, {20, 60, 4, 15}, {20, 10, 4, 3},
		{20, 7, 3, 3}, {20, 1, 4, 1}, {20, 45, 1, 20}, {20, 5, 0, 5},
	} {
		b := &batch{lines: c.lines}
		if got := b.unitSize(c.left, c.free); got != c.want {
			t.Errorf("lines %d: unitSize(%d, %d) = %d, want %d", c.lines, c.left, c.free, got, c.want)
		}
	}
}
