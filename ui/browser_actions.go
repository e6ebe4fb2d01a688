package ui

import (
	"context"
	"fmt"
	"slices"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/yeok/yeok/model"
)

type (
	// deletedMsg: the store deleted item (or could not).
	deletedMsg struct {
		item historyItem
		err  error
	}
	// exportedMsg: Config.Export wrote item to path (or could not).
	exportedMsg struct {
		item historyItem
		path string
		err  error
	}
)

func (deletedMsg) browserMsg()  {}
func (exportedMsg) browserMsg() {}

// exportUnavailable is said when the front door gave no exporter (over SSH the file
// would land in the server's folder, not the person's).
const exportUnavailable = "exporting is not available here: run yeok export on your own machine"

func (m Model) browserEnv() browserEnv {
	return browserEnv{ctx: m.cfg.Ctx, st: m.st, owner: m.cfg.Owner}
}

// openHistory shows the browser and reads its first page.
func (m Model) openHistory() (tea.Model, tea.Cmd) {
	m.history.search = m.history.search.halt()
	env := m.browserEnv()
	m.history = newHistory(env, m.look(), m.session.ID, m.now(), m.cfg.Export != nil)
	m.panel = panelHistory
	m.input.focused = false
	m.layout()
	return m, loadHistoryCmd(env, historyPage)
}

// closeHistory goes back to the scrollback, stopping a search still running.
func (m Model) closeHistory() Model {
	m.history.search = m.history.search.halt()
	m = m.closePanel()
	m.layout()
	return m
}

// historyBack is Esc in the browser: back to the list, or out of it.
func (m Model) historyBack() (tea.Model, tea.Cmd) {
	h, stay := m.history.back()
	m.history = h
	if !stay {
		return m.closeHistory(), nil
	}
	m.layout()
	return m, nil
}

func (m Model) updateHistory(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	mode := m.history.mode
	h, act, cmd := m.history.update(msg)
	m.history = h
	if h.mode != mode {
		m.layout() // the help changed
	}
	switch act.kind {
	case actReopen, actOpenEntry:
		if m.flight != nil {
			return m, m.setFlash("a translation is still streaming: stop it before reopening", true)
		}
		if act.kind == actOpenEntry {
			return m, reopenCmd(m.browserEnv(), m.entryItem(act.target), act.target.ID)
		}
		return m, reopenCmd(m.browserEnv(), act.item, 0)
	case actDelete:
		return m.deleteItem(act.item)
	case actExport:
		return m.exportItem(act.item)
	}
	return m, cmd
}

// entryItem is the script a search result belongs to or, outside scripts, its session:
// the one loaded in the list when it is there.
func (m Model) entryItem(e model.Entry) historyItem {
	if e.ScriptID != "" {
		for _, it := range m.history.base {
			if it.script != nil && it.script.ID == e.ScriptID {
				return it
			}
		}
		return newScriptItem(&model.Script{ID: e.ScriptID, From: e.From, To: e.To})
	}
	for _, it := range m.history.base {
		if it.session != nil && it.session.ID == e.SessionID {
			return it
		}
	}
	return newSessionItem(&model.Session{ID: e.SessionID, From: e.From, To: e.To})
}

// reopenCmd reads the newest entries of the item and, when target is older than all of
// them, the entries up to target too.
func reopenCmd(env browserEnv, it historyItem, target uint64) tea.Cmd {
	return func() tea.Msg {
		q := model.EntryQuery{Limit: historyLimit}
		if it.script != nil {
			q.ScriptID = it.script.ID
		} else {
			q.SessionID = it.session.ID
		}
		entries, err := env.st.Entries(env.ctx, env.owner, q)
		if err != nil {
			return reopenedMsg{item: it, err: fmt.Errorf("load entries: %w", err)}
		}
		msg := reopenedMsg{item: it, entries: oldestFirst(entries), target: target}
		if target == 0 || len(entries) < historyLimit || slices.ContainsFunc(entries, func(e model.Entry) bool { return e.ID == target }) {
			return msg
		}
		q.Before, q.Limit = target+1, historyLimit/4
		earlier, err := env.st.Entries(env.ctx, env.owner, q)
		if err != nil {
			return reopenedMsg{item: it, err: fmt.Errorf("load entries: %w", err)}
		}
		msg.earlier = oldestFirst(earlier)
		return msg
	}
}

// applyReopened replaces the scrollback with the reopened entries, and new entries
// continue the item: a reopened session gets them (and its script, if it has one); a
// reopened script gets them in a session of its own, started on the next send.
func (m Model) applyReopened(msg reopenedMsg) (Model, tea.Cmd) {
	if msg.err != nil {
		return m, m.setFlash(msg.err.Error(), true)
	}
	if m.flight != nil {
		return m, nil
	}
	m = m.closeHistory()
	var title string
	if s := msg.item.script; s != nil {
		m.scriptID = s.ID
		if m.session.ScriptID != s.ID {
			m.session = model.Session{}
		}
		title = msg.item.label()
	} else {
		s := *msg.item.session
		m.session, m.scriptID = s, s.ScriptID
		title = fmt.Sprintf("session %d", s.ID)
		if !s.Started.IsZero() {
			title = sessionTitle(s, m.now().Location())
		}
	}
	var blocks []*block
	if len(msg.earlier) > 0 {
		blocks = entryBlocks(title, msg.earlier)
		blocks = append(blocks, &block{kind: blockMarker, label: "later entries skipped"})
		blocks = append(blocks, entryBlocks("the newest entries", msg.entries)[1:]...)
	} else {
		blocks = entryBlocks(title, msg.entries)
	}
	blocks = append(blocks, &block{kind: blockMarker, label: "reopened · new lines continue here"})
	m.sb.reset(blocks)
	if msg.target != 0 {
		if i := slices.IndexFunc(blocks, func(b *block) bool { return b.kind == blockEntry && b.entry.ID == msg.target }); i >= 0 {
			reveal(m.sb, i)
		}
	}
	n := len(msg.earlier) + len(msg.entries)
	text := fmt.Sprintf("reopened %s (%d %s)", title, n, plural(n, "entry", "entries"))
	from, to := msg.item.languages()
	if to.IsAuto() {
		return m, m.setFlash(text, false)
	}
	m.from, m.to = from, to
	return m, m.setFlash(text+" · "+from.String()+" → "+to.String(), false)
}

