package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yeok/yeok/llm/llmtest"
)

// brokenSRT is sampleSRT with the second cue's start time mistyped on line 6.
const brokenSRT = "1\n00:00:01,500 --> 00:00:03,250\nGood morning, everyone.\n\n" +
	"2\n00:00:0x,000 --> 00:00:07,900\nToday we talk about\ntransformers.\n\n" +
	"3\n01:02:03,004 --> 01:02:05,000\nThank you.\n"

// TestSRTMalformed: a subtitle file with a broken cue is refused before anything is sent,
// with one line naming the file, the line and what is wrong there.
func TestSRTMalformed(t *testing.T) {
	srv := llmtest.New(t, llmtest.Replay(llmtest.Stream("stop", "ok")))
	tests := []struct {
		name, file, body string
		stdin            bool
		want             string
	}{
		{"second cue", "talk.srt", brokenSRT, false, `talk.srt:6: malformed timestamp "00:00:0x,000 --> 00:00:07,900"`},
		{"first cue", "talk.srt", "1\n00:00:01;500 --> 00:00:03,250\nHello.\n", false, `talk.srt:2: malformed timestamp "00:00:01;500 --> 00:00:03,250"`},
		{"seconds over 59", "talk.srt", "1\n00:00:61,000 --> 00:01:03,250\nHello.\n", false, `talk.srt:2: malformed timestamp "00:00:61,000 --> 00:01:03,250"`},
		{"no timing line", "talk.srt", "1\n00:00:01,000 --> 00:00:02,000\nHello.\n\n2\nWorld.\n", false, `talk.srt:6: want a timing line for cue 2, got "World."`},
		{"ends after the number", "talk.srt", "1\n00:00:01,000 --> 00:00:02,000\nHello.\n\n2\n", false, `talk.srt:5: cue 2 has no timing line`},
		{"not a cue", "talk.srt", "Hello there.\n", false, `talk.srt:1: want a cue number or a timing line, got "Hello there."`},
		{"BOM and CRLF", "talk.srt", "\ufeff1\r\n00:00:01,500 --> 00:00:03,250\r\nHi.\r\n\r\n2\r\n00:00:0x,000 --> 00:00:07,900\r\nYo.\r\n", false, `talk.srt:6: malformed timestamp "00:00:0x,000 --> 00:00:07,900"`},
		{"SubRip without the extension", "talk.txt", brokenSRT, false, `talk.txt:6: malformed timestamp "00:00:0x,000 --> 00:00:07,900"`},
		{"SubRip on stdin", "", brokenSRT, true, `stdin:6: malformed timestamp "00:00:0x,000 --> 00:00:07,900"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			args := []string{"translate", "--lines", "--to", "ko", "--db", filepath.Join(dir, "y.db")}
			stdin := ""
			if tt.stdin {
				stdin = tt.body
			} else {
				path := filepath.Join(dir, tt.file)
				if err := os.WriteFile(path, []byte(tt.body), 0o644); err != nil {
					t.Fatal(err)
				}
				args = append(args, path)
			}
			before := len(srv.Requests())
			p := yeokRun(t, providerEnv(srv), stdin, args...)
			if p.code != 2 || !strings.HasSuffix(p.stderr, tt.want+"\n") || strings.Count(p.stderr, "\n") != 1 {
				t.Fatalf("exit %d %q, want 2 and one line ending %q", p.code, p.stderr, tt.want)
			}
			if !tt.stdin && !strings.HasPrefix(p.stderr, "yeok: "+filepath.Join(dir, tt.file)+":") {
				t.Fatalf("stderr %q does not start with the file's path", p.stderr)
			}
			if len(srv.Requests()) != before {
				t.Fatal("a refused file was sent")
			}
		})
	}
}

// TestSRTAsPlainLines: --lines=plain takes every non-empty line as it is, subtitle or not,
// for the person who wants the cue numbers and times translated too.
func TestSRTAsPlainLines(t *testing.T) {
	srv := llmtest.New(t, func(w http.ResponseWriter, r *http.Request) {
		llmtest.Replay(llmtest.Stream("stop", "ok"))(w, r)
	})
	dir := t.TempDir()
	in := filepath.Join(dir, "talk.srt")
	if err := os.WriteFile(in, []byte(brokenSRT), 0o644); err != nil {
		t.Fatal(err)
	}
	p := yeokRun(t, providerEnv(srv), "", "translate", "--lines=plain", "--to", "ko", "--db", filepath.Join(dir, "y.db"), in)
	if p.code != 0 {
		t.Fatalf("exit %d %q", p.code, p.stderr)
	}
	got := srv.Requests()
	if len(got) != 10 {
		t.Fatalf("%d requests, want one for each of the 10 non-empty lines", len(got))
	}
	if s := got[4].LastUser(); !strings.Contains(s, "00:00:0x,000 --> 00:00:07,900") {
		t.Fatalf("fifth request %q, want the timing line as it is", s)
	}

	// Written apart, "plain" would be taken for the first text to translate.
	p = yeokRun(t, providerEnv(srv), "", "translate", "--lines", "plain", "--to", "ko", "--db", filepath.Join(dir, "y.db"), in)
	if p.code != 2 || !strings.Contains(p.stderr, "--lines=plain") || strings.Count(p.stderr, "\n") != 1 {
		t.Fatalf("--lines plain FILE: exit %d %q, want 2 and a line naming --lines=plain", p.code, p.stderr)
	}
	if len(srv.Requests()) != 10 {
		t.Fatal("--lines plain FILE sent something")
	}
}
