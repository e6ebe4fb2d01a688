package ui

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/yeok/yeok/model"
)

// TestEntryLifeMatchesAFreshView follows entries through their life — streamed, finished,
// the pane resized, scrolled, approved, corrected, a second line streamed while scrolled up
// and stopped — and checks after every step that the view drawn from what earlier frames
// kept (wrapped lines, the entry in flight's lines, the frame's fitted rows, the status
// bar) is the view a model with nothing kept draws from the same state.
func TestEntryLifeMatchesAFreshView(t *testing.T) {
	log := &callLog{}
	st := newFakeStore(log)
	m := newApp(colorConfig(t), &fakeTranslator{log: log}, st)
	stored := func(e model.Entry) {
		st.mu.Lock()
		defer st.mu.Unlock()
		st.entries = append(st.entries, e)
	}
	approved := func(cmd tea.Cmd) tea.Msg {
		msg, ok := cmd().(approvedMsg)
		if !ok || msg.err != nil {
			t.Fatalf("approving gave %#v", msg)
		}
		return msg
	}
	toks := benchTokens(120)
	growing := func(k int, done bool) tea.Msg {
		return frameMsg{id: m.flight.id, snap: snapshot{text: strings.Join(toks[:k], ""), deltas: k, done: done,
			firstAt: testNow, lastAt: testNow.Add(time.Duration(k) * 50 * time.Millisecond)}}
	}
	var history []model.Entry
	for i := range 6 {
		history = append(history, model.Entry{ID: uint64(i + 1), SessionID: 1, Source: fmt.Sprintf("Earlier line %d.", i),
			Text: strings.Repeat("이전 줄의 번역입니다. ", i+1), To: "ko-KR", Status: model.StatusDone, Created: testNow})
	}
	acts := []act{
		msgAct("size", tea.WindowSizeMsg{Width: 80, Height: 24}),
		msgAct("transcript", transcriptMsg{session: model.Session{ID: 1, Started: testNow}, entries: history}),
	}
	for _, r := range "The first line." {
		acts = append(acts, msgAct("type", tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}}))
	}
	acts = append(acts, msgAct("send", press(tea.KeyEnter)))
	for k := 1; k <= 30; k += 3 {
		acts = append(acts, act{"frame", func() tea.Msg { return growing(k, false) }})
	}
	acts = append(acts,
		act{"last frame", func() tea.Msg { return growing(40, true) }},
		act{"finished", func() tea.Msg {
			f := m.flight
			e := model.Entry{ID: 50, SessionID: 1, Source: f.req.Source, To: f.req.To, Created: testNow}
			e.Apply(doneResult(f.runs[0].snap.text), testNow)
			stored(e)
			return translatedMsg{id: f.id, blk: f.runs[0].blk, entry: e}
		}},
		msgAct("narrower", tea.WindowSizeMsg{Width: 57, Height: 19}),
		msgAct("scroll up", press(tea.KeyPgUp)),
		msgAct("wheel up", tea.MouseMsg{Button: tea.MouseButtonWheelUp, Action: tea.MouseActionPress}),
		msgAct("scroll down", press(tea.KeyPgDown)),
		msgAct("scroll down", press(tea.KeyPgDown)),
		act{"approve", func() tea.Msg {
			_, cmd := m.Update(altKey('a'))
			return approved(cmd)
		}},
		msgAct("correct", altKey('e')),
		msgAct("type", tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(" (고침)")}),
		act{"save correction", func() tea.Msg {
			next, cmd := m.Update(press(tea.KeyEnter))
			m = next.(Model)
			return approved(cmd)
		}},
		msgAct("wider", tea.WindowSizeMsg{Width: 100, Height: 30}),
	)
	for _, r := range "A second line." {
		acts = append(acts, msgAct("type", tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}}))
	}
	acts = append(acts, msgAct("send", press(tea.KeyEnter)))
	for k := 2; k <= 60; k += 7 {
		acts = append(acts, act{"frame", func() tea.Msg { return growing(k, false) }})
		switch k {
		case 16:
			acts = append(acts, msgAct("resize", tea.WindowSizeMsg{Width: 71, Height: 22}))
		case 30:
			acts = append(acts, msgAct("scroll up", press(tea.KeyPgUp)))
		}
	}
	acts = append(acts,
		msgAct("stop", press(tea.KeyEsc)),
		msgAct("back to the end", press(tea.KeyPgDown)),
		msgAct("back to the end", press(tea.KeyPgDown)),
		msgAct("back to the end", press(tea.KeyPgDown)),
		msgAct("small", tea.WindowSizeMsg{Width: 30, Height: 12}),
		msgAct("too small", tea.WindowSizeMsg{Width: 15, Height: 6}),
		msgAct("size again", tea.WindowSizeMsg{Width: 80, Height: 24}),
	)
	for i, a := range acts {
		msg := a.do() // first: a step may change m
		var got string
		m, got = stepFresh(t, m, i, a.name, msg)
		// Twice in a row: the kept buffers of a frame must not leak into the next.
		if again := m.View(); again != got {
			t.Fatalf("step %d (%s): the same model drew a different view the second time\n%s\nthen\n%s", i, a.name, got, again)
		}
		// A screen takes the lines: they are the view's.
		if lines := m.ViewLines(); !slices.Equal(lines, strings.Split(got, "\n")) {
			t.Fatalf("step %d (%s): the view's lines are not the view:\n%q\nthen\n%q", i, a.name, got, lines)
		}
	}
	v := m.View()
	for _, want := range []string{"■ cancelled"} {
		if !strings.Contains(v, want) {
			t.Errorf("the last view does not show %q:\n%s", want, v)
		}
	}
	if st.entries[0].Approved == "" || !strings.HasSuffix(st.entries[0].Approved, "(고침)") {
		t.Errorf("the correction was not stored: %+v", st.entries[0])
	}
}
