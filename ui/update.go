package ui

import (
	"fmt"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/yeok/yeok/model"
)

// mouseWheelLines is how far one wheel notch scrolls.
const mouseWheelLines = 3

func (m Model) handleKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	k := m.keys
	asked := m.quitAsked
	m.quitAsked = false
	switch {
	case key.Matches(msg, k.Quit):
		if m.flight != nil && m.following() {
			return m.stopAndQuit()
		}
		if m.flight != nil {
			return m.stop()
		}
		if !m.input.empty() && !asked {
			m.quitAsked = true
			return m, m.setFlash("unsent text: "+k.Quit.Help().Key+" again quits", true)
		}
		return m.quit()
	case key.Matches(msg, k.Cancel):
		switch {
		case m.fix != nil && m.panel == panelChat:
			return m.cancelCorrection()
		case m.panel == panelHistory:
			return m.historyBack()
		case m.panel != panelChat:
			return m.closePanel(), nil
		case m.helpAll:
			m.helpAll = false
			m.layout()
			return m, nil
		case m.flight != nil:
			return m.stop()
		case !m.input.empty():
			return m.clearInput()
		}
		return m, nil
	case key.Matches(msg, k.Help):
		m.helpAll = !m.helpAll
		m.layout()
		return m, nil
	}
	switch m.panel {
	case panelPicker:
		return m.updatePicker(msg)
	case panelHistory:
		return m.updateHistory(msg)
	case panelGlossary:
		return m.updateGlossary(msg)
	case panelModels:
		return m.updateModels(msg)
	}
	return m.chatKey(msg)
}

// chatKey handles a key while the scrollback and input have the focus.
func (m Model) chatKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	k := m.keys
	switch {
	case key.Matches(msg, k.Send):
		if m.fix != nil {
			return m.saveCorrection()
		}
		return m.send()
	case key.Matches(msg, k.Approve):
		return m.approve()
	case key.Matches(msg, k.Correct):
		return m.correct()
	case key.Matches(msg, k.Target):
		return m.openPicker(pickTarget)
	case key.Matches(msg, k.Source):
		return m.openPicker(pickSource)
	case key.Matches(msg, k.Swap):
		return m.swap()
	case key.Matches(msg, k.Model):
		return m.openModels()
	case key.Matches(msg, k.Retry):
		return m.retry()
	case key.Matches(msg, k.Copy):
		return m.copyLast()
	case key.Matches(msg, k.Focus):
		if next, ok := m.moveFocus(); ok {
			return next, nil
		}
	case key.Matches(msg, k.History):
		return m.openHistory()
	case key.Matches(msg, k.Glossary):
		return m.openGlossary()
	case key.Matches(msg, k.PageUp):
		m.sb.scrollUp(max(m.mainHeight-1, 1))
		return m, nil
	case key.Matches(msg, k.PageDown):
		m.sb.scrollDown(max(m.mainHeight-1, 1))
		return m, nil
	case key.Matches(msg, k.Recall, k.Forward):
		if next, ok := m.recallKey(msg); ok {
			return next, nil
		}
	}
	m.input, _ = m.input.update(msg)
	if m.recall >= 0 && !m.recalling() {
		m.recall = -1 // edited: the text is the person's own now
	}
	m.layout()
	return m, nil
}

func (m Model) handleMouse(msg tea.MouseMsg) Model {
	if m.panel != panelChat || msg.Action != tea.MouseActionPress {
		return m
	}
	switch msg.Button {
	case tea.MouseButtonWheelUp:
		m.sb.scrollUp(mouseWheelLines)
	case tea.MouseButtonWheelDown:
		m.sb.scrollDown(mouseWheelLines)
	}
	return m
}

// swap exchanges source and target; with an auto-detected source there is nothing to swap.
func (m Model) swap() (tea.Model, tea.Cmd) {
	if m.from.IsAuto() {
		cmd := m.setFlash("the source language is auto-detected: pick one with "+m.keys.Source.Help().Key+" to swap", true)
		return m, cmd
	}
	if len(m.more) > 0 {
		return m, m.setFlash("swapping needs one target: pick one with "+m.keys.Target.Help().Key, true)
	}
	m.from, m.to = m.to, m.from
	cmd := m.setFlash("now "+m.from.String()+" → "+m.to.String(), false)
	return m, tea.Batch(cmd, touchLanguageCmd(m.cfg.Ctx, m.st, m.cfg.Owner, m.to, m.late))
}

// clearInput empties the box at once, however long its text; the text stays one Recall
// away, so a slip costs nothing.
func (m Model) clearInput() (tea.Model, tea.Cmd) {
	text := m.input.Value()
	m.remember(text)
	m.input.Reset()
	m.layout()
	n := len([]rune(text))
	return m, m.setFlash(fmt.Sprintf("cleared %d %s: %s brings %s back", n, plural(n, "character", "characters"),
		m.keys.Recall.Help().Key, plural(n, "it", "them")), false)
}

// quit leaves once the translations still being stored are in (bounded by quitGrace).
func (m Model) quit() (tea.Model, tea.Cmd) {
	if m.writes == 0 {
		return m, tea.Quit
	}
	m.quitting = true
	return m, afterCmd(m.cfg.Ctx, quitGrace, quitNowMsg{})
}

func (m Model) closePanel() Model {
	m.panel = panelChat
	m.input.focused = true
	return m
}

// setLanguage applies a picker choice: the source, or one target or a set of them.
func (m Model) setLanguage(mode pickerMode, langs []model.Language) (tea.Model, tea.Cmd) {
	m = m.closePanel()
	l := langs[0]
	if mode == pickSource {
		m.from = l
		return m, m.setFlash("from "+l.Label(), false)
	}
	m.to, m.more = l, append([]model.Language(nil), langs[1:]...)
	set := joinSet(langs)
	m.recents = touchRecent(m.recents, set)
	say := "into " + l.Label()
	if len(langs) > 1 {
		say = fmt.Sprintf("into %d languages at once: %s", len(langs), targetsLabel(langs))
	}
	return m, tea.Batch(m.setFlash(say, false), touchLanguageCmd(m.cfg.Ctx, m.st, m.cfg.Owner, set, m.late))
}

// touchRecent moves l to the front of the recent languages.
func touchRecent(recents []model.Language, l model.Language) []model.Language {
	out := []model.Language{l}
	for _, r := range recents {
		if r != l {
			out = append(out, r)
		}
	}
	return out
}
