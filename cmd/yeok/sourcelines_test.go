package main

import (
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/yeok/yeok/llm/llmtest"
)

// A text file read for --lines gives the lines input.sources gives for the same text, kept
// as spans of the file and read again when asked for.
func TestFileLinesAsHeld(t *testing.T) {
	for _, text := range []string{
		"one\ntwo\n",
		"one\r\ntwo\r\n\r\nthree",
		"\n\n  \nonly\n\n",
		"\ufefffirst\nsecond\r\r\n",
		"안녕하세요\n\tこんにちは \n",
		strings.Repeat("a line of a long transcript\n", 5000),
	} {
		path := filepath.Join(t.TempDir(), "in.txt")
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		want, err := input{name: path, text: text}.sources(linesOn, 1000)
		if err != nil {
			t.Fatal(err)
		}
		got, ok, err := fileLines(path, linesOn, 1000)
		if err != nil || !ok {
			t.Fatalf("fileLines(%q): ok %v, %v", text, ok, err)
		}
		if got.len() != len(want) || got.held != nil {
			t.Fatalf("fileLines(%q): %d lines (held %d), want %d as spans", text, got.len(), len(got.held), len(want))
		}
		for i, w := range want {
			if s, err := got.at(i); err != nil || s != w {
				t.Errorf("fileLines(%q) line %d: %q, %v; want %q", text, i, s.text, err, w.text)
			}
		}
		for from := range min(len(want), 4) {
			run, err := got.run(from, len(want))
			if err != nil || !slices.Equal(run, want[from:]) {
				t.Errorf("fileLines(%q) lines %d on: %v, %v; want them as held", text, from, err, len(run))
			}
		}
		got.close()
	}
}

// A SubRip file, or one with a line too long, is not read as spans: the first is read
// whole for its cues, the second refused naming the line, as before.
func TestFileLinesRefuses(t *testing.T) {
	dir := t.TempDir()
	srt := filepath.Join(dir, "talk.txt")
	if err := os.WriteFile(srt, []byte("1\n00:00:01,000 --> 00:00:02,000\nHello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if s, ok, err := fileLines(srt, linesOn, 1000); ok || err != nil || s != nil {
		t.Errorf("SubRip text: ok %v, %v", ok, err)
	}
	if s, ok, err := fileLines(srt, linesPlain, 1000); !ok || err != nil || s.len() != 3 {
		t.Errorf("SubRip text with --lines=plain: ok %v, %v", ok, err)
	}
	long := filepath.Join(dir, "long.txt")
	if err := os.WriteFile(long, []byte("short\n"+strings.Repeat("x", 50)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err := fileLines(long, linesOn, 20)
	if err == nil || !strings.Contains(err.Error(), "long.txt:2:") {
		t.Errorf("a line over the limit: %v, want the error to name long.txt:2", err)
	}
}

// A line read again from a file that changed since it was read first is refused, not sent
// with other text.
func TestFileLinesChanged(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.txt")
	if err := os.WriteFile(path, []byte("one\ntwo\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, ok, err := fileLines(path, linesOn, 1000)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	defer s.close()
	if err := os.WriteFile(path, []byte("uno\ndos\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// The same size: the change shows in the modification time.
	if err := os.Chtimes(path, time.Time{}, s.mtime.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if got, err := s.at(1); !errors.Is(err, errChanged) {
		t.Errorf("a line of a changed file: %q, %v; want errChanged", got.text, err)
	}
	if s.text(0) != "" {
		t.Errorf("text of a line of a changed file: %q, want none", s.text(0))
	}
}

// A file changed while its lines are translated stops the run at the first line read after
// the change, in one line on stderr, with the lines before it out and logged.
func TestTranslateFileChanged(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	srv := llmtest.New(t, func(w http.ResponseWriter, r *http.Request) {
		if lineNo(r) == 2 {
			close(started)
			llmtest.Hold(release, "L2")(w, r)
			return
		}
		answerLine(w, r)
	})
	dir := t.TempDir()
	in, _ := numbered(4)
	input := filepath.Join(dir, "talk.txt")
	if err := os.WriteFile(input, []byte(in), 0o644); err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd, out := startYeok(t, cleanEnv(t, providerEnv(srv)...), &stderr, "translate", "--lines", "--parallel", "1", "--to", "fr",
		"--db", filepath.Join(dir, "y.db"), "--script", "talk", input)
	if line, err := out.ReadString('\n'); err != nil || line != "L1\n" {
		t.Fatalf("first line: %q %v", line, err)
	}
	// Line 2 is in flight, held by the server: the file changes under it.
	<-started
	if err := os.WriteFile(input, []byte("line 1\nline 2\nanother line 3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	close(release)
	rest, _ := io.ReadAll(out)
	err := cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() == 0 {
		t.Fatalf("exit: %v, want a failure", err)
	}
	if string(rest) != "L2\n" {
		t.Errorf("stdout after line 1: %q, want only line 2's", rest)
	}
	if got := strings.TrimSpace(stderr.String()); strings.Count(got, "\n") != 0 || !strings.Contains(got, "talk.txt") || !strings.Contains(got, errChanged.Error()) {
		t.Errorf("stderr: %q, want one line naming talk.txt and the change", got)
	}
}
