package ui

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"
	"github.com/yeok/yeok/model"
)

// searchFor switches to search, types q and applies the search its debounce starts.
func searchFor(t *testing.T, m Model, q string) Model {
	t.Helper()
	if m.history.mode != browseSearch {
		m = step(m, press(tea.KeyCtrlF))
	}
	m = step(m, typeKeys(q)...)
	m, cmd := update(m, searchDueMsg{seq: m.history.search.seq})
	return exec(t, m, cmd)
}

func hitIDs(m Model) []uint64 {
	var ids []uint64
	for _, h := range m.history.search.hits {
		ids = append(ids, h.entry.ID)
	}
	return ids
}

func TestViewSearchResults(t *testing.T) {
	m := openBrowser(t, newBrowserModel(t, browserStore(), testConfig(t)))
	m = searchFor(t, m, "station")
	m = step(m, press(tea.KeyDown))
	checkGolden(t, m)
}

func TestSearchHitsAndMisses(t *testing.T) {
	tests := []struct {
		query string
		want  []uint64
	}{
		{"station", []uint64{21, 20, 14, 13, 6}}, // newest first, any case
		{"자정", []uint64{21}},                     // in the translation
		{"Thank you", []uint64{5}},
		{"zebra", nil},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			m := openBrowser(t, newBrowserModel(t, browserStore(), testConfig(t)))
			m = searchFor(t, m, tt.query)
			if got := hitIDs(m); !slices.Equal(got, tt.want) {
				t.Fatalf("search %q = %v, want %v", tt.query, got, tt.want)
			}
			view := m.View()
			if len(tt.want) == 0 {
				if !strings.Contains(view, fmt.Sprintf("no entry contains %q", tt.query)) {
					t.Fatalf("a miss is not said:\n%s", view)
				}
				return
			}
			if !strings.Contains(view, "["+tt.query+"]") || !strings.Contains(view, fmt.Sprintf("%d %s", len(tt.want), plural(len(tt.want), "match", "matches"))) {
				t.Fatalf("hits not shown with the match marked:\n%s", view)
			}
		})
	}
}

// searchCounter counts the searches that reach the store and keeps their contexts.
type searchCounter struct {
	*fakeStore
	mu       sync.Mutex
	searches []string
	ctxs     []context.Context
}

func (s *searchCounter) Entries(ctx context.Context, owner model.Owner, q model.EntryQuery) ([]model.Entry, error) {
	if q.Search != "" {
		s.mu.Lock()
		s.searches = append(s.searches, q.Search)
		s.ctxs = append(s.ctxs, ctx)
		s.mu.Unlock()
	}
	return s.fakeStore.Entries(ctx, owner, q)
}

func (s *searchCounter) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.searches)
}

// TestSearchDebouncesAndDropsStale types a query: no keystroke reads the store, only
// the newest edit is searched after the pause, and results of an older search are dropped.
func TestSearchDebouncesAndDropsStale(t *testing.T) {
	st := &searchCounter{fakeStore: browserStore()}
	m := sized(newApp(testConfig(t), &fakeTranslator{log: st.log}, st), 80, 24)
	m = openBrowser(t, m)
	m = step(m, press(tea.KeyCtrlF))
	var cmds []tea.Cmd
	for _, k := range typeKeys("sta") {
		var cmd tea.Cmd
		m, cmd = update(m, k)
		cmds = append(cmds, cmd)
	}
	if st.count() != 0 || !m.history.search.waiting || !strings.Contains(m.View(), "searching…") {
		t.Fatalf("typing read the store %d times", st.count())
	}
	// The timer of the last keystroke fires after the pause.
	start := time.Now()
	due, ok := cmds[2]().(searchDueMsg)
	if !ok || due.seq != m.history.search.seq || time.Since(start) < searchDebounce/2 {
		t.Fatalf("debounce gave %+v after %s", due, time.Since(start))
	}
	// The timers of earlier keystrokes start nothing.
	if _, cmd := update(m, searchDueMsg{seq: due.seq - 1}); cmd != nil {
		t.Fatal("a superseded timer started a search")
	}
	m, cmd := update(m, due)
	staleResult := cmd()
	// Another letter before the results arrive: they are stale.
	m, _ = update(m, typeKeys("r")[0])
	m = step(m, staleResult)
	if len(m.history.search.hits) != 0 || !m.history.search.waiting {
		t.Fatalf("stale results shown: %v", hitIDs(m))
	}
	st.mu.Lock()
	cancelled := st.ctxs[0].Err() != nil
	st.mu.Unlock()
	if !cancelled {
		t.Fatal("the superseded search was not cancelled")
	}
	m, cmd = update(m, searchDueMsg{seq: m.history.search.seq})
	m = exec(t, m, cmd)
	if got := hitIDs(m); len(got) != 0 || m.history.search.ran != "star" || m.history.search.waiting {
		t.Fatalf("search for star = %v (ran %q)", got, m.history.search.ran)
	}
	if st.count() != 2 || st.searches[1] != "star" {
		t.Fatalf("searches = %v", st.searches)
	}
	// Clearing the query clears the results without a search.
	m = step(m, press(tea.KeyCtrlU))
	if m.history.search.ran != "" || m.history.search.waiting || st.count() != 2 {
		t.Fatal("an empty query searched")
	}
}

