package ui

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/yeok/yeok/llm"
	"github.com/yeok/yeok/model"
)

// TestSessionEndInterruptsStream ends Config.Ctx mid-stream under a program bound to it,
// as the SSH server and the local terminal run it: the program stops at once and never
// updates again, and the entry is still finished, interrupted, with its partial text.
func TestSessionEndInterruptsStream(t *testing.T) {
	st, tr := newFakes(playUntilCancelled("이 문장은", " 도중에"))
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	cfg := testConfig(t)
	cfg.Ctx = ctx
	m := newApp(cfg, tr, st)
	p := tea.NewProgram(m, tea.WithContext(ctx), tea.WithInput(nil), tea.WithOutput(io.Discard), tea.WithoutSignals())
	done := make(chan error, 1)
	go func() {
		_, err := p.Run()
		done <- err
	}()
	p.Send(tea.WindowSizeMsg{Width: 80, Height: 24})
	for _, msg := range typeKeys("This sentence is cut off.") {
		p.Send(msg)
	}
	p.Send(press(tea.KeyEnter))
	eventually(t, "the stream", func() bool { return len(tr.requests()) == 1 })

	cancel()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("the program did not stop with its context")
	}
	wait, stop := context.WithTimeout(t.Context(), 2*time.Second)
	defer stop()
	if err := m.Wait(wait); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	got := st.finishedEntries()
	if len(got) != 1 {
		t.Fatalf("finished %d entries, want 1 (calls %v)", len(got), st.log.list())
	}
	e := got[0]
	if e.Status != model.StatusInterrupted || e.ErrorClass != model.ClassInterrupted ||
		e.Error != "the session ended before the answer finished" || e.Text != "이 문장은 도중에" {
		t.Fatalf("finished entry = %+v", e)
	}
}

// TestSessionEndShown ends Config.Ctx while the program still runs (its own context is
// another): the entry shows interrupted, not cancelled.
func TestSessionEndShown(t *testing.T) {
	st, tr := newFakes(playUntilCancelled("부분"))
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	cfg := testConfig(t)
	cfg.Ctx = ctx
	a := startApp(t, cfg, st, tr)
	a.typeText("hello")
	a.press(tea.KeyEnter)
	a.waitFor(t, "부분")
	cancel()
	a.waitFor(t, "the session ended before the answer finished")
	a.waitFor(t, "↯ interrupted")
	eventually(t, "Finish", func() bool { return len(st.finishedEntries()) == 1 })
	if s := st.finishedEntries()[0].Status; s != model.StatusInterrupted {
		t.Fatalf("status = %s, want interrupted", s)
	}
	if m := a.final(t); m.flight != nil {
		t.Fatal("a stream is still in flight")
	}
}

// TestEscStillCancels: the person's Esc, then the session's end, keeps the entry cancelled
// and finishes it once.
func TestEscStillCancels(t *testing.T) {
	st, tr := newFakes(playUntilCancelled("부분"))
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	cfg := testConfig(t)
	cfg.Ctx = ctx
	a := startApp(t, cfg, st, tr)
	a.typeText("hello")
	a.press(tea.KeyEnter)
	a.waitFor(t, "부분")
	a.press(tea.KeyEsc)
	a.waitFor(t, "■ cancelled")
	eventually(t, "Finish", func() bool { return len(st.finishedEntries()) == 1 })
	cancel()
	m := a.final(t)
	wait, stop := context.WithTimeout(t.Context(), 2*time.Second)
	defer stop()
	if err := m.Wait(wait); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	got := st.finishedEntries()
	if len(got) != 1 || got[0].Status != model.StatusCancelled {
		t.Fatalf("finished = %+v", got)
	}
}

// cancelOnBegin is a store whose Begin ends the session right after logging the entry.
type cancelOnBegin struct {
	*fakeStore
	cancel context.CancelFunc
}

