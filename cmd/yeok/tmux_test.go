package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// tmuxPane is the real binary running in a detached tmux session of its own server, so the
// screen is the one a person would see: tmux measures the text itself.
type tmuxPane struct {
	t      *testing.T
	socket string
	rows   int
}

// startTmux runs yeok with args in a detached tmux session of cols×rows and waits until its
// first screen is drawn. The server is killed when the test ends.
func startTmux(t *testing.T, cols, rows int, env []string, args ...string) *tmuxPane {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed")
	}
	home := t.TempDir()
	p := &tmuxPane{t: t, socket: filepath.Join(home, "tmux.sock"), rows: rows}
	vars := append([]string{
		"HOME=" + home,
		"XDG_CONFIG_HOME=" + filepath.Join(home, "config"),
		"XDG_DATA_HOME=" + filepath.Join(home, "data"),
		"PATH=" + os.Getenv("PATH"),
		"LANG=C.UTF-8",
		"OPENAI_API_KEY=" + fakeKey,
		"OPENAI_BASE_URL=http://127.0.0.1:9/v1", // never called: nothing is sent
		"GORACE=atexit_sleep_ms=0",
	}, env...)
	command := append([]string{"env", "-i"}, vars...)
	command = append(command, yeokBin, "--db", filepath.Join(home, "yeok.db"))
	command = append(command, args...)
	p.tmux("-f", "/dev/null", "new-session", "-d", "-x", fmt.Sprint(cols), "-y", fmt.Sprint(rows),
		"-s", "yeok", strings.Join(quoteAll(command), " "))
	t.Cleanup(func() { _ = exec.Command("tmux", "-S", p.socket, "kill-server").Run() })
	p.waitFor("the first screen", func(rows []string) bool { return strings.Contains(strings.Join(rows, "\n"), "Type to translate") })
	return p
}

// tmux runs one tmux command against the test's server and returns its output.
func (p *tmuxPane) tmux(args ...string) string {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.t.Context(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "tmux", append([]string{"-S", p.socket}, args...)...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LANG=C.UTF-8", "TERM=xterm-256color"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		p.t.Fatalf("tmux %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// capture is the pane as tmux shows it, one string a row.
func (p *tmuxPane) capture() []string {
	p.t.Helper()
	return strings.Split(strings.TrimSuffix(p.tmux("capture-pane", "-p", "-t", "yeok"), "\n"), "\n")
}

// wrapped says which rows tmux wrapped onto the next: a line the program drew wider than
// the pane, as tmux measures it.
func (p *tmuxPane) wrapped() []string {
	p.t.Helper()
	flags := p.tmux("capture-pane", "-p", "-J", "-t", "yeok")
	joined := strings.Split(strings.TrimSuffix(flags, "\n"), "\n")
	if len(joined) == len(p.capture()) {
		return nil
	}
	return joined
}

// waitFor polls the pane until ok holds for its rows, failing the test after 20 seconds.
func (p *tmuxPane) waitFor(what string, ok func(rows []string) bool) []string {
	p.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		rows := p.capture()
		if ok(rows) {
			return rows
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("waiting for %s; the pane shows:\n%s", what, strings.Join(rows, "\n"))
		}
		time.Sleep(20 * time.Millisecond) // a poll interval, not a wait for an outcome
	}
}

// keys sends keys to the pane as tmux names them; literal sends text as typed.
func (p *tmuxPane) keys(k ...string) { p.tmux(append([]string{"send-keys", "-t", "yeok"}, k...)...) }
func (p *tmuxPane) literal(s string) { p.tmux("send-keys", "-t", "yeok", "-l", s) }

// quoteAll quotes each word for the shell tmux runs the command with.
func quoteAll(words []string) []string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
	}
	return out
}

// statusRow says whether row is the status bar, whole: the brand at its start and the
// state at its end.
func statusRow(row string) bool {
	return strings.HasPrefix(row, " yeok ") && strings.HasSuffix(strings.TrimRight(row, " "), "idle")
}