// reveal scrolls so that block i shows near the middle of the pane.
func reveal(sb *scrollback, i int) {
	if sb.height <= 0 || sb.width <= 0 {
		return
	}
	sb.follow, sb.anchor, sb.anchorLine = false, i, len(sb.linesOf(i))-1
	sb.scrollDown(sb.height / 3)
	if !sb.follow {
		sb.clampTop()
	}
}

// current reports whether new entries would go to it.
func (m Model) current(it historyItem) bool {
	if it.script != nil {
		return it.script.ID == m.scriptID
	}
	return m.session.ID != 0 && it.session.ID == m.session.ID
}

// deleteItem deletes a confirmed item; what new entries go to cannot go while one streams.
func (m Model) deleteItem(it historyItem) (tea.Model, tea.Cmd) {
	if m.flight != nil && m.current(it) {
		return m, m.setFlash("a translation is still streaming into "+it.label()+": stop it first", true)
	}
	env := m.browserEnv()
	return m, func() tea.Msg {
		var err error
		if it.script != nil {
			err = env.st.DeleteScript(env.ctx, env.owner, it.script.ID)
		} else {
			err = env.st.DeleteSession(env.ctx, env.owner, it.session.ID)
		}
		if err != nil {
			err = fmt.Errorf("delete %s: %w", it.label(), err)
		}
		return deletedMsg{item: it, err: err}
	}
}

// applyDeleted drops the item from the list and from the scrollback. When new entries
// would have gone to it, the next send starts a fresh session instead.
func (m Model) applyDeleted(msg deletedMsg) (Model, tea.Cmd) {
	if msg.err != nil {
		return m, m.setFlash(msg.err.Error(), true)
	}
	it := msg.item
	m.history = m.history.remove(it)
	var gone func(b *block) bool
	if sc := it.script; sc != nil {
		gone = func(b *block) bool { return b.kind == blockEntry && b.entry.ScriptID == sc.ID }
		if m.scriptID == sc.ID {
			m.scriptID = ""
		}
		if m.session.ScriptID == sc.ID {
			m.session = model.Session{}
		}
	} else {
		id := it.session.ID
		gone = func(b *block) bool { return b.kind == blockEntry && b.entry.SessionID == id }
		if m.session.ID == id {
			m.session = model.Session{}
		}
	}
	if slices.ContainsFunc(m.sb.blocks, gone) {
		kept := slices.DeleteFunc(slices.Clone(m.sb.blocks), gone)
		if !slices.ContainsFunc(kept, func(b *block) bool { return b.kind == blockEntry }) {
			kept = nil
		} else {
			kept = append(kept, &block{kind: blockMarker, label: it.label() + " deleted"})
		}
		m.sb.reset(kept)
	}
	text := fmt.Sprintf("deleted %s and its %d %s", it.label(), it.entries, plural(it.entries, "entry", "entries"))
	return m, m.setFlash(text, false)
}

// exportItem writes the item to a file through Config.Export.
func (m Model) exportItem(it historyItem) (tea.Model, tea.Cmd) {
	if m.cfg.Export == nil {
		return m, m.setFlash(exportUnavailable, true)
	}
	return m, exportCmd(m.cfg.Ctx, m.cfg.Export, m.cfg.Owner, it)
}

func exportCmd(ctx context.Context, export func(context.Context, model.Owner, string, uint64) (string, error), owner model.Owner, it historyItem) tea.Cmd {
	return func() tea.Msg {
		var (
			script  string
			session uint64
		)
		if it.script != nil {
			script = it.script.ID
		} else {
			session = it.session.ID
		}
		path, err := export(ctx, owner, script, session)
		if err != nil {
			err = fmt.Errorf("export %s: %w", it.label(), err)
		}
		return exportedMsg{item: it, path: path, err: err}
	}
}

func (m Model) applyExported(msg exportedMsg) (Model, tea.Cmd) {
	if msg.err != nil {
		return m, m.setFlash(msg.err.Error(), true)
	}
	return m, m.setFlash("exported "+msg.item.label()+" to "+msg.path, false)
}

// applyBrowser takes the results of the browser's commands.
func (m Model) applyBrowser(msg browserMsg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case historyLoadedMsg:
		m.history = m.history.loaded(msg)
	case reopenedMsg:
		return m.applyReopened(msg)
	case searchDueMsg:
		var cmd tea.Cmd
		m.history.search, cmd = m.history.search.due(msg, m.history.env)
		return m, cmd
	case searchDoneMsg:
		m.history.search = m.history.search.done(msg)
	case deletedMsg:
		return m.applyDeleted(msg)
	case exportedMsg:
		return m.applyExported(msg)
	}
	return m, nil
}
