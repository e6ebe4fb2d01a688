package main

import (
	"bytes"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yeok/yeok/llm/llmtest"

	"github.com/creack/pty"
)

// hostileDeltas carries fault row 16: escape sequences split across deltas.
var hostileDeltas = []string{
	"안녕", "\x1b]52;c;ZXZp", "bA==\x07하세요", "\x1b]0;pw", "ned\x07 ", "\x1b[2", "J세상\u009b2J",
	"\r", "\u202e", "\u200b!", "\x1b]8;;http://x\x1b\\", "링크\x1b]8;;\x1b\\",
}

func TestStreamWriterSanitisesSplitSequences(t *testing.T) {
	var out bytes.Buffer
	sw := &streamWriter{w: &out, sanitise: true}
	for i := 0; i < 40; i++ {
		for _, d := range hostileDeltas {
			if err := sw.write(d); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := sw.end(); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	if want := strings.Repeat("안녕하세요 세상!링크", 40) + "\n"; got != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
}

// TestTranslateToTerminal runs yeok with its stdout on a pseudo-terminal, as a person would,
// against a server whose deltas carry escape sequences: none reaches the terminal, the store
// keeps the raw text.
func TestTranslateToTerminal(t *testing.T) {
	srv := llmtest.New(t, func(w http.ResponseWriter, r *http.Request) {
		llmtest.Replay(llmtest.Stream("stop", hostileDeltas...))(w, r)
	})
	db := filepath.Join(t.TempDir(), "y.db")
	cmd := exec.Command(yeokBin, "translate", "--to", "ko", "--db", db, "hello")
	cmd.Env = append(providerEnv(srv), "HOME="+t.TempDir(), "LANG=C.UTF-8")
	ptmx, err := pty.Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	defer ptmx.Close()
	// Bubble Tea's init asks the terminal for its background colour and cursor position;
	// answer as a terminal would, and keep those queries out of what is judged below.
	const queries = "\x1b]11;?\x1b\\\x1b[6n"
	var screen bytes.Buffer
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 4096)
		answered := false
		for {
			n, err := ptmx.Read(buf)
			screen.Write(buf[:n])
			if !answered && strings.Contains(screen.String(), queries) {
				answered = true
				_, _ = ptmx.Write([]byte("\x1b]11;rgb:0000/0000/0000\x1b\\\x1b[1;1R"))
			}
			if err != nil {
				return
			}
		}
	}()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("yeok: %v\n%s", err, screen.String())
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
	got := strings.Replace(screen.String(), queries, "", 1)
	if strings.ContainsAny(got, "\x1b\u009b\u202e\u200b") || strings.Contains(got, "]52") {
		t.Fatalf("escape material reached the terminal: %q", got)
	}
	if !strings.Contains(got, "안녕하세요 세상!링크") {
		t.Fatalf("visible text lost: %q", got)
	}
	h := yeokRun(t, nil, "", "history", "--db", db, "--json")
	recs := decodeLines(t, h.stdout)
	if len(recs) != 1 || recs[0]["translation"] != strings.Join(hostileDeltas, "") {
		t.Fatalf("store does not keep the raw text: %v", recs)
	}
}
