package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/yeok/yeok/llm/llmtest"
)

// afterOthers answers the first target last: it sends its first words, then holds until
// the other targets' answers have been written in full, so their text arrives while the
// first target is still streaming.
func afterOthers(t *testing.T, others int) (first http.HandlerFunc, other func(http.HandlerFunc) http.HandlerFunc) {
	var wg sync.WaitGroup
	wg.Add(others)
	release := make(chan struct{})
	go func() { wg.Wait(); close(release) }()
	t.Cleanup(func() {
		select {
		case <-release:
		default:
			t.Error("the other targets were never all answered")
		}
	})
	first = func(w http.ResponseWriter, r *http.Request) {
		llmtest.Hold(release, "좋은 ", "아침")(w, r)
	}
	other = func(h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			defer wg.Done()
			h(w, r)
		}
	}
	return first, other
}

// TestTranslateSeveralTargets: with three targets, each target's text is written whole
// and labelled, in the order of --to, even when the later ones finish first.
func TestTranslateSeveralTargets(t *testing.T) {
	first, other := afterOthers(t, 2)
	srv := llmtest.New(t, llmtest.ByTarget(map[string]http.HandlerFunc{
		"ko-KR":   first,
		"ja-JP":   other(llmtest.Deltas("おはよう", "ございます")),
		"zh-Hant": other(llmtest.Deltas("早", "安")),
	}))
	db := filepath.Join(t.TempDir(), "y.db")
	p := yeokRun(t, providerEnv(srv), "", "translate", "--to", "ko-KR,ja-JP", "--to", "zh-Hant", "--db", db, "Good morning")
	want := "[ko-KR] 좋은 아침\n[ja-JP] おはようございます\n[zh-Hant] 早安\n"
	if p.code != 0 || p.stdout != want || p.stderr != "" {
		t.Fatalf("code %d stdout %q stderr %q; want stdout %q", p.code, p.stdout, p.stderr, want)
	}
	if n := srv.Count(); n != 3 {
		t.Fatalf("server saw %d requests, want 3", n)
	}

	h := yeokRun(t, nil, "", "history", "--db", db, "--json")
	recs := decodeLines(t, h.stdout)
	if len(recs) != 3 {
		t.Fatalf("history has %d entries, want 3:\n%s", len(recs), h.stdout)
	}
	group := recs[0]["group"]
	for _, r := range recs {
		if r["group"] == nil || r["group"] != group || r["status"] != "done" {
			t.Fatalf("entries not one done group: %s", h.stdout)
		}
	}
}

// TestTranslateSeveralTargetsLines: with --lines every line's targets come out together,
// line by line, and one target failing marks only itself: its one error line names it and
// the exit status is 1.
func TestTranslateSeveralTargetsLines(t *testing.T) {
	srv := llmtest.New(t, llmtest.ByTarget(map[string]http.HandlerFunc{
		"ko": func(w http.ResponseWriter, r *http.Request) { llmtest.Deltas("ko ", lineNumber(r))(w, r) },
		"ja": func(w http.ResponseWriter, r *http.Request) { llmtest.Deltas("ja ", lineNumber(r))(w, r) },
		"fr": llmtest.Error(http.StatusInternalServerError, "server_error", "the fr model is down"),
	}))
	db := filepath.Join(t.TempDir(), "y.db")
	p := yeokRun(t, providerEnv(srv), "line 1\nline 2\n", "translate", "--lines", "--to", "ko,fr,ja", "--max-retries", "0", "--db", db)
	want := "[ko] ko 1\n[fr] \n[ja] ja 1\n[ko] ko 2\n[fr] \n[ja] ja 2\n"
	if p.code != 1 || p.stdout != want {
		t.Fatalf("code %d stdout %q, want %q (stderr %q)", p.code, p.stdout, want, p.stderr)
	}
	lines := strings.Split(strings.TrimSuffix(p.stderr, "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("stderr %q, want one line for each failed target", p.stderr)
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "yeok: entry ") || !strings.Contains(l, "(fr) failed") {
			t.Fatalf("stderr line %q does not name the failed target", l)
		}
	}
}

// TestTranslateSeveralTargetsJSON: --json tags every event with its target, and the
// stored entries follow in the order of --to.
func TestTranslateSeveralTargetsJSON(t *testing.T) {
	first, other := afterOthers(t, 2)
	srv := llmtest.New(t, llmtest.ByTarget(map[string]http.HandlerFunc{
		"ko-KR":   first,
		"ja-JP":   other(llmtest.Deltas("おはよう")),
		"zh-Hant": other(llmtest.Deltas("早安")),
	}))
	p := yeokRun(t, providerEnv(srv), "", "translate", "--json", "--to", "ko-KR,ja-JP,zh-Hant", "--db", filepath.Join(t.TempDir(), "y.db"), "Good morning")
	if p.code != 0 {
		t.Fatalf("code %d stderr %q", p.code, p.stderr)
	}
	targets := map[string]bool{"ko-KR": true, "ja-JP": true, "zh-Hant": true}
	done := map[string]int{}
	var order []string
	for _, ev := range decodeLines(t, p.stdout) {
		if ev["type"] == "entry" {
			order = append(order, ev["entry"].(map[string]any)["to"].(string))
			continue
		}
		to, _ := ev["to"].(string)
		if !targets[to] {
			t.Fatalf("event without its target: %v", ev)
		}
		if ev["type"] == "done" {
			done[to]++
		}
	}
	if strings.Join(order, ",") != "ko-KR,ja-JP,zh-Hant" || len(done) != 3 {
		t.Fatalf("entries in order %v, done events %v\n%s", order, done, p.stdout)
	}
}

