package ui

import "github.com/charmbracelet/bubbles/key"

// defaultBrowserKeys fills in the history browser's keys that a partial KeyMap (one built
// before they existed) left without keys.
func (k *KeyMap) defaultBrowserKeys() {
	d := DefaultKeyMap()
	for _, p := range []struct{ b, def *key.Binding }{
		{&k.Search, &d.Search}, {&k.Delete, &d.Delete}, {&k.Export, &d.Export}, {&k.Confirm, &d.Confirm},
	} {
		if len(p.b.Keys()) == 0 {
			*p.b = *p.def
		}
	}
}

// historyHelp is the history browser's contribution to the help bar; it changes with the
// browser's mode.
type historyHelp struct {
	keys      *KeyMap
	mode      browserMode
	canExport bool
}

func (h historyModel) help() historyHelp {
	return historyHelp{keys: h.lk.keys, mode: h.mode, canExport: h.canExp}
}

// ShortHelp implements help.KeyMap. The arrows are left out so that the line fits 80
// columns; the full help has them.
func (h historyHelp) ShortHelp() []key.Binding {
	k := h.keys
	switch h.mode {
	case browseConfirm:
		return []key.Binding{relabel(k.Confirm, "delete"), relabel(k.Cancel, "keep")}
	case browseSearch:
		return []key.Binding{relabel(k.Choose, "open"), relabel(k.Search, "sessions"), relabel(k.Cancel, "back")}
	}
	out := []key.Binding{relabel(k.Choose, "reopen"), k.Search, k.Delete}
	if h.canExport {
		out = append(out, k.Export)
	}
	return append(out, relabel(k.Cancel, "close"))
}

// FullHelp implements help.KeyMap.
func (h historyHelp) FullHelp() [][]key.Binding {
	k := h.keys
	short := h.ShortHelp()
	if h.mode == browseConfirm {
		return [][]key.Binding{short}
	}
	return [][]key.Binding{{k.Up, k.Down}, short}
}
