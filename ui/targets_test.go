package ui

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/yeok/yeok/model"
)

var (
	japanese = model.MustLanguage("ja-JP")
	chinese  = model.MustLanguage("zh-Hant")
)

// gate holds every stream until released, and counts the streams that arrived.
type gate struct {
	release chan struct{}
	once    sync.Once
	mu      sync.Mutex
	arrived []string
	waiting chan struct{} // gets one value per stream that arrived
}

func newGate() *gate {
	return &gate{release: make(chan struct{}), waiting: make(chan struct{}, 64)}
}

func (g *gate) open() { g.once.Do(func() { close(g.release) }) }

// wait blocks until n streams have arrived.
func (g *gate) wait(t *testing.T, n int) {
	t.Helper()
	for range n {
		select {
		case <-g.waiting:
		case <-time.After(3 * time.Second):
			t.Fatalf("only some of %d streams arrived", n)
		}
	}
}

// play answers each stream with answer(req) once the gate opens; a stream that is
// cancelled first ends cancelled.
func (g *gate) play(answer func(req model.Request) model.Result) func(context.Context, model.Request, func(model.Event)) model.Result {
	return func(ctx context.Context, req model.Request, emit func(model.Event)) model.Result {
		g.mu.Lock()
		g.arrived = append(g.arrived, req.Source+"→"+req.To.String())
		g.mu.Unlock()
		g.waiting <- struct{}{}
		select {
		case <-g.release:
		case <-ctx.Done():
			return model.Result{Status: model.StatusCancelled}
		}
		res := answer(req)
		if res.Text != "" {
			emit(model.Event{Kind: model.EventDelta, Text: res.Text})
		}
		return res
	}
}

// perTarget answers "<source> in <target>" done, or a failure for the targets in fail.
func perTarget(fail ...model.Language) func(req model.Request) model.Result {
	return func(req model.Request) model.Result {
		for _, f := range fail {
			if req.To == f {
				return model.Result{Status: model.StatusFailed, Err: &model.Error{Class: model.ClassServer, Message: "the server failed (500)"}}
			}
		}
		r := doneResult(req.Source + " in " + req.To.String())
		return r
	}
}

// TestFlowQueueThreeLines: lines typed while one streams are queued in order, shown
// queued, and the box is cleared on each Enter; each goes when the one before is done.
func TestFlowQueueThreeLines(t *testing.T) {
	g := newGate()
	st, tr := newFakes(g.play(perTarget()))
	a := startApp(t, testConfig(t), st, tr)
	for _, line := range []string{"rapid A", "rapid B", "rapid C"} {
		a.typeText(line)
		a.press(tea.KeyEnter)
	}
	g.wait(t, 1)
	a.waitFor(t, "queued · esc cancels")
	a.waitFor(t, "rapid C")
	g.open()
	eventually(t, "three entries", func() bool { return len(st.finishedEntries()) == 3 })
	a.waitFor(t, "rapid C in ko-KR")
	m := a.final(t)
	var got []string
	for _, e := range st.finishedEntries() {
		got = append(got, e.Source+":"+string(e.Status))
	}
	if strings.Join(got, ",") != "rapid A:done,rapid B:done,rapid C:done" {
		t.Fatalf("entries in order %v", got)
	}
	if m.input.Value() != "" || len(m.follow.queue) != 0 {
		t.Fatalf("box %q, queue %v", m.input.Value(), m.follow.queue)
	}
	for _, b := range m.sb.blocks {
		if b.queued {
			t.Fatalf("a block is still queued: %+v", b.entry)
		}
	}
}

// TestFlowEscCancelsTheQueue: Esc stops the line in flight and the lines queued behind
// it; they are marked not sent, never sent, and Up brings them back.
func TestFlowEscCancelsTheQueue(t *testing.T) {
	g := newGate()
	st, tr := newFakes(g.play(perTarget()))
	a := startApp(t, testConfig(t), st, tr)
	for _, line := range []string{"first", "second", "third"} {
		a.typeText(line)
		a.press(tea.KeyEnter)
	}
	g.wait(t, 1)
	a.waitFor(t, "third")
	a.press(tea.KeyEsc)
	a.waitFor(t, "2 queued lines not sent")
	eventually(t, "the stopped entry", func() bool { return len(st.finishedEntries()) == 1 })
	a.press(tea.KeyUp)
	m := a.final(t)
	if n := len(tr.requests()); n != 1 {
		t.Fatalf("%d requests, want only the first", n)
	}
	if m.input.Value() != "third" {
		t.Fatalf("Up brought back %q", m.input.Value())
	}
	if b := blockWithSource(t, m, "second"); b.queued || b.entry.Error != notSent {
		t.Fatalf("second: %+v", b.entry)
	}
}