// lineNumber answers "1" for the source "line 1", "2" for "line 2".
func lineNumber(r *http.Request) string {
	if strings.Contains(llmtest.LastUser(r), "line 2") {
		return "2"
	}
	return "1"
}

// TestExportSeveralTargets: lines translated into several targets show together in
// history, as one row with a column per target in TSV, one block per target in Markdown,
// and one SRT file per target beside -o.
func TestExportSeveralTargets(t *testing.T) {
	srv := llmtest.New(t, llmtest.ByTarget(map[string]http.HandlerFunc{
		"ko": func(w http.ResponseWriter, r *http.Request) { llmtest.Deltas("ko ", lineNumber(r))(w, r) },
		"ja": func(w http.ResponseWriter, r *http.Request) { llmtest.Deltas("ja ", lineNumber(r))(w, r) },
	}))
	dir := t.TempDir()
	db := filepath.Join(dir, "y.db")
	if p := yeokRun(t, providerEnv(srv), "line 1\nline 2\n", "translate", "--lines", "--to", "ko,ja", "--script", "talk", "--db", db); p.code != 0 {
		t.Fatalf("translate: %d %q", p.code, p.stderr)
	}

	h := yeokRun(t, nil, "", "history", "--script", "talk", "--db", db)
	// The order of a line's targets in history is the order their entries were logged in.
	if h.code != 0 || strings.Count(h.stdout, "  line 1\n") != 1 || strings.Count(h.stdout, "auto → ") != 2 ||
		!strings.Contains(h.stdout, "[ko] → ko 1\n") || !strings.Contains(h.stdout, "[ja] → ja 2\n") {
		t.Fatalf("history does not show each line's targets under it once:\n%s", h.stdout)
	}

	tsv := yeokRun(t, nil, "", "export", "--script", "talk", "--format", "tsv", "--db", db)
	// The columns come in the order the targets were first logged in.
	want := "\tsource\tko\tja\n" + "\tline 1\tko 1\tja 1\n" + "\tline 2\tko 2\tja 2\n"
	if strings.Contains(tsv.stdout, "\tsource\tja\tko") {
		want = "\tsource\tja\tko\n" + "\tline 1\tja 1\tko 1\n" + "\tline 2\tja 2\tko 2\n"
	}
	var tails strings.Builder
	for _, row := range strings.Split(strings.TrimSuffix(tsv.stdout, "\n"), "\n") {
		cells := strings.Split(row, "\t")
		tails.WriteString("\t" + strings.Join(cells[len(cells)-3:], "\t") + "\n")
	}
	if tsv.code != 0 || tails.String() != want {
		t.Fatalf("tsv: %d\n%s", tsv.code, tsv.stdout)
	}

	md := yeokRun(t, nil, "", "export", "--script", "talk", "--db", db)
	if md.code != 0 || strings.Count(md.stdout, "> line 1") != 1 || strings.Count(md.stdout, "#### Korean (ko)") != 2 ||
		strings.Count(md.stdout, "#### Japanese (ja)") != 2 {
		t.Fatalf("md: %d\n%s", md.code, md.stdout)
	}

	refused := yeokRun(t, nil, "", "export", "--script", "talk", "--format", "srt", "--db", db)
	if refused.code != 2 || !strings.Contains(refused.stderr, "-o FILE") || strings.Count(refused.stderr, "\n") != 1 {
		t.Fatalf("srt of two targets to stdout: %d %q", refused.code, refused.stderr)
	}
	one := yeokRun(t, nil, "", "export", "--script", "talk", "--format", "srt", "--to", "ja", "--db", db)
	if one.code != 0 || !strings.Contains(one.stdout, "ja 1\n") || strings.Contains(one.stdout, "ko 1") {
		t.Fatalf("srt --to ja: %d %q %q", one.code, one.stdout, one.stderr)
	}
	out := filepath.Join(dir, "talk.srt")
	files := yeokRun(t, nil, "", "export", "--script", "talk", "--format", "srt", "-o", out, "--db", db)
	if files.code != 0 {
		t.Fatalf("srt -o: %d %q", files.code, files.stderr)
	}
	for tag, want := range map[string]string{"ko": "ko 2", "ja": "ja 2"} {
		b, err := os.ReadFile(filepath.Join(dir, "talk."+tag+".srt"))
		if err != nil || !strings.Contains(string(b), want) || !strings.HasPrefix(string(b), "1\n") {
			t.Fatalf("talk.%s.srt: %v %q", tag, err, b)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a file of every target together was written too")
	}
}

// TestFollowSeveralTargets: yeok follow writes each line's targets labelled, in the order
// of --to, line after line.
func TestFollowSeveralTargets(t *testing.T) {
	first, other := afterOthers(t, 1)
	srv := llmtest.New(t, llmtest.ByTarget(map[string]http.HandlerFunc{
		"ko-KR": func(w http.ResponseWriter, r *http.Request) {
			if lineNumber(r) == "1" {
				first(w, r)
				return
			}
			llmtest.Deltas("둘")(w, r)
		},
		"ja-JP": func(w http.ResponseWriter, r *http.Request) {
			if lineNumber(r) == "1" {
				other(llmtest.Deltas("いち"))(w, r)
				return
			}
			llmtest.Deltas("に")(w, r)
		},
	}))
	p := yeokRun(t, providerEnv(srv), "line 1\nline 2\n", "follow", "-", "--to", "ko-KR,ja-JP", "--db", filepath.Join(t.TempDir(), "y.db"))
	want := "[ko-KR] 좋은 아침\n[ja-JP] いち\n[ko-KR] 둘\n[ja-JP] に\n"
	if p.code != 0 || p.stdout != want {
		t.Fatalf("code %d stdout %q stderr %q; want %q", p.code, p.stdout, p.stderr, want)
	}
}
