package ui

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/yeok/yeok/model"
)

// app is a running program with its fakes and everything it has drawn so far.
type app struct {
	tm  *teatest.TestModel
	st  *fakeStore
	tr  *fakeTranslator
	log *callLog
	out bytes.Buffer
}

func startApp(t *testing.T, cfg Config, st *fakeStore, tr *fakeTranslator) *app {
	t.Helper()
	a := &app{st: st, tr: tr, log: st.log}
	a.tm = teatest.NewTestModel(t, newApp(cfg, tr, st), teatest.WithInitialTermSize(80, 24))
	t.Cleanup(func() { _ = a.tm.Quit() })
	return a
}

// waitFor waits until the screen output (all of it, since the start) contains want.
func (a *app) waitFor(t *testing.T, want string) {
	t.Helper()
	seen := a.out.Len()
	teatest.WaitFor(t, a.tm.Output(), func(b []byte) bool {
		// WaitFor hands over everything it read in this call: keep each byte once.
		a.out.Truncate(seen)
		a.out.Write(b)
		return bytes.Contains(a.out.Bytes(), []byte(want))
	}, teatest.WithDuration(3*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
}

func (a *app) typeText(text string) {
	for _, r := range text {
		a.tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
}

func (a *app) press(k tea.KeyType) { a.tm.Send(tea.KeyMsg{Type: k}) }

// final quits and returns the final model.
func (a *app) final(t *testing.T) Model {
	t.Helper()
	_ = a.tm.Quit()
	return a.tm.FinalModel(t, teatest.WithFinalTimeout(3*time.Second)).(Model)
}

// eventually polls cond for up to 2 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func newFakes(play func(context.Context, model.Request, func(model.Event)) model.Result) (*fakeStore, *fakeTranslator) {
	log := &callLog{}
	return newFakeStore(log), &fakeTranslator{log: log, play: play}
}

func TestFlowSendStreamsAndLogs(t *testing.T) {
	st, tr := newFakes(playDeltas("안녕하세요", ", 여러분", ". 반갑습니다!"))
	a := startApp(t, testConfig(t), st, tr)
	a.typeText("Hello, everyone. Nice to meet you!")
	a.press(tea.KeyEnter)
	a.waitFor(t, "안녕하세요, 여러분. 반갑습니다!")
	eventually(t, "Finish", func() bool { return len(st.finishedEntries()) == 1 })

	calls := a.log.list()
	want := []string{"NewSession", "Begin", "Stream", "Finish:done"}
	if strings.Join(calls, ",") != strings.Join(want, ",") {
		t.Fatalf("calls = %v, want %v", calls, want)
	}
	e := st.finishedEntries()[0]
	if e.Status != model.StatusDone || e.Text != "안녕하세요, 여러분. 반갑습니다!" || e.ID == 0 {
		t.Fatalf("finished entry = %+v", e)
	}
	req := tr.requests()[0]
	if req.Source != "Hello, everyone. Nice to meet you!" || req.To != "ko-KR" || req.SessionID == 0 || req.Model != "gpt-4o-mini" {
		t.Fatalf("request = %+v", req)
	}
	a.waitFor(t, "✓ done")
	if m := a.final(t); m.input.Value() != "" {
		t.Fatalf("input not cleared after sending: %q", m.input.Value())
	}
}

func TestFlowPickerSetsTarget(t *testing.T) {
	st, tr := newFakes(playDeltas("こんにちは"))
	a := startApp(t, testConfig(t), st, tr)
	a.press(tea.KeyCtrlT)
	a.waitFor(t, "Translate into")
	a.typeText("japa")
	a.waitFor(t, "Japanese")
	a.press(tea.KeyEnter)
	a.waitFor(t, "auto → ja")
	a.typeText("Hello")
	a.press(tea.KeyEnter)
	a.waitFor(t, "こんにちは")
	eventually(t, "request", func() bool { return len(tr.requests()) == 1 })
	if got := tr.requests()[0].To; got != "ja" {
		t.Fatalf("request target = %q, want ja", got)
	}
	st.mu.Lock()
	touched := st.touched
	st.mu.Unlock()
	if len(touched) != 1 || touched[0] != "ja" {
		t.Fatalf("touched languages = %v", touched)
	}
}

func TestFlowEscCancelsMidStream(t *testing.T) {
	returned := make(chan struct{})
	play := playUntilCancelled("이 문장은", " 번역 도중에")
	st, tr := newFakes(func(ctx context.Context, req model.Request, emit func(model.Event)) model.Result {
		defer close(returned)
		return play(ctx, req, emit)
	})
	a := startApp(t, testConfig(t), st, tr)
	a.typeText("This sentence is stopped halfway.")
	a.press(tea.KeyEnter)
	a.waitFor(t, "이 문장은 번역 도중에")

	start := time.Now()
	a.press(tea.KeyEsc)
	eventually(t, "Finish", func() bool { return len(st.finishedEntries()) == 1 })
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("cancel took %s", d)
	}
	e := st.finishedEntries()[0]
	if e.Status != model.StatusCancelled || e.Text != "이 문장은 번역 도중에" {
		t.Fatalf("finished entry = %+v", e)
	}
	select {
	case <-returned:
	case <-time.After(2 * time.Second):
		t.Fatal("the stream did not end after Esc")
	}
	a.waitFor(t, "■ cancelled")
	m := a.final(t)
	if m.flight != nil {
		t.Fatal("a stream is still in flight")
	}
	if !strings.Contains(m.View(), "이 문장은 번역 도중에") {
		t.Fatal("the partial is not on screen")
	}
}

func TestFlowShowsLastSession(t *testing.T) {
	st, tr := newFakes(playDeltas("x"))
	st.sessions = []model.Session{{ID: 7, Origin: "tui", Started: testNow.Add(-time.Hour), Entries: 2}}
	st.entries = []model.Entry{
		{ID: 8, SessionID: 7, Source: "Good morning", Text: "좋은 아침", To: "ko", Status: model.StatusDone},
		{ID: 9, SessionID: 7, Source: "See you tomorrow", Text: "내일 봐요", To: "ko", Status: model.StatusDone},
		{ID: 3, SessionID: 2, Source: "older session", Text: "x", To: "ko", Status: model.StatusDone},
	}
	a := startApp(t, testConfig(t), st, tr)
	a.waitFor(t, "new session · 14:03")
	m := a.final(t)
	view := m.View()
	for _, want := range []string{"last session 7 · Jun 2 13:03", "좋은 아침", "See you tomorrow", "내일 봐요"} {
		if !strings.Contains(view, want) {
			t.Errorf("view lacks %q:\n%s", want, view)
		}
	}
	if strings.Contains(view, "older session") {
		t.Error("an entry of another session is shown")
	}
	if strings.Index(view, "내일 봐요") > strings.Index(view, "new session") {
		t.Error("the marker is not below the earlier entries")
	}
}

func TestFlowOverlongInputRefused(t *testing.T) {
	st, tr := newFakes(playDeltas("x"))
	cfg := testConfig(t)
	cfg.MaxInput = 16
	a := startApp(t, cfg, st, tr)
	a.typeText("this line is far too long to send")
	a.press(tea.KeyEnter)
	a.waitFor(t, "input is 33 B, over the limit of 16 B")
	m := a.final(t)
	if got := m.input.Value(); got != "this line is far too long to send" {
		t.Fatalf("input box = %q, want the text kept", got)
	}
	if len(st.begunRequests()) != 0 || len(tr.requests()) != 0 {
		t.Fatal("an over-long input was sent")
	}
}

func TestFlowNoProvider(t *testing.T) {
	for _, withTranslator := range []bool{true, false} {
		name := "nil translator"
		if withTranslator {
			name = "translator given"
		}
		t.Run(name, func(t *testing.T) {
			st, tr := newFakes(playDeltas("x"))
			cfg := testConfig(t)
			cfg.ProviderError = "no provider configured: set OPENAI_API_KEY or --base-url"
			if !withTranslator {
				tr = nil
			}
			a := startApp(t, cfg, st, tr)
			a.waitFor(t, "! no provider configured: set OPENAI_API_KEY or --base-url")
			a.typeText("hello")
			a.press(tea.KeyEnter)
			m := a.final(t)
			if m.flash.text != cfg.ProviderError || !m.flash.isErr {
				t.Fatalf("status line = %q, want the provider error", m.flash.text)
			}
			if m.input.Value() != "hello" || len(st.begunRequests()) != 0 || (tr != nil && len(tr.requests()) != 0) {
				t.Fatal("a send without a provider reached the store or the translator")
			}
		})
	}
}

func TestFlowHostileOutputSanitised(t *testing.T) {
	deltas := []string{
		"safe \x1b]5", "2;c;ZXZpbA==\x07text", " \x1b]0;pwned\x1b\\and", " \x1b[2Jmore",
		" \u009b2Jc1 \u202ebidi\u200b \x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\ end\r",
	}
	st, tr := newFakes(playDeltas(deltas...))
	a := startApp(t, testConfig(t), st, tr)
	a.typeText("anything")
	a.press(tea.KeyEnter)
	a.waitFor(t, "✓ done")
	eventually(t, "Finish", func() bool { return len(st.finishedEntries()) == 1 })
	m := a.final(t)
	view := m.View()
	if strings.ContainsRune(view, '\x1b') || strings.ContainsRune(view, '\u009b') || strings.ContainsRune(view, '\u202e') {
		t.Fatalf("control characters reached the view: %q", view)
	}
	if !strings.Contains(view, "safe text and more c1 bidi link end") {
		t.Fatalf("visible text not intact:\n%s", view)
	}
	for _, bad := range []string{"52;c", "ZXZpbA", "pwned", "\x1b[2J", "http://x"} {
		if bytes.Contains(a.out.Bytes(), []byte(bad)) {
			t.Errorf("output carries %q", bad)
		}
	}
	if got := st.finishedEntries()[0].Text; got != strings.Join(deltas, "") {
		t.Fatalf("store did not keep the raw text: %q", got)
	}
}

func TestFlowContinueTruncated(t *testing.T) {
	calls := 0
	st, tr := newFakes(func(ctx context.Context, req model.Request, emit func(model.Event)) model.Result {
		calls++
		if calls == 1 {
			emit(model.Event{Kind: model.EventDelta, Text: "첫 부분"})
			return model.Result{Status: model.StatusTruncated, Text: "첫 부분", Finish: "length"}
		}
		emit(model.Event{Kind: model.EventDelta, Text: "과 나머지"})
		return model.Result{Status: model.StatusDone, Text: "과 나머지", Finish: "stop"}
	})
	a := startApp(t, testConfig(t), st, tr)
	a.typeText("a long text")
	a.press(tea.KeyEnter)
	a.waitFor(t, "ctrl+r continue")
	a.press(tea.KeyCtrlR)
	a.waitFor(t, "첫 부분과 나머지")
	eventually(t, "two finishes", func() bool { return len(st.finishedEntries()) == 2 })
	reqs := tr.requests()
	if reqs[1].Continue != "첫 부분" || reqs[1].Source != "a long text" {
		t.Fatalf("continuation request = %+v", reqs[1])
	}
}