func (s cancelOnBegin) Begin(ctx context.Context, req model.Request) (model.Entry, error) {
	e, err := s.fakeStore.Begin(ctx, req)
	s.cancel()
	return e, err
}

func TestSessionEndDuringBegin(t *testing.T) {
	session, cancel := context.WithCancel(t.Context())
	defer cancel()
	st := newFakeStore(&callLog{})
	tr := &fakeTranslator{log: st.log, play: playUntilCancelled("부분")}
	eng := llm.New(tr, cancelOnBegin{st, cancel}, llm.Options{Now: func() time.Time { return testNow }})
	ctx, stop := streamContext(session)
	defer stop()
	job := translateJob{ctx: ctx, id: 3, tr: eng, buf: newStreamBuffer(time.Now, nil),
		req: model.Request{Owner: model.LocalOwner, SessionID: 1, Source: "hello", To: "ko"}}
	msg, ok := job.cmd()().(translatedMsg)
	if !ok || msg.id != 3 || msg.err != nil {
		t.Fatalf("message = %#v, want the translated entry", msg)
	}
	got := st.finishedEntries()
	if len(got) != 1 || got[0].Status != model.StatusInterrupted || got[0].Error != sessionEnded || !got[0].Finished.Equal(testNow) {
		t.Fatalf("finished = %+v", got)
	}
}

// TestStreamContextCauses: Esc cancels a stream plainly (stored cancelled); the session's
// end stops it with a *model.Error (stored interrupted), the session's own when it has one.
func TestStreamContextCauses(t *testing.T) {
	shutdown := &model.Error{Class: model.ClassInterrupted, Message: "interrupted: the server is shutting down"}
	tests := []struct {
		name  string
		end   func(esc context.CancelFunc, session context.CancelCauseFunc)
		class model.ErrorClass
		msg   string
	}{
		{"esc", func(esc context.CancelFunc, _ context.CancelCauseFunc) { esc() }, "", ""},
		{"session ends", func(_ context.CancelFunc, session context.CancelCauseFunc) { session(nil) }, model.ClassInterrupted, sessionEnded},
		{"server stops the session", func(_ context.CancelFunc, session context.CancelCauseFunc) { session(shutdown) },
			model.ClassInterrupted, shutdown.Message},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			session, end := context.WithCancelCause(t.Context())
			defer end(nil)
			ctx, esc := streamContext(session)
			defer esc()
			tt.end(esc, end)
			<-ctx.Done()
			var why *model.Error
			switch {
			case tt.class == "" && errors.As(context.Cause(ctx), &why):
				t.Fatalf("esc gave the cause %v", why)
			case tt.class != "" && (!errors.As(context.Cause(ctx), &why) || why.Class != tt.class || why.Message != tt.msg):
				t.Fatalf("cause %v, want %s %q", context.Cause(ctx), tt.class, tt.msg)
			}
		})
	}
}

// TestLateFrameAfterTranslated: a frame that reaches Update after the engine's answer is
// dropped; the stored entry stays.
func TestLateFrameAfterTranslated(t *testing.T) {
	m := sized(newTestModel(t), 80, 24)
	m = sendLine(m, "hello")
	f := m.flight
	m = translated(m, 1, model.Result{Status: model.StatusInterrupted, Text: "부분",
		Err: &model.Error{Class: model.ClassInterrupted, Message: sessionEnded}})
	m = step(m, frameMsg{id: f.id, snap: snapshot{text: "부분 그리고 더", deltas: 2}})
	if m.flight != nil || f.runs[0].blk.live != nil || f.runs[0].blk.entry.Status != model.StatusInterrupted {
		t.Fatalf("the stored entry is not shown: %+v", f.runs[0].blk.entry)
	}
	if v := m.View(); !strings.Contains(v, "↯ interrupted") || !strings.Contains(v, sessionEnded) || strings.Contains(v, "그리고") {
		t.Fatalf("view:\n%s", v)
	}
}
