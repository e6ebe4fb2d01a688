package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/yeok/yeok/model"
)

// pickerMode says which language the picker sets.
type pickerMode int

const (
	pickTarget pickerMode = iota
	pickSource
)

// pickItem is one row of the picker.
type pickItem struct {
	lang   model.Language
	label  string
	recent bool
	typed  bool      // a valid tag typed by hand, not in the list
	hay    [3]string // lower-cased tag, English name, self name
}

// pickerModel is the filterable language list: recent targets first, then the common
// languages; any valid BCP 47 tag typed by hand is offered too.
type pickerModel struct {
	mode     pickerMode
	from, to model.Language // the languages in use, whichever list shows
	filter   editor
	base     []pickItem
	items    []pickItem
	cursor   int
	top      int
	err      string
	width    int
	height   int
	lk       look
	// marked are the targets toggled for a line sent into several at once, in the order
	// they were marked; the picker opens with the set in use marked.
	marked []model.Language
	more   []model.Language // the targets in use after to
	max    int              // how many targets may be marked; 0 means the default
}

// limit is how many targets may be marked at once.
func (p pickerModel) limit() int {
	if p.max > 0 {
		return p.max
	}
	return model.DefaultMaxTargets
}

// pickerAction is what a key in the picker asks the app to do.
type pickerAction struct {
	chosen bool
	langs  []model.Language
}

func newPicker(mode pickerMode, from, to model.Language, recents []model.Language, lk look) pickerModel {
	ti := newEditor(lk.keys, editorStyles{
		text: lk.st.PanelItem, placeholder: lk.st.PanelDim, cursor: lk.st.InputCursor, prompt: lk.st.SourceMark,
	}, "filter, or type a tag such as pt-BR")
	ti.single, ti.prompt = true, "› "
	p := pickerModel{mode: mode, from: from, to: to, filter: ti, lk: lk}
	seen := map[model.Language]bool{}
	add := func(l model.Language, recent bool) {
		if seen[l] {
			return
		}
		seen[l] = true
		p.base = append(p.base, newPickItem(l, recent))
	}
	if mode == pickSource {
		add(model.Auto, false)
	}
	for _, l := range recents {
		add(l, true)
	}
	for _, l := range model.CommonLanguages {
		add(l, false)
	}
	p.refilter()
	return p
}

func newPickItem(l model.Language, recent bool) pickItem {
	if set := splitSet(l); len(set) > 1 {
		var tags, names, selves []string
		for _, x := range set {
			tags, names, selves = append(tags, x.String()), append(names, x.EnglishName()), append(selves, x.SelfName())
		}
		return pickItem{lang: l, label: setLabel(l), recent: recent, hay: [3]string{
			strings.ToLower(strings.Join(tags, " ")), strings.ToLower(strings.Join(names, " ")), strings.ToLower(strings.Join(selves, " ")),
		}}
	}
	return pickItem{
		lang: l, label: l.Label(), recent: recent,
		hay: [3]string{strings.ToLower(l.String()), strings.ToLower(l.EnglishName()), strings.ToLower(l.SelfName())},
	}
}

// toggle marks or unmarks the language under the cursor as one of several targets. A set
// from the recent list is not marked: choosing it picks the whole set.
func (p *pickerModel) toggle() {
	if len(p.items) == 0 {
		return
	}
	l := p.items[p.cursor].lang
	if len(splitSet(l)) > 1 || l.IsAuto() {
		p.err = "a set is chosen whole: enter picks it"
		return
	}
	p.err = ""
	for i, x := range p.marked {
		if x == l {
			p.marked = append(p.marked[:i:i], p.marked[i+1:]...)
			return
		}
	}
	if len(p.marked) >= p.limit() {
		p.err = fmt.Sprintf("at most %d targets at once", p.limit())
		return
	}
	p.marked = append(p.marked, l)
}

