package ui

import (
	"errors"
	"slices"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/yeok/yeok/model"
)

var transformer = model.GlossaryTerm{Term: "transformer", Translation: "트랜스포머"}

func ctrlL() tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyCtrlL} }

func TestGlossaryNeedsScript(t *testing.T) {
	m := sized(newTestModel(t), 80, 24)
	m = step(m, ctrlL())
	if m.panel != panelChat || !strings.Contains(m.flash.text, "no script attached") {
		t.Fatalf("panel %d, status %q", m.panel, m.flash.text)
	}
}

func TestFlowGlossaryAddAndDelete(t *testing.T) {
	st, tr := newFakes(playDeltas("x"))
	st.scripts = []model.Script{{ID: "lecture-01", Owner: model.LocalOwner, Entries: 4, Glossary: []model.GlossaryTerm{attention}}}
	cfg := testConfig(t)
	cfg.Session.ScriptID = "lecture-01"
	a := startApp(t, cfg, st, tr)
	a.press(tea.KeyCtrlL)
	a.waitFor(t, "▸ attention → 어텐션")
	a.typeText("transformer = 트랜스포머")
	a.press(tea.KeyEnter)
	a.waitFor(t, "added transformer → 트랜스포머")
	a.press(tea.KeyUp)
	a.press(tea.KeyCtrlD)
	a.waitFor(t, "delete attention → 어텐션? y/enter deletes")
	a.typeText("y")
	a.waitFor(t, "deleted attention")
	a.press(tea.KeyEsc)
	m := a.final(t)
	if m.panel != panelChat {
		t.Fatal("esc did not close the panel")
	}
	st.mu.Lock()
	puts := slices.Clone(st.puts)
	st.mu.Unlock()
	if len(puts) != 2 {
		t.Fatalf("%d writes, want 2", len(puts))
	}
	if g := puts[0].Glossary; !slices.Equal(g, []model.GlossaryTerm{attention, transformer}) {
		t.Fatalf("after adding: %+v", g)
	}
	if g := puts[1].Glossary; !slices.Equal(g, []model.GlossaryTerm{transformer}) {
		t.Fatalf("after deleting: %+v", g)
	}
	for _, p := range puts {
		if p.ID != "lecture-01" || p.Owner != model.LocalOwner || p.Entries != 4 {
			t.Fatalf("written script = %+v", p)
		}
	}
}

// glossaryModelFor is an app with a script attached and the glossary panel open and loaded.
func glossaryModelFor(t *testing.T, st *fakeStore) Model {
	t.Helper()
	cfg := testConfig(t)
	cfg.Session.ScriptID = "lecture-01"
	m := sized(newApp(cfg, &fakeTranslator{log: st.log}, st), 80, 24)
	m = run(t, m, ctrlL())
	if m.panel != panelGlossary || !m.gloss.loaded {
		t.Fatalf("panel %d not loaded: %+v", m.panel, m.gloss.err)
	}
	return m
}