func TestTmuxHindiPicker(t *testing.T) {
	const cols, rows = 80, 24
	p := startTmux(t, cols, rows, []string{"TERM=tmux-256color"}, "--to", "ko")
	p.keys("C-t")
	p.waitFor("the picker", func(r []string) bool { return strings.Contains(r[0], "Translate into") })
	p.literal("hindi")
	screen := p.waitFor("Hindi in the picker", func(r []string) bool {
		return strings.Contains(strings.Join(r, "\n"), "Hindi — हिन्दी")
	})
	if !strings.Contains(screen[0], "Translate into") {
		t.Errorf("row 0 is %q, want the title \"Translate into\"", screen[0])
	}
	if !statusRow(screen[rows-2]) {
		t.Errorf("row %d is %q, want the whole status bar", rows-2, screen[rows-2])
	}
	if w := p.wrapped(); w != nil {
		t.Errorf("tmux wrapped a row wider than the pane; joined rows:\n%s", strings.Join(w, "\n"))
	}

	p.keys("Escape")
	screen = p.waitFor("the picker closed", func(r []string) bool { return !strings.Contains(strings.Join(r, "\n"), "हिन्दी") })
	if strings.Contains(screen[0], "Translate into") {
		t.Errorf("row 0 still shows the picker's title after Esc: %q", screen[0])
	}
	if !statusRow(screen[rows-2]) {
		t.Errorf("after Esc row %d is %q, want the whole status bar", rows-2, screen[rows-2])
	}
	if w := p.wrapped(); w != nil {
		t.Errorf("after Esc tmux wrapped a row wider than the pane; joined rows:\n%s", strings.Join(w, "\n"))
	}

	// Hindi as the target: the status bar and the empty screen name it.
	p.keys("C-t")
	p.waitFor("the picker again", func(r []string) bool { return strings.Contains(r[0], "Translate into") })
	p.literal("hindi")
	p.waitFor("Hindi in the picker", func(r []string) bool { return strings.Contains(strings.Join(r, "\n"), "Hindi — हिन्दी") })
	p.keys("Enter")
	screen = p.waitFor("Hindi as the target", func(r []string) bool { return strings.Contains(r[rows-2], "→ hi") })
	if !statusRow(screen[rows-2]) {
		t.Errorf("with Hindi as target row %d is %q, want the whole status bar", rows-2, screen[rows-2])
	}
	if w := p.wrapped(); w != nil {
		t.Errorf("with Hindi as target tmux wrapped a row wider than the pane; joined rows:\n%s", strings.Join(w, "\n"))
	}
}

func TestTmuxTinyWindow(t *testing.T) {
	const cols, rows = 40, 10
	p := startTmux(t, cols, rows, []string{"TERM=tmux-256color"}, "--to", "ko")
	joined := func(r []string) string { return strings.Join(r, "\n") }
	p.keys("C-t")
	screen := p.waitFor("the picker", func(r []string) bool { return strings.Contains(r[0], "Translate into") })
	if s := joined(screen); !strings.Contains(s, "▸ ") || !strings.Contains(s, "esc close") {
		t.Errorf("the picker at %dx%d shows no row or no way out:\n%s", cols, rows, s)
	}
	p.keys("Escape")
	p.waitFor("the picker closed", func(r []string) bool { return !strings.Contains(r[0], "Translate into") })
	p.keys("C-g")
	screen = p.waitFor("the full help", func(r []string) bool { return strings.Contains(joined(r), "close help") })
	if s := joined(screen); !strings.Contains(s, "ctrl+c quit") {
		t.Errorf("the full help at %dx%d hides ctrl+c quit:\n%s", cols, rows, s)
	}
	if !slices.ContainsFunc(screen, statusRow) {
		t.Errorf("no whole status bar:\n%s", joined(screen))
	}
	if w := p.wrapped(); w != nil {
		t.Errorf("tmux wrapped a row wider than the pane:\n%s", joined(w))
	}
}