// isMarked reports whether l is one of the marked targets.
func (p pickerModel) isMarked(l model.Language) bool {
	for _, x := range p.marked {
		if x == l {
			return true
		}
	}
	return false
}

func (p *pickerModel) setSize(w, h int) {
	p.width, p.height = w, h
	p.filter.width = max(w-6, 4)
	p.scrollToCursor()
}

// current is the language the list sets now: the target, or the source.
func (p pickerModel) current() model.Language {
	if p.mode == pickSource {
		return p.from
	}
	return p.to
}

// listHeight is how many rows the list gets below the title and the filter.
func (p pickerModel) listHeight() int { return max(p.height-5, 1) }

// update handles a key; the returned action says whether a language was chosen.
func (p pickerModel) update(msg tea.KeyMsg, keys *KeyMap) (pickerModel, pickerAction) {
	switch {
	case key.Matches(msg, keys.Up):
		p.cursor = max(p.cursor-1, 0)
	case key.Matches(msg, keys.Down):
		p.cursor = min(p.cursor+1, max(len(p.items)-1, 0))
	case key.Matches(msg, keys.ToggleMode):
		next := newPicker(1-p.mode, p.from, p.to, recentsOf(p.base), p.lk)
		next.more, next.max = p.more, p.max
		next.setSize(p.width, p.height)
		return next, pickerAction{}
	case p.mode == pickTarget && key.Matches(msg, keys.Mark) && (msg.String() != " " || p.filter.Value() == ""):
		// A space marks while the filter is empty; with text in it, names such as
		// "Portuguese (Brazil)" need spaces, and Ctrl+Space marks instead.
		p.toggle()
		if p.filter.Value() != "" && p.err == "" {
			p.filter.Reset()
			p.refilter()
		}
		return p, pickerAction{}
	case key.Matches(msg, keys.Choose):
		if len(p.marked) > 0 {
			return p, pickerAction{chosen: true, langs: p.marked}
		}
		if len(p.items) > 0 {
			return p, pickerAction{chosen: true, langs: splitSet(p.items[p.cursor].lang)}
		}
		_, err := model.ParseLanguage(p.filter.Value())
		if err != nil {
			p.err = err.Error()
		}
		return p, pickerAction{}
	default:
		before := p.filter.Value()
		p.filter, _ = p.filter.update(msg)
		if p.filter.Value() != before {
			p.refilter()
		}
		return p, pickerAction{}
	}
	p.scrollToCursor()
	return p, pickerAction{}
}

func recentsOf(items []pickItem) []model.Language {
	var out []model.Language
	for _, it := range items {
		if it.recent {
			out = append(out, it.lang)
		}
	}
	return out
}

// refilter ranks the items against the filter text; a valid tag that is not listed comes
// first, and text that matches nothing and is no tag gets the parser's one-line error.
func (p *pickerModel) refilter() {
	q := strings.ToLower(strings.TrimSpace(p.filter.Value()))
	p.cursor, p.top, p.err = 0, 0, ""
	if q == "" {
		p.items = p.base
		return
	}
	p.items = rankItems(q, p.base)
	l, err := model.ParseLanguage(q)
	switch {
	case err == nil && (!l.IsAuto() || p.mode == pickSource) && !containsLang(p.items, l):
		typed := newPickItem(l, false)
		typed.typed = true
		p.items = append([]pickItem{typed}, p.items...)
	case err != nil && len(p.items) == 0:
		p.err = err.Error() // one line, with the nearest tags
	}
}

func containsLang(items []pickItem, l model.Language) bool {
	for _, it := range items {
		if it.lang == l {
			return true
		}
	}
	return false
}

func (p *pickerModel) scrollToCursor() {
	h := p.listHeight()
	if p.cursor < p.top {
		p.top = p.cursor
	}
	if p.cursor >= p.top+h {
		p.top = p.cursor - h + 1
	}
}

