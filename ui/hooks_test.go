package ui

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/yeok/yeok/model"
)

var attention = model.GlossaryTerm{Term: "attention", Translation: "어텐션"}

// lectureStore is a store holding script lecture-01 with a glossary and one done entry,
// the context of the script's next request.
func lectureStore(st *fakeStore) *fakeStore {
	st.scripts = []model.Script{{ID: "lecture-01", Owner: model.LocalOwner, Glossary: []model.GlossaryTerm{attention}}}
	st.entries = []model.Entry{{ID: 1, ScriptID: "lecture-01", Source: "Good morning.", Text: "좋은 아침입니다.",
		Status: model.StatusDone, To: "ko-KR"}}
	return st
}

// TestScriptRequestCarriesContextAndGlossary: the engine fills a script request from the
// store before logging it: the script's done pairs and the glossary terms of the source.
func TestScriptRequestCarriesContextAndGlossary(t *testing.T) {
	st, tr := newFakes(playDeltas("어텐션이", " 전부입니다"))
	lectureStore(st)
	cfg := testConfig(t)
	cfg.Session.ScriptID = "lecture-01"
	a := startApp(t, cfg, st, tr)
	a.typeText("Attention is all you need")
	a.press(tea.KeyEnter)
	a.waitFor(t, "✓ done")
	eventually(t, "Finish", func() bool { return len(st.finishedEntries()) == 1 })

	calls := a.log.list()
	at := func(name string) int { return slices.Index(calls, name) }
	if !(at("NewSession") >= 0 && at("NewSession") < at("Begin") && at("Begin") < at("Stream") && at("Stream") < at("Finish:done")) {
		t.Fatalf("calls = %v: want the session, then the entry logged, streamed and finished", calls)
	}
	for name, req := range map[string]model.Request{"logged": st.begunRequests()[0], "sent": tr.requests()[0]} {
		if len(req.Context) != 1 || req.Context[0].Translation != "좋은 아침입니다." {
			t.Errorf("%s request context = %+v", name, req.Context)
		}
		if len(req.Glossary) != 1 || req.Glossary[0] != attention {
			t.Errorf("%s request glossary = %+v", name, req.Glossary)
		}
		if req.ScriptID != "lecture-01" || req.Owner != model.LocalOwner || req.SessionID == 0 {
			t.Errorf("%s request = %+v", name, req)
		}
	}
}

// TestUnreadableScriptLogsNothing: when the script cannot be read, nothing is logged or
// sent, and the entry shows failed with the reason.
func TestUnreadableScriptLogsNothing(t *testing.T) {
	st, tr := newFakes(playDeltas("x"))
	st.scriptErr = errors.New("script store unreadable")
	cfg := testConfig(t)
	cfg.Session.ScriptID = "lecture-01"
	a := startApp(t, cfg, st, tr)
	a.typeText("hello")
	a.press(tea.KeyEnter)
	a.waitFor(t, "script store unreadable")
	m := a.final(t)
	if len(st.begunRequests()) != 0 || len(tr.requests()) != 0 {
		t.Fatal("a request that could not be prepared was logged or sent")
	}
	if last := m.sb.last(); last == nil || last.entry.Status != model.StatusFailed {
		t.Fatalf("the entry is not shown failed: %+v", last)
	}
}

func TestTidyCleansAndFlags(t *testing.T) {
	st, tr := newFakes(playDeltas("Here is the translation:\n", "주의가 전부입니다"))
	cfg := testConfig(t)
	cfg.Session.ScriptID = "lecture-01"
	lectureStore(st)
	a := startApp(t, cfg, st, tr)
	a.typeText("Attention is all you need")
	a.press(tea.KeyEnter)
	a.waitFor(t, `⚠ glossary term "attention" not used`)
	eventually(t, "Finish", func() bool { return len(st.finishedEntries()) == 1 })
	e := st.finishedEntries()[0]
	if e.Clean != "주의가 전부입니다" || !slices.Equal(e.Flags, []model.Flag{model.GlossaryMiss("attention")}) {
		t.Fatalf("stored entry clean %q flags %v", e.Clean, e.Flags)
	}
	if e.Text != "Here is the translation:\n주의가 전부입니다" {
		t.Fatalf("stored raw text = %q", e.Text)
	}
	view := a.final(t).View()
	if strings.Contains(view, "Here is the translation") || !strings.Contains(view, "주의가 전부입니다") {
		t.Fatalf("the entry does not show the clean text:\n%s", view)
	}
	if !strings.Contains(view, "ctrl+r retry with the glossary") {
		t.Fatalf("the newest flagged entry does not offer a retry:\n%s", view)
	}
}

