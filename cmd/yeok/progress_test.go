package main

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/creack/pty"

	"github.com/yeok/yeok/llm/llmtest"
)

// TestTranslateProgressOnlyOnATerminal: with stderr a terminal, the progress line is drawn
// there, redrawn in place and wiped at the end, and stdout (a pipe) carries only the
// translations; with stderr a pipe, nothing at all is said there; with --json, progress
// events go to stdout.
func TestTranslateProgressOnlyOnATerminal(t *testing.T) {
	const lines = 6
	srv := llmtest.New(t, func(w http.ResponseWriter, r *http.Request) { answerLine(w, r) })
	in, want := numbered(lines)
	dir := t.TempDir()
	input := filepath.Join(dir, "in.txt")
	if err := os.WriteFile(input, []byte(in), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"translate", "--lines", "--parallel", "2", "--to", "fr", "--db", filepath.Join(dir, "y.db"), input}

	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer ptmx.Close()
	cmd := exec.Command(yeokBin, args...)
	home := t.TempDir()
	cmd.Env = append([]string{"HOME=" + home, "XDG_CONFIG_HOME=" + filepath.Join(home, "config"), "XDG_DATA_HOME=" + filepath.Join(home, "data"),
		"PATH=" + os.Getenv("PATH"), "TERM=xterm-256color", "GORACE=atexit_sleep_ms=0", probePortsEnv + "=off"}, providerEnv(srv)...)
	var stdout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, tty
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tty.Close()
	screen := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(ptmx) // ends with EIO once the program has closed the terminal
		screen <- b
	}()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("translate: %v", err)
	}
	errs := string(<-screen)
	if stdout.String() != want {
		t.Fatalf("stdout %q, want only the translations", stdout.String())
	}
	for _, s := range []string{"1/6 lines", "5/6 lines", "lines/s", "ETA"} {
		if !strings.Contains(errs, s) {
			t.Errorf("the terminal never showed %q: %q", s, errs)
		}
	}
	if !strings.HasSuffix(errs, "\r\x1b[K") || strings.Contains(errs, "\n") {
		t.Errorf("the progress line was not redrawn in place and wiped at the end: %q", errs)
	}

	p := yeokRun(t, providerEnv(srv), "", args...)
	if p.code != 0 || p.stdout != want || p.stderr != "" {
		t.Fatalf("stderr a pipe: code %d stdout %q stderr %q", p.code, p.stdout, p.stderr)
	}

	p = yeokRun(t, providerEnv(srv), "", append(args, "--json")...)
	progress, entries := 0, 0
	for _, ev := range decodeLines(t, p.stdout) {
		switch ev["type"] {
		case "progress":
			if progress++; ev["done"] != float64(progress) || ev["total"] != float64(lines) {
				t.Fatalf("progress event %v", ev)
			}
		case "entry":
			if entries++; progress != entries-1 {
				t.Fatalf("entry %d after %d progress events", entries, progress)
			}
		}
	}
	if p.code != 0 || progress != lines || entries != lines || p.stderr != "" {
		t.Fatalf("--json: code %d, %d progress events, %d entries, stderr %q", p.code, progress, entries, p.stderr)
	}
}
