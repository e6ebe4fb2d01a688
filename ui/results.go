package ui

import tea "github.com/charmbracelet/bubbletea"

// handleMoreResults applies the messages of follow mode and of the glossary panel; ok is false for any other message.
func (m Model) handleMoreResults(msg tea.Msg) (next Model, cmd tea.Cmd, ok bool) {
	switch msg := msg.(type) {
	case followLineMsg:
		m, cmd = m.applyFollowLine(msg)
	case scriptLoadedMsg:
		m = m.applyScriptLoaded(msg)
	case scriptSavedMsg:
		m, cmd = m.applyScriptSaved(msg)
	default:
		return m, nil, false
	}
	return m, cmd, true
}
