package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/yeok/yeok/model"
)

// historySessions caps how many sessions the history panel lists.
const historySessions = 50

// historyItem is a session or a script in the history panel.
type historyItem struct {
	session *model.Session
	script  *model.Script
}

// historyModel lists earlier sessions and scripts; Enter reopens one into the scrollback.
// It is its own sub-model so that it can grow search, delete and export.
type historyModel struct {
	loading bool
	err     string
	items   []historyItem
	cursor  int
	top     int
	current uint64 // this run's session, marked in the list
	loc     *time.Location
	width   int
	height  int
	lk      look
}

type (
	historyLoadedMsg struct {
		sessions []model.Session
		scripts  []model.Script
		err      error
	}
	// reopenedMsg carries the entries of a reopened session or script, oldest first.
	reopenedMsg struct {
		item    historyItem
		entries []model.Entry
		err     error
	}
)

func loadHistoryCmd(ctx context.Context, st Store, owner model.Owner) tea.Cmd {
	return func() tea.Msg {
		sessions, err := st.Sessions(ctx, owner, historySessions)
		if err != nil {
			return historyLoadedMsg{err: fmt.Errorf("list sessions: %w", err)}
		}
		scripts, err := st.Scripts(ctx, owner)
		if err != nil {
			return historyLoadedMsg{err: fmt.Errorf("list scripts: %w", err)}
		}
		return historyLoadedMsg{sessions: sessions, scripts: scripts}
	}
}

func reopenCmd(ctx context.Context, st Store, owner model.Owner, it historyItem) tea.Cmd {
	return func() tea.Msg {
		q := model.EntryQuery{Limit: historyLimit}
		if it.script != nil {
			q.ScriptID = it.script.ID
		} else {
			q.SessionID = it.session.ID
		}
		entries, err := st.Entries(ctx, owner, q)
		if err != nil {
			return reopenedMsg{item: it, err: fmt.Errorf("load entries: %w", err)}
		}
		return reopenedMsg{item: it, entries: oldestFirst(entries)}
	}
}

func (h historyModel) loaded(msg historyLoadedMsg) historyModel {
	h.loading = false
	if msg.err != nil {
		h.err = msg.err.Error()
		return h
	}
	h.items = h.items[:0]
	for i := range msg.scripts {
		h.items = append(h.items, historyItem{script: &msg.scripts[i]})
	}
	for i := range msg.sessions {
		h.items = append(h.items, historyItem{session: &msg.sessions[i]})
	}
	return h
}

func (h *historyModel) setSize(w, ht int) { h.width, h.height = w, ht }

func (h historyModel) update(msg tea.KeyMsg, keys *KeyMap) (historyModel, *historyItem) {
	switch {
	case key.Matches(msg, keys.Up):
		h.cursor = max(h.cursor-1, 0)
	case key.Matches(msg, keys.Down):
		h.cursor = min(h.cursor+1, max(len(h.items)-1, 0))
	case key.Matches(msg, keys.Choose):
		if h.cursor < len(h.items) {
			it := h.items[h.cursor]
			return h, &it
		}
	}
	rows := max(h.height-3, 1)
	h.top = min(h.top, h.cursor)
	if h.cursor >= h.top+rows {
		h.top = h.cursor - rows + 1
	}
	return h, nil
}

func (h historyModel) view() string {
	st := h.lk.st
	rows := []string{" " + st.PanelTitle.Render("History") + " " + st.PanelSubtitle.Render("sessions and scripts"), ""}
	switch {
	case h.loading:
		rows = append(rows, " "+st.PanelDim.Render("loading…"))
	case h.err != "":
		rows = append(rows, " "+st.PanelError.Render(ansi.Truncate(model.SanitizeLine(h.err), h.width-2, "…")))
	case len(h.items) == 0:
		rows = append(rows, " "+st.PanelDim.Render("nothing yet: translations are kept here"))
	}
	for i := h.top; i < len(h.items) && len(rows) < h.height; i++ {
		line := ansi.Truncate(h.describe(h.items[i]), max(h.width-4, 1), "…")
		if i == h.cursor {
			rows = append(rows, " "+st.PanelSelected.Render("▸ "+line))
		} else {
			rows = append(rows, "   "+st.PanelItem.Render(line))
		}
	}
	for len(rows) < h.height {
		rows = append(rows, "")
	}
	return strings.Join(rows[:h.height], "\n")
}

// describe is one row: kind, time or name, languages, size and title.
func (h historyModel) describe(it historyItem) string {
	if s := it.script; s != nil {
		return fmt.Sprintf("script   %-16s %-16s %4d entries", model.SanitizeLine(s.ID), langPair(s.From, s.To), s.Entries)
	}
	s := it.session
	when := s.Started
	if h.loc != nil {
		when = when.In(h.loc)
	}
	title := model.Title(model.SanitizeLine(s.Title), 40)
	if s.ID == h.current {
		title += " (this run)"
	}
	return fmt.Sprintf("session  %-16s %-16s %4d entries  %s", when.Format("Jan 2 15:04"), langPair(s.From, s.To), s.Entries, title)
}

// historyHelp is the history panel's contribution to the help bar.
type historyHelp struct{ keys KeyMap }

// ShortHelp implements help.KeyMap.
func (h historyHelp) ShortHelp() []key.Binding {
	k := h.keys
	open, closeKey := k.Choose, k.Cancel
	open.SetHelp(k.Choose.Help().Key, "reopen")
	closeKey.SetHelp(k.Cancel.Help().Key, "close")
	return []key.Binding{k.Up, k.Down, open, closeKey}
}

// FullHelp implements help.KeyMap.
func (h historyHelp) FullHelp() [][]key.Binding { return [][]key.Binding{h.ShortHelp()} }

func (m Model) openHistory() (tea.Model, tea.Cmd) {
	m.history = historyModel{loading: true, current: m.session.ID, loc: m.now().Location(), lk: m.look()}
	m.history.setSize(m.width, m.mainHeight)
	m.panel = panelHistory
	m.input.focused = false
	return m, loadHistoryCmd(m.cfg.Ctx, m.st, m.cfg.Owner)
}

func (m Model) updateHistory(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	h, chosen := m.history.update(msg, m.keys)
	m.history = h
	if chosen == nil {
		return m, nil
	}
	if m.flight != nil {
		return m, m.setFlash("a translation is still streaming: stop it before reopening", true)
	}
	return m, reopenCmd(m.cfg.Ctx, m.st, m.cfg.Owner, *chosen)
}

// applyReopened replaces the scrollback with the reopened entries. A reopened script
// becomes the one new entries attach to.
func (m Model) applyReopened(msg reopenedMsg) (Model, tea.Cmd) {
	if msg.err != nil {
		return m, m.setFlash(msg.err.Error(), true)
	}
	if m.flight != nil {
		return m, nil
	}
	m = m.closePanel()
	var title string
	if s := msg.item.script; s != nil {
		m.scriptID = s.ID
		title = "script " + s.ID
	} else {
		title = sessionTitle(*msg.item.session, m.now().Location())
	}
	blocks := entryBlocks(title, msg.entries)
	blocks = append(blocks, &block{kind: blockMarker, label: "reopened · new lines continue here"})
	m.sb.reset(blocks)
	return m, m.setFlash(fmt.Sprintf("reopened %s (%d entries)", title, len(msg.entries)), false)
}

// langPair prints "en → ko-KR" ("auto → ko-KR" for a detected source). Stored values
// are sanitised like any text drawn.
func langPair(from, to model.Language) string {
	return model.SanitizeLine(from.String()) + " → " + model.SanitizeLine(to.String())
}
