package ui

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"
	"github.com/yeok/yeok/model"
)

// freshView draws m with nothing kept from earlier frames: a new view cache and copies
// of the scrollback's blocks with their drawn lines dropped.
func freshView(m Model) string {
	m.vc = newViewCache()
	sb := *m.sb
	sb.blocks = make([]*block, len(m.sb.blocks))
	for i, b := range m.sb.blocks {
		nb := *b
		nb.cache, nb.cacheOK, nb.lc = nil, false, nil
		sb.blocks[i] = &nb
	}
	m.sb = &sb
	return m.View()
}

// colorConfig is testConfig drawing for a 256-colour terminal.
func colorConfig(t *testing.T) Config {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.ANSI256)
	r.SetHasDarkBackground(true)
	cfg := testConfig(t)
	cfg.Renderer = r
	return cfg
}

// TestViewCacheMatchesFresh walks the app through resizes, typing, the help, a stream
// with its spinner and frames, status messages, scrolling, the picker, the history,
// a language change and quitting, and checks after every step that the view drawn from
// what earlier frames kept is the view drawn afresh.
func TestViewCacheMatchesFresh(t *testing.T) {
	log := &callLog{}
	m := newApp(colorConfig(t), &fakeTranslator{log: log}, newFakeStore(log))
	toks := benchTokens(200)
	growing := func(k int) tea.Msg {
		return frameMsg{id: m.flight.id, snap: snapshot{text: strings.Join(toks[:k], ""), deltas: k, firstAt: testNow.Add(-time.Duration(k) * 50 * time.Millisecond)}}
	}
	acts := []act{
		msgAct("size", tea.WindowSizeMsg{Width: 80, Height: 24}),
		msgAct("recents", recentsMsg{langs: []model.Language{"ja", "ko-KR"}}),
		msgAct("transcript", transcriptMsg{session: model.Session{ID: 1, Started: testNow}, entries: []model.Entry{
			{ID: 1, Source: "Good morning.", Text: "좋은 아침입니다.", To: "ko-KR", Status: model.StatusDone},
		}}),
	}
	for _, r := range "Hello there, world" {
		acts = append(acts, msgAct("type", tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}}))
	}
	acts = append(acts,
		msgAct("left", press(tea.KeyLeft)), msgAct("left", press(tea.KeyLeft)), msgAct("home", press(tea.KeyHome)),
		msgAct("full help", tea.KeyMsg{Type: tea.KeyCtrlG}), msgAct("close help", press(tea.KeyEsc)),
		msgAct("send", press(tea.KeyEnter)),
		act{"session", func() tea.Msg {
			return sessionMsg{id: m.flight.id, session: model.Session{ID: 1, Started: testNow}}
		}},
		act{"spinner", func() tea.Msg { return spinTickMsg{seq: m.spin.seq} }},
		act{"retrying", func() tea.Msg {
			return frameMsg{id: m.flight.id, snap: snapshot{retryAt: testNow.Add(3 * time.Second), attempt: 1}}
		}},
	)
	for k := 1; k <= 40; k++ {
		acts = append(acts, act{"frame", func() tea.Msg { return growing(k) }})
		if k%3 == 0 {
			acts = append(acts, act{"spinner", func() tea.Msg { return spinTickMsg{seq: m.spin.seq} }})
		}
	}
	acts = append(acts,
		msgAct("narrower", tea.WindowSizeMsg{Width: 50, Height: 16}),
		act{"frame", func() tea.Msg { return growing(60) }},
		msgAct("swap", tea.KeyMsg{Type: tea.KeyCtrlX}),
		act{"frame", func() tea.Msg { return growing(61) }},
		msgAct("scroll up", press(tea.KeyPgUp)),
		act{"frame", func() tea.Msg { return growing(62) }},
		act{"done", func() tea.Msg {
			s := growing(70).(frameMsg)
			s.snap.done = true
			return s
		}},
		act{"stored", func() tea.Msg {
			f := m.flight
			e := model.Entry{ID: 99, SessionID: 1, Source: f.req.Source, To: f.req.To, Created: testNow}
			e.Apply(doneResult(f.runs[0].snap.text), testNow)
			return translatedMsg{id: f.id, blk: f.runs[0].blk, entry: e}
		}},
		msgAct("scroll down", press(tea.KeyPgDown)),
		msgAct("scroll up", press(tea.KeyPgUp)),
		act{"flash cleared", func() tea.Msg { return flashClearMsg{seq: m.flash.seq} }},
		msgAct("picker", tea.KeyMsg{Type: tea.KeyCtrlT}),
		msgAct("filter", tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("ja")}),
		msgAct("pick", press(tea.KeyEnter)),
		msgAct("history", tea.KeyMsg{Type: tea.KeyCtrlO}),
		msgAct("back", press(tea.KeyEsc)),
		msgAct("wider", tea.WindowSizeMsg{Width: 100, Height: 30}),
		msgAct("quit", tea.KeyMsg{Type: tea.KeyCtrlC}),
	)
	for i, a := range acts {
		msg := a.do() // first: a step may change m
		var got string
		m, got = stepFresh(t, m, i, a.name, msg)
		if !strings.Contains(got, "\x1b[") {
			t.Fatalf("step %d (%s): no colour drawn", i, a.name)
		}
	}
	if m.flight != nil || m.writes != 0 || m.to != "ja" {
		t.Fatalf("the walk did not end where it should: flight %v, %d writes, into %q", m.flight, m.writes, m.to)
	}
}

