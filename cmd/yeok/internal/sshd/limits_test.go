package sshd

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/yeok/yeok/llm/llmtest"
	"github.com/yeok/yeok/model"
	"github.com/yeok/yeok/ui"
)

func TestUnknownKeyRefused(t *testing.T) {
	hs := startHarness(t, Config{}, llmtest.ReplayFixture(t, "gpt-4o-mini-stop.sse"))
	stranger := newKey(t)
	if c, err := hs.dial(stranger); err == nil {
		c.Close()
		t.Fatal("a key missing from authorized_keys got in")
	}
	if !strings.Contains(hs.logs.String(), gossh.FingerprintSHA256(stranger.PublicKey())) {
		t.Fatalf("the refused key's fingerprint is not logged:\n%s", hs.logs.String())
	}
	// Listing the key lets it in, without a restart.
	f, err := os.OpenFile(hs.authPath, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(gossh.MarshalAuthorizedKey(stranger.PublicKey())); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	c, err := hs.dial(stranger)
	if err != nil {
		t.Fatalf("a newly listed key was refused: %v", err)
	}
	c.Close()
}

func TestNoPTYRefused(t *testing.T) {
	hs := startHarness(t, Config{}, llmtest.ReplayFixture(t, "gpt-4o-mini-stop.sse"))
	client := hs.mustDial(t, hs.keyA)
	tests := []struct {
		name    string
		command string
		want    string
	}{
		{"shell", "", "yeok: yeok needs a terminal: connect with ssh -t\n"},
		{"command", "cat /etc/passwd", "yeok: yeok runs no commands; connect with ssh -t and no command\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sess, err := client.NewSession()
			if err != nil {
				t.Fatal(err)
			}
			defer sess.Close()
			var stdout, stderr bytes.Buffer
			sess.Stdout, sess.Stderr = &stdout, &stderr
			if tt.command == "" {
				err = sess.Shell()
				if err == nil {
					err = sess.Wait()
				}
			} else {
				err = sess.Run(tt.command)
			}
			var exit *gossh.ExitError
			if !errors.As(err, &exit) || exit.ExitStatus() != 1 {
				t.Fatalf("err = %v, want exit status 1", err)
			}
			if got := stdout.String() + stderr.String(); got != tt.want {
				t.Fatalf("output = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSessionCaps(t *testing.T) {
	tests := []struct {
		name   string
		cfg    Config
		second func(hs *harness) gossh.Signer // the key of the session that must be refused
		want   string
	}{
		{"per key", Config{MaxSessionsPerKey: 1}, func(hs *harness) gossh.Signer { return hs.keyA },
			"this key already has 1 sessions open"},
		{"total", Config{MaxSessions: 1}, func(hs *harness) gossh.Signer { return hs.keyB },
			"the server is full"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hs := startHarness(t, tt.cfg, llmtest.ReplayFixture(t, "gpt-4o-mini-stop.sse"))
			a := hs.mustDial(t, hs.keyA)
			first := openTerm(t, a, 80, 24)
			first.waitFor(readyMarker)

			c, err := hs.dial(tt.second(hs))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			refused := openTerm(t, c, 80, 24)
			if got := refused.wait(); got != 1 {
				t.Fatalf("exit status %d, want 1", got)
			}
			if !strings.Contains(refused.screen(), tt.want) {
				t.Fatalf("refusal says %q, want %q", refused.screen(), tt.want)
			}
			if !strings.Contains(hs.logs.String(), "limit hit: sessions") {
				t.Fatalf("limit not logged:\n%s", hs.logs.String())
			}

			// The slot comes back when the first session ends.
			first.send("\x03")
			first.wait()
			again := openTerm(t, c, 80, 24)
			again.waitFor(readyMarker)
		})
	}
}

func TestStreamsPerMinute(t *testing.T) {
	hs := startHarness(t, Config{StreamsPerMinute: 1}, llmtest.ReplayFixture(t, "gpt-4o-mini-stop.sse"))
	client := hs.mustDial(t, hs.keyA)
	tm := openTerm(t, client, 100, 30)
	tm.waitFor(readyMarker)
	tm.send("one\r")
	tm.waitFor("Hello")
	tm.send("two\r")
	tm.waitFor("rate limit")

	if n := int64(hs.up.Count()); n != 1 {
		t.Fatalf("upstream saw %d requests, want 1", n)
	}
	// The limited line is refused before it is logged, as the HTTP API refuses with 429;
	// its block shows it failed, and Up recalls its text.
	es := hs.entries(ownerOf(hs.keyA))
	if len(es) != 1 || es[0].Source != "one" {
		t.Fatalf("entries = %+v, want only the first", es)
	}
	tm.waitFor("✗ failed")
	// The limit is per key: B is not held back by A's streams.
	b := hs.mustDial(t, hs.keyB)
	tb := openTerm(t, b, 100, 30)
	tb.waitFor(readyMarker)
	tb.send("three\r")
	tb.waitFor("Hello")
}

func TestInputBudgetDisconnects(t *testing.T) {
	hs := startHarness(t, Config{MaxInputBytes: 4 << 10}, llmtest.ReplayFixture(t, "gpt-4o-mini-stop.sse"))
	client := hs.mustDial(t, hs.keyA)
	tm := openTerm(t, client, 80, 24)
	tm.waitFor(readyMarker)
	// An unterminated bracketed paste, the input that costs Bubble Tea the most.
	tm.send("\x1b[200~" + strings.Repeat("flood ", 2000))
	if got := tm.wait(); got != 1 {
		t.Fatalf("exit status %d, want 1", got)
	}
	if !strings.Contains(tm.screen(), "yeok: session ended: input limit exceeded") {
		t.Fatalf("no one-line reason; screen ends with:\n%s", tail(tm.screen(), 500))
	}
	if !strings.Contains(hs.logs.String(), "input limit exceeded") {
		t.Fatalf("limit not logged:\n%s", hs.logs.String())
	}
}

func TestHandshakeTimeout(t *testing.T) {
	hs := startHarness(t, Config{HandshakeTimeout: 200 * time.Millisecond}, llmtest.ReplayFixture(t, "gpt-4o-mini-stop.sse"))
	conn, err := net.Dial("tcp", hs.addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(waitLong))
	start := time.Now()
	// Read the server's version line, then say nothing: the server must hang up.
	_, err = io.Copy(io.Discard, conn)
	if err != nil {
		t.Fatalf("connection not closed by the server: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("closed after %s", d)
	}
	if !strings.Contains(hs.logs.String(), "handshake timeout") {
		t.Fatalf("timeout not logged:\n%s", hs.logs.String())
	}
	// An authenticated session outlives the handshake timeout.
	client := hs.mustDial(t, hs.keyA)
	tm := openTerm(t, client, 80, 24)
	tm.waitFor(readyMarker)
	time.Sleep(400 * time.Millisecond)
	tm.send("bonjour\r")
	tm.waitFor("Hello")
}

func TestHugeWindowIsClamped(t *testing.T) {
	hs := startHarness(t, Config{}, llmtest.ReplayFixture(t, "gpt-4o-mini-stop.sse"))
	client := hs.mustDial(t, hs.keyA)
	tm := openTerm(t, client, 80, 24)
	tm.waitFor(readyMarker)
	if err := tm.sess.WindowChange(1<<32-1, 1<<32-1); err != nil {
		t.Fatal(err)
	}
	tm.send("bonjour\r")
	tm.waitFor("Hello")
	// Lines are drawn at the clamped width, not four billion columns. (Stripping escape
	// sequences can join a line with the next, hence the slack.)
	widest := 0
	for _, line := range strings.Split(tm.screen(), "\n") {
		widest = max(widest, len([]rune(line)))
	}
	if widest > 4*maxColumns || len(tm.raw()) > 4<<20 {
		t.Fatalf("a line of %d columns was drawn, %d bytes in all", widest, len(tm.raw()))
	}
	if widest < 200 {
		t.Fatalf("widest line %d: the resize never reached the app", widest)
	}
}

func TestShutdownInterruptsStreams(t *testing.T) {
	tokens := func(*http.Request) []string { return strings.SplitAfter(strings.Repeat("word ", 200), " ") }
	hs := startHarness(t, Config{}, streamTokens(tokens, 50*time.Millisecond, nil))
	client := hs.mustDial(t, hs.keyA)
	tm := openTerm(t, client, 100, 30)
	tm.waitFor(readyMarker)
	tm.send("a long speech\r")
	tm.waitFor("word word")

	ctx, cancel := context.WithTimeout(context.Background(), waitLong)
	defer cancel()
	if err := hs.srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if got := tm.wait(); got != 1 {
		t.Fatalf("exit status %d, want 1", got)
	}
	if !strings.Contains(tm.screen(), "yeok: session ended: server shutting down") {
		t.Fatalf("no shutdown line; screen ends with:\n%s", tail(tm.screen(), 500))
	}
	es := hs.entries(ownerOf(hs.keyA))
	if len(es) != 1 {
		t.Fatalf("%d entries, want 1", len(es))
	}
	e := es[0]
	if e.Status != model.StatusInterrupted || !strings.Contains(e.Error, "server shutting down") {
		t.Fatalf("entry = %s %q, want interrupted by the shutdown", e.Status, e.Error)
	}
	if !strings.HasPrefix(e.Text, "word word") {
		t.Fatalf("partial text %q not kept", e.Text)
	}
	if _, err := hs.dial(hs.keyA); err == nil {
		t.Fatal("a connection was accepted after Shutdown")
	}
}

// panickyStore panics when the app asks for one owner's last session.
type panickyStore struct {
	ui.Store
	victim model.Owner
}

func (p panickyStore) LastSession(ctx context.Context, owner model.Owner) (model.Session, error) {
	if owner == p.victim {
		panic("store exploded")
	}
	return p.Store.LastSession(ctx, owner)
}

func TestPanicEndsOnlyThatSession(t *testing.T) {
	hs := startHarnessWith(t, Config{}, llmtest.ReplayFixture(t, "gpt-4o-mini-stop.sse"), func(hs *harness, st ui.Store) ui.Store {
		return panickyStore{Store: st, victim: ownerOf(hs.keyB)}
	})
	b := hs.mustDial(t, hs.keyB)
	tb := openTerm(t, b, 80, 24)
	if got := tb.wait(); got != 1 {
		t.Fatalf("exit status %d, want 1", got)
	}
	if !strings.Contains(tb.screen(), "yeok: session ended: internal error") {
		t.Fatalf("no one-line reason; screen ends with:\n%s", tail(tb.screen(), 500))
	}
	if !strings.Contains(hs.logs.String(), "session app panicked") {
		t.Fatalf("panic not logged:\n%s", hs.logs.String())
	}
	a := hs.mustDial(t, hs.keyA)
	ta := openTerm(t, a, 80, 24)
	ta.waitFor(readyMarker)
	ta.send("bonjour\r")
	ta.waitFor("Hello")
}

func TestSessionTimers(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"idle", Config{IdleTimeout: 300 * time.Millisecond}, "yeok: session ended: idle for too long"},
		{"max session time", Config{MaxSessionTime: 300 * time.Millisecond}, "yeok: session ended: session time limit reached"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hs := startHarness(t, tt.cfg, llmtest.ReplayFixture(t, "gpt-4o-mini-stop.sse"))
			client := hs.mustDial(t, hs.keyA)
			tm := openTerm(t, client, 80, 24)
			tm.waitFor(readyMarker)
			if got := tm.wait(); got != 1 {
				t.Fatalf("exit status %d, want 1", got)
			}
			if !strings.Contains(tm.screen(), tt.want) {
				t.Fatalf("no one-line reason; screen ends with:\n%s", tail(tm.screen(), 500))
			}
		})
	}
}

func TestConnectionBudgetStopsRequestFloods(t *testing.T) {
	hs := startHarness(t, Config{MaxInputBytes: 4 << 10}, llmtest.ReplayFixture(t, "gpt-4o-mini-stop.sse"))
	client := hs.mustDial(t, hs.keyA)
	sess, err := client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	// Environment requests never reach a session's stdin budget; the connection's catches them.
	value := strings.Repeat("v", 200)
	var sent int
	for sent = 0; sent < 2000; sent++ {
		if err := sess.Setenv("FLOOD", value); err != nil {
			break
		}
	}
	if sent == 2000 {
		t.Fatal("400 KB of env requests were all accepted on a 16 KiB connection budget")
	}
	if !strings.Contains(hs.logs.String(), "limit hit: connection input budget") {
		t.Fatalf("limit not logged:\n%s", hs.logs.String())
	}
}
