package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yeok/yeok/llm/llmtest"
)

// TestTranslateSaysHowTerminalInputEnds runs yeok translate with no TEXT and stdin at a
// terminal: it says once how to end the input, translates what is typed up to Ctrl+D, and
// refuses in one line when nothing was typed.
func TestTranslateSaysHowTerminalInputEnds(t *testing.T) {
	srv := llmtest.New(t, echoAnswer)
	db := filepath.Join(t.TempDir(), "y.db")

	typed := startPTYApp(t, providerEnv(srv), "translate", "--to", "ko", "--db", db)
	typed.waitFor(t, "then Ctrl+D on a line of its own")
	typed.send(t, "good morning\n\x04")
	typed.waitFor(t, "번역 morning")
	waitExit(t, typed, 0)
	if n := strings.Count(string(typed.output()), "Ctrl+D"); n != 1 {
		t.Fatalf("the hint came %d times", n)
	}

	empty := startPTYApp(t, providerEnv(srv), "translate", "--to", "ko", "--db", db)
	empty.waitFor(t, "then Ctrl+D on a line of its own")
	empty.send(t, "\x04")
	empty.waitFor(t, "yeok: nothing to translate")
	waitExit(t, empty, 2)
}

func (a *ptyApp) output() []byte {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]byte(nil), a.out...)
}

// waitExit waits for the program to end with code.
func waitExit(t *testing.T, a *ptyApp, code int) {
	t.Helper()
	select {
	case err := <-a.done:
		if got := a.cmd.ProcessState.ExitCode(); got != code {
			t.Fatalf("exit code %d (%v), want %d: %q", got, err, code, tail(a.output()))
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("yeok did not end: %q", tail(a.output()))
	}
}
