package ui

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/yeok/yeok/model"
)

// run applies msg and then the message its command returns at once, one level deep;
// batches and timers (anything slower than 100 ms) are left out.
func run(t *testing.T, m Model, msg tea.Msg) Model {
	t.Helper()
	next, cmd := m.Update(msg)
	m = next.(Model)
	if cmd == nil {
		return m
	}
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	out := make(chan tea.Msg, 1)
	go func() { out <- cmd() }()
	select {
	case got := <-out:
		if _, batch := got.(tea.BatchMsg); !batch && got != nil {
			m = step(m, got)
		}
	case <-ctx.Done():
	}
	return m
}

func TestRecallEarlierInputs(t *testing.T) {
	m := sized(newTestModel(t), 80, 24)
	m = step(m, inputsMsg{inputs: []string{"second", "first"}})
	up, down := press(tea.KeyUp), press(tea.KeyDown)
	for i, tt := range []struct {
		key  tea.Msg
		want string
	}{{up, "second"}, {up, "first"}, {up, "first"}, {down, "second"}, {down, ""}, {up, "second"}} {
		if m = step(m, tt.key); m.input.Value() != tt.want {
			t.Fatalf("step %d: input %q, want %q", i, m.input.Value(), tt.want)
		}
	}
	m = step(m, typeKeys("!")...)
	m = step(m, up)
	if m.input.Value() != "second!" {
		t.Fatalf("up recalled over an edited input: %q", m.input.Value())
	}
}

func TestRetryAndContinue(t *testing.T) {
	m := sized(newTestModel(t), 80, 24)
	m = finished(m, "Hello", model.Result{Status: model.StatusFailed, Err: &model.Error{Message: "server error (503)"}})
	m = step(m, press(tea.KeyCtrlR))
	if m.flight == nil || m.flight.req.Source != "Hello" || m.flight.req.Continue != "" || m.flight.req.To != "ko-KR" {
		t.Fatalf("retry did not resend the entry: %+v", m.flight)
	}
	m = frame(m, snapshot{text: "앞부분", deltas: 1, done: true})
	m = translated(m, 1, model.Result{Status: model.StatusTruncated, Text: "앞부분", Finish: "length"})
	if !strings.Contains(m.View(), "… truncated · ctrl+r continue") {
		t.Fatalf("truncated entry does not offer to continue:\n%s", m.View())
	}
	m = step(m, press(tea.KeyCtrlR))
	if m.flight.req.Continue != "앞부분" {
		t.Fatalf("continue request = %+v", m.flight.req)
	}
	m = frame(m, snapshot{text: " 뒷부분", deltas: 1, done: true})
	m = translated(m, 1, doneResult(" 뒷부분"))
	if !strings.Contains(m.View(), "앞부분 뒷부분") {
		t.Fatalf("continuation not shown appended:\n%s", m.View())
	}
}

func TestCopyLastTranslation(t *testing.T) {
	var copied []string
	cfg := testConfig(t)
	cfg.Clipboard = func(s string) error { copied = append(copied, s); return nil }
	log := &callLog{}
	m := sized(newApp(cfg, &fakeTranslator{log: log}, newFakeStore(log)), 80, 24)
	m = run(t, m, press(tea.KeyCtrlY))
	if len(copied) != 0 || m.flash.text != "nothing to copy yet" {
		t.Fatalf("copied %q with no entries (flash %q)", copied, m.flash.text)
	}
	m = finished(m, "Hi", doneResult("안녕\x1b]52;c;ZXZpbA==\x07하세요"))
	m = run(t, m, press(tea.KeyCtrlY))
	if len(copied) != 1 || copied[0] != "안녕하세요" {
		t.Fatalf("copied %q, want the sanitised translation", copied)
	}
	if m.flash.text != "sent to the terminal's clipboard (5 characters)" {
		t.Fatalf("flash = %q", m.flash.text)
	}
	m.cfg.Clipboard = nil
	m = run(t, m, press(tea.KeyCtrlY))
	if !m.flash.isErr || !strings.Contains(m.flash.text, "not available") {
		t.Fatalf("no clipboard: flash = %q", m.flash.text)
	}
}

