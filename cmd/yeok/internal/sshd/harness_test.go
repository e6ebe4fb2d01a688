package sshd

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	gossh "golang.org/x/crypto/ssh"

	"github.com/yeok/yeok/llm"
	"github.com/yeok/yeok/llm/llmtest"
	"github.com/yeok/yeok/llm/openai"
	"github.com/yeok/yeok/model"
	"github.com/yeok/yeok/storage"
	"github.com/yeok/yeok/ui"
)

// testAPIKey must never reach a client's screen or a log line.
const testAPIKey = llmtest.Key

// readyMarker is on the app's status bar once it has drawn (the languages).
const readyMarker = "auto → ko-KR"

// waitLong bounds every wait in these tests; generous so a loaded machine does not fail.
const waitLong = 10 * time.Second

// streamTokens answers with tokens(r), one content chunk every interval, then stop and
// [DONE]; written, when set, is told each token just after it is flushed.
func streamTokens(tokens func(r *http.Request) []string, interval time.Duration, written func(r *http.Request, i int)) http.HandlerFunc {
	return llmtest.Paced(tokens, interval, interval, written)
}

// newEngine is the translation engine over the fake server at base and the store.
func newEngine(t testing.TB, base string, st *storage.Store) *llm.Engine {
	t.Helper()
	p, err := openai.New(openai.Config{BaseURL: base, APIKey: testAPIKey, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return llm.New(p, st, llm.Options{NoMemory: true})
}

// syncBuffer is a log sink tests can read while the server writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// harness is a running Server over a real store and engine, with two authorized keys.
type harness struct {
	t        testing.TB
	srv      *Server
	store    *storage.Store
	up       *llmtest.Server
	logs     *syncBuffer
	keyA     gossh.Signer
	keyB     gossh.Signer
	dir      string
	authPath string
	address  string
	serveErr chan error
}

// newKey makes an ed25519 client key.
func newKey(t testing.TB) gossh.Signer {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// startHarness runs a server with cfg (host key, authorized keys, logger and languages
// filled in) in front of upstream handler h.
func startHarness(t testing.TB, cfg Config, h http.HandlerFunc) *harness {
	return startHarnessWith(t, cfg, h, nil)
}

// startHarnessWith is startHarness with a hook to wrap the store the server uses; it is
// called once the harness's keys exist.
func startHarnessWith(t testing.TB, cfg Config, h http.HandlerFunc, wrap func(*harness, ui.Store) ui.Store) *harness {
	t.Helper()
	hs := &harness{t: t, dir: t.TempDir(), logs: &syncBuffer{}, keyA: newKey(t), keyB: newKey(t)}
	hs.up = llmtest.New(t, h)
	ctx := context.Background()
	st, err := storage.Open(ctx, filepath.Join(hs.dir, "yeok.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	hs.store = st
	eng := newEngine(t, hs.up.BaseURL(), st)
	hs.authPath = filepath.Join(hs.dir, "authorized_keys")
	if cfg.AuthorizedKeysPath == "" && !cfg.AllowAnyKey {
		auth := append(gossh.MarshalAuthorizedKey(hs.keyA.PublicKey()), gossh.MarshalAuthorizedKey(hs.keyB.PublicKey())...)
		if err := os.WriteFile(hs.authPath, auth, 0o600); err != nil {
			t.Fatal(err)
		}
		cfg.AuthorizedKeysPath = hs.authPath
	}
	cfg.HostKeyPath = filepath.Join(hs.dir, "host", "ssh_host_ed25519_key")
	cfg.Logger = slog.New(slog.NewTextHandler(hs.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg.To = model.MustLanguage("ko-KR")
	var store ui.Store = st
	if wrap != nil {
		store = wrap(hs, st)
	}
	srv, err := New(cfg, eng, store)
	if err != nil {
		t.Fatal(err)
	}
	hs.srv = srv
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs.address = l.Addr().String()
	hs.serveErr = make(chan error, 1)
	go func() { hs.serveErr <- srv.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitLong)
		defer cancel()
		_ = srv.Shutdown(ctx)
		if err := <-hs.serveErr; !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
		_ = st.Close()
		if t.Failed() || os.Getenv("SSHD_TEST_LOGS") != "" {
			t.Logf("server log:\n%s", hs.logs.String())
		}
		for _, secret := range []string{testAPIKey} {
			if strings.Contains(hs.logs.String(), secret) {
				t.Errorf("the API key appears in the server log")
			}
		}
	})
	return hs
}

func (hs *harness) addr() string { return hs.address }

// dial connects and authenticates with key.
// mustDial connects with key or fails the test; the client is closed when the test ends.
func (hs *harness) mustDial(t *testing.T, key gossh.Signer) *gossh.Client {
	t.Helper()
	c, err := hs.dial(key)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func (hs *harness) dial(key gossh.Signer) (*gossh.Client, error) {
	return gossh.Dial("tcp", hs.addr(), &gossh.ClientConfig{
		User:            "anyone",
		Auth:            []gossh.AuthMethod{gossh.PublicKeys(key)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(),
		Timeout:         waitLong,
	})
}

// entries returns owner's entries, newest first.
func (hs *harness) entries(owner model.Owner) []model.Entry {
	hs.t.Helper()
	es, err := hs.store.Entries(context.Background(), owner, model.EntryQuery{})
	if err != nil {
		hs.t.Fatal(err)
	}
	return es
}

// ownerOf is the owner the server files key's data under.
func ownerOf(key gossh.Signer) model.Owner {
	return model.SSHOwner(gossh.FingerprintSHA256(key.PublicKey()))
}

// terminalReply answers the server's background-colour and device-attributes query.
const terminalReply = "\x1b]11;rgb:0000/0000/0000\x07\x1b[?62;22c"

// term is a client session with a PTY whose output the test reads as a screen.
type term struct {
	t     testing.TB
	sess  *gossh.Session
	stdin io.WriteCloser

	mu   sync.Mutex
	out  bytes.Buffer
	done chan struct{}
	err  error // from Wait, once done is closed
}

// openTerm opens a PTY session of w x h on client and answers the terminal query.
func openTerm(t testing.TB, client *gossh.Client, w, h int) *term {
	t.Helper()
	sess, err := client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	tm := &term{t: t, sess: sess, done: make(chan struct{})}
	if err := sess.RequestPty("xterm-256color", h, w, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	tm.stdin, err = sess.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := sess.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	sess.Stderr = tm
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_, _ = io.Copy(tm, stdout)
		tm.err = sess.Wait()
		close(tm.done)
	}()
	// A refused session may be closed already; the reply is then moot.
	_, _ = io.WriteString(tm.stdin, terminalReply)
	t.Cleanup(func() { _ = sess.Close() })
	return tm
}

func (tm *term) Write(p []byte) (int, error) {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.out.Write(p)
}

// raw returns everything the client received.
func (tm *term) raw() string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.out.String()
}

// screen returns the output with escape sequences removed.
func (tm *term) screen() string { return ansi.Strip(tm.raw()) }

func (tm *term) send(s string) {
	tm.t.Helper()
	if _, err := io.WriteString(tm.stdin, s); err != nil {
		tm.t.Fatalf("send %q: %v", s, err)
	}
}

// waitFor waits until the screen shows want.
func (tm *term) waitFor(want string) {
	tm.t.Helper()
	deadline := time.Now().Add(waitLong)
	for time.Now().Before(deadline) {
		if strings.Contains(tm.screen(), want) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	tm.t.Fatalf("screen never showed %q; it ends with:\n%s", want, tail(tm.screen(), 1500))
}

// wait waits for the session to end and returns its exit status (-1: none).
func (tm *term) wait() int {
	tm.t.Helper()
	select {
	case <-tm.done:
	case <-time.After(waitLong):
		tm.t.Fatalf("session did not end; screen ends with:\n%s", tail(tm.screen(), 1500))
	}
	var exit *gossh.ExitError
	switch {
	case tm.err == nil:
		return 0
	case errors.As(tm.err, &exit):
		return exit.ExitStatus()
	default:
		return -1
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
