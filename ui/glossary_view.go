package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/yeok/yeok/model"
)

// openGlossary shows the glossary panel of the attached script.
func (m Model) openGlossary() (tea.Model, tea.Cmd) {
	if m.scriptID == "" {
		return m, m.setFlash("no script attached: start with --script ID, or reopen a script with "+m.keys.History.Help().Key, true)
	}
	m.gloss = newGlossary(m.scriptID, m.look())
	m.gloss.setSize(m.width, m.panelHeight)
	m.panel = panelGlossary
	m.input.focused = false
	return m, loadScriptCmd(m.cfg.Ctx, m.st, m.cfg.Owner, m.scriptID, m.from, m.to)
}

func (m Model) updateGlossary(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	g, save := m.gloss.update(msg, m.keys)
	m.gloss = g
	if save == nil {
		return m, nil
	}
	save.script.Owner = m.cfg.Owner
	return m, putScriptCmd(m.cfg.Ctx, m.st, *save)
}

func (m Model) applyScriptLoaded(msg scriptLoadedMsg) Model {
	if m.panel == panelGlossary && msg.id == m.gloss.script {
		m.gloss = m.gloss.loadedMsg(msg)
	}
	return m
}

// applyScriptSaved shows the outcome of a change in the panel, or in the status bar when
// the panel was closed before the write came back.
func (m Model) applyScriptSaved(msg scriptSavedMsg) (Model, tea.Cmd) {
	if m.panel == panelGlossary && msg.id == m.gloss.script {
		m.gloss = m.gloss.savedMsg(msg)
		return m, nil
	}
	if msg.err != nil {
		return m, m.setFlash(msg.err.Error(), true)
	}
	return m, m.setFlash(msg.note, false)
}

func (g glossaryModel) view() string {
	st, w := g.lk.st, g.width
	terms := g.sc.Glossary
	sub := fmt.Sprintf("script %s · %d terms", model.SanitizeLine(g.script), len(terms))
	if len(terms) == 1 {
		sub = fmt.Sprintf("script %s · 1 term", model.SanitizeLine(g.script))
	}
	title := "Glossary"
	rows := []string{
		" " + st.PanelTitle.Render(title) + " " + st.PanelSubtitle.Render(ansi.Truncate(sub, max(w-lenW(title)-5, 0), "…")),
		"",
	}
	h := g.listHeight()
	switch {
	case g.loading:
		rows = append(rows, " "+st.PanelDim.Render("loading…"))
	case len(terms) == 0 && g.loaded:
		rows = append(rows, " "+st.PanelDim.Render(ansi.Truncate("no terms yet: add one below, as term=translation", max(w-2, 1), "…")))
	}
	col := g.termColumn()
	for i := g.top; i < len(terms) && i < g.top+h; i++ {
		rows = append(rows, g.row(terms[i], col, i == g.cursor))
	}
	for len(rows) < g.height-3 {
		rows = append(rows, "")
	}
	rows = append(rows[:max(g.height-3, 0)], "", " "+g.input.view(1), g.statusLine())
	return strings.Join(rows[len(rows)-g.height:], "\n")
}

// termColumn is how wide the term column is: the widest term, within half the panel.
func (g glossaryModel) termColumn() int {
	col := 4
	for _, t := range g.sc.Glossary {
		col = max(col, lenW(model.SanitizeLine(t.Term)))
	}
	return min(col, max((g.width-8)/2, 4))
}

func (g glossaryModel) row(t model.GlossaryTerm, col int, selected bool) string {
	st := g.lk.st
	term := ansi.Truncate(model.SanitizeLine(t.Term), col, "…")
	term += strings.Repeat(" ", max(col-lenW(term), 0))
	room := max(g.width-col-9, 1)
	line := term + " → " + ansi.Truncate(model.SanitizeLine(t.Translation), room, "…")
	if selected {
		return " " + st.PanelSelected.Render("▸ "+line)
	}
	return "   " + st.PanelItem.Render(line)
}

// statusLine is the last row: the confirmation asked, an error, or what the last change did.
func (g glossaryModel) statusLine() string {
	st, w := g.lk.st, max(g.width-2, 1)
	switch {
	case g.confirm && g.cursor < len(g.sc.Glossary):
		t := g.sc.Glossary[g.cursor]
		ask := fmt.Sprintf("delete %s → %s? %s deletes, any other key keeps it",
			model.SanitizeLine(t.Term), model.SanitizeLine(t.Translation), g.lk.keys.Confirm.Help().Key)
		return " " + st.MetaWarn.Render(ansi.Truncate(ask, w, "…"))
	case g.err != "":
		return " " + st.PanelError.Render(ansi.Truncate(model.SanitizeLine(g.err), w, "…"))
	case g.note != "":
		return " " + st.PanelDim.Render(ansi.Truncate(model.SanitizeLine(g.note), w, "…"))
	}
	return ""
}

// glossaryHelp is the glossary panel's contribution to the help bar.
type glossaryHelp struct{ keys *KeyMap }

// ShortHelp implements help.KeyMap.
func (h glossaryHelp) ShortHelp() []key.Binding {
	k := h.keys
	return []key.Binding{k.Up, k.Down, relabel(k.Choose, "add"), relabel(k.Delete, "delete"), relabel(k.Cancel, "close")}
}

// FullHelp implements help.KeyMap.
func (h glossaryHelp) FullHelp() [][]key.Binding { return [][]key.Binding{h.ShortHelp()} }
