package ui

import (
	"fmt"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/yeok/yeok/model"
)

func testScrollback(n, width, height int) *scrollback {
	st, keys := DefaultStyles(asciiRenderer()), DefaultKeyMap()
	s := newScrollback(look{st: &st, keys: &keys})
	for i := range n {
		s.add(&block{kind: blockEntry, entry: model.Entry{
			Source: fmt.Sprintf("source line number %d that is long enough to wrap", i),
			Text:   fmt.Sprintf("translation %d", i), To: "ko", Status: model.StatusDone,
		}})
	}
	s.setSize(width, height)
	return s
}

// allLines renders the whole transcript, the reference the window is cut from.
func allLines(s *scrollback) []string {
	var out []string
	for i := range s.blocks {
		out = append(out, s.linesOf(i)...)
	}
	return out
}

func TestScrollbackWindow(t *testing.T) {
	s := testScrollback(30, 40, 10)
	full := allLines(s)
	window := func(fromBottom int) string {
		end := len(full) - fromBottom
		return strings.Join(full[end-10:end], "\n")
	}
	if got := s.view(); got != window(0) {
		t.Fatalf("bottom window wrong:\n%s", got)
	}
	tests := []struct {
		name       string
		act        func()
		fromBottom int
		follow     bool
	}{
		{"up 3", func() { s.scrollUp(3) }, 3, false},
		{"up 20 more", func() { s.scrollUp(20) }, 23, false},
		{"down 5", func() { s.scrollDown(5) }, 18, false},
		{"past the top", func() { s.scrollUp(10000) }, len(full) - 10, false},
		{"past the bottom", func() { s.scrollDown(10000) }, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.act()
			if got := s.view(); got != window(tt.fromBottom) {
				t.Fatalf("window %d from bottom wrong:\n%s\nwant\n%s", tt.fromBottom, got, window(tt.fromBottom))
			}
			if s.follow != tt.follow {
				t.Fatalf("follow = %v, want %v", s.follow, tt.follow)
			}
		})
	}
}

func TestScrollbackNewTextWhileScrolledUp(t *testing.T) {
	s := testScrollback(30, 40, 10)
	s.scrollUp(15)
	before := s.view()
	s.add(&block{kind: blockEntry, entry: model.Entry{Source: "new", Text: "새", Status: model.StatusDone}})
	if s.view() != before {
		t.Fatal("new text moved a scrolled-up view")
	}
	s = testScrollback(30, 40, 10)
	s.add(&block{kind: blockEntry, entry: model.Entry{Source: "newest line", Text: "새", Status: model.StatusDone}})
	if !strings.Contains(s.view(), "newest line") {
		t.Fatal("new text not shown while following")
	}
}

func TestScrollbackResizeKeepsPlace(t *testing.T) {
	s := testScrollback(40, 60, 8)
	s.scrollUp(60)
	i, _ := s.position()
	want := fmt.Sprintf("source line number %d ", i)
	if !strings.Contains(s.view(), want) {
		t.Fatalf("anchor block %d not in view", i)
	}
	for _, w := range []int{30, 90, 45} {
		s.setSize(w, 8)
		if !strings.Contains(s.view(), want) {
			t.Fatalf("after resizing to %d the anchored text %q left the view:\n%s", w, want, s.view())
		}
	}
	s.scrollDown(10000)
	s.setSize(50, 8)
	if !s.follow || !strings.Contains(s.view(), "translation 39") {
		t.Fatal("resize at the bottom did not stay at the bottom")
	}
}

func TestScrollKeysAndWheel(t *testing.T) {
	m := sized(newTestModel(t), 60, 16)
	for i := range 20 {
		m = finished(m, fmt.Sprintf("line %d", i), doneResult(fmt.Sprintf("줄 %d", i)))
	}
	bottom := m.View()
	m = step(m, tea.MouseMsg{Button: tea.MouseButtonWheelUp, Action: tea.MouseActionPress})
	if m.View() == bottom || m.sb.follow {
		t.Fatal("wheel up did not scroll")
	}
	if !strings.Contains(m.View(), "↑ scrolled") {
		t.Fatal("status bar does not say the view is scrolled")
	}
	m = step(m, tea.KeyMsg{Type: tea.KeyPgUp}, tea.KeyMsg{Type: tea.KeyPgUp})
	if !strings.Contains(m.View(), "line 13") || strings.Contains(m.View(), "줄 19") {
		t.Fatalf("page up shows the wrong part:\n%s", m.View())
	}
	m = step(m, tea.KeyMsg{Type: tea.KeyPgDown}, tea.KeyMsg{Type: tea.KeyPgDown}, tea.KeyMsg{Type: tea.KeyPgDown})
	if !m.sb.follow || m.View() != bottom {
		t.Fatal("page down did not return to the bottom")
	}
}
