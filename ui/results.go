package ui

import tea "github.com/charmbracelet/bubbletea"

// handleMoreResults applies the messages of follow mode, of the glossary panel and of a
// stream that the session's end cut short; ok is false for any other message.
func (m Model) handleMoreResults(msg tea.Msg) (next Model, cmd tea.Cmd, ok bool) {
	switch msg := msg.(type) {
	case endedMsg:
		m, cmd = m.applyEnded(msg)
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
