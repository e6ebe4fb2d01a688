package ui

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
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
	m := New(cfg, tr, st)
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
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	st := newFakeStore(&callLog{})
	job := beginJob{
		ctx: ctx, st: cancelOnBegin{st, cancel}, owner: model.LocalOwner, id: 3,
		tmpl: model.Session{Origin: "tui"}, req: model.Request{Owner: model.LocalOwner, Source: "hello", To: "ko"},
		now: func() time.Time { return testNow },
	}
	msg, ok := job.cmd()().(endedMsg)
	if !ok || msg.id != 3 || msg.err != nil {
		t.Fatalf("message = %#v, want an ended message", msg)
	}
	got := st.finishedEntries()
	if len(got) != 1 || got[0].Status != model.StatusInterrupted || got[0].Error != sessionEnded || !got[0].Finished.Equal(testNow) {
		t.Fatalf("finished = %+v", got)
	}
}

func TestEndedResult(t *testing.T) {
	tests := []struct {
		name string
		res  model.Result
		snap snapshot
		want model.Status
		text string
	}{
		{"cancelled becomes interrupted", model.Result{Status: model.StatusCancelled, Text: "부분"}, snapshot{}, model.StatusInterrupted, "부분"},
		{"partial from the buffer", model.Result{Status: model.StatusCancelled}, snapshot{text: "버퍼"}, model.StatusInterrupted, "버퍼"},
		{"done stays done", model.Result{Status: model.StatusDone, Text: "끝"}, snapshot{}, model.StatusDone, "끝"},
		{"failed stays failed", model.Result{Status: model.StatusFailed}, snapshot{}, model.StatusFailed, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := endedResult(tt.res, tt.snap)
			if got.Status != tt.want || got.Text != tt.text {
				t.Fatalf("result = %+v", got)
			}
			if tt.want == model.StatusInterrupted && (got.Err == nil || got.Err.Class != model.ClassInterrupted) {
				t.Fatalf("error = %+v", got.Err)
			}
		})
	}
}

// TestLateFrameAfterSessionEnd: the reader claimed the entry when the session ended, and
// the last frame still reached Update; the flight stays until the reader's message.
func TestLateFrameAfterSessionEnd(t *testing.T) {
	m := sized(newTestModel(t), 80, 24)
	m = began(sendLine(m, "hello"), 1)
	f := m.flight
	if !f.buf.claim() {
		t.Fatal("a fresh stream was already claimed")
	}
	m = frame(m, snapshot{text: "부분", deltas: 1, done: true, result: model.Result{Status: model.StatusCancelled, Text: "부분"}})
	if m.flight != f || m.writes != 0 {
		t.Fatalf("Update finished an entry the reader claimed (flight %v, writes %d)", m.flight, m.writes)
	}
	e := f.entry
	e.Apply(endedResult(model.Result{Status: model.StatusCancelled, Text: "부분"}, snapshot{}), testNow)
	m = step(m, endedMsg{id: f.id, entry: e})
	if m.flight != nil || f.blk.live != nil || f.blk.entry.Status != model.StatusInterrupted {
		t.Fatalf("the ended entry is not shown: %+v", f.blk.entry)
	}
	if !strings.Contains(m.View(), "↯ interrupted") || !strings.Contains(m.View(), sessionEnded) {
		t.Fatalf("view:\n%s", m.View())
	}
}
