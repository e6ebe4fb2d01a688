package ui

import (
	"context"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/yeok/yeok/model"
)

// feed sends lines on ch from a goroutine, as cmd's follower does, and closes it after
// them when closeAfter is set.
func feed(ctx context.Context, ch chan<- string, closeAfter bool, lines ...string) {
	go func() {
		for _, l := range lines {
			select {
			case ch <- l:
			case <-ctx.Done():
				return
			}
		}
		if closeAfter {
			close(ch)
		}
	}()
}

func TestFollowTranslatesInOrder(t *testing.T) {
	release := make(chan struct{})
	var active, most atomic.Int32
	st, tr := newFakes(func(ctx context.Context, req model.Request, emit func(model.Event)) model.Result {
		n := active.Add(1)
		defer active.Add(-1)
		if n > most.Load() {
			most.Store(n)
		}
		if req.Source == "first" {
			select {
			case <-release:
			case <-ctx.Done():
				return model.Result{Status: model.StatusCancelled}
			}
		}
		if req.Source == "third" {
			return model.Result{Status: model.StatusFailed, Err: &model.Error{Class: model.ClassServer, Message: "server error (500)"}}
		}
		return playDeltas("번역 ", req.Source)(ctx, req, emit)
	})
	lines := make(chan string)
	cfg := testConfig(t)
	cfg.Follow, cfg.FollowName = lines, "talk.txt"
	cfg.Session.ScriptID = "talk-1"
	a := startApp(t, cfg, st, tr)
	feed(t.Context(), lines, true, "first", "", "second", "   ", "third\r")

	a.waitFor(t, "following talk.txt (ended) · 3 seen · 0 translated · 2 queued · 0 failed")
	a.typeText("by hand")
	a.press(tea.KeyEnter)
	a.waitFor(t, "3 seen · 0 translated · 3 queued · 0 failed")
	close(release)
	a.waitFor(t, "3 seen · 2 translated · 0 queued · 1 failed")
	eventually(t, "four finishes", func() bool { return len(st.finishedEntries()) == 4 })

	var sources []string
	for _, r := range tr.requests() {
		sources = append(sources, r.Source)
	}
	if want := []string{"first", "second", "third", "by hand"}; !slices.Equal(sources, want) {
		t.Fatalf("translated %q, want %q", sources, want)
	}
	if most.Load() != 1 {
		t.Fatalf("%d streams ran at once", most.Load())
	}
	for _, r := range st.begunRequests() {
		if r.ScriptID != "talk-1" {
			t.Fatalf("entry of %q logged to script %q", r.Source, r.ScriptID)
		}
	}
	// Each entry is committed before the next is logged, so a script's context sees it.
	var order []string
	for _, c := range a.log.list() {
		if c == "Begin" || strings.HasPrefix(c, "Finish") {
			order = append(order, c[:5])
		}
	}
	if got := strings.Join(order, ","); got != "Begin,Finis,Begin,Finis,Begin,Finis,Begin,Finis" {
		t.Fatalf("store calls = %s", got)
	}
	m := a.final(t)
	if m.follow.seen != 3 || m.follow.translated != 2 || m.follow.failed != 1 || len(m.follow.queue) != 0 {
		t.Fatalf("counts = %+v", m.follow)
	}
}

func TestFollowQueueWaitsForCommit(t *testing.T) {
	cfg := testConfig(t)
	cfg.Follow, cfg.FollowName = make(chan string), "notes.txt"
	cfg.Session.ScriptID = "talk-1"
	cfg.MaxInput = 16
	log := &callLog{}
	m := sized(newApp(cfg, &fakeTranslator{log: log}, newFakeStore(log)), 80, 24)

	m = step(m, followLineMsg{line: "", ok: true}, followLineMsg{line: " \t", ok: true})
	if m.follow.seen != 0 || m.flight != nil {
		t.Fatalf("a blank line was taken: %+v", m.follow)
	}
	m = step(m, followLineMsg{line: "this line is far too long", ok: true})
	if m.follow.seen != 1 || m.follow.failed != 1 || m.flight != nil {
		t.Fatalf("an over-long line was not counted failed: %+v", m.follow)
	}
	m = step(m, followLineMsg{line: "one", ok: true})
	if m.flight == nil || m.flight.req.Source != "one" || m.flight.req.ScriptID != "talk-1" || !m.flight.opts.followed {
		t.Fatalf("the first line did not start: %+v", m.flight)
	}
	m = step(m, followLineMsg{line: "two", ok: true})
	if len(m.follow.queue) != 1 {
		t.Fatalf("queue = %+v", m.follow.queue)
	}
	m = frame(m, snapshot{text: "하나", deltas: 1, done: true})
	if m.flight == nil || m.flight.req.Source != "one" || m.writes != 1 || len(m.follow.queue) != 1 {
		t.Fatal("the next line started before the engine stored the last entry")
	}
	m = translated(m, 1, doneResult("하나"))
	if m.flight == nil || m.flight.req.Source != "two" || len(m.follow.queue) != 0 {
		t.Fatalf("the queued line did not start after the commit: %+v", m.flight)
	}
	if m.follow.seen != 3 || m.follow.translated != 1 || m.follow.failed != 1 {
		t.Fatalf("counts = %+v", m.follow)
	}
	m = step(m, followLineMsg{ok: false})
	if !m.follow.ended || !strings.Contains(m.View(), "following notes.txt (ended)") {
		t.Fatal("the end of following is not shown")
	}
}

