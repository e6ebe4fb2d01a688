package sshd

import (
	"strings"
	"testing"
	"time"

	"github.com/yeok/yeok/llm/llmtest"
)

// TestOversizedPasteEndsWithReason pastes 4 MB without the end marker at the default
// budgets: the session's input budget must trip before anything else gives way, and the
// client must read why its session ended before the connection closes.
func TestOversizedPasteEndsWithReason(t *testing.T) {
	hs := startHarness(t, Config{}, llmtest.ReplayFixture(t, "gpt-4o-mini-stop.sse"))
	client := hs.mustDial(t, hs.keyA)
	tm := openTerm(t, client, 80, 24)
	tm.waitFor(readyMarker)

	flood := "\x1b[200~" + strings.Repeat("paste it all ", (4<<20)/13)
	sent := make(chan error, 1)
	go func() {
		// The write fails once the server closes the session; that is expected.
		_, err := tm.stdin.Write([]byte(flood))
		sent <- err
	}()
	status := tm.wait()
	if !strings.Contains(tm.screen(), "yeok: session ended: input limit exceeded") {
		t.Fatalf("exit status %d, wait error %v; the client never read the reason; screen ends with:\n%s",
			status, tm.err, tail(tm.screen(), 500))
	}
	if status != 1 {
		t.Fatalf("exit status %d, want 1", status)
	}
	<-sent
	// What the flood overdrew stays owed once the session has ended, so the connection may
	// be closed after that; never before.
	logs := hs.logs.String()
	ended := strings.Index(logs, `msg="session ended"`)
	if line, _, _ := strings.Cut(logs[max(ended, 0):], "\n"); ended < 0 || !strings.Contains(line, `reason="input limit exceeded"`) {
		t.Fatalf("the session did not end on its input budget:\n%s", logs)
	}
	if cut := strings.Index(logs, "limit hit: connection input budget"); cut >= 0 && cut < ended {
		t.Fatalf("the connection budget tripped before the session's:\n%s", logs)
	}
}

func TestTokenBucketOverdraft(t *testing.T) {
	start := time.Unix(0, 0)
	tests := []struct {
		name   string
		takes  []float64
		credit float64
		want   []bool
		left   float64
	}{
		{"within the size", []float64{60, 40}, 0, []bool{true, true}, 0},
		{"over the size empties it", []float64{60, 50}, 0, []bool{true, false}, 0},
		{"credit lets it go below zero", []float64{60, 90}, 50, []bool{true, true}, -50},
		{"over the credit fails and keeps the debt", []float64{100, 40, 20}, 50, []bool{true, true, false}, -40},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newTokenBucket(100, 0, start)
			for i, n := range tt.takes {
				if got := b.takeOver(n, tt.credit, start); got != tt.want[i] {
					t.Fatalf("take %d of %v: %v, want %v", i, n, got, tt.want[i])
				}
			}
			if b.tokens != tt.left {
				t.Fatalf("%v tokens left, want %v", b.tokens, tt.left)
			}
		})
	}
}

func TestSessionCreditIsGivenBack(t *testing.T) {
	srv := &Server{cfg: Config{MaxInputBytes: 1000}}
	g := &guardConn{srv: srv, bucket: newTokenBucket(4000, 0, time.Now())}
	one, two := g.holdSession(), g.holdSession()
	if got, want := g.credit.Load(), int64(2*(1000+channelWindow)); got != want {
		t.Fatalf("credit of two sessions = %d, want %d", got, want)
	}
	one()
	one()
	two()
	if got := g.credit.Load(); got != 0 {
		t.Fatalf("credit after both sessions ended = %d, want 0", got)
	}
	// A connection without a budget, or a session without a guard, has nothing to give.
	(&guardConn{srv: srv}).holdSession()()
	(*guardConn)(nil).holdSession()()
}