func (p pickerModel) view() string {
	st, w := p.lk.st, p.width
	title := "Translate into"
	now := "now: " + p.current().Label()
	if p.mode == pickSource {
		title = "Translate from"
	} else if len(p.marked) > 0 {
		now = fmt.Sprintf("%d marked: %s", len(p.marked), targetsLabel(p.marked))
	} else if len(p.more) > 0 {
		now = "now: " + targetsLabel(append([]model.Language{p.to}, p.more...))
	}
	rows := []string{
		" " + st.PanelTitle.Render(title) + " " + st.PanelSubtitle.Render(ansi.Truncate(now, max(w-lenW(title)-5, 0), "…")),
		"",
		" " + p.filter.view(1),
		"",
	}
	h := p.listHeight()
	for i := p.top; i < len(p.items) && i < p.top+h; i++ {
		rows = append(rows, p.row(p.items[i], i == p.cursor))
	}
	if p.err != "" {
		rows = append(rows, " "+st.PanelError.Render(ansi.Truncate(model.SanitizeLine(p.err), w-2, "…")))
	}
	for len(rows) < p.height-1 {
		rows = append(rows, "")
	}
	count := fmt.Sprintf("%d of %d", len(p.items), len(p.base))
	rows = append(rows[:max(p.height-1, 0)], " "+st.PanelDim.Render(count))
	return strings.Join(rows[:p.height], "\n")
}

func (p pickerModel) row(it pickItem, selected bool) string {
	st := p.lk.st
	badge := ""
	switch {
	case p.isMarked(it.lang):
		badge = "✓ marked"
	case it.typed:
		badge = "typed tag"
	case it.lang == p.current() && len(p.more) == 0, p.mode == pickTarget && it.lang == joinSet(append([]model.Language{p.to}, p.more...)):
		badge = "current"
	case it.recent:
		badge = "recent"
	}
	room := max(p.width-6-lenW(badge), 4)
	label := ansi.Truncate(it.label, room, "…")
	pad := strings.Repeat(" ", max(room-lenW(label), 0))
	if selected {
		return " " + st.PanelSelected.Render("▸ "+label) + pad + " " + st.PanelBadge.Render(badge)
	}
	return "   " + st.PanelItem.Render(label) + pad + " " + st.PanelDim.Render(badge)
}

func lenW(s string) int { return ansi.StringWidth(s) }

// pickerHelp is the picker's contribution to the help bar.
type pickerHelp struct {
	keys *KeyMap
	mode pickerMode
}

// ShortHelp implements help.KeyMap.
func (h pickerHelp) ShortHelp() []key.Binding {
	k := h.keys
	other := "source language"
	if h.mode == pickSource {
		other = "target language"
	}
	if h.mode == pickTarget {
		return []key.Binding{k.Up, k.Down, k.Choose, relabel(k.Mark, "several"), relabel(k.ToggleMode, "source"), relabel(k.Cancel, "close")}
	}
	return []key.Binding{k.Up, k.Down, k.Choose, relabel(k.ToggleMode, other), relabel(k.Cancel, "close")}
}

// FullHelp implements help.KeyMap.
func (h pickerHelp) FullHelp() [][]key.Binding { return [][]key.Binding{h.ShortHelp()} }

// openPicker shows the language picker for mode.
func (m Model) openPicker(mode pickerMode) (tea.Model, tea.Cmd) {
	m.picker = newPicker(mode, m.from, m.to, m.recents, m.look())
	m.picker.more, m.picker.max = m.more, m.cfg.MaxTargets
	if len(m.more) > 0 {
		m.picker.marked = m.targets()
	}
	m.picker.setSize(m.width, m.panelHeight)
	m.panel = panelPicker
	m.input.focused = false
	return m, nil
}

func (m Model) updatePicker(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	p, act := m.picker.update(msg, m.keys)
	m.picker = p
	if act.chosen {
		return m.setLanguage(p.mode, act.langs)
	}
	return m, nil
}
