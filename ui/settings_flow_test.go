package ui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/yeok/yeok/model"
)

// TestFlowPickerTabShowsTheOtherLanguage opens the source list, then Tab: the header and
// the "current" mark follow the target, not the source the picker opened with.
func TestFlowPickerTabShowsTheOtherLanguage(t *testing.T) {
	st, tr := newFakes(playDeltas("네"))
	cfg := testConfig(t)
	cfg.From = model.MustLanguage("en-US")
	a := startApp(t, cfg, st, tr)
	a.press(tea.KeyCtrlS)
	a.waitFor(t, "now: American English (en-US)")
	a.press(tea.KeyTab)
	a.waitFor(t, "now: Korean (South Korea) — 한국어 (ko-KR)")
	m := a.final(t)
	for _, line := range strings.Split(m.View(), "\n") {
		marked := strings.HasSuffix(strings.TrimSpace(line), "current")
		if strings.Contains(line, "(ko-KR)") && !strings.Contains(line, "now:") && !marked {
			t.Errorf("the target's row is not marked current: %q", line)
		}
		if strings.Contains(line, "(en-US)") && marked {
			t.Errorf("the source's row is marked current in the target list: %q", line)
		}
	}
}

// TestFlowPickerTakesRegionName types the "Language (Region)" form of a listed name.
func TestFlowPickerTakesRegionName(t *testing.T) {
	st, tr := newFakes(playDeltas("Olá"))
	a := startApp(t, testConfig(t), st, tr)
	a.press(tea.KeyCtrlT)
	a.waitFor(t, "Translate into")
	a.typeText("Portuguese (Brazil)")
	a.waitFor(t, "Brazilian Portuguese")
	a.press(tea.KeyEnter)
	a.waitFor(t, "auto → pt-BR")
	if m := a.final(t); m.to != "pt-BR" {
		t.Fatalf("target = %q, want pt-BR", m.to)
	}
}

// TestFlowReopenRestoresLanguages reopens a script and a session made with other languages
// than the running target: the next line goes out in their languages, and the status bar
// says so.
func TestFlowReopenRestoresLanguages(t *testing.T) {
	tests := []struct {
		name, filter, said string
		from, to           model.Language
	}{
		{"script", "script", "reopened script lecture-01 (3 entries) · auto → ja", model.Auto, "ja"},
		{"session", "thank", "reopened session 3 · May 31 12:03 (2 entries) · en → ja", "en", "ja"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := browserStore()
			st.scripts[0].From, st.scripts[0].To = model.Auto, "ja"
			tr := &fakeTranslator{log: st.log, play: playDeltas("次は")}
			a := startApp(t, testConfig(t), st, tr)
			a.tm.Send(tea.WindowSizeMsg{Width: 160, Height: 30}) // room for the whole message
			a.waitFor(t, "new session · 14:03")
			a.press(tea.KeyCtrlO)
			a.waitFor(t, "lecture-01")
			a.typeText(tt.filter)
			a.press(tea.KeyEnter)
			a.waitFor(t, tt.said)
			a.typeText("Next: stations as graphs.")
			a.press(tea.KeyEnter)
			a.waitFor(t, "次は")
			eventually(t, "request", func() bool { return len(tr.requests()) == 1 })
			if req := tr.requests()[0]; req.From != tt.from || req.To != tt.to {
				t.Fatalf("request went out as %s → %s, want %s → %s", req.From, req.To, tt.from, tt.to)
			}
		})
	}
}

// TestFlowLastTargetRestored starts with a default target: the owner's most recent one
// replaces it. A target the person chose (flag or config) stays, and the target a line is
// sent in becomes the most recent.
func TestFlowLastTargetRestored(t *testing.T) {
	st, tr := newFakes(playDeltas("はい"))
	st.recents = []model.Language{"ja", "de"}
	cfg := testConfig(t)
	cfg.ToIsDefault = true
	a := startApp(t, cfg, st, tr)
	a.waitFor(t, "auto → ja")
	a.typeText("Yes")
	a.press(tea.KeyEnter)
	a.waitFor(t, "はい")
	eventually(t, "request", func() bool { return len(tr.requests()) == 1 })
	if got := tr.requests()[0].To; got != "ja" {
		t.Fatalf("request target = %q, want ja", got)
	}

	chosen := step(sized(newApp(testConfig(t), tr, st), 80, 24), recentsMsg{langs: []model.Language{"ja"}})
	if chosen.to != "ko-KR" {
		t.Fatalf("a chosen target gave way to the recent one: %q", chosen.to)
	}
	next, cmd := update(step(chosen, typeKeys("Hello")...), press(tea.KeyEnter))
	if len(next.recents) == 0 || next.recents[0] != "ko-KR" || cmd == nil {
		t.Fatalf("the target sent in is not the most recent: %v", next.recents)
	}
}

// TestFlowLongPasteClearsAndQuitAsks pastes 200 KB: Ctrl+C asks before the text is lost,
// Esc (which the help offers) empties the box at once and Up brings the text back, and
// Ctrl+C pressed twice leaves.
func TestFlowLongPasteClearsAndQuitAsks(t *testing.T) {
	st, tr := newFakes(playDeltas("네"))
	a := startApp(t, testConfig(t), st, tr)
	a.waitFor(t, "ctrl+t language")
	paste := strings.Repeat("a long line of pasted subtitles\n", 200<<10/32)
	a.tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(paste), Paste: true})
	a.waitFor(t, "esc clear")
	a.press(tea.KeyCtrlC)
	a.waitFor(t, "unsent text: ctrl+c again quits")
	a.press(tea.KeyEsc)
	a.waitFor(t, "cleared 204800 characters")
	a.press(tea.KeyUp)
	a.press(tea.KeyCtrlC)
	a.waitFor(t, "again quits")
	a.press(tea.KeyCtrlC)
	m := a.tm.FinalModel(t, teatest.WithFinalTimeout(3*time.Second)).(Model)
	if m.input.Value() != paste {
		t.Fatalf("up did not bring the cleared text back (%d bytes in the box)", len(m.input.Value()))
	}
}
