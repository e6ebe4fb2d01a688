package sshd

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yeok/yeok/llm/llmtest"
	"github.com/yeok/yeok/model"
	"github.com/yeok/yeok/storage"
)

func openStore(t *testing.T) *storage.Store {
	t.Helper()
	st, err := storage.Open(context.Background(), filepath.Join(t.TempDir(), "yeok.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

func TestSessionStoreOwner(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	owner, other := model.SSHOwner("SHA256:me"), model.SSHOwner("SHA256:someone-else")
	ss := newSessionStore(st, owner)
	if _, err := ss.Sessions(ctx, other, 10); err == nil {
		t.Fatal("a list of another owner's sessions was allowed")
	}
	if _, err := ss.NewSession(ctx, other, model.Session{Origin: "ssh"}); err == nil {
		t.Fatal("a session for another owner was made")
	}
	if _, err := ss.NewSession(ctx, owner, model.Session{Origin: "ssh"}); err != nil {
		t.Fatal(err)
	}
	if got, err := ss.Sessions(ctx, owner, 10); err != nil || len(got) != 1 {
		t.Fatalf("own sessions = %v, %v", got, err)
	}
}

// TestSessionTranslatorStops: a stream the server stops is stored interrupted, naming why;
// one the app cancels stays cancelled; a request for another owner never reaches the engine.
func TestSessionTranslatorStops(t *testing.T) {
	tests := []struct {
		name       string
		stopBy     string // "server", "app" or "other owner"
		wantStatus model.Status
	}{
		{"server stop is an interruption", "server", model.StatusInterrupted},
		{"the app's cancel stays a cancel", "app", model.StatusCancelled},
		{"another owner is refused", "other owner", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := llmtest.New(t, llmtest.Hold(nil, "part"))
			st := openStore(t)
			srv := &Server{cfg: Config{StreamsPerMinute: 10}, limits: newLimiter(0, 0, 10), now: time.Now}
			appCtx, cancelApp := context.WithCancelCause(context.Background())
			defer cancelApp(nil)
			ss := &session{srv: srv, fingerprint: "fp", owner: "ssh:fp", log: slog.New(slog.NewTextHandler(io.Discard, nil))}
			ss.streams, ss.cancelStreams = context.WithCancelCause(appCtx)
			tr := newSessionTranslator(newEngine(t, up.BaseURL(), st), ss)

			req := model.Request{Owner: ss.owner, Source: "s", To: "ko"}
			if tt.stopBy == "other owner" {
				req.Owner = "ssh:someone-else"
			}
			streamCtx, cancelStream := context.WithCancel(appCtx)
			defer cancelStream()
			delta := make(chan struct{}, 1)
			type result struct {
				e   model.Entry
				err error
			}
			done := make(chan result, 1)
			go func() {
				e, err := tr.Translate(streamCtx, req, func(ev model.Event) {
					if ev.Kind == model.EventDelta {
						delta <- struct{}{}
					}
				})
				done <- result{e, err}
			}()
			if tt.stopBy == "other owner" {
				if r := <-done; r.err == nil || up.Count() != 0 {
					t.Fatalf("translated for another owner: %+v, %v (%d requests)", r.e, r.err, up.Count())
				}
				return
			}
			<-delta
			if tt.stopBy == "server" {
				ss.cancelStreams(errShutdown)
			} else {
				cancelStream()
			}
			var r result
			select {
			case r = <-done:
			case <-time.After(waitLong):
				t.Fatal("the stream did not end")
			}
			if !tr.wait(waitLong) {
				t.Fatal("the translator still counts a stream")
			}
			got, err := st.Entry(context.Background(), ss.owner, r.e.ID)
			if r.err != nil || err != nil || got.Status != tt.wantStatus || got.Text != "part" {
				t.Fatalf("stored %s %q (%v, %v), want %s with the partial", got.Status, got.Text, r.err, err, tt.wantStatus)
			}
			if tt.stopBy == "server" && !strings.Contains(got.Error, "server shutting down") {
				t.Fatalf("error = %q, want one naming the shutdown", got.Error)
			}
		})
	}
}
