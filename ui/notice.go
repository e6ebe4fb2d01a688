package ui

import tea "github.com/charmbracelet/bubbletea"

// noticeMsg puts Config.Notice in the status bar once the app runs.
type noticeMsg string

// noticeCmd delivers text as a noticeMsg; nil when there is none.
func noticeCmd(text string) tea.Cmd {
	if text == "" {
		return nil
	}
	return func() tea.Msg { return noticeMsg(text) }
}