// TestFlowThreeTargetsAtOnce: a line into three targets is three entries under one
// request id, streaming in parallel (the fake holds every stream until all three have
// arrived), stacked under the source and labelled.
func TestFlowThreeTargetsAtOnce(t *testing.T) {
	g := newGate()
	st, tr := newFakes(g.play(perTarget()))
	cfg := testConfig(t)
	cfg.More = []model.Language{japanese, chinese}
	a := startApp(t, cfg, st, tr)
	a.waitFor(t, "ko-KR, ja-JP, zh-Hant")
	a.typeText("good morning")
	a.press(tea.KeyEnter)
	g.wait(t, 3) // all three are in flight at once
	g.open()
	eventually(t, "three entries", func() bool { return len(st.finishedEntries()) == 3 })
	a.waitFor(t, "good morning in zh-Hant")
	m := a.final(t)
	es := st.finishedEntries()
	st.mu.Lock()
	var logged []model.Language
	for _, e := range st.entries {
		logged = append(logged, e.To)
	}
	st.mu.Unlock()
	if model.JoinTargets(logged) != "ko-KR,ja-JP,zh-Hant" {
		t.Fatalf("entries logged in the order %v, not the order of the targets", logged)
	}
	seen := map[model.Language]bool{}
	for _, e := range es {
		seen[e.To] = true
		if e.Group == 0 || e.Group != es[0].Group || e.Display() != "good morning in "+e.To.String() {
			t.Fatalf("entry %+v", e)
		}
	}
	if len(seen) != 3 {
		t.Fatalf("targets %v", seen)
	}
	v := m.View()
	src := strings.Index(v, "› good morning")
	ko, ja, zh := strings.Index(v, "good morning in ko-KR"), strings.Index(v, "good morning in ja-JP"), strings.Index(v, "good morning in zh-Hant")
	if src < 0 || !(src < ko && ko < ja && ja < zh) || strings.Count(v, "› good morning") != 1 {
		t.Fatalf("targets not stacked under one source:\n%s", v)
	}
}

// TestFlowRetryOnlyTheFailedTarget: one target of three fails; the others finish; Ctrl+R
// sends the line again into the failed target only, in the same group.
func TestFlowRetryOnlyTheFailedTarget(t *testing.T) {
	g := newGate()
	g.open()
	var mu sync.Mutex
	fail := true
	st, tr := newFakes(g.play(func(req model.Request) model.Result {
		mu.Lock()
		defer mu.Unlock()
		if req.To == japanese && fail {
			fail = false
			return perTarget(japanese)(req)
		}
		return perTarget()(req)
	}))
	cfg := testConfig(t)
	cfg.More = []model.Language{japanese, chinese}
	a := startApp(t, cfg, st, tr)
	a.typeText("hello")
	a.press(tea.KeyEnter)
	eventually(t, "three entries", func() bool { return len(st.finishedEntries()) == 3 })
	a.waitFor(t, "ja-JP: failed")
	a.press(tea.KeyCtrlR)
	eventually(t, "the retry", func() bool { return len(st.finishedEntries()) == 4 })
	a.waitFor(t, "hello in ja-JP")
	a.final(t)
	reqs := tr.requests()
	if len(reqs) != 4 || reqs[3].To != japanese || reqs[3].Group == 0 || reqs[3].Group != reqs[0].Group {
		t.Fatalf("requests %+v", reqs)
	}
}

// TestFlowCopyTheFocusedTarget: Tab moves the focus among the newest line's targets and
// Ctrl+Y copies the focused one.
func TestFlowCopyTheFocusedTarget(t *testing.T) {
	g := newGate()
	g.open()
	st, tr := newFakes(g.play(perTarget()))
	cfg := testConfig(t)
	cfg.More = []model.Language{japanese}
	var mu sync.Mutex
	var copied []string
	cfg.Clipboard = func(text string) error {
		mu.Lock()
		defer mu.Unlock()
		copied = append(copied, text)
		return nil
	}
	a := startApp(t, cfg, st, tr)
	a.typeText("hi")
	a.press(tea.KeyEnter)
	eventually(t, "two entries", func() bool { return len(st.finishedEntries()) == 2 })
	a.waitFor(t, "hi in ja-JP")
	a.press(tea.KeyCtrlY)
	a.waitFor(t, "sent to the terminal's clipboard")
	a.press(tea.KeyTab)
	a.press(tea.KeyCtrlY)
	eventually(t, "two copies", func() bool { mu.Lock(); defer mu.Unlock(); return len(copied) == 2 })
	a.final(t)
	if copied[0] != "hi in ko-KR" || copied[1] != "hi in ja-JP" {
		t.Fatalf("copied %q", copied)
	}
}