func TestGlossaryPanel(t *testing.T) {
	t.Run("new script", func(t *testing.T) {
		st := newFakeStore(&callLog{})
		m := glossaryModelFor(t, st)
		if !strings.Contains(m.View(), "no terms yet") {
			t.Fatalf("an empty glossary is not said:\n%s", m.View())
		}
		m = step(m, typeKeys("attention=어텐션")...)
		m = run(t, m, press(tea.KeyEnter))
		if len(st.puts) != 1 || st.puts[0].Owner != model.LocalOwner || st.puts[0].To != "ko-KR" ||
			!slices.Equal(st.puts[0].Glossary, []model.GlossaryTerm{attention}) {
			t.Fatalf("puts = %+v", st.puts)
		}
		if m.gloss.input.Value() != "" || m.gloss.saving {
			t.Fatalf("input %q, saving %v", m.gloss.input.Value(), m.gloss.saving)
		}
	})
	t.Run("update any case", func(t *testing.T) {
		st := newFakeStore(&callLog{})
		st.scripts = []model.Script{{ID: "lecture-01", Glossary: []model.GlossaryTerm{attention, transformer}}}
		m := glossaryModelFor(t, st)
		m = step(m, typeKeys("Attention=주의")...)
		m = run(t, m, press(tea.KeyEnter))
		want := []model.GlossaryTerm{{Term: "Attention", Translation: "주의"}, transformer}
		if len(st.puts) != 1 || !slices.Equal(st.puts[0].Glossary, want) || m.gloss.cursor != 0 {
			t.Fatalf("puts = %+v, cursor %d", st.puts, m.gloss.cursor)
		}
		if m.gloss.note != "updated Attention → 주의" {
			t.Fatalf("note = %q", m.gloss.note)
		}
	})
	t.Run("invalid input", func(t *testing.T) {
		for _, in := range []string{"attention", "=어텐션", "attention= "} {
			st := newFakeStore(&callLog{})
			m := glossaryModelFor(t, st)
			m = step(m, typeKeys(in)...)
			m = run(t, m, press(tea.KeyEnter))
			if len(st.puts) != 0 || !strings.Contains(m.View(), "type term=translation") || m.gloss.input.Value() != in {
				t.Fatalf("%q: puts %v, error %q", in, st.puts, m.gloss.err)
			}
		}
	})
	t.Run("delete kept", func(t *testing.T) {
		st := newFakeStore(&callLog{})
		st.scripts = []model.Script{{ID: "lecture-01", Glossary: []model.GlossaryTerm{attention}}}
		m := glossaryModelFor(t, st)
		m = step(m, tea.KeyMsg{Type: tea.KeyDelete})
		if !m.gloss.confirm {
			t.Fatal("delete did not ask")
		}
		m = run(t, m, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{'n'}})
		if len(st.puts) != 0 || m.gloss.confirm || m.gloss.note != "kept attention" || len(m.gloss.sc.Glossary) != 1 {
			t.Fatalf("puts %v, note %q", st.puts, m.gloss.note)
		}
	})
	t.Run("delete keys edit a typed input", func(t *testing.T) {
		st := newFakeStore(&callLog{})
		st.scripts = []model.Script{{ID: "lecture-01", Glossary: []model.GlossaryTerm{attention}}}
		m := glossaryModelFor(t, st)
		m = step(m, typeKeys("ab")...)
		m = step(m, press(tea.KeyLeft), tea.KeyMsg{Type: tea.KeyCtrlD})
		if m.gloss.confirm || m.gloss.input.Value() != "a" {
			t.Fatalf("confirm %v, input %q", m.gloss.confirm, m.gloss.input.Value())
		}
	})
	t.Run("write fails", func(t *testing.T) {
		st := newFakeStore(&callLog{})
		st.putErr = errors.New("database is in use by another process")
		m := glossaryModelFor(t, st)
		m = step(m, typeKeys("attention=어텐션")...)
		m = run(t, m, press(tea.KeyEnter))
		if !strings.Contains(m.gloss.err, "database is in use") || m.gloss.input.Value() != "attention=어텐션" || len(m.gloss.sc.Glossary) != 0 {
			t.Fatalf("error %q, input %q, terms %v", m.gloss.err, m.gloss.input.Value(), m.gloss.sc.Glossary)
		}
	})
	t.Run("one change at a time", func(t *testing.T) {
		st := newFakeStore(&callLog{})
		m := glossaryModelFor(t, st)
		m = step(m, typeKeys("attention=어텐션")...)
		m = step(m, press(tea.KeyEnter)) // the write is on its way
		m = step(m, typeKeys("softmax=소프트맥스")...)
		m = step(m, press(tea.KeyEnter))
		if m.gloss.err != "saving the last change…" || m.gloss.input.Value() != "softmax=소프트맥스" {
			t.Fatalf("error %q, input %q", m.gloss.err, m.gloss.input.Value())
		}
	})
	t.Run("hostile terms drawn safe", func(t *testing.T) {
		st := newFakeStore(&callLog{})
		st.scripts = []model.Script{{ID: "lecture-01", Glossary: []model.GlossaryTerm{{Term: "a\x1b]52;c;ZXZp\x07b", Translation: "c\u202ed"}}}}
		m := glossaryModelFor(t, st)
		if view := m.View(); strings.ContainsAny(view, "\x1b\u202e") || !strings.Contains(view, "ab") {
			t.Fatalf("view = %q", view)
		}
	})
}

func TestViewGlossaryPanel(t *testing.T) {
	st := newFakeStore(&callLog{})
	st.scripts = []model.Script{{ID: "lecture-01", Glossary: []model.GlossaryTerm{
		attention, transformer,
		{Term: "large language model", Translation: "대규모 언어 모델"},
	}}}
	m := glossaryModelFor(t, st)
	m = step(m, press(tea.KeyDown))
	m = step(m, typeKeys("softmax=소프트")...)
	checkGolden(t, m)
}