// TestViewCacheFollowProgress checks the follow progress line as its counts change.
func TestViewCacheFollowProgress(t *testing.T) {
	cfg := colorConfig(t)
	cfg.Follow, cfg.FollowName = make(chan string), "lecture-01.txt"
	log := &callLog{}
	m := sized(newApp(cfg, &fakeTranslator{log: log}, newFakeStore(log)), 80, 24)
	for i := range 4 {
		m = step(m, followLineMsg{line: fmt.Sprintf("Line %d.", i), ok: true})
		want := fmt.Sprintf("%d seen", i+1)
		if got := m.View(); got != freshView(m) || !strings.Contains(ansi.Strip(got), want) {
			t.Fatalf("line %d: progress is not %q afresh:\n%s", i, want, ansi.Strip(got))
		}
	}
	m = step(m, followLineMsg{ok: false})
	if got := ansi.Strip(m.View()); !strings.Contains(got, "(ended)") {
		t.Fatalf("the end of the input is not shown:\n%s", got)
	}
}

// TestViewCacheEachInput changes one input of the cached parts at a time, on a model whose
// view was just drawn, and checks that the view is the one drawn afresh.
func TestViewCacheEachInput(t *testing.T) {
	log := &callLog{}
	base := sized(newApp(colorConfig(t), &fakeTranslator{log: log}, newFakeStore(log)), 80, 24)
	base = step(base, typeKeys("Hello")...)
	base.flash.text = "saved"
	plain := func(m *Model) *Styles { st := DefaultStyles(asciiRenderer()); return &st }
	tests := []struct {
		name  string
		mut   func(m *Model)
		setup func(m *Model) // before the view is first drawn
	}{
		{"target", func(m *Model) { m.to = "ja" }, nil},
		{"source", func(m *Model) { m.from = "en" }, nil},
		{"model", func(m *Model) { m.modelName = "another-model" }, nil},
		{"script", func(m *Model) { m.scriptID = "lecture-02" }, nil},
		{"flash", func(m *Model) { m.flash.text = "copied" }, nil},
		{"flash error", func(m *Model) { m.flash.isErr = true }, nil},
		{"flash cleared", func(m *Model) { m.flash.text = "" }, nil},
		{"state", func(m *Model) { m.quitting = true }, nil},
		{"styles", func(m *Model) { m.styles = plain(m) }, nil},
		{"value", func(m *Model) { m.input.value = []rune("Hellp") }, nil},
		{"cursor", func(m *Model) { m.input.pos = 2 }, nil},
		{"focus", func(m *Model) { m.input.focused = false }, nil},
		{"input rows", func(m *Model) { m.inputHeight = 2 }, nil},
		{"input width", func(m *Model) { m.input.width = 3 }, nil},
		{"prompt", func(m *Model) { m.input.prompt = "> " }, nil},
		{"placeholder", func(m *Model) { m.input.placeholder = "Say something" }, func(m *Model) { m.input.Reset() }},
		{"blurred", func(m *Model) { m.panel = panelChat }, func(m *Model) { *m = step(*m, tea.KeyMsg{Type: tea.KeyCtrlT}) }},
		{"full help", func(m *Model) { m.helpAll = true }, nil},
		{"binding off", func(m *Model) { k := *m.keys; k.Copy.SetEnabled(false); m.keys = &k }, nil},
		{"binding key", func(m *Model) {
			k := *m.keys
			k.Copy.SetHelp("ctrl+c", "copy")
			m.keys = &k
		}, nil},
		{"width", func(m *Model) { m.width = 70 }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := base
			if tt.setup != nil {
				tt.setup(&m)
			}
			before := m.View()
			tt.mut(&m)
			got, want := m.View(), freshView(m)
			if got != want {
				t.Fatalf("the view differs from one drawn afresh\n got\n%s\n want\n%s", got, want)
			}
			if got == before {
				t.Fatalf("the change did not show")
			}
		})
	}
}