func TestFollowWithoutProviderKeepsLines(t *testing.T) {
	cfg := testConfig(t)
	cfg.Follow = make(chan string)
	cfg.ProviderError = "no provider configured"
	m := sized(newApp(cfg, nil, newFakeStore(&callLog{})), 80, 24)
	m = step(m, followLineMsg{line: "one", ok: true}, followLineMsg{line: "two", ok: true})
	if m.flight != nil || len(m.follow.queue) != 2 || m.follow.seen != 2 {
		t.Fatalf("lines were dropped or sent: %+v", m.follow)
	}
}

func TestFollowQuitStopsAndQuits(t *testing.T) {
	st, tr := newFakes(playUntilCancelled("부분"))
	lines := make(chan string)
	cfg := testConfig(t)
	cfg.Follow = lines
	a := startApp(t, cfg, st, tr)
	feed(t.Context(), lines, false, "first", "second")
	a.waitFor(t, "부분")
	a.waitFor(t, "1 queued")
	a.press(tea.KeyCtrlC)
	a.tm.WaitFinished(t, teatest.WithFinalTimeout(2*time.Second))
	got := st.finishedEntries()
	if len(got) != 1 || got[0].Status != model.StatusCancelled || got[0].Source != "first" {
		t.Fatalf("finished = %+v", got)
	}
	if n := len(tr.requests()); n != 1 {
		t.Fatalf("%d lines were sent after quitting", n)
	}
}

func TestViewFollowProgress(t *testing.T) {
	cfg := testConfig(t)
	cfg.Follow, cfg.FollowName = make(chan string), "lecture-01.txt"
	log := &callLog{}
	m := sized(newApp(cfg, &fakeTranslator{log: log}, newFakeStore(log)), 80, 24)
	m = step(m, followLineMsg{line: "Welcome to the first lecture.", ok: true})
	m = frame(m, snapshot{text: "첫 강의에 오신 것을 환영합니다.", deltas: 3, done: true})
	m = translated(m, 1, doneResult("첫 강의에 오신 것을 환영합니다."))
	m = step(m, followLineMsg{line: "Today we look at attention.", ok: true})
	m = frame(m, snapshot{text: "오늘은 어텐션을", deltas: 2, firstAt: testNow.Add(-time.Second)})
	m = step(m, followLineMsg{line: "It was introduced in 2017.", ok: true}, followLineMsg{line: "Let's start.", ok: true})
	checkGolden(t, m)
}

// TestFollowLayoutFits draws small terminals with the progress line, the banner and the
// glossary panel, and checks the view fits.
func TestFollowLayoutFits(t *testing.T) {
	for w := minWidth; w <= 34; w += 7 {
		for h := minHeight; h <= 12; h++ {
			cfg := testConfig(t)
			cfg.Follow, cfg.FollowName = make(chan string), "a-very-long-transcript-name.txt"
			cfg.ProviderError = "no provider configured: set OPENAI_API_KEY"
			cfg.Session.ScriptID = "lecture-01"
			st := newFakeStore(&callLog{})
			st.scripts = []model.Script{{ID: "lecture-01", Glossary: []model.GlossaryTerm{attention, transformer}}}
			m := sized(newApp(cfg, nil, st), w, h)
			m = step(m, followLineMsg{line: "one", ok: true}, followLineMsg{line: "two", ok: true})
			for _, p := range []tea.Msg{nil, ctrlL(), scriptLoadedMsg{id: "lecture-01", script: st.scripts[0]}, press(tea.KeyCtrlD)} {
				if p != nil {
					m = step(m, p)
				}
				lines := strings.Split(m.View(), "\n")
				if len(lines) > h {
					t.Fatalf("%dx%d after %v: %d lines", w, h, p, len(lines))
				}
				for _, l := range lines {
					if ansi.StringWidth(l) > w {
						t.Fatalf("%dx%d after %v: line %q too wide", w, h, p, l)
					}
				}
			}
			if !m.gloss.confirm {
				t.Fatalf("%dx%d: the glossary panel did not ask to delete", w, h)
			}
		}
	}
}
