package ui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

func altKey(r rune) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}, Alt: true} }

// TestFlowApproveAndCorrect: Alt+A approves the newest translation as it is; Alt+E opens
// it in the box, keeping what the box held, and Enter stores the edit as the approved
// translation, beside the model's own; Esc cancels a correction; the scrollback marks
// approved entries.
func TestFlowApproveAndCorrect(t *testing.T) {
	g := newGate()
	g.open()
	st, tr := newFakes(g.play(perTarget()))
	a := startApp(t, testConfig(t), st, tr)
	a.typeText("good night")
	a.press(tea.KeyEnter)
	eventually(t, "the entry", func() bool { return len(st.finishedEntries()) == 1 })
	a.waitFor(t, "good night in ko-KR")
	a.tm.Send(altKey('a'))
	a.waitFor(t, "✓ approved")
	a.typeText("draft")
	a.tm.Send(altKey('e'))
	a.waitFor(t, "correcting entry")
	a.press(tea.KeyEsc)
	a.waitFor(t, "correction cancelled")
	a.tm.Send(altKey('e'))
	a.typeText(" (fixed)")
	a.press(tea.KeyEnter)
	a.waitFor(t, "corrected and approved")
	m := a.final(t)
	if m.input.Value() != "draft" || m.fix != nil {
		t.Fatalf("the box holds %q after the correction, want what it held before", m.input.Value())
	}
	st.mu.Lock()
	e := st.entries[0]
	st.mu.Unlock()
	if e.Approved != "good night in ko-KR (fixed)" || e.Text != "good night in ko-KR" || e.ModelText() != "good night in ko-KR" {
		t.Fatalf("stored entry %+v", e)
	}
	if n := len(tr.requests()); n != 1 {
		t.Fatalf("%d requests: approving must not send anything", n)
	}
	if !strings.Contains(m.View(), "good night in ko-KR (fixed)") {
		t.Fatalf("the scrollback does not show the correction:\n%s", m.View())
	}
}

// TestApproveRefusesAStreamingEntry: Alt+A and Alt+E say why not while the line streams,
// and the box is left alone.
func TestApproveRefusesAStreamingEntry(t *testing.T) {
	m := sized(newTestModel(t), 80, 24)
	m = sendLine(m, "Hello")
	m = step(m, altKey('a'))
	if !m.flash.isErr || !strings.Contains(m.flash.text, "still streaming") {
		t.Fatalf("flash %q", m.flash.text)
	}
	m = step(m, typeKeys("keep")...)
	m = step(m, altKey('e'))
	if m.fix != nil || m.input.Value() != "keep" {
		t.Fatalf("a streaming entry opened for correction: %q", m.input.Value())
	}
}

// TestMemoryHitIsMarkedAndRetryAsksTheModel: an entry the memory answered says so, and
// Ctrl+R on it sends a request that skips the memory.
func TestMemoryHitIsMarkedAndRetryAsksTheModel(t *testing.T) {
	m := sized(newTestModel(t), 80, 24)
	m = finished(m, "Hello", doneResult("안녕하세요"))
	m.sb.last().entry.Memory = 7
	m.sb.last().invalidate()
	if v := m.View(); !strings.Contains(v, "from memory") {
		t.Fatalf("the memory hit is not marked:\n%s", v)
	}
	m = step(m, press(tea.KeyCtrlR))
	if m.flight == nil || !m.flight.req.NoMemory {
		t.Fatalf("the retry of a memory hit may be answered from memory: %+v", m.flight)
	}
}
