package sshd

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

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

func TestSessionStoreOwnerAndFallback(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	owner, other := model.SSHOwner("SHA256:me"), model.SSHOwner("SHA256:someone-else")
	ss := newSessionStore(st, owner)

	if _, err := ss.Sessions(ctx, other, 10); err == nil {
		t.Fatal("a list of another owner's sessions was allowed")
	}
	if _, err := ss.Begin(ctx, model.Request{Owner: other, Source: "x", To: "ko-KR"}); err == nil {
		t.Fatal("an entry for another owner was begun")
	}

	sess, err := ss.NewSession(ctx, owner, model.Session{Origin: "ssh"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		result     *model.Result // what the translator returned; nil: still streaming
		wantStatus model.Status
		wantText   string
	}{
		{"cut short", nil, model.StatusInterrupted, "partial "},
		{"completed", &model.Result{Status: model.StatusDone, Text: "full answer", Finish: "stop"}, model.StatusDone, "full answer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := model.Request{Owner: owner, SessionID: sess.ID, Source: "source " + tt.name, To: "ko-KR"}
			e, err := ss.Begin(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			ss.streamStarted(req)
			ss.streamEvent(model.Event{Kind: model.EventDelta, Text: "partial "})
			if tt.result != nil {
				ss.streamEnded(*tt.result)
			}
			if ss.wait(10 * time.Millisecond) {
				t.Fatal("wait returned with an entry pending")
			}
			cancelled, cancel := context.WithCancel(ctx)
			cancel()
			if n := ss.finishPending(cancelled, errClientGone, time.Now().UTC()); n != 1 {
				t.Fatalf("finished %d entries, want 1", n)
			}
			got, err := st.Entry(ctx, owner, e.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != tt.wantStatus || got.Text != tt.wantText {
				t.Fatalf("entry = %s %q, want %s %q", got.Status, got.Text, tt.wantStatus, tt.wantText)
			}
			if !ss.wait(10 * time.Millisecond) {
				t.Fatal("an entry is still pending")
			}
		})
	}
}

// blockingTranslator streams one delta, then waits for its context and ends cancelled, as
// the engine does when its context ends.
type blockingTranslator struct{ calls int }

func (b *blockingTranslator) Model() string { return "test-model" }

func (b *blockingTranslator) Stream(ctx context.Context, req model.Request, emit func(model.Event)) model.Result {
	b.calls++
	emit(model.Event{Kind: model.EventDelta, Text: "part"})
	<-ctx.Done()
	e := &model.Error{Class: model.ClassCancelled, Message: "cancelled"}
	emit(model.Event{Kind: model.EventError, Status: model.StatusCancelled, Err: e})
	return model.Result{Status: model.StatusCancelled, Text: "part", Err: e}
}

func TestSessionTranslatorStops(t *testing.T) {
	tests := []struct {
		name       string
		stopBy     string // "server" or "app"
		wantStatus model.Status
	}{
		{"server stop is an interruption", "server", model.StatusInterrupted},
		{"the app's cancel stays a cancel", "app", model.StatusCancelled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := &Server{cfg: Config{StreamsPerMinute: 10}, limits: newLimiter(0, 0, 10), now: time.Now}
			appCtx, cancelApp := context.WithCancelCause(context.Background())
			defer cancelApp(nil)
			ss := &session{srv: srv, fingerprint: "fp", owner: "ssh:fp", log: slog.New(slog.NewTextHandler(io.Discard, nil))}
			ss.streams, ss.cancelStreams = context.WithCancelCause(appCtx)
			ss.store = newSessionStore(openStore(t), ss.owner)
			tr := &sessionTranslator{inner: &blockingTranslator{}, sess: ss}

			streamCtx, cancelStream := context.WithCancel(appCtx)
			defer cancelStream()
			var events []model.Event
			done := make(chan model.Result)
			go func() {
				done <- tr.Stream(streamCtx, model.Request{Source: "s"}, func(ev model.Event) { events = append(events, ev) })
			}()
			time.Sleep(20 * time.Millisecond)
			if tt.stopBy == "server" {
				ss.cancelStreams(errShutdown)
			} else {
				cancelStream()
			}
			var res model.Result
			select {
			case res = <-done:
			case <-time.After(waitLong):
				t.Fatal("the stream did not end")
			}
			if res.Status != tt.wantStatus || res.Text != "part" {
				t.Fatalf("result = %s %q, want %s with the partial", res.Status, res.Text, tt.wantStatus)
			}
			last := events[len(events)-1]
			if last.Kind != model.EventError || last.Status != tt.wantStatus {
				t.Fatalf("last event = %+v, want an error event with status %s", last, tt.wantStatus)
			}
			if tt.stopBy == "server" && (res.Err == nil || !strings.Contains(res.Err.Message, "server shutting down")) {
				t.Fatalf("error = %v, want one naming the shutdown", res.Err)
			}
		})
	}
}
