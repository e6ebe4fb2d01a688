package ui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/yeok/yeok/model"
)

func openedPicker(t *testing.T, recents []model.Language, k tea.KeyType) Model {
	t.Helper()
	m := sized(newTestModel(t), 80, 24)
	m = step(m, recentsMsg{langs: recents}, tea.KeyMsg{Type: k})
	if m.panel != panelPicker {
		t.Fatal("picker did not open")
	}
	return m
}

func TestPickerFilter(t *testing.T) {
	tests := []struct {
		query string
		first model.Language
	}{
		{"", "fr"}, // recents first
		{"kor", "ko"},
		{"ko-kr", "ko-KR"},
		{"한국", "ko"},
		{"japn", "ja"}, // fuzzy subsequence
		{"de-at", "de-AT"},
		{"portuguese brazil", "pt-BR"},
		{"brazil", "pt-BR"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			m := openedPicker(t, []model.Language{"fr"}, tea.KeyCtrlT)
			m = step(m, typeKeys(tt.query)...)
			if len(m.picker.items) == 0 {
				t.Fatalf("no items for %q (error %q)", tt.query, m.picker.err)
			}
			if got := m.picker.items[0].lang; got != tt.first {
				t.Fatalf("first item for %q = %q, want %q", tt.query, got, tt.first)
			}
		})
	}
}

func TestPickerTypedTagAndInvalid(t *testing.T) {
	m := openedPicker(t, nil, tea.KeyCtrlT)
	m = step(m, typeKeys("de-at")...)
	m = step(m, press(tea.KeyEnter))
	if m.panel != panelChat || m.to != "de-AT" {
		t.Fatalf("typed tag not taken: panel %v to %q", m.panel, m.to)
	}
	if !strings.Contains(m.View(), "auto → de-AT") {
		t.Fatal("status bar does not show the new target")
	}

	m = openedPicker(t, nil, tea.KeyCtrlT)
	m = step(m, typeKeys("xqzzy")...)
	m = step(m, press(tea.KeyEnter))
	if m.panel != panelPicker || m.to != "ko-KR" {
		t.Fatal("an invalid tag was accepted")
	}
	if !strings.Contains(m.View(), `invalid language tag "xqzzy" (nearest:`) {
		t.Fatalf("no one-line error with suggestions:\n%s", m.View())
	}
	m = step(m, press(tea.KeyEsc))
	if m.panel != panelChat {
		t.Fatal("esc did not close the picker")
	}
}

func TestSourcePickerAndSwap(t *testing.T) {
	m := sized(newTestModel(t), 80, 24)
	m = step(m, press(tea.KeyCtrlX))
	if m.from != model.Auto || !m.flash.isErr {
		t.Fatal("swap with an auto source should refuse")
	}
	m = step(m, press(tea.KeyCtrlS))
	if m.picker.mode != pickSource || m.picker.items[0].lang != model.Auto {
		t.Fatal("source picker does not offer auto first")
	}
	m = step(m, typeKeys("english")...)
	m = step(m, press(tea.KeyEnter))
	if m.from != "en" {
		t.Fatalf("from = %q, want en", m.from)
	}
	m = step(m, press(tea.KeyCtrlX))
	if m.from != "ko-KR" || m.to != "en" || !strings.Contains(m.View(), "ko-KR → en") {
		t.Fatalf("swap gave %s → %s", m.from, m.to)
	}
	// Tab switches the open picker between target and source.
	m = step(m, press(tea.KeyCtrlT), press(tea.KeyTab))
	if m.picker.mode != pickSource || !strings.Contains(m.View(), "Translate from") {
		t.Fatal("tab did not switch to the source list")
	}
}
