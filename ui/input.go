package ui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// maxInputRows is how tall the input box grows before it scrolls.
const maxInputRows = 5

// newInput builds the input box: Enter sends (the app's key), the Newline key breaks the
// line, styles come from the app's renderer.
func newInput(keys *KeyMap, st *Styles) editor {
	return newEditor(keys, editorStyles{
		text: st.InputText, placeholder: st.Placeholder, cursor: st.InputCursor,
	}, "Type to translate…")
}

// recalling reports whether the box shows a recalled input that has not been edited, so
// that Up and Down keep walking the history instead of moving the cursor.
func (m Model) recalling() bool {
	v := m.input.Value()
	if m.recall < 0 {
		return v == ""
	}
	return m.recall < len(m.inputs) && v == m.inputs[m.recall]
}

// recallKey walks earlier inputs with Up and Down in an empty (or recalled) box; ok is
// false when the key is for the textarea instead.
func (m Model) recallKey(msg tea.KeyMsg) (Model, bool) {
	if !m.recalling() {
		return m, false
	}
	switch {
	case key.Matches(msg, m.keys.Recall):
		if m.recall+1 >= len(m.inputs) {
			return m, len(m.inputs) > 0
		}
		m.recall++
	case key.Matches(msg, m.keys.Forward):
		if m.recall < 0 {
			return m, false
		}
		m.recall--
	default:
		return m, false
	}
	if m.recall < 0 {
		m.input.Reset()
	} else {
		m.input.SetValue(m.inputs[m.recall])
	}
	m.layout()
	return m, true
}

// remember puts a sent text at the front of the recall list.
func (m *Model) remember(text string) {
	out := []string{text}
	for _, s := range m.inputs {
		if s != text && len(out) < 100 {
			out = append(out, s)
		}
	}
	m.inputs, m.recall = out, -1
}
