package ui

import "github.com/charmbracelet/bubbles/key"

// KeyMap holds every key the app answers to. The zero value is not usable; start from
// DefaultKeyMap and change single bindings to remap them.
type KeyMap struct {
	// Chat.
	Send     key.Binding
	Newline  key.Binding
	Recall   key.Binding // previous input, when the box is empty or showing a recalled one
	Forward  key.Binding // next input while recalling
	PageUp   key.Binding
	PageDown key.Binding
	Retry    key.Binding
	Copy     key.Binding
	// Focus moves among the targets of the newest line, for Copy.
	Focus key.Binding
	// Approve approves the focused translation as it is; Correct edits it in the input
	// box, and Send then stores the correction as approved.
	Approve key.Binding
	Correct key.Binding

	// Languages and panels.
	Target  key.Binding
	Source  key.Binding
	Swap    key.Binding
	Model   key.Binding // the model picker
	History key.Binding
	Help    key.Binding
	// Glossary opens the attached script's glossary. Inside it, Choose adds the term
	// typed, Delete deletes the selected term after Confirm.
	Glossary key.Binding

	// Leaving.
	Cancel key.Binding // stop the stream in flight, or close the open panel
	Quit   key.Binding // stop the stream in flight, or quit

	// Inside lists (picker, history).
	Up         key.Binding
	Down       key.Binding
	Choose     key.Binding
	ToggleMode key.Binding
	// Mark adds the target under the cursor to a set sent at once, or takes it out.
	Mark key.Binding

	// Inside the history browser. They come before the filter's editing keys there.
	Search  key.Binding // search the text of every entry, or back to the list
	Delete  key.Binding // delete the selected session or script, after a confirmation
	Export  key.Binding // export the selected session or script to a file
	Confirm key.Binding // answer yes to a confirmation; any other key says no

	// Edit moves the cursor and deletes inside the input box and the picker's filter.
	Edit EditKeyMap
}

// EditKeyMap holds the editing keys of the input box.
type EditKeyMap struct {
	Left           key.Binding
	Right          key.Binding
	WordLeft       key.Binding
	WordRight      key.Binding
	LineStart      key.Binding
	LineEnd        key.Binding
	Up             key.Binding
	Down           key.Binding
	DeleteBack     key.Binding
	DeleteForward  key.Binding
	DeleteWordBack key.Binding
	DeleteToStart  key.Binding
	DeleteToEnd    key.Binding
}

// DefaultEditKeyMap returns the usual readline-style editing keys.
func DefaultEditKeyMap() EditKeyMap {
	return EditKeyMap{
		Left:           key.NewBinding(key.WithKeys("left", "ctrl+b"), key.WithHelp("←", "left")),
		Right:          key.NewBinding(key.WithKeys("right", "ctrl+f"), key.WithHelp("→", "right")),
		WordLeft:       key.NewBinding(key.WithKeys("alt+left", "ctrl+left", "alt+b"), key.WithHelp("alt+←", "word left")),
		WordRight:      key.NewBinding(key.WithKeys("alt+right", "ctrl+right", "alt+f"), key.WithHelp("alt+→", "word right")),
		LineStart:      key.NewBinding(key.WithKeys("home", "ctrl+a"), key.WithHelp("home", "line start")),
		LineEnd:        key.NewBinding(key.WithKeys("end", "ctrl+e"), key.WithHelp("end", "line end")),
		Up:             key.NewBinding(key.WithKeys("up"), key.WithHelp("↑", "row up")),
		Down:           key.NewBinding(key.WithKeys("down"), key.WithHelp("↓", "row down")),
		DeleteBack:     key.NewBinding(key.WithKeys("backspace", "ctrl+h"), key.WithHelp("backspace", "delete")),
		DeleteForward:  key.NewBinding(key.WithKeys("delete", "ctrl+d"), key.WithHelp("delete", "delete forward")),
		DeleteWordBack: key.NewBinding(key.WithKeys("ctrl+w", "alt+backspace"), key.WithHelp("ctrl+w", "delete word")),
		DeleteToStart:  key.NewBinding(key.WithKeys("ctrl+u"), key.WithHelp("ctrl+u", "delete to line start")),
		DeleteToEnd:    key.NewBinding(key.WithKeys("ctrl+k"), key.WithHelp("ctrl+k", "delete to line end")),
	}
}