// TestViewCachePieces draws more pieces than are kept, in two styles, and checks every
// piece is the style's drawing of its text, kept or dropped.
func TestViewCachePieces(t *testing.T) {
	st := DefaultStyles(colorConfig(t).Renderer)
	c := newViewCache()
	for round := range 3 {
		for i := range 2 * maxPieces {
			for _, style := range []*lipgloss.Style{&st.StatusBusy, &st.StatusIdle} {
				text := fmt.Sprintf("streaming %d tok/s", i%(maxPieces/2+round*maxPieces))
				if got, want := c.render(style, text), style.Render(text); got != want {
					t.Fatalf("round %d, piece %d: got %q, want %q", round, i, got, want)
				}
			}
		}
	}
}

// TestFitLinesMatchesAFreshFit holds the cached fit of frames whose lines stay, scroll by
// a few rows or jump, at two widths, against fitting every line afresh.
func TestFitLinesMatchesAFreshFit(t *testing.T) {
	rows := []string{"short", "a line far wider than the pane is", "한국어 넓은 글자가 있는 줄", "\x1b[1mbold and wide enough to cut\x1b[0m", "", "x"}
	frame := func(from, n int) string {
		var ls []string
		for i := range n {
			ls = append(ls, fmt.Sprintf("%d %s", (from+i)/len(rows), rows[(from+i)%len(rows)]))
		}
		return strings.Join(ls, "\n")
	}
	fresh := func(view string, width int) string {
		ls := strings.Split(view, "\n")
		for i, l := range ls {
			ls[i] = fitLine(l, width)
		}
		return strings.Join(ls, "\n")
	}
	c := newViewCache()
	for _, step := range []struct{ from, n, width int }{
		{0, 12, 20}, {0, 12, 20}, {1, 12, 20}, {3, 12, 20}, {3, 13, 20}, {40, 12, 20}, {41, 12, 12}, {41, 12, 20}, {0, 3, 20},
	} {
		view := frame(step.from, step.n)
		if got, want := strings.Join(c.fitLines(appendLines(c.frameBuffer(), view), step.width), "\n"), fresh(view, step.width); got != want {
			t.Fatalf("frame from %d, width %d:\n%q\nwant\n%q", step.from, step.width, got, want)
		}
	}
}

// act is one step of a test that drives a model through messages: its name, and the message,
// made when the step is taken.
type act struct {
	name string
	do   func() tea.Msg
}

// msgAct is a step that sends msg.
func msgAct(name string, msg tea.Msg) act { return act{name, func() tea.Msg { return msg }} }

// stepFresh sends msg, step i named name, to m and fails when the view then differs from
// one drawn with nothing kept; it returns the model and its view.
func stepFresh(t *testing.T, m Model, i int, name string, msg tea.Msg) (Model, string) {
	t.Helper()
	next, _ := m.Update(msg)
	m = next.(Model)
	got, want := m.View(), freshView(m)
	if got != want {
		t.Fatalf("step %d (%s): the view differs from one drawn afresh\n got\n%s\n want\n%s", i, name, got, want)
	}
	return m, got
}
