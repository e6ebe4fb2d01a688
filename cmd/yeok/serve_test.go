package main

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// TestServeBothInOneProcess starts `yeok serve --ssh --http` as a process over one database:
// the SSE API answers, an SSH client gets the TUI, and SIGTERM stops both cleanly.
func TestServeBothInOneProcess(t *testing.T) {
	srv := newFakeOpenAI(t, replay(fixture(t, "gpt-4o-mini-stop.sse")))
	dir := t.TempDir()
	db := filepath.Join(dir, "y.db")
	cmd := exec.Command(yeokBin, "serve", "--ssh", "127.0.0.1:0", "--http", "127.0.0.1:0", "--allow-any-key",
		"--db", db, "--to", "ko", "--host-key", filepath.Join(dir, "host_key"))
	cmd.Env = append(providerEnv(srv), "HOME="+dir)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill() }()

	var mu sync.Mutex
	var logs strings.Builder
	addrs := make(chan string, 2)
	go func() {
		re := regexp.MustCompile(`yeok: (?:HTTP API on http://|SSH on )(\S+)`)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			mu.Lock()
			logs.WriteString(sc.Text() + "\n")
			mu.Unlock()
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				addrs <- sc.Text()[:strings.Index(sc.Text(), " on ")] + " " + m[1]
			}
		}
	}()
	var httpAddr, sshAddr string
	for httpAddr == "" || sshAddr == "" {
		select {
		case a := <-addrs:
			if strings.HasPrefix(a, "yeok: HTTP") {
				httpAddr = a[strings.LastIndex(a, " ")+1:]
			} else {
				sshAddr = a[strings.LastIndex(a, " ")+1:]
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("servers did not start:\n%s", logs.String())
		}
	}

	resp, err := http.Post("http://"+httpAddr+"/translate", "application/json",
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
	client, err := gossh.Dial("tcp", sshAddr, &gossh.ClientConfig{
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

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			mu.Lock()
			defer mu.Unlock()
			t.Fatalf("serve exited with %v:\n%s", err, logs.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop on SIGTERM")
	}
	mu.Lock()
	if strings.Contains(logs.String(), fakeKey) || strings.Contains(logs.String(), "bonjour") {
		t.Fatalf("the log carries the key or the text:\n%s", logs.String())
	}
	mu.Unlock()
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