func TestSearchOpensEntry(t *testing.T) {
	st := browserStore()
	m := openBrowser(t, newBrowserModel(t, st, testConfig(t)))
	m = searchFor(t, m, "midnight")
	m, cmd := update(m, press(tea.KeyEnter))
	m = exec(t, m, cmd)
	if m.panel != panelChat || m.session.ID != 7 || m.scriptID != "" {
		t.Fatalf("panel %v, session %d, script %q", m.panel, m.session.ID, m.scriptID)
	}
	if !strings.Contains(m.View(), "The STATION closes at midnight.") {
		t.Fatalf("the entry is not shown:\n%s", m.View())
	}

	// An entry of a script reopens the script.
	m = openBrowser(t, m)
	m = searchFor(t, m, "node")
	m, cmd = update(m, press(tea.KeyEnter))
	m = exec(t, m, cmd)
	if m.scriptID != "lecture-01" || !strings.Contains(m.View(), "모든 역은 노드입니다.") {
		t.Fatalf("script not reopened (script %q):\n%s", m.scriptID, m.View())
	}
}

// TestSearchOpensOldEntry opens an entry older than the newest page of its session: the
// entries up to it are read too, and the scrollback is scrolled to it.
func TestSearchOpensOldEntry(t *testing.T) {
	st := newFakeStore(&callLog{})
	st.sessions = []model.Session{{ID: 9, Started: testNow.Add(-time.Hour), Entries: 300}}
	for i := range 300 {
		src := fmt.Sprintf("Line %d of a long session.", i+1)
		if i == 9 {
			src = "The needle is here."
		}
		st.entries = append(st.entries, model.Entry{ID: uint64(i + 1), SessionID: 9, Source: src, Text: fmt.Sprintf("줄 %d", i+1),
			To: "ko-KR", Status: model.StatusDone, Created: testNow.Add(-time.Hour)})
	}
	m := openBrowser(t, newBrowserModel(t, st, testConfig(t)))
	m = searchFor(t, m, "needle")
	m, cmd := update(m, press(tea.KeyEnter))
	m = exec(t, m, cmd)
	view := m.View()
	if !strings.Contains(view, "The needle is here.") || m.sb.follow {
		t.Fatalf("not scrolled to the entry:\n%s", view)
	}
	var markers []string
	for _, b := range m.sb.blocks {
		if b.kind == blockMarker {
			markers = append(markers, b.label)
		}
	}
	if len(m.sb.blocks) != 10+historyLimit+3 || !slices.Contains(markers, "later entries skipped") {
		t.Fatalf("%d blocks, markers %v", len(m.sb.blocks), markers)
	}
	if last := m.sb.last().entry; last.ID != 300 || m.session.ID != 9 {
		t.Fatalf("newest entry %d, session %d", last.ID, m.session.ID)
	}
}

func TestSearchSanitises(t *testing.T) {
	st := browserStore()
	st.entries = append(st.entries, model.Entry{ID: 30, SessionID: 7, To: "ko\x1b[31m-KR",
		Source: "\x1b[2Jthe station\x1b]0;pwned\x07 sign\u202e", Text: "역 \x1b]52;c;ZXZpbA==\x07표지판", Status: model.StatusDone})
	m := openBrowser(t, newBrowserModel(t, st, testConfig(t)))
	m = searchFor(t, m, "station")
	view := m.View()
	if strings.ContainsRune(view, '\x1b') || strings.Contains(view, "pwned") || strings.ContainsRune(view, '\u202e') {
		t.Fatalf("hostile text reached the view: %q", view)
	}
	if !strings.Contains(view, "the [station] sign") || !strings.Contains(view, "역 표지판") {
		t.Fatalf("sanitised hit not shown:\n%s", view)
	}
}

func TestHighlight(t *testing.T) {
	r := asciiRenderer()
	base, hit := r.NewStyle(), matchStyle(r)
	tests := []struct {
		name, text, q string
		w             int
		want          string
	}{
		{"start", "station to station", "station", 40, "[station] to [station]"},
		{"case", "The STATION closes", "station", 40, "The [STATION] closes"},
		{"none", "nothing here", "station", 40, "nothing here"},
		{"cut end", "a station and then a very long tail of words", "station", 20, "a [station] and the…"},
		{"far", "After the lecture we will walk together to the old central station.", "station", 30, "…o the old central [station]."},
		{"wide", "가장 가까운 기차역이 어디에 있나요", "기차역", 16, "…[기차역]이 어…"},
		{"narrow hit", "xx station", "station", 6, "…[st]…"},
		{"empty", "plain text", "", 40, "plain text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := highlight(tt.text, []string{tt.q}, tt.w, base, hit)
			if got != tt.want {
				t.Fatalf("highlight = %q, want %q", got, tt.want)
			}
			if w := ansi.StringWidth(got); w > tt.w {
				t.Fatalf("%q is %d cells, over %d", got, w, tt.w)
			}
		})
	}
	// With colours the mark is a style, not brackets.
	color := lipgloss.NewRenderer(io.Discard)
	color.SetColorProfile(termenv.ANSI256)
	if got := highlight("a station", []string{"station"}, 20, color.NewStyle(), matchStyle(color)); ansi.Strip(got) != "a station" || !strings.Contains(got, "\x1b[") {
		t.Fatalf("coloured highlight = %q", got)
	}
}

func TestViewSearchNarrow(t *testing.T) {
	m := openBrowser(t, newBrowserModel(t, browserStore(), testConfig(t)))
	m = sized(m, 40, 14)
	m = searchFor(t, m, "station")
	checkGolden(t, m)
}
