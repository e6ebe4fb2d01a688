package ui

import (
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
)

// keyScope is where a binding is read: keys of one scope must differ, while the same key
// may mean one thing in the chat and another in a list.
type keyScope int

const (
	scopeChat    keyScope = iota // the chat screen and its input box
	scopeList                    // the picker and the history browser
	scopeRecall                  // earlier inputs, read only when the box allows it
	scopeRows                    // rows of a multi-line input, read when recall is not
	scopeConfirm                 // a yes/no question, read alone
)

// keyAction is one binding of the KeyMap under the name config.toml gives it.
type keyAction struct {
	name    string
	binding *key.Binding
	scope   keyScope
}

// actions lists every binding of k with its config name.
func (k *KeyMap) actions() []keyAction {
	e := &k.Edit
	return []keyAction{
		{"send", &k.Send, scopeChat}, {"newline", &k.Newline, scopeChat},
		{"recall", &k.Recall, scopeRecall}, {"forward", &k.Forward, scopeRecall},
		{"page_up", &k.PageUp, scopeChat}, {"page_down", &k.PageDown, scopeChat},
		{"retry", &k.Retry, scopeChat}, {"copy", &k.Copy, scopeChat}, {"focus", &k.Focus, scopeChat},
		{"approve", &k.Approve, scopeChat}, {"correct", &k.Correct, scopeChat},
		{"target", &k.Target, scopeChat}, {"source", &k.Source, scopeChat}, {"swap", &k.Swap, scopeChat}, {"model", &k.Model, scopeChat},
		{"history", &k.History, scopeChat}, {"help", &k.Help, scopeChat}, {"glossary", &k.Glossary, scopeChat},
		{"cancel", &k.Cancel, scopeChat}, {"quit", &k.Quit, scopeChat},
		{"up", &k.Up, scopeList}, {"down", &k.Down, scopeList}, {"choose", &k.Choose, scopeList},
		{"toggle_mode", &k.ToggleMode, scopeList}, {"mark", &k.Mark, scopeList}, {"search", &k.Search, scopeList},
		{"delete", &k.Delete, scopeList}, {"export", &k.Export, scopeList},
		{"confirm", &k.Confirm, scopeConfirm},
		{"edit_left", &e.Left, scopeChat}, {"edit_right", &e.Right, scopeChat},
		{"edit_word_left", &e.WordLeft, scopeChat}, {"edit_word_right", &e.WordRight, scopeChat},
		{"edit_line_start", &e.LineStart, scopeChat}, {"edit_line_end", &e.LineEnd, scopeChat},
		{"edit_up", &e.Up, scopeRows}, {"edit_down", &e.Down, scopeRows},
		{"edit_delete_back", &e.DeleteBack, scopeChat}, {"edit_delete_forward", &e.DeleteForward, scopeChat},
		{"edit_delete_word_back", &e.DeleteWordBack, scopeChat},
		{"edit_delete_to_start", &e.DeleteToStart, scopeChat}, {"edit_delete_to_end", &e.DeleteToEnd, scopeChat},
	}
}

// KeyActions are the names RemapKeys takes, in the order of the KeyMap.
func KeyActions() []string {
	var k KeyMap
	var names []string
	for _, a := range k.actions() {
		names = append(names, a.name)
	}
	return names
}

// RemapKeys returns base with the actions named in keys bound to the keys given (in
// bubbletea's names: "ctrl+y", "alt+enter", "f2"); the help then shows the first of them.
// An unknown action, an action with no key, or a key that two actions of one screen would
// share is an error naming them.
func RemapKeys(base KeyMap, keys map[string][]string) (KeyMap, error) {
	acts := base.actions()
	names := make([]string, 0, len(keys))
	for name := range keys {
		names = append(names, name)
	}
	slices.Sort(names)
	changed := map[string]bool{}
	for _, name := range names {
		i := slices.IndexFunc(acts, func(a keyAction) bool { return a.name == name })
		if i < 0 {
			return base, fmt.Errorf("unknown action %q (actions: %s)", name, strings.Join(KeyActions(), ", "))
		}
		ks := keys[name]
		if len(ks) == 0 || slices.Contains(ks, "") {
			return base, fmt.Errorf("%s: name at least one key, such as \"ctrl+y\"", name)
		}
		b := acts[i].binding
		*b = key.NewBinding(key.WithKeys(ks...), key.WithHelp(ks[0], b.Help().Desc))
		changed[name] = true
	}
	owner := map[keyScope]map[string]string{}
	for _, a := range acts {
		if owner[a.scope] == nil {
			owner[a.scope] = map[string]string{}
		}
		for _, k := range a.binding.Keys() {
			other, taken := owner[a.scope][k]
			if taken && other != a.name && (changed[a.name] || changed[other]) {
				return base, fmt.Errorf("key %q is bound to both %s and %s", k, other, a.name)
			}
			owner[a.scope][k] = a.name
		}
	}
	return base, nil
}
