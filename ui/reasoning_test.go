package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/yeok/yeok/model"
)

// TestFlowReasoningShowsThinking streams a reasoning model's answer, its <think> tags cut
// across deltas: while the reasoning streams the entry says "thinking…", and the screen
// never shows a word of the reasoning, only the answer after it.
func TestFlowReasoningShowsThinking(t *testing.T) {
	release := make(chan struct{})
	st, tr := newFakes(func(ctx context.Context, _ model.Request, emit func(model.Event)) model.Result {
		for _, d := range []string{"\n<thi", "nk>secret", "-plan and more secret", "-plan</th"} {
			emit(model.Event{Kind: model.EventDelta, Text: d})
		}
		select {
		case <-release:
		case <-ctx.Done():
			return model.Result{Status: model.StatusCancelled}
		}
		for _, d := range []string{"ink>\n\n좋은 ", "아침입니다"} {
			emit(model.Event{Kind: model.EventDelta, Text: d})
		}
		text := "\n<think>secret-plan and more secret-plan</think>\n\n좋은 아침입니다"
		return model.Result{Status: model.StatusDone, Text: text, Finish: "stop"}
	})
	a := startApp(t, testConfig(t), st, tr)
	a.typeText("Good morning")
	a.press(tea.KeyEnter)
	a.waitFor(t, "thinking…")
	close(release)
	a.waitFor(t, "좋은 아침입니다")
	eventually(t, "Finish", func() bool { return len(st.finishedEntries()) == 1 })
	a.waitFor(t, "✓")
	m := a.final(t)
	for _, out := range []string{a.out.String(), m.View()} {
		if strings.Contains(out, "secret") || strings.Contains(out, "think>") {
			t.Fatalf("the screen showed the reasoning:\n%s", out)
		}
	}
	if e := st.finishedEntries()[0]; e.Clean != "좋은 아침입니다" || !strings.Contains(e.Text, "secret-plan") {
		t.Fatalf("stored clean %q, text %q", e.Clean, e.Text)
	}
}

// TestSnapshotLeavesOutReasoning: a buffer's snapshot never carries the reasoning, at any
// cut of the tags, and says when it is thinking.
func TestSnapshotLeavesOutReasoning(t *testing.T) {
	answer := "<think>secret</think>\n좋은 아침"
	for i := 0; i <= len(answer); i++ {
		b := newStreamBuffer(func() time.Time { return testNow }, nil)
		b.emit(model.Event{Kind: model.EventDelta, Text: answer[:i]})
		s := b.snapshot()
		if strings.Contains(s.text, "secret") || strings.Contains(s.text, "<") {
			t.Fatalf("cut at %d: snapshot text %q", i, s.text)
		}
		inside := i >= len("<think>") && i < len("<think>secret</think>\n")+1
		if inside != (s.phase() == phaseThinking) {
			t.Fatalf("cut at %d (%q): phase %s", i, answer[:i], s.phase())
		}
	}
}

// TestStatusBarSaysThinking: while every target of the line is still in its reasoning the
// status bar says thinking; once one has text to show it says streaming.
func TestStatusBarSaysThinking(t *testing.T) {
	m := sized(newTestModel(t), 80, 24)
	m = sendLine(m, "Hello")
	m = frame(m, snapshot{thinking: true, deltas: 3, firstAt: testNow})
	if s := m.stateView(); !strings.Contains(s, "thinking") {
		t.Fatalf("state %q while thinking", s)
	}
	m = frame(m, snapshot{text: "안녕", deltas: 5, firstAt: testNow, lastAt: testNow})
	if s := m.stateView(); !strings.Contains(s, "streaming") {
		t.Fatalf("state %q while streaming", s)
	}
}