func TestCtrlCAndEsc(t *testing.T) {
	m := sized(newTestModel(t), 80, 24)
	m = sendLine(m, "Hello")
	m = frame(m, snapshot{text: "안", deltas: 1, firstAt: testNow})
	id := m.flight.id

	// Esc closes an open panel before it touches the stream.
	m = step(m, press(tea.KeyCtrlT), press(tea.KeyEsc))
	if m.panel != panelChat || m.flight == nil {
		t.Fatal("esc with the picker open should only close it")
	}
	// Enter while streaming queues the line: the box empties, the line shows queued
	// under the one in flight, which goes on.
	m = step(m, typeKeys("next")...)
	m = step(m, press(tea.KeyEnter))
	queued := m.sb.last()
	if m.input.Value() != "" || m.flight.id != id || !queued.queued || queued.entry.Source != "next" || len(m.follow.queue) != 1 {
		t.Fatalf("a line typed while streaming was not queued: box %q, queue %+v", m.input.Value(), m.follow.queue)
	}
	if v := m.View(); !strings.Contains(v, "queued · esc cancels") {
		t.Fatalf("the queued line does not say so:\n%s", v)
	}
	hello := blockWithSource(t, m, "Hello")
	// Ctrl+C stops the stream and the queue behind it, and does not quit.
	next, cmd := m.Update(press(tea.KeyCtrlC))
	m = next.(Model)
	if m.flight != nil || hello.entry.Status != model.StatusCancelled || hello.entry.Text != "안" {
		t.Fatal("ctrl+c did not cancel the stream with its partial")
	}
	if queued.queued || queued.entry.Error != notSent || len(m.follow.queue) != 0 || !strings.Contains(m.flash.text, "1 queued line not sent") {
		t.Fatalf("the queued line was not cancelled: %+v, flash %q", queued.entry, m.flash.text)
	}
	if isQuit(cmd) {
		t.Fatal("ctrl+c quit while a stream ran")
	}
	// Late frames of the cancelled stream are dropped.
	m = step(m, frameMsg{id: id, snap: snapshot{text: "안녕하세요", deltas: 3}})
	if strings.Contains(m.View(), "안녕하세요") {
		t.Fatal("a late frame changed the cancelled entry")
	}
	// Once the engine has stored it, Ctrl+C asks about the text still in the box, and
	// quits when pressed again.
	m = step(m, translatedMsg{id: id, blk: hello, entry: hello.entry})
	m = step(m, typeKeys("later")...)
	if m, cmd = update(m, press(tea.KeyCtrlC)); isQuit(cmd) || m.input.Value() != "later" {
		t.Fatal("ctrl+c quit with unsent text in the box")
	}
	if _, cmd = m.Update(press(tea.KeyCtrlC)); !isQuit(cmd) {
		t.Fatal("ctrl+c did not quit when idle")
	}
}

// blockWithSource is the newest entry block whose source is src.
func blockWithSource(t *testing.T, m Model, src string) *block {
	t.Helper()
	for i := len(m.sb.blocks) - 1; i >= 0; i-- {
		if b := m.sb.blocks[i]; b.kind == blockEntry && b.entry.Source == src {
			return b
		}
	}
	t.Fatalf("no block of %q", src)
	return nil
}

func isQuit(cmd tea.Cmd) bool {
	if cmd == nil {
		return false
	}
	_, ok := cmd().(tea.QuitMsg)
	return ok
}

