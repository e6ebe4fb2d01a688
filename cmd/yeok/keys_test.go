package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest"

	"github.com/yeok/yeok/ui"
)

// writeConfig writes a config.toml for --config.
func writeConfig(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestConfigKeysAndTheme(t *testing.T) {
	db := filepath.Join(t.TempDir(), "y.db")
	tests := []struct {
		name, toml string
		code       int
		stderr     string
	}{
		{"rebound", "[keys]\ncopy = \"alt+c\"\ntarget = [\"ctrl+t\", \"f2\"]\n", 0, ""},
		{"unknown action", "[keys]\nteleport = \"f5\"\n", 2, "[keys]: unknown action \"teleport\" (actions: send, newline,"},
		{"bound twice", "[keys]\ncopy = \"ctrl+r\"\n", 2, "[keys]: key \"ctrl+r\" is bound to both retry and copy\n"},
		{"not a key", "[keys]\ncopy = 3\n", 2, "want a key name such as \"ctrl+y\" or a list of them, got 3"},
		{"colours", "[theme]\naccent = \"#FF8800\"\nbar = [\"#EEEEEE\", \"#202020\"]\n", 0, ""},
		{"unknown colour", "[theme]\npurple = \"#FF8800\"\n", 2, "[theme]: unknown colour \"purple\" (colours: accent,"},
		{"not a colour", "[theme]\nred = \"red\"\n", 2, "[theme]: red: \"red\" is not a colour like \"#7D56F4\"\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, tt.toml)
			p := yeokRun(t, nil, "", "history", "--db", db, "--config", path)
			if p.code != tt.code || !containsOneLine(p.stderr, tt.stderr) {
				t.Fatalf("code %d stderr %q, want %d with %q", p.code, p.stderr, tt.code, tt.stderr)
			}
		})
	}
}

// containsOneLine reports whether stderr is one line holding want ("" wants nothing).
func containsOneLine(stderr, want string) bool {
	if want == "" {
		return stderr == ""
	}
	return strings.Count(stderr, "\n") == 1 && strings.HasSuffix(stderr, "\n") && strings.Contains(stderr, want)
}

// The TUI's help shows the keys config.toml binds.
func TestConfigKeysReachTheTUI(t *testing.T) {
	path := writeConfig(t, "[keys]\nretry = \"f5\"\ncopy = \"alt+c\"\n")
	f := commonFlags{config: path, db: filepath.Join(t.TempDir(), "y.db")}
	c, err := resolveConfig(&f, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	st := tuiTempStore(t)
	cfg := tuiConfig(t.Context())
	cfg.Keys = c.Keys
	tm := teatest.NewTestModel(t, ui.New(cfg, nil, st), teatest.WithInitialTermSize(tuiWidth, tuiHeight))
	t.Cleanup(func() { _ = tm.Quit() })
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		return strings.Contains(string(b), "f5 retry") && strings.Contains(string(b), "alt+c copy")
	}, teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
}
