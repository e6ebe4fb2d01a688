package ui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
)

func testEditor(width int) editor {
	keys, st := DefaultKeyMap(), DefaultStyles(asciiRenderer())
	e := newInput(&keys, &st)
	e.width = width
	return e
}

func edit(e editor, msgs ...tea.Msg) editor {
	for _, msg := range msgs {
		e, _ = e.update(msg.(tea.KeyMsg))
	}
	return e
}

func TestEditorEditing(t *testing.T) {
	runes := func(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }
	tests := []struct {
		name string
		keys []tea.Msg
		want string
		pos  int
	}{
		{"type", []tea.Msg{runes("hi"), tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}, runes("you")}, "hi you", 6},
		{"backspace", []tea.Msg{runes("abc"), press(tea.KeyBackspace)}, "ab", 2},
		{"left and insert", []tea.Msg{runes("ac"), press(tea.KeyLeft), runes("b")}, "abc", 2},
		{"alt+enter newline", []tea.Msg{runes("a"), tea.KeyMsg{Type: tea.KeyEnter, Alt: true}, runes("b")}, "a\nb", 3},
		{"ctrl+w", []tea.Msg{runes("one two"), press(tea.KeyCtrlW)}, "one ", 4},
		{"ctrl+u", []tea.Msg{runes("a\nbc"), press(tea.KeyCtrlU)}, "a\n", 2},
		{"ctrl+k", []tea.Msg{runes("abc"), press(tea.KeyHome), press(tea.KeyRight), press(tea.KeyCtrlK)}, "a", 1},
		{"delete", []tea.Msg{runes("abc"), press(tea.KeyHome), press(tea.KeyDelete)}, "bc", 0},
		{"paste crlf and tab", []tea.Msg{tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("a\r\nb\tc\x07"), Paste: true}}, "a\nb    c", 8},
		{"alt runes ignored", []tea.Msg{tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("x"), Alt: true}}, "", 0},
		{"korean", []tea.Msg{runes("한"), runes("국"), press(tea.KeyBackspace)}, "한", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := edit(testEditor(20), tt.keys...)
			if e.Value() != tt.want || e.pos != tt.pos {
				t.Fatalf("value %q pos %d, want %q pos %d", e.Value(), e.pos, tt.want, tt.pos)
			}
		})
	}
}

func TestEditorWrapsWideText(t *testing.T) {
	e := testEditor(10)
	e.SetValue("感谢大家今天参加会议，谢谢")
	if got := e.rowCount(); got != 3 {
		t.Fatalf("rows = %d, want 3", got)
	}
	view := e.view(5)
	for _, line := range strings.Split(view, "\n") {
		if ansi.StringWidth(line) > 10 {
			t.Fatalf("row %q wider than 10", line)
		}
	}
	if strings.Join(strings.Fields(view), "") != "感谢大家今天参加会议，谢谢" {
		t.Fatalf("text lost: %q", view)
	}
	// Up and down move between visual rows, keeping the column.
	e.pos = 12
	if !e.moveRow(-1) || e.pos != 7 {
		t.Fatalf("up: pos %d, want 7", e.pos)
	}
	if e.moveRow(-1); e.moveRow(-1) {
		t.Fatal("moved above the first row")
	}
}

func TestEditorFullRowGetsCursorRow(t *testing.T) {
	e := testEditor(4)
	e.SetValue("abcd")
	if e.rowCount() != 2 {
		t.Fatalf("a full row leaves no room for the cursor: %d rows", e.rowCount())
	}
	if got := e.view(2); strings.Split(got, "\n")[0] != "abcd" {
		t.Fatalf("view %q", got)
	}
}
