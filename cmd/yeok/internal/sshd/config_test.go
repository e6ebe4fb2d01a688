package sshd

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	gossh "golang.org/x/crypto/ssh"
)

func TestConfigDefaultsAndRefusals(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{"no authorized keys", Config{HostKeyPath: "k"},
			"refusing to start without --authorized-keys; pass --allow-any-key to let every key in"},
		{"both", Config{HostKeyPath: "k", AuthorizedKeysPath: "a", AllowAnyKey: true}, "pick one"},
		{"no host key", Config{AllowAnyKey: true}, "host key path is required"},
		{"fps", Config{HostKeyPath: "k", AllowAnyKey: true, FPS: 500}, "FPS 500"},
		{"ok", Config{HostKeyPath: "k", AllowAnyKey: true}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := tt.cfg.withDefaults()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Addr != DefaultAddr || c.HandshakeTimeout != DefaultHandshakeTimeout ||
				c.MaxSessionsPerKey != DefaultMaxSessionsPerKey || c.StreamsPerMinute != DefaultStreamsPerMinute ||
				c.MaxInputBytes != DefaultMaxInputBytes || c.FPS != DefaultFPS || c.Logger == nil {
				t.Fatalf("defaults not filled in: %+v", c)
			}
		})
	}
	_, err := New(Config{HostKeyPath: filepath.Join(t.TempDir(), "k")}, nil, nil)
	if !errors.Is(err, ErrNoAuthorizedKeys) {
		t.Fatalf("New without keys: %v", err)
	}
}

func TestHostKeyKeptWithMode0600(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new", "ssh_host_ed25519_key")
	first, err := loadHostKey(path)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Fatalf("host key mode %04o, want 0600", perm)
	}
	if dir, _ := os.Stat(filepath.Dir(path)); dir.Mode().Perm() != 0o700 {
		t.Fatalf("host key directory mode %04o, want 0700", dir.Mode().Perm())
	}
	if first.PublicKey().Type() != gossh.KeyAlgoED25519 {
		t.Fatalf("host key type %s", first.PublicKey().Type())
	}
	again, err := loadHostKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if gossh.FingerprintSHA256(first.PublicKey()) != gossh.FingerprintSHA256(again.PublicKey()) {
		t.Fatal("the host key changed between starts")
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := loadHostKey(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("a world-readable host key was accepted: %v", err)
	}
}

func TestAuthorizedKeysReload(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "authorized_keys")
	a, b := newKey(t), newKey(t)
	line := func(k gossh.Signer, opts string) string {
		return opts + string(gossh.MarshalAuthorizedKey(k.PublicKey()))
	}
	write := func(content string) {
		t.Helper()
		// A new file renamed over the old one, as editors and config tools do.
		tmp := filepath.Join(dir, "tmp")
		if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			t.Fatal(err)
		}
	}
	write("# team\n\nnot a key at all\n" + line(a, ""))
	logs := &syncBuffer{}
	keys, err := newAuthorizedKeys(path, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name         string
		content      string // "" keeps the file; "-" removes it
		allowA, allB bool
	}{
		{"first read", "", true, false},
		{"key added", line(a, "") + line(b, `restrict,command="x" `), true, true},
		{"key removed", line(b, ""), false, true},
		{"file gone", "-", false, false},
		{"file back", line(a, ""), true, false},
		{"cert-authority skipped", line(a, "cert-authority "), false, false},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			switch s.content {
			case "":
			case "-":
				if err := os.Remove(path); err != nil {
					t.Fatal(err)
				}
			default:
				write(s.content)
			}
			if got := keys.allowed(a.PublicKey()); got != s.allowA {
				t.Fatalf("key a allowed = %v, want %v", got, s.allowA)
			}
			if got := keys.allowed(b.PublicKey()); got != s.allB {
				t.Fatalf("key b allowed = %v, want %v", got, s.allB)
			}
		})
	}
	log := logs.String()
	for _, want := range []string{"skipping a malformed authorized keys line", "line=3", "cannot read the authorized keys file", "cert-authority"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	if strings.Contains(log, "not a key at all") {
		t.Error("a line's content was logged")
	}
}

func TestLimiter(t *testing.T) {
	now := time.Unix(1000, 0)
	l := newLimiter(3, 2, 2)
	steps := []struct {
		op, key string
		wantErr error
	}{
		{"acquire", "a", nil}, {"acquire", "a", nil}, {"acquire", "a", errKeyFull},
		{"acquire", "b", nil}, {"acquire", "c", errServerFull},
		{"release", "a", nil}, {"acquire", "c", nil},
	}
	for i, s := range steps {
		var err error
		if s.op == "acquire" {
			err = l.acquire(s.key, now)
		} else {
			l.release(s.key, now)
		}
		if !errors.Is(err, s.wantErr) || (s.wantErr == nil) != (err == nil) {
			t.Fatalf("step %d %s %s: err = %v, want %v", i, s.op, s.key, err, s.wantErr)
		}
	}
	for i, want := range []bool{true, true, false} {
		if ok, _ := l.allowStream("a", now.Add(time.Duration(i)*time.Second)); ok != want {
			t.Fatalf("stream %d allowed = %v, want %v", i, ok, want)
		}
	}
	if ok, wait := l.allowStream("a", now.Add(30*time.Second)); ok || wait != 30*time.Second {
		t.Fatalf("allowStream = %v, %s; want false, 30s", ok, wait)
	}
	if ok, _ := l.allowStream("a", now.Add(61*time.Second)); !ok {
		t.Fatal("the window did not slide")
	}
	// Keys with nothing open and nothing recent are forgotten.
	for _, k := range []string{"a", "b", "c"} {
		l.release(k, now)
	}
	l.release("a", now.Add(3*time.Minute))
	if len(l.keys) != 0 || l.total != 0 {
		t.Fatalf("limiter still holds %d keys, %d sessions", len(l.keys), l.total)
	}
}

func TestClampSize(t *testing.T) {
	tests := []struct{ w, h, wantW, wantH int }{
		{80, 24, 80, 24},
		{0, 0, defaultColumns, defaultRows},
		{1<<32 - 1, 1<<32 - 1, maxColumns, maxRows},
		{-5, -5, 1, 1},
		{1, 1, 1, 1},
	}
	for _, tt := range tests {
		msg := clampWindowFilter(nil, tea.WindowSizeMsg{Width: tt.w, Height: tt.h})
		if got := msg.(tea.WindowSizeMsg); got.Width != tt.wantW || got.Height != tt.wantH {
			t.Errorf("clamp %dx%d = %dx%d; want %dx%d", tt.w, tt.h, got.Width, got.Height, tt.wantW, tt.wantH)
		}
	}
}
