package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/yeok/yeok/model"
)

// glossaryModel is the glossary panel of the attached script: its terms (TERM →
// TRANSLATION), a one-line input that adds "term=translation" on Enter (or updates the
// term's translation when the term is listed, matched case-insensitively), and deleting
// the selected term after a confirmation (KeyMap.Delete, then KeyMap.Confirm). Every change is written at once with
// Store.PutScript; while one is on its way, further changes wait, so that none is lost.
type glossaryModel struct {
	script  string
	sc      model.Script // as loaded, then as last saved
	loading bool
	saving  bool
	loaded  bool
	cursor  int
	top     int
	input   editor
	confirm bool // the next key confirms (KeyMap.Confirm) or cancels deleting the selected term
	err     string
	note    string
	width   int
	height  int
	lk      look
}

type (
	// scriptLoadedMsg carries the script whose glossary the panel shows.
	scriptLoadedMsg struct {
		id     string
		script model.Script
		err    error
	}
	// scriptSavedMsg: the script with its new glossary was written (or could not be).
	scriptSavedMsg struct {
		id     string
		script model.Script
		note   string
		undo   string // the input to give back when the write failed
		err    error
	}
)

// glossarySave is a change of the glossary for the app to write.
type glossarySave struct {
	script model.Script
	note   string // said once it is saved
	undo   string // the input that made it, given back if the write fails
}

func newGlossary(script string, lk look) glossaryModel {
	in := newEditor(lk.keys, editorStyles{
		text: lk.st.PanelItem, placeholder: lk.st.PanelDim, cursor: lk.st.InputCursor, prompt: lk.st.SourceMark,
	}, "term=translation, then enter")
	in.single, in.prompt = true, "+ "
	return glossaryModel{script: script, loading: true, input: in, lk: lk}
}

// loadScriptCmd reads the script; one without a record yet has an empty glossary, and is
// created with the languages in use when a term is added.
func loadScriptCmd(ctx context.Context, st Store, owner model.Owner, id string, from, to model.Language) tea.Cmd {
	return func() tea.Msg {
		sc, err := st.Script(ctx, owner, id)
		switch {
		case errors.Is(err, model.ErrNotFound):
			sc, err = model.Script{ID: id, From: from, To: to}, nil
		case err != nil:
			err = fmt.Errorf("read script %s: %w", id, err)
		}
		sc.Owner = owner
		return scriptLoadedMsg{id: id, script: sc, err: err}
	}
}

func putScriptCmd(ctx context.Context, st Store, s glossarySave) tea.Cmd {
	return func() tea.Msg {
		if err := st.PutScript(ctx, s.script); err != nil {
			return scriptSavedMsg{id: s.script.ID, undo: s.undo, err: fmt.Errorf("save glossary of %s: %w", s.script.ID, err)}
		}
		return scriptSavedMsg{id: s.script.ID, script: s.script, note: s.note}
	}
}

func (g *glossaryModel) setSize(w, h int) {
	g.width, g.height = w, h
	g.input.width = max(w-6, 4)
	g.scrollToCursor()
}

// listHeight is how many terms show between the title and the input.
func (g glossaryModel) listHeight() int { return max(g.height-5, 1) }

func (g *glossaryModel) scrollToCursor() {
	g.cursor = min(g.cursor, max(len(g.sc.Glossary)-1, 0))
	h := g.listHeight()
	g.top = min(g.top, g.cursor)
	if g.cursor >= g.top+h {
		g.top = g.cursor - h + 1
	}
}