func TestRetryAfterGlossaryMissNamesTerm(t *testing.T) {
	answers := []string{"주의가 전부입니다", "어텐션이 전부입니다"}
	st, tr := newFakes(nil)
	tr.play = func(ctx context.Context, req model.Request, emit func(model.Event)) model.Result {
		return playDeltas(answers[len(tr.requests())-1])(ctx, req, emit)
	}
	cfg := testConfig(t)
	cfg.Session.ScriptID = "lecture-01"
	lectureStore(st)
	a := startApp(t, cfg, st, tr)
	a.typeText("Attention is all you need")
	a.press(tea.KeyEnter)
	a.waitFor(t, `⚠ glossary term "attention" not used`)
	a.press(tea.KeyCtrlR)
	a.waitFor(t, "어텐션이 전부입니다")
	eventually(t, "two finishes", func() bool { return len(st.finishedEntries()) == 2 })
	reqs := tr.requests()
	want := `The glossary requires "attention" to be translated as "어텐션"; the last answer did not use it.`
	if len(reqs[0].Notes) != 0 || !slices.Equal(reqs[1].Notes, []string{want}) {
		t.Fatalf("notes = %q then %q", reqs[0].Notes, reqs[1].Notes)
	}
	if reqs[1].Source != "Attention is all you need" {
		t.Fatalf("retry source = %q", reqs[1].Source)
	}
	if flags := st.finishedEntries()[1].Flags; len(flags) != 0 {
		t.Fatalf("the retried answer is still flagged: %v", flags)
	}
}

func TestFlagLines(t *testing.T) {
	lk := newTestModel(t).look()
	tests := []struct {
		name  string
		flags []model.Flag
		last  bool
		want  []string
	}{
		{"none", nil, true, nil},
		{"glossary misses joined", []model.Flag{"glossary-miss:attention", "glossary-miss:softmax"}, false,
			[]string{`⚠ glossary terms "attention", "softmax" not used`}},
		{"retry offered on the newest", []model.Flag{"glossary-miss:attention"}, true,
			[]string{`⚠ glossary term "attention" not used · ctrl+r retry with the glossary`}},
		{"echo and script", []model.Flag{"echo", "script-mismatch"}, false,
			[]string{"⚠ the answer repeats the source", "⚠ the answer is not written in the script of ko-KR"}},
		{"hostile term sanitised", []model.Flag{"glossary-miss:a\x1b]52;c;ZXZp\x07b\u202e"}, false,
			[]string{`⚠ glossary term "ab" not used`}},
		{"unknown flag", []model.Flag{"odd\x1b[2J"}, false, []string{"⚠ odd"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &block{kind: blockEntry, entry: model.Entry{To: "ko-KR", Status: model.StatusDone, Flags: tt.flags}}
			if got := b.flagLines(200, tt.last, lk); !slices.Equal(got, tt.want) {
				t.Fatalf("lines = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestViewGlossaryWarning(t *testing.T) {
	log := &callLog{}
	cfg := testConfig(t)
	m := sized(newApp(cfg, &fakeTranslator{log: log}, newFakeStore(log)), 80, 24)
	m = finished(m, "Attention is all you need.", doneResult("Translation:\n주의가 전부입니다."))
	last := m.sb.last()
	last.entry.Clean = "주의가 전부입니다."
	last.entry.Flags = []model.Flag{"glossary-miss:attention", "script-mismatch"}
	last.invalidate()
	checkGolden(t, m)
}
