package ui

import (
	"strings"
	"testing"
	"time"
)

// TestSpinnerTurnsWithFramesAndTicksOnlyWhenNoneCome checks that the spinner turns with
// its own tick while a line waits for its first token, turns with the stream's frames
// (its tick then leaves the view as it is and checks back later) while they come, turns
// with the tick again once they stop, and that a tick of an earlier chain ends it.
func TestSpinnerTurnsWithFramesAndTicksOnlyWhenNoneCome(t *testing.T) {
	now := testNow
	cfg := testConfig(t)
	cfg.Now = func() time.Time { return now }
	log := &callLog{}
	m := sized(newApp(cfg, &fakeTranslator{log: log}, newFakeStore(log)), 80, 24)
	m = sendLine(m, "Hello")
	tick := spinTickMsg{seq: m.spin.seq}
	spinner := func(m Model) string { return m.spin.view() }

	// Waiting: each tick an interval apart turns it.
	first := spinner(m)
	now = now.Add(spinInterval)
	m = step(m, tick)
	if spinner(m) == first {
		t.Fatal("a tick while waiting did not turn the spinner")
	}

	// Streaming: a frame an interval after the last turn turns it; a tick right after a
	// frame leaves the view as it is and checks back after spinCheck.
	now = now.Add(spinInterval)
	before := spinner(m)
	m = frame(m, snapshot{text: "안녕", deltas: 1, firstAt: now, lastAt: now})
	if spinner(m) == before {
		t.Fatal("a frame an interval after the last turn did not turn the spinner")
	}
	view := m.View()
	now = now.Add(frameInterval)
	next, cmd := m.Update(tick)
	m = next.(Model)
	if got := m.View(); got != view {
		t.Errorf("a tick between the stream's frames changed the view:\n%s\nwas\n%s", got, view)
	}
	if cmd == nil {
		t.Fatal("the tick chain ended while a line is in flight")
	}
	if msg, ok := cmd().(spinTickMsg); !ok || msg != tick {
		t.Fatalf("the tick checked back with %#v", msg)
	}

	// The stream stalls: the next tick turns the spinner again.
	now = now.Add(spinCheck)
	before = spinner(m)
	m = step(m, tick)
	if spinner(m) == before {
		t.Error("a tick after the frames stopped did not turn the spinner")
	}
	if !strings.Contains(m.View(), spinner(m)) {
		t.Errorf("the status bar does not show the spinner's frame %q:\n%s", spinner(m), m.View())
	}

	// A tick of a chain started before this one ends it.
	if _, cmd := m.Update(spinTickMsg{seq: tick.seq - 1}); cmd != nil {
		t.Error("a tick of an earlier chain ticks on")
	}
}
