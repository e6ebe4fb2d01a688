package ui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
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
