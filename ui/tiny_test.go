package ui

import (
	"fmt"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// TestTinyWindowsKeepContentAndWayOut opens every panel at the smallest sizes yeok accepts
// and checks that each shows a row of its content and the key that leaves it.
func TestTinyWindowsKeepContentAndWayOut(t *testing.T) {
	panels := []struct {
		name    string
		open    func(t *testing.T, m Model) Model
		content string
		wayOut  string
	}{
		{"picker", func(_ *testing.T, m Model) Model { return step(m, tea.KeyMsg{Type: tea.KeyCtrlT}) }, "▸ ", "esc close"},
		{"history", func(t *testing.T, m Model) Model { return openBrowser(t, m) }, "▸ ", "esc close"},
		{"full help", func(_ *testing.T, m Model) Model { return step(m, tea.KeyMsg{Type: tea.KeyCtrlG}) }, "ctrl+c quit", "close help"},
		{"chat", func(_ *testing.T, m Model) Model { return m }, "Type to", "help"},
	}
	for _, size := range [][2]int{{40, 10}, {40, minHeight}, {minWidth, minHeight}, {80, minHeight}} {
		for _, p := range panels {
			t.Run(fmt.Sprintf("%s/%dx%d", p.name, size[0], size[1]), func(t *testing.T) {
				m := sized(newBrowserModel(t, browserStore(), testConfig(t)), size[0], size[1])
				m = p.open(t, m)
				view := m.View()
				if m.tooSmall() {
					t.Fatalf("%dx%d is too small for yeok", size[0], size[1])
				}
				if n := strings.Count(view, "\n") + 1; n > m.height {
					t.Errorf("view has %d rows, terminal %d", n, m.height)
				}
				if !strings.Contains(view, p.content) {
					t.Errorf("no row of content (%q):\n%s", p.content, view)
				}
				if !strings.Contains(view, p.wayOut) {
					t.Errorf("no way out (%q):\n%s", p.wayOut, view)
				}
			})
		}
	}
}

func TestViewTinyPicker(t *testing.T) {
	m := sized(newTestModel(t), 40, 10)
	checkGolden(t, step(m, tea.KeyMsg{Type: tea.KeyCtrlT}))
}

func TestViewTinyHistory(t *testing.T) {
	m := sized(newBrowserModel(t, browserStore(), testConfig(t)), 40, 10)
	checkGolden(t, openBrowser(t, m))
}

func TestViewTinyFullHelp(t *testing.T) {
	m := sized(newTestModel(t), 40, 10)
	checkGolden(t, step(m, tea.KeyMsg{Type: tea.KeyCtrlG}))
}
