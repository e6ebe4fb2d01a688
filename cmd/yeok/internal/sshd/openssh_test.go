package sshd

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
	gossh "golang.org/x/crypto/ssh"

	"github.com/yeok/yeok/llm/llmtest"
	"github.com/yeok/yeok/model"
)

// sshBinary is OpenSSH's client, which CI installs with the openssh-client package.
const sshBinary = "/usr/bin/ssh"

// TestOpenSSHClient drives the app through OpenSSH's own client in a pseudo-terminal, as a
// person would: connect, see the app, type a line, read the translation, quit.
func TestOpenSSHClient(t *testing.T) {
	if _, err := os.Stat(sshBinary); err != nil {
		t.Fatalf("%s is missing (%v): install openssh-client to run this test", sshBinary, err)
	}
	dir := t.TempDir()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := gossh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	keyPath := filepath.Join(dir, "id_ed25519")
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	authPath := filepath.Join(dir, "authorized_keys")
	if err := os.WriteFile(authPath, gossh.MarshalAuthorizedKey(signer.PublicKey()), 0o600); err != nil {
		t.Fatal(err)
	}
	hs := startHarness(t, Config{AuthorizedKeysPath: authPath}, llmtest.ReplayFixture(t, "gpt-4o-mini-stop.sse"))
	_, port, err := net.SplitHostPort(hs.addr())
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 3*waitLong)
	defer cancel()
	cmd := exec.CommandContext(ctx, sshBinary, "-tt", "-p", port, "-i", keyPath,
		"-F", "/dev/null",
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
		"-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR",
		"someone@127.0.0.1")
	cmd.Env = append(os.Environ(), "TERM=xterm-256color")
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 30, Cols: 100})
	if err != nil {
		t.Fatal(err)
	}
	defer ptmx.Close()
	tm := &term{t: t, done: make(chan struct{})}
	go func() {
		// Act as the terminal: answer the app's colour query when it arrives.
		buf := make([]byte, 4096)
		answered := false
		for {
			n, err := ptmx.Read(buf)
			_, _ = tm.Write(buf[:n])
			if !answered && strings.Contains(tm.raw(), "\x1b]11;?") {
				answered = true
				_, _ = io.WriteString(ptmx, terminalReply)
			}
			if err != nil {
				close(tm.done)
				return
			}
		}
	}()
	typeKeys := func(s string) {
		t.Helper()
		if _, err := io.WriteString(ptmx, s); err != nil {
			t.Fatal(err)
		}
	}
	tm.waitFor(readyMarker)
	typeKeys("bonjour\r")
	tm.waitFor("Hello")
	typeKeys("\x03")

	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case err := <-waited:
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			t.Fatalf("ssh exited with %d; screen ends with:\n%s", exit.ExitCode(), tail(tm.screen(), 1000))
		} else if err != nil {
			t.Fatal(err)
		}
	case <-time.After(waitLong):
		t.Fatalf("ssh did not exit after Ctrl+C; screen ends with:\n%s", tail(tm.screen(), 1000))
	}

	es := hs.entries(model.SSHOwner(gossh.FingerprintSHA256(signer.PublicKey())))
	if len(es) != 1 || es[0].Text != "Hello" || es[0].Status != model.StatusDone {
		t.Fatalf("entries of the key = %+v, want one done entry", es)
	}
	if strings.Contains(tm.raw(), testAPIKey) {
		t.Fatal("the API key reached the client")
	}
}
