package ui

import (
	"fmt"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/yeok/yeok/model"
)

// manySessions is a fake store holding n sessions and a few scripts.
func manySessions(n int) *fakeStore {
	st := newFakeStore(&callLog{})
	for i := range n {
		at := testNow.Add(-time.Duration(n-i) * time.Hour)
		st.sessions = append(st.sessions, model.Session{
			ID: uint64(i + 1), Origin: "tui", Started: at, Updated: at.Add(10 * time.Minute), From: "en", To: "ko-KR",
			Entries: i%40 + 1, Title: fmt.Sprintf("Session %d: where is the nearest train station?", i+1),
		})
	}
	for i := range 5 {
		st.scripts = append(st.scripts, model.Script{ID: fmt.Sprintf("lecture-%02d", i+1), Updated: testNow.Add(-time.Duration(i) * 30 * time.Hour), Entries: 100})
	}
	return st
}

// BenchmarkBrowserOpen measures opening the history browser over a store of 1,000
// sessions: the Update of the history key, its command reading the first page, the
// loaded message and the View.
func BenchmarkBrowserOpen(b *testing.B) {
	st := manySessions(1000)
	m := sized(newApp(testConfig(b), &fakeTranslator{log: st.log}, st), 80, 24)
	b.ReportAllocs()
	for b.Loop() {
		next, cmd := m.Update(press(tea.KeyCtrlO))
		o := next.(Model)
		o = step(o, cmd())
		if len(o.history.items) != historyPage+5 || len(o.View()) == 0 {
			b.Fatalf("%d items", len(o.history.items))
		}
	}
}

// BenchmarkBrowserView measures drawing the browser with every session loaded, the pane
// alone and the whole screen: only the visible rows are drawn, so the cost stays flat as
// the list grows.
func BenchmarkBrowserView(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		b.Run(fmt.Sprintf("sessions=%d", n), func(b *testing.B) {
			st := manySessions(n)
			m := sized(newApp(testConfig(b), &fakeTranslator{log: st.log}, st), 80, 24)
			m = step(m, press(tea.KeyCtrlO), loadHistoryCmd(m.browserEnv(), 0)())
			m = step(m, press(tea.KeyDown), press(tea.KeyDown))
			b.Run("pane", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if len(m.history.view()) == 0 {
						b.Fatal("empty view")
					}
				}
			})
			b.Run("screen", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if len(m.View()) == 0 {
						b.Fatal("empty view")
					}
				}
			})
		})
	}
}

// BenchmarkBrowserFilter measures one keystroke in the filter over 1,000 sessions (the
// filter runs in Update, over memory), with the View after it.
func BenchmarkBrowserFilter(b *testing.B) {
	st := manySessions(1000)
	m := sized(newApp(testConfig(b), &fakeTranslator{log: st.log}, st), 80, 24)
	m = step(m, press(tea.KeyCtrlO), loadHistoryCmd(m.browserEnv(), 0)())
	m = step(m, typeKeys("statio")...)
	keys := []tea.Msg{typeKeys("n")[0], press(tea.KeyBackspace)}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		next, _ := m.Update(keys[i%2])
		m = next.(Model)
		if len(m.View()) == 0 {
			b.Fatal("empty view")
		}
	}
}

// BenchmarkSearchView measures drawing a full page of search results with their matches
// marked.
func BenchmarkSearchView(b *testing.B) {
	st := manySessions(10)
	for i := range searchLimit {
		st.entries = append(st.entries, model.Entry{
			ID: uint64(i + 1), SessionID: 1, To: "ko-KR", Status: model.StatusDone, Created: testNow,
			Source: fmt.Sprintf("Line %d: after the lecture we walk together to the old central station and back.", i),
			Text:   "강의가 끝나면 옛 중앙역까지 함께 걸어갔다가 돌아옵니다.",
		})
	}
	m := sized(newApp(testConfig(b), &fakeTranslator{log: st.log}, st), 80, 24)
	m = step(m, press(tea.KeyCtrlO), press(tea.KeyCtrlF))
	m = step(m, typeKeys("station")...)
	m = step(m, searchCmd(b.Context(), m.browserEnv(), m.history.search.seq, "station")())
	if len(m.history.search.hits) != searchLimit {
		b.Fatalf("%d hits", len(m.history.search.hits))
	}
	b.ReportAllocs()
	for b.Loop() {
		if len(m.View()) == 0 {
			b.Fatal("empty view")
		}
	}
}