func TestQuitWaitsForPendingCommit(t *testing.T) {
	m := sized(newTestModel(t), 80, 24)
	m = sendLine(m, "Hello")
	id := m.flight.id
	m = step(m, press(tea.KeyEsc)) // stops the stream; the engine is still storing it
	next, cmd := m.Update(press(tea.KeyCtrlC))
	m = next.(Model)
	if !m.quitting || cmd == nil {
		t.Fatal("quit did not wait for the pending commit")
	}
	if _, cmd = m.Update(translatedMsg{id: id, blk: m.sb.last(), entry: m.sb.last().entry}); !isQuit(cmd) {
		t.Fatal("quit did not happen once the commit landed")
	}
}

func TestRetryCountdown(t *testing.T) {
	now := testNow
	cfg := testConfig(t)
	cfg.Now = func() time.Time { return now }
	log := &callLog{}
	m := sized(newApp(cfg, &fakeTranslator{log: log}, newFakeStore(log)), 80, 24)
	m = sendLine(m, "Hello")
	m = frame(m, snapshot{retryAt: testNow.Add(3 * time.Second), attempt: 2})
	if !strings.Contains(m.View(), "retry 2 in 3s · esc stop") {
		t.Fatalf("no countdown:\n%s", m.View())
	}
	now = now.Add(1100 * time.Millisecond)
	m = step(m, spinTickMsg{seq: m.spin.seq})
	if !strings.Contains(m.View(), "retry 2 in 2s") {
		t.Fatalf("countdown did not tick:\n%s", m.View())
	}
	m = step(m, press(tea.KeyEsc))
	if m.flight != nil || m.sb.last().entry.Status != model.StatusCancelled {
		t.Fatal("esc did not cancel a retry wait")
	}
	if _, cmd := m.Update(spinTickMsg{seq: m.spin.seq}); cmd != nil {
		t.Fatal("the spinner keeps ticking while idle")
	}
}

func TestInputGrowsToFiveRows(t *testing.T) {
	m := sized(newTestModel(t), 40, 20)
	for rows := 1; rows <= 7; rows++ {
		if got, want := m.inputHeight, min(rows, maxInputRows); got != want {
			t.Fatalf("after %d lines the box has %d rows, want %d", rows, got, want)
		}
		if n := strings.Count(m.View(), "\n") + 1; n != 20 {
			t.Fatalf("view is %d lines tall, want 20", n)
		}
		m = step(m, typeKeys("line")...)
		m = step(m, tea.KeyMsg{Type: tea.KeyEnter, Alt: true})
	}
	if strings.Count(m.input.Value(), "\n") != 7 {
		t.Fatalf("alt+enter did not insert newlines: %q", m.input.Value())
	}
}

func TestTranslatorPanicBecomesFailedEntry(t *testing.T) {
	log := &callLog{}
	tr := &fakeTranslator{log: log, play: func(_ context.Context, _ model.Request, emit func(model.Event)) model.Result {
		emit(model.Event{Kind: model.EventDelta, Text: "부분"})
		panic("boom")
	}}
	b := newStreamBuffer(time.Now, nil)
	e, err := safeTranslate(t.Context(), panicky{tr}, model.Request{}, b)
	if err == nil || !strings.Contains(err.Error(), "boom") || e.ID != 0 {
		t.Fatalf("entry %+v, error %v", e, err)
	}
	if s := b.snapshot(); s.text != "부분" {
		t.Fatalf("the buffer lost what arrived before the panic: %q", s.text)
	}
}

// panicky is a translator that plays a fake provider without an engine, so that its panic
// reaches the app.
type panicky struct{ tr *fakeTranslator }

func (p panicky) Model() string { return p.tr.Model() }

func (p panicky) Translate(ctx context.Context, req model.Request, emit func(model.Event)) (model.Entry, error) {
	p.tr.Stream(ctx, req, emit)
	return model.Entry{}, nil
}

