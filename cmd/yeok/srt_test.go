package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yeok/yeok/llm/llmtest"
)

const sampleSRT = "\ufeff1\r\n00:00:01,500 --> 00:00:03,250\r\nGood morning, everyone.\r\n\r\n" +
	"2\r\n00:00:04,000 --> 00:00:07,900\r\nToday we talk about\r\ntransformers.\r\n\r\n" +
	"3\r\n01:02:03,004 --> 01:02:05,000\r\nThank you.\r\n"

func TestParseSRT(t *testing.T) {
	cues, err := parseSRT("talk.srt", sampleSRT)
	if err != nil {
		t.Fatal(err)
	}
	if len(cues) != 3 {
		t.Fatalf("%d cues", len(cues))
	}
	if cues[1].text != "Today we talk about\ntransformers." {
		t.Fatalf("cue 2 text %q", cues[1].text)
	}
	want := time.Hour + 2*time.Minute + 3*time.Second + 4*time.Millisecond
	if cues[2].cue.Start != want || cues[0].cue.End != 3250*time.Millisecond {
		t.Fatalf("times %v %v", cues[2].cue.Start, cues[0].cue.End)
	}
	if _, err := parseSRT("talk.srt", "1\nnot a timing\ntext\n"); err == nil {
		t.Fatal("bad timing accepted")
	}
}

// TestSRTRoundTrip: subtitles translated line by line export back to SRT with their timing.
func TestSRTRoundTrip(t *testing.T) {
	srv := llmtest.New(t, func(w http.ResponseWriter, r *http.Request) {
		llmtest.Replay(llmtest.Stream("stop", []string{"안녕하세요, 여러분.", "오늘은 트랜스포머에\n대해 이야기합니다.", "감사합니다."}[llmtest.Recorded(r).N-1]))(w, r)
	})
	dir := t.TempDir()
	db, in, out := filepath.Join(dir, "y.db"), filepath.Join(dir, "talk.srt"), filepath.Join(dir, "talk.ko.srt")
	if err := os.WriteFile(in, []byte(sampleSRT), 0o644); err != nil {
		t.Fatal(err)
	}
	p := yeokRun(t, providerEnv(srv), "", "translate", "--lines", "--parallel", "1", "--script", "talk", "--to", "ko", "--db", db, in)
	if p.code != 0 {
		t.Fatalf("translate: %d %q", p.code, p.stderr)
	}
	if got := srv.Requests()[1].LastUser(); !strings.Contains(got, "Today we talk about\ntransformers.") {
		t.Fatalf("cue text not sent whole: %q", got)
	}
	e := yeokRun(t, nil, "", "export", "--db", db, "--script", "talk", "--format", "srt", "-o", out)
	if e.code != 0 {
		t.Fatalf("export: %d %q", e.code, e.stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.ReplaceAll(string(data), "\r\n", "\n")
	for _, want := range []string{
		"1\n00:00:01,500 --> 00:00:03,250\n안녕하세요, 여러분.\n",
		"2\n00:00:04,000 --> 00:00:07,900\n오늘은 트랜스포머에\n대해 이야기합니다.\n",
		"3\n01:02:03,004 --> 01:02:05,000\n감사합니다.\n",
	} {
		if !strings.Contains(got, want) {
			t.Fatalf("export lacks cue %q:\n%s", want, got)
		}
	}
	cues, err := parseSRT("talk.ko.srt", got)
	if err != nil || len(cues) != 3 {
		t.Fatalf("exported SRT does not parse back: %v (%d cues)", err, len(cues))
	}
}

func TestExportErrors(t *testing.T) {
	db := filepath.Join(t.TempDir(), "y.db")
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"export", "--script", "nope"}, 1, `no script "nope"`},
		{[]string{"export", "--session", "7"}, 1, "no session 7"},
		{[]string{"export"}, 2, "exactly one"},
		{[]string{"export", "--script", "a", "--session", "1"}, 2, "exactly one"},
		{[]string{"export", "--script", "a", "--format", "pdf"}, 2, "pdf"},
		{[]string{"export", "--session", "x"}, 2, "session number"},
	}
	for _, tt := range tests {
		p := yeokRun(t, nil, "", append(tt.args, "--db", db)...)
		if p.code != tt.code || !strings.Contains(p.stderr, tt.want) || strings.Count(p.stderr, "\n") != 1 {
			t.Errorf("%v: exit %d stderr %q, want %d and %q", tt.args, p.code, p.stderr, tt.code, tt.want)
		}
	}
}
