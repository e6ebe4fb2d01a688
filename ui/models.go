package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/yeok/yeok/model"
)

// modelsModel is the model picker: the server's models, with the one in use always listed.
type modelsModel struct {
	lk      look
	items   []string
	cursor  int
	current string
	loading bool
	err     string
}

// modelsLoadedMsg carries the server's model list.
type modelsLoadedMsg struct {
	ids []string
	err error
}

// listModelsCmd asks the server for its models.
func listModelsCmd(ctx context.Context, list func(context.Context) ([]string, error)) tea.Cmd {
	return func() tea.Msg {
		ids, err := list(ctx)
		return modelsLoadedMsg{ids: ids, err: err}
	}
}

// currentModel is the model the next line goes to: the one chosen, else the translator's.
func (m Model) currentModel() string {
	if m.modelChoice != "" {
		return m.modelChoice
	}
	if m.tr == nil {
		return ""
	}
	return m.tr.Model()
}

// openModels shows the model picker and asks the server for its list.
func (m Model) openModels() (tea.Model, tea.Cmd) {
	if m.cfg.Models == nil || m.tr == nil {
		return m, m.setFlash("no model server to list models from", true)
	}
	cur := m.currentModel()
	m.models = modelsModel{lk: m.look(), items: []string{cur}, current: cur, loading: true}
	m.panel = panelModels
	m.input.focused = false
	return m, listModelsCmd(m.cfg.Ctx, m.cfg.Models)
}

func (m Model) applyModelsLoaded(msg modelsLoadedMsg) Model {
	if m.panel != panelModels {
		return m
	}
	p := m.models
	p.loading = false
	if msg.err != nil {
		p.err = model.SanitizeLine(msg.err.Error())
	}
	for _, id := range msg.ids {
		if id = model.SanitizeLine(id); id != "" && !slices.Contains(p.items, id) {
			p.items = append(p.items, id)
		}
	}
	m.models = p
	return m
}

func (m Model) updateModels(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	p, k := m.models, m.keys
	switch {
	case key.Matches(msg, k.Up):
		p.cursor = max(p.cursor-1, 0)
	case key.Matches(msg, k.Down):
		p.cursor = min(p.cursor+1, len(p.items)-1)
	case key.Matches(msg, k.Choose):
		choice := p.items[p.cursor]
		m = m.closePanel()
		m.modelChoice, m.modelName = choice, choice
		return m, tea.Batch(m.setFlash("model "+choice, false), m.pickModelCmd(choice))
	}
	m.models = p
	return m, nil
}

func (p modelsModel) view(width, height int) string {
	st := p.lk.st
	sub := fmt.Sprintf("%d models", len(p.items))
	switch {
	case p.loading:
		sub = "asking the server…"
	case p.err != "":
		sub = p.err
	}
	title := "Model"
	rows := []string{
		" " + st.PanelTitle.Render(title) + " " + st.PanelSubtitle.Render(ansi.Truncate(sub, max(width-lenW(title)-5, 0), "…")),
		"",
	}
	listRows := max(height-len(rows), 1)
	top := max(p.cursor-listRows+1, 0)
	for i := top; i < len(p.items) && i < top+listRows; i++ {
		line := ansi.Truncate(p.items[i], max(width-14, 1), "…")
		if p.items[i] == p.current {
			line += " " + st.PanelBadge.Render("current")
		}
		if i == p.cursor {
			rows = append(rows, st.PanelSelected.Render(" › ")+line)
		} else {
			rows = append(rows, "   "+st.PanelItem.Render(line))
		}
	}
	return strings.Join(rows, "\n")
}

// modelsHelp is the model picker's help.
type modelsHelp struct{ keys *KeyMap }

// ShortHelp implements help.KeyMap.
func (h modelsHelp) ShortHelp() []key.Binding {
	k := h.keys
	return []key.Binding{k.Up, k.Down, relabel(k.Choose, "use"), relabel(k.Cancel, "back")}
}

// FullHelp implements help.KeyMap.
func (h modelsHelp) FullHelp() [][]key.Binding { return [][]key.Binding{h.ShortHelp()} }

// modelMemory is the part of a Store that remembers the model an owner picked; a store
// without it does not remember.
type modelMemory interface {
	PickedModel(ctx context.Context, owner model.Owner) (string, error)
	PickModel(ctx context.Context, owner model.Owner, name string) error
}

// pickedModelMsg is the model the owner last picked (loaded), or the outcome of
// remembering a pick (saved).
type pickedModelMsg struct {
	name  string
	saved bool
	err   error
}

// loadPickedModelCmd reads the owner's last pick, unless the model was configured or
// there is no picker.
func (m Model) loadPickedModelCmd() tea.Cmd {
	mem, ok := m.st.(modelMemory)
	if !ok || m.cfg.ModelSet || m.cfg.Models == nil || m.tr == nil {
		return nil
	}
	ctx, owner := m.cfg.Ctx, m.cfg.Owner
	return func() tea.Msg {
		name, err := mem.PickedModel(ctx, owner)
		return pickedModelMsg{name: name, err: err}
	}
}

// pickModelCmd remembers name as the owner's pick.
func (m Model) pickModelCmd(name string) tea.Cmd {
	mem, ok := m.st.(modelMemory)
	if !ok {
		return nil
	}
	ctx, owner, late := m.cfg.Ctx, m.cfg.Owner, m.late
	return func() tea.Msg {
		late.add()
		defer late.done()
		return pickedModelMsg{name: name, saved: true, err: mem.PickModel(ctx, owner, name)}
	}
}

func (m Model) applyPickedModel(msg pickedModelMsg) (Model, tea.Cmd) {
	switch {
	case msg.err != nil:
		return m, m.setFlash(msg.err.Error(), true)
	case msg.saved || msg.name == "" || m.modelChoice != "":
		return m, nil
	}
	name := model.SanitizeLine(msg.name)
	m.modelChoice, m.modelName = name, name
	return m, nil
}