// update handles a key; it returns the change to save when the key changed the glossary.
func (g glossaryModel) update(msg tea.KeyMsg, keys *KeyMap) (glossaryModel, *glossarySave) {
	if g.confirm {
		g.confirm = false
		if key.Matches(msg, keys.Confirm) {
			return g.remove()
		}
		g.note = "kept " + model.SanitizeLine(g.sc.Glossary[g.cursor].Term)
		return g, nil
	}
	g.err = ""
	switch {
	case key.Matches(msg, keys.Up):
		g.cursor = max(g.cursor-1, 0)
	case key.Matches(msg, keys.Down):
		g.cursor = min(g.cursor+1, max(len(g.sc.Glossary)-1, 0))
	case key.Matches(msg, keys.Delete, keys.Edit.DeleteForward) && g.input.Value() == "":
		// With nothing typed the delete keys have nothing to edit: they delete the term.
		switch {
		case !g.ready():
			g.err = g.busyText()
		case len(g.sc.Glossary) > 0:
			g.confirm, g.note = true, ""
		}
	case key.Matches(msg, keys.Choose):
		return g.add()
	default:
		g.input, _ = g.input.update(msg)
	}
	g.scrollToCursor()
	return g, nil
}

// ready reports whether the glossary can change: loaded, and no write on its way.
func (g glossaryModel) ready() bool { return g.loaded && !g.saving }

func (g glossaryModel) busyText() string {
	if g.saving {
		return "saving the last change…"
	}
	return "loading the glossary…"
}

// add parses the input as term=translation and saves the glossary with it.
func (g glossaryModel) add() (glossaryModel, *glossarySave) {
	text := g.input.Value()
	if strings.TrimSpace(text) == "" {
		return g, nil
	}
	if !g.ready() {
		g.err = g.busyText()
		return g, nil
	}
	t, err := parseGlossaryTerm(text)
	if err != nil {
		g.err = err.Error()
		return g, nil
	}
	terms := slices.Clone(g.sc.Glossary)
	note := "added " + t.Term + " → " + t.Translation
	i := slices.IndexFunc(terms, func(x model.GlossaryTerm) bool { return strings.EqualFold(x.Term, t.Term) })
	if i >= 0 {
		terms[i] = t
		note = "updated " + t.Term + " → " + t.Translation
	} else {
		terms = append(terms, t)
		i = len(terms) - 1
	}
	g.cursor = i
	g.input.Reset()
	return g.save(terms, note, text)
}

// remove saves the glossary without the selected term.
func (g glossaryModel) remove() (glossaryModel, *glossarySave) {
	if !g.ready() || g.cursor >= len(g.sc.Glossary) {
		return g, nil
	}
	t := g.sc.Glossary[g.cursor]
	terms := slices.Delete(slices.Clone(g.sc.Glossary), g.cursor, g.cursor+1)
	return g.save(terms, "deleted "+t.Term, "")
}

// save asks the app to write the script with terms as its glossary.
func (g glossaryModel) save(terms []model.GlossaryTerm, note, undo string) (glossaryModel, *glossarySave) {
	g.saving, g.note = true, "saving…"
	sc := g.sc
	sc.Glossary = terms
	return g, &glossarySave{script: sc, note: note, undo: undo}
}

// parseGlossaryTerm reads "term=translation": both sides non-empty, the term an identifier
// and the translation one line of printable text (model.CheckGlossaryTerm, the glossary
// command's rule too).
func parseGlossaryTerm(s string) (model.GlossaryTerm, error) {
	term, tr, ok := strings.Cut(s, "=")
	t := model.GlossaryTerm{Term: strings.TrimSpace(term), Translation: strings.TrimSpace(tr)}
	if !ok || t.Term == "" || t.Translation == "" {
		return t, errors.New("type term=translation, e.g. attention=어텐션")
	}
	return t, model.CheckGlossaryTerm(t)
}

func (g glossaryModel) loadedMsg(msg scriptLoadedMsg) glossaryModel {
	g.loading = false
	if msg.err != nil {
		g.err = msg.err.Error()
		return g
	}
	g.sc, g.loaded = msg.script, true
	g.scrollToCursor()
	return g
}

func (g glossaryModel) savedMsg(msg scriptSavedMsg) glossaryModel {
	g.saving, g.note = false, ""
	if msg.err != nil {
		g.err = msg.err.Error()
		if g.input.Value() == "" {
			g.input.SetValue(msg.undo)
		}
		return g
	}
	g.sc, g.note = msg.script, msg.note
	g.scrollToCursor()
	return g
}