// DefaultKeyMap returns the documented default keys.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Send:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "send")),
		Newline:  key.NewBinding(key.WithKeys("alt+enter", "ctrl+j"), key.WithHelp("alt+enter", "newline")),
		Recall:   key.NewBinding(key.WithKeys("up"), key.WithHelp("↑", "earlier input")),
		Forward:  key.NewBinding(key.WithKeys("down"), key.WithHelp("↓", "later input")),
		PageUp:   key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "scroll up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pgdn", "scroll down")),
		Retry:    key.NewBinding(key.WithKeys("ctrl+r"), key.WithHelp("ctrl+r", "retry")),
		Copy:     key.NewBinding(key.WithKeys("ctrl+y"), key.WithHelp("ctrl+y", "copy")),
		Focus:    key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next target")),
		Approve:  key.NewBinding(key.WithKeys("alt+a"), key.WithHelp("alt+a", "approve")),
		Correct:  key.NewBinding(key.WithKeys("alt+e"), key.WithHelp("alt+e", "correct")),

		Target:  key.NewBinding(key.WithKeys("ctrl+t"), key.WithHelp("ctrl+t", "language")),
		Source:  key.NewBinding(key.WithKeys("ctrl+s"), key.WithHelp("ctrl+s", "source language")),
		Swap:    key.NewBinding(key.WithKeys("ctrl+x"), key.WithHelp("ctrl+x", "swap languages")),
		Model:   key.NewBinding(key.WithKeys("alt+m"), key.WithHelp("alt+m", "model")),
		History: key.NewBinding(key.WithKeys("ctrl+o"), key.WithHelp("ctrl+o", "history")),
		Help:    key.NewBinding(key.WithKeys("ctrl+g", "f1"), key.WithHelp("ctrl+g", "help")),

		Glossary: key.NewBinding(key.WithKeys("ctrl+l"), key.WithHelp("ctrl+l", "glossary")),

		Cancel: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "stop")),
		Quit:   key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit")),

		Up:         key.NewBinding(key.WithKeys("up", "ctrl+p"), key.WithHelp("↑", "up")),
		Down:       key.NewBinding(key.WithKeys("down", "ctrl+n"), key.WithHelp("↓", "down")),
		Choose:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "choose")),
		ToggleMode: key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "target/source")),
		Mark:       key.NewBinding(key.WithKeys(" ", "ctrl+@"), key.WithHelp("space", "mark")),

		Search:  key.NewBinding(key.WithKeys("ctrl+f"), key.WithHelp("ctrl+f", "search")),
		Delete:  key.NewBinding(key.WithKeys("ctrl+d"), key.WithHelp("ctrl+d", "delete")),
		Export:  key.NewBinding(key.WithKeys("ctrl+e"), key.WithHelp("ctrl+e", "export")),
		Confirm: key.NewBinding(key.WithKeys("y", "Y", "enter"), key.WithHelp("y/enter", "confirm")),

		Edit: DefaultEditKeyMap(),
	}
}

// isZero reports whether k was left unset, so that Config.Keys can default.
func (k KeyMap) isZero() bool {
	return len(k.Send.Keys()) == 0 && len(k.Quit.Keys()) == 0
}

// chatHelp is the help of the chat screen; streaming puts the stop key first, and text in
// the box the key that clears it.
type chatHelp struct {
	keys      *KeyMap
	streaming bool
	typed     bool
}

// ShortHelp implements help.KeyMap.
func (h chatHelp) ShortHelp() []key.Binding {
	k := h.keys
	if h.streaming {
		return []key.Binding{k.Cancel, k.Target, k.Copy, k.History, k.Help}
	}
	// Enter is left out: the empty screen and the placeholder say it, and the line
	// must fit 80 columns.
	if h.typed {
		return []key.Binding{relabel(k.Cancel, "clear"), k.Target, k.Copy, k.History, k.Help}
	}
	return []key.Binding{k.Target, k.Retry, k.Copy, k.History, k.Help}
}

// FullHelp implements help.KeyMap. Descriptions are shortened so that four columns fit
// in 80 cells.
func (h chatHelp) FullHelp() [][]key.Binding {
	k := h.keys
	return [][]key.Binding{
		{k.Send, k.Newline, relabel(k.Recall, "earlier"), relabel(k.Forward, "later"), k.PageUp},
		{relabel(k.Target, "target"), relabel(k.Source, "source"), relabel(k.Swap, "swap"), k.History, k.Model},
		{k.Retry, k.Copy, relabel(k.Focus, "focus"), k.Approve, k.Correct},
		{relabel(k.Cancel, "stop/clear"), k.Quit, k.Glossary, k.PageDown, relabel(k.Help, "close help")},
	}
}

// relabel is b with another description, keeping its key name (which may be remapped).
func relabel(b key.Binding, desc string) key.Binding {
	b.SetHelp(b.Help().Key, desc)
	return b
}