// TestFlowPickerMarksSeveralTargets: Space marks targets in the picker, Enter takes the
// set; the status bar shows them all and the set is remembered as one recent choice.
func TestFlowPickerMarksSeveralTargets(t *testing.T) {
	g := newGate()
	g.open()
	st, tr := newFakes(g.play(perTarget()))
	a := startApp(t, testConfig(t), st, tr)
	a.press(tea.KeyCtrlT)
	a.waitFor(t, "Translate into")
	a.typeText("japanese")
	a.waitFor(t, "Japanese")
	a.tm.Send(tea.KeyMsg{Type: tea.KeyCtrlAt}) // with text in the filter, Ctrl+Space marks
	a.waitFor(t, "1 marked")
	a.press(tea.KeyDown)
	a.press(tea.KeySpace)
	a.waitFor(t, "2 marked")
	a.press(tea.KeyEnter)
	a.waitFor(t, "into 2 languages at once")
	a.typeText("x")
	a.press(tea.KeyEnter)
	eventually(t, "two entries", func() bool { return len(st.finishedEntries()) == 2 })
	m := a.final(t)
	if got := model.JoinTargets(m.targets()); !strings.HasPrefix(got, "ja,") && !strings.HasPrefix(got, "ja-JP,") {
		t.Fatalf("targets %s", got)
	}
	st.mu.Lock()
	touched := st.touched
	st.mu.Unlock()
	if len(touched) == 0 || !strings.Contains(string(touched[len(touched)-1]), ",") {
		t.Fatalf("the set was not remembered: %v", touched)
	}
}

// TestPickerMarkLimit: the picker marks at most Config.MaxTargets targets and says so;
// Space types into a filter that has text, and a set from the recent list is chosen whole.
func TestPickerMarkLimit(t *testing.T) {
	cfg := testConfig(t)
	cfg.MaxTargets = 2
	m := sized(newApp(cfg, nil, newFakeStore(&callLog{})), 80, 24)
	m = step(m, press(tea.KeyCtrlT), press(tea.KeySpace), press(tea.KeyDown), press(tea.KeySpace), press(tea.KeyDown), press(tea.KeySpace))
	if len(m.picker.marked) != 2 || !strings.Contains(m.picker.err, "at most 2") {
		t.Fatalf("marked %v, err %q", m.picker.marked, m.picker.err)
	}
	m = step(m, typeKeys("portuguese brazil")...)
	if got := m.picker.filter.Value(); got != "portuguese brazil" {
		t.Fatalf("a space with text in the filter did not type: %q", got)
	}
	m = step(m, press(tea.KeyEsc))
	m.recents = []model.Language{"ja-JP,zh-Hant"}
	m = step(m, press(tea.KeyCtrlT))
	if m.picker.items[0].label != "Japanese + Chinese (Traditional) (ja-JP,zh-Hant)" && !strings.Contains(m.picker.items[0].label, "+") {
		t.Fatalf("the recent set is shown as %q", m.picker.items[0].label)
	}
	m = step(m, press(tea.KeyEnter))
	if got := model.JoinTargets(m.targets()); got != "ja-JP,zh-Hant" {
		t.Fatalf("choosing the set gave %s", got)
	}
}

// TestReopenedLineStacksItsTargets: entries of one line loaded from the store show under one
// source, each labelled, as they did when they streamed.
func TestReopenedLineStacksItsTargets(t *testing.T) {
	blocks := entryBlocks("last session", []model.Entry{
		{ID: 1, Source: "hello", To: "ko-KR", Text: "안녕", Status: model.StatusDone, Group: 9},
		{ID: 2, Source: "hello", To: "ja-JP", Text: "こんにちは", Status: model.StatusDone, Group: 9},
		{ID: 3, Source: "bye", To: "ko-KR", Text: "잘 가", Status: model.StatusDone},
	})
	if !blocks[1].tagged || blocks[1].member || !blocks[2].tagged || !blocks[2].member || blocks[3].tagged || blocks[3].member {
		t.Fatalf("blocks: %+v %+v %+v", *blocks[1], *blocks[2], *blocks[3])
	}
	st, keys := DefaultStyles(asciiRenderer()), DefaultKeyMap()
	var lines []string
	for _, b := range blocks[1:] {
		lines = append(lines, b.lines(80, false, look{st: &st, keys: &keys})...)
	}
	if got := strings.Count(strings.Join(lines, "\n"), "› hello"); got != 1 {
		t.Fatalf("the source shows %d times:\n%s", got, strings.Join(lines, "\n"))
	}
}
