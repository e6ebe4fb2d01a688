package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yeok/yeok/llm/llmtest"

	gossh "golang.org/x/crypto/ssh"
)

// TestServeBothInOneProcess starts `yeok serve --ssh --http` as a process over one database:
// the SSE API answers, an SSH client gets the TUI, and SIGTERM stops both cleanly.
func TestServeBothInOneProcess(t *testing.T) {
	provider := llmtest.New(t, llmtest.Replay(llmtest.Fixture(t, "gpt-4o-mini-stop.sse")))
	dir := t.TempDir()
	db := filepath.Join(dir, "y.db")
	srv := startServe(t, provider, dir, "--ssh", "127.0.0.1:0", "--http", "127.0.0.1:0", "--allow-any-key",
		"--db", db, "--to", "ko", "--host-key", filepath.Join(dir, "host_key"))

	resp, err := http.Post("http://"+srv.httpAddr+"/translate", "application/json",
		strings.NewReader(`{"lang":"ko-KR","message":"Good morning"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "data: Hello\n\ndata: [DONE]\n\n" {
		t.Fatalf("HTTP %d %q", resp.StatusCode, body)
	}

	_, key, _ := ed25519.GenerateKey(rand.Reader)
	signer, err := gossh.NewSignerFromKey(key)
	if err != nil {
		t.Fatal(err)
	}
	client, err := gossh.Dial("tcp", srv.sshAddr, &gossh.ClientConfig{
		User: "someone", Auth: []gossh.AuthMethod{gossh.PublicKeys(signer)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	sess, err := client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.RequestPty("xterm-256color", 24, 80, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	stdin, _ := sess.StdinPipe()
	var screen lockedBuffer
	sess.Stdout = &screen
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	// Answer the terminal queries as a terminal would, then type a line.
	_, _ = stdin.Write([]byte("\x1b]11;rgb:0000/0000/0000\x07\x1b[?62;22c"))
	waitFor(t, &screen, "to translate")
	_, _ = stdin.Write([]byte("bonjour\r"))
	waitFor(t, &screen, "Hello")

	srv.terminate(t)
	if logs := srv.logs(); strings.Contains(logs, fakeKey) || strings.Contains(logs, "bonjour") {
		t.Fatalf("the log carries the key or the text:\n%s", logs)
	}
	h := yeokRun(t, nil, "", "history", "--db", db, "--json")
	if recs := decodeLines(t, h.stdout); len(recs) != 1 || recs[0]["source"] != "Good morning" {
		t.Fatalf("the local owner sees %v (the SSH user's entry must not be among them)", recs)
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func waitFor(t *testing.T, b *lockedBuffer, want string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(b.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("screen never showed %q:\n%q", want, b.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