func TestFramesCoalesce(t *testing.T) {
	b := newStreamBuffer(time.Now, nil)
	for range 1000 {
		b.emit(model.Event{Kind: model.EventDelta, Text: "x"})
	}
	msg := waitFrameCmd(t.Context(), 7, []*streamBuffer{b}, time.Time{})().(frameMsg)
	if msg.id != 7 || msg.snap.deltas != 1000 || len(msg.snap.text) != 1000 {
		t.Fatalf("frame = id %d, %d deltas", msg.id, msg.snap.deltas)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if got := waitFrameCmd(ctx, 7, []*streamBuffer{b}, time.Time{})(); got != nil {
		t.Fatalf("frame command did not give up with its context: %v", got)
	}
}

// TestFrameTakesTheDeltasOfItsWait checks a frame that waits for its turn: a stream's end
// cuts the wait short, the deltas that came meanwhile are in the frame, and their pokes
// are spent (a next frame would wait for news).
func TestFrameTakesTheDeltasOfItsWait(t *testing.T) {
	b := newStreamBuffer(time.Now, nil)
	b.emit(model.Event{Kind: model.EventDelta, Text: "a"})
	frames := make(chan tea.Msg, 1)
	// The last frame is an hour ahead: only the stream's end can end the wait.
	go func() { frames <- waitFrameCmd(t.Context(), 7, []*streamBuffer{b}, time.Now().Add(time.Hour))() }()
	for len(b.signal) != 0 {
		runtime.Gosched() // until the command took the poke of "a" and waits for its turn
	}
	b.emit(model.Event{Kind: model.EventDelta, Text: "b"})
	b.finish()
	msg := (<-frames).(frameMsg)
	if msg.snap.text != "ab" || !msg.snap.done {
		t.Fatalf("the frame shows %q (done %v), want both deltas and the end", msg.snap.text, msg.snap.done)
	}
	if n := len(b.signal); n != 0 {
		t.Fatalf("%d pokes left for what the frame took", n)
	}
}

// TestLayoutNeverOverflows draws every small size, with full help and a tall input, and
// checks the view fits the terminal.
func TestLayoutNeverOverflows(t *testing.T) {
	for w := minWidth; w <= 34; w += 7 {
		for h := minHeight; h <= 12; h++ {
			for _, full := range []bool{false, true} {
				cfg := testConfig(t)
				cfg.ProviderError = "no provider configured: set OPENAI_API_KEY"
				m := sized(newApp(cfg, nil, newFakeStore(&callLog{})), w, h)
				m = step(m, typeKeys("one two three four five six seven eight nine ten")...)
				if full {
					m = step(m, tea.KeyMsg{Type: tea.KeyCtrlG})
				}
				for _, p := range []tea.KeyType{tea.KeyEsc, tea.KeyCtrlT, tea.KeyEsc, tea.KeyCtrlO} {
					lines := strings.Split(m.View(), "\n")
					if len(lines) > h {
						t.Fatalf("%dx%d full=%v: %d lines", w, h, full, len(lines))
					}
					for _, l := range lines {
						if ansi.StringWidth(l) > w {
							t.Fatalf("%dx%d full=%v: line %q too wide", w, h, full, l)
						}
					}
					m = step(m, press(p))
				}
			}
		}
	}
}

func TestRefusedAndInterruptedEntries(t *testing.T) {
	m := sized(newTestModel(t), 80, 24)
	m = finished(m, "Say something bad", model.Result{Status: model.StatusRefused, Refusal: "I can't help with that."})
	m = finished(m, "Long text", model.Result{Status: model.StatusInterrupted, Text: "긴 글의 앞",
		Err: &model.Error{Class: model.ClassStalled, Message: "stalled: no data for 30s"}})
	view := m.View()
	for _, want := range []string{"I can't help with that.", "⊘ refused", "긴 글의 앞", "stalled: no data for 30s", "↯ interrupted · ctrl+r retry"} {
		if !strings.Contains(view, want) {
			t.Errorf("view lacks %q:\n%s", want, view)
		}
	}
	if n := strings.Count(m.sb.view(), "ctrl+r retry"); n != 1 {
		t.Errorf("the retry hint shows %d times; only the newest entry has it", n)
	}
}
