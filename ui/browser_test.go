package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/yeok/yeok/model"
)

// browserStore is a fake store with three sessions, a script and their entries. Slices
// are in order of activity, oldest first, as the fake's Sessions expects.
func browserStore() *fakeStore {
	st := newFakeStore(&callLog{})
	st.sessions = []model.Session{
		{ID: 1, Origin: "tui", Started: testNow.AddDate(-1, 0, -3), Updated: testNow.AddDate(-1, 0, -3), From: "en", To: "de", Entries: 1,
			Title: "Evil \x1b]52;c;ZXZpbA==\x07title\u202e with escapes"},
		{ID: 3, Origin: "tui", Started: testNow.Add(-50 * time.Hour), Updated: testNow.Add(-49 * time.Hour), From: "en", To: "ja", Entries: 2,
			Title: "Thank you for coming"},
		{ID: 5, Origin: "pipe", ScriptID: "lecture-01", Started: testNow.Add(-4 * time.Hour), Updated: testNow.Add(-3 * time.Hour), From: "en", To: "ko-KR", Entries: 3,
			Title: "Welcome to the first lecture on train networks."},
		{ID: 7, Origin: "tui", Started: testNow.Add(-2 * time.Hour), Updated: testNow.Add(-time.Hour), To: "ko-KR", Entries: 2,
			Title: "Where is the nearest train station?"},
	}
	st.scripts = []model.Script{{ID: "lecture-01", Created: testNow.Add(-4 * time.Hour), Updated: testNow.Add(-3 * time.Hour), From: "en", To: "ko-KR", Entries: 3}}
	done := func(id, sess uint64, script, src, text string, to model.Language, ago time.Duration) model.Entry {
		return model.Entry{ID: id, SessionID: sess, ScriptID: script, Source: src, Text: text, From: "en", To: to,
			Created: testNow.Add(-ago), Status: model.StatusDone}
	}
	st.entries = []model.Entry{
		done(2, 1, "", "Good night", "Gute Nacht", "de", 9000*time.Hour),
		done(5, 3, "", "Thank you for coming", "来てくれてありがとう", "ja", 50*time.Hour),
		done(6, 3, "", "See you at the station", "駅で会いましょう", "ja", 49*time.Hour),
		done(12, 5, "lecture-01", "Welcome to the first lecture on train networks.", "기차 네트워크에 관한 첫 강의에 오신 것을 환영합니다.", "ko-KR", 4*time.Hour),
		done(13, 5, "lecture-01", "Every station is a node.", "모든 역은 노드입니다.", "ko-KR", 3*time.Hour+30*time.Minute),
		done(14, 5, "lecture-01", "After the lecture we will walk together from the university campus to the old central station.",
			"강의가 끝나면 대학 캠퍼스에서 옛 중앙역까지 함께 걸어갑니다.", "ko-KR", 3*time.Hour),
		done(20, 7, "", "Where is the nearest train station?", "가장 가까운 기차역이 어디에 있나요?", "ko-KR", 2*time.Hour),
		done(21, 7, "", "The STATION closes at midnight.", "역은 자정에 문을 닫습니다.", "ko-KR", time.Hour),
	}
	st.entries[6].From = model.Auto
	return st
}

func newBrowserModel(t testing.TB, st *fakeStore, cfg Config) Model {
	t.Helper()
	return sized(newApp(cfg, &fakeTranslator{log: st.log, play: playDeltas("계속")}, st), 80, 24)
}

// openBrowser presses the history key and applies the list its command reads.
func openBrowser(t testing.TB, m Model) Model {
	t.Helper()
	next, cmd := m.Update(press(tea.KeyCtrlO))
	m = next.(Model)
	if m.panel != panelHistory || cmd == nil {
		t.Fatal("the history key did not open the browser")
	}
	return step(m, cmd())
}

// exec runs cmd and applies its message; it fails on a batch or a timer, which the tests
// here never expect.
func exec(t *testing.T, m Model, cmd tea.Cmd) Model {
	t.Helper()
	if cmd == nil {
		t.Fatal("no command to run")
	}
	out := make(chan tea.Msg, 1)
	go func() { out <- cmd() }()
	select {
	case msg := <-out:
		if _, batch := msg.(tea.BatchMsg); batch {
			t.Fatal("unexpected batch")
		}
		return step(m, msg)
	case <-time.After(time.Second):
		t.Fatal("the command did not return")
	}
	return m
}

// update applies msg and returns the command too.
func update(m Model, msg tea.Msg) (Model, tea.Cmd) {
	next, cmd := m.Update(msg)
	return next.(Model), cmd
}

func titles(items []historyItem) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.label())
	}
	return out
}

func TestBrowserListsNewestFirst(t *testing.T) {
	m := openBrowser(t, newBrowserModel(t, browserStore(), testConfig(t)))
	got := titles(m.history.items)
	// The script and session 5 share their last activity: the script comes first.
	want := []string{"session 7", "script lecture-01", "session 5", "session 3", "session 1"}
	if !slices.Equal(got, want) {
		t.Fatalf("order = %v, want %v", got, want)
	}
	if it := m.history.items[4]; it.title != "Evil title with escapes" {
		t.Fatalf("stored title not sanitised: %q", it.title)
	}
}

func TestViewBrowserList(t *testing.T) {
	st := browserStore()
	m := newBrowserModel(t, st, testConfig(t))
	m.session = st.sessions[3] // session 7 is this run's
	m = openBrowser(t, m)
	m = step(m, press(tea.KeyDown))
	checkGolden(t, m)
}

func TestViewBrowserFiltered(t *testing.T) {
	m := openBrowser(t, newBrowserModel(t, browserStore(), testConfig(t)))
	m = step(m, typeKeys("train")...)
	checkGolden(t, m)
}

func TestBrowserFilter(t *testing.T) {
	tests := []struct {
		filter string
		want   []string
	}{
		{"", []string{"session 7", "script lecture-01", "session 5", "session 3", "session 1"}},
		{"lecture", []string{"script lecture-01", "session 5"}},
		{"thnk", []string{"session 3", "session 5"}},        // fuzzy: in order in one field, tightest first
		{"ko-kr train", []string{"session 7", "session 5"}}, // every word matches
		{"→ ja", []string{"session 3"}},
		{"script", []string{"script lecture-01"}},
		{"zebra", nil},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			m := openBrowser(t, newBrowserModel(t, browserStore(), testConfig(t)))
			m = step(m, typeKeys(tt.filter)...)
			if got := titles(m.history.items); !slices.Equal(got, tt.want) {
				t.Fatalf("filter %q = %v, want %v", tt.filter, got, tt.want)
			}
			if len(tt.want) == 0 && !strings.Contains(m.View(), "no session or script matches · ctrl+f searches every entry") {
				t.Fatalf("no hint for an empty result:\n%s", m.View())
			}
		})
	}
}

func TestBrowserReadsTheRestWhenFiltering(t *testing.T) {
	st := newFakeStore(&callLog{})
	for i := range 250 {
		st.sessions = append(st.sessions, model.Session{ID: uint64(i + 1), Started: testNow.Add(time.Duration(i) * time.Minute),
			Title: fmt.Sprintf("line %d", i+1), Entries: 1})
	}
	m := openBrowser(t, newBrowserModel(t, st, testConfig(t)))
	if len(m.history.base) != historyPage || !m.history.more {
		t.Fatalf("first page: %d items, more %v", len(m.history.base), m.history.more)
	}
	if !strings.Contains(m.View(), "100 of 100+") {
		t.Fatalf("the count does not say there is more:\n%s", m.View())
	}
	m, cmd := update(m, typeKeys("line 7")[0])
	if cmd == nil || !m.history.fetch {
		t.Fatal("filtering did not read every session")
	}
	m = step(m, typeKeys("ine 7")...)
	m = exec(t, m, cmd)
	if len(m.history.base) != 250 || m.history.more {
		t.Fatalf("after reading the rest: %d items, more %v", len(m.history.base), m.history.more)
	}
	if got := titles(m.history.items); len(got) == 0 || got[0] != "session 7" || !slices.Contains(got, "session 70") {
		t.Fatalf("filter over every session = %v", got)
	}
	// A late first page does not replace the whole list.
	m = step(m, historyLoadedMsg{limit: historyPage, sessions: st.sessions[:historyPage]})
	if len(m.history.base) != 250 {
		t.Fatalf("a late page replaced the list: %d items", len(m.history.base))
	}
}

func TestBrowserScrollReadsTheRest(t *testing.T) {
	st := newFakeStore(&callLog{})
	for i := range 120 {
		st.sessions = append(st.sessions, model.Session{ID: uint64(i + 1), Started: testNow.Add(time.Duration(i) * time.Minute)})
	}
	m := openBrowser(t, newBrowserModel(t, st, testConfig(t)))
	var cmd tea.Cmd
	for i := 0; cmd == nil && i < historyPage; i++ {
		m, cmd = update(m, press(tea.KeyDown))
	}
	if cmd == nil || m.history.cursor < historyPage-m.history.listRows() {
		t.Fatalf("scrolling near the end did not read the rest (cursor %d)", m.history.cursor)
	}
	m = exec(t, m, cmd)
	if len(m.history.base) != 120 {
		t.Fatalf("%d items after reading the rest", len(m.history.base))
	}
}

func TestBrowserEscGoesBack(t *testing.T) {
	m := openBrowser(t, newBrowserModel(t, browserStore(), testConfig(t)))
	m = step(m, press(tea.KeyCtrlF))
	if m.history.mode != browseSearch {
		t.Fatal("the search key did not switch to search")
	}
	m = step(m, press(tea.KeyEsc))
	if m.panel != panelHistory || m.history.mode != browseList {
		t.Fatal("esc in search did not go back to the list")
	}
	m = step(m, press(tea.KeyEsc))
	if m.panel != panelChat || !m.input.focused {
		t.Fatal("esc in the list did not close the browser")
	}
}

// TestBrowserReopenContinuesSession reopens an earlier session; the next send goes into it.
func TestBrowserReopenContinuesSession(t *testing.T) {
	st := browserStore()
	tr := &fakeTranslator{log: st.log, play: playDeltas("또 봐요")}
	a := startApp(t, testConfig(t), st, tr)
	a.waitFor(t, "new session · 14:03")
	a.press(tea.KeyCtrlO)
	a.waitFor(t, "Thank you for coming")
	a.typeText("thank")
	a.press(tea.KeyEnter)
	a.waitFor(t, "reopened session 3")
	a.typeText("See you again")
	a.press(tea.KeyEnter)
	a.waitFor(t, "또 봐요")
	eventually(t, "Finish", func() bool { return len(st.finishedEntries()) == 1 })
	reqs := st.begunRequests()
	if len(reqs) != 1 || reqs[0].SessionID != 3 || reqs[0].ScriptID != "" {
		t.Fatalf("begun = %+v, want one entry in session 3", reqs)
	}
	if slices.Contains(a.log.list(), "NewSession") {
		t.Fatal("continuing a session started a new one")
	}
	m := a.final(t)
	if view := m.View(); !strings.Contains(view, "駅で会いましょう") || strings.Contains(view, "역은 자정에") {
		t.Fatalf("the scrollback does not show session 3 alone:\n%s", view)
	}
}

// TestBrowserReopenContinuesScript reopens a script; the next send starts a session of the
// script and attaches the entry to both.
func TestBrowserReopenContinuesScript(t *testing.T) {
	st := browserStore()
	tr := &fakeTranslator{log: st.log, play: playDeltas("그래프로서의 역")}
	a := startApp(t, testConfig(t), st, tr)
	a.waitFor(t, "new session · 14:03")
	a.press(tea.KeyCtrlO)
	a.waitFor(t, "lecture-01")
	a.typeText("script")
	a.press(tea.KeyEnter)
	a.waitFor(t, "reopened script lecture-01")
	a.typeText("Next: stations as graphs.")
	a.press(tea.KeyEnter)
	a.waitFor(t, "그래프로서의 역")
	eventually(t, "Finish", func() bool { return len(st.finishedEntries()) == 1 })
	if got := a.log.list(); got[0] != "NewSession" || slices.Index(got, "Begin") < 1 {
		t.Fatalf("calls = %v, want a new session of the script first", got)
	}
	st.mu.Lock()
	sess := st.sessions[len(st.sessions)-1]
	st.mu.Unlock()
	req := st.begunRequests()[0]
	if sess.ScriptID != "lecture-01" || req.ScriptID != "lecture-01" || req.SessionID != sess.ID {
		t.Fatalf("new session %+v, request %+v", sess, req)
	}
	if reqs := tr.requests(); len(reqs[0].Context) != 3 || reqs[0].Context[2].Translation != "강의가 끝나면 대학 캠퍼스에서 옛 중앙역까지 함께 걸어갑니다." {
		t.Fatalf("the script's context did not come along: %+v", reqs[0].Context)
	}
}

func TestBrowserDelete(t *testing.T) {
	for _, confirm := range []bool{true, false} {
		t.Run(fmt.Sprintf("confirm=%v", confirm), func(t *testing.T) {
			st := browserStore()
			m := openBrowser(t, newBrowserModel(t, st, testConfig(t)))
			m = step(m, typeKeys("thank")...)
			m = step(m, press(tea.KeyCtrlD))
			if m.history.mode != browseConfirm || !strings.Contains(m.View(), "delete session 3 (2 entries)? y/enter yes") {
				t.Fatalf("no confirmation:\n%s", m.View())
			}
			answer := press(tea.KeyEnter)
			if !confirm {
				answer = typeKeys("n")[0].(tea.KeyMsg)
			}
			m, cmd := update(m, answer)
			if m.history.mode != browseList {
				t.Fatal("the answer did not end the confirmation")
			}
			if !confirm {
				if cmd != nil || slices.Contains(st.log.list(), "DeleteSession") || m.history.filter.Value() != "thank" {
					t.Fatal("a declined deletion deleted or reached the filter")
				}
				return
			}
			m = exec(t, m, cmd)
			st.mu.Lock()
			left := slices.ContainsFunc(st.entries, func(e model.Entry) bool { return e.SessionID == 3 })
			st.mu.Unlock()
			if left || !slices.Contains(st.log.list(), "DeleteSession") {
				t.Fatal("the session's entries are still in the store")
			}
			if slices.Contains(titles(m.history.base), "session 3") || m.flash.text != "deleted session 3 and its 2 entries" {
				t.Fatalf("list %v, status %q", titles(m.history.base), m.flash.text)
			}
		})
	}
}

func TestViewBrowserConfirmDelete(t *testing.T) {
	m := openBrowser(t, newBrowserModel(t, browserStore(), testConfig(t)))
	m = step(m, press(tea.KeyDown), press(tea.KeyCtrlD))
	checkGolden(t, m)
}

// TestBrowserDeleteCurrentSession deletes the session new entries go to: the scrollback
// drops its entries and the next send starts a fresh session.
func TestBrowserDeleteCurrentSession(t *testing.T) {
	st := browserStore()
	m := newBrowserModel(t, st, testConfig(t))
	m = exec(t, m, loadTranscriptCmd(t.Context(), st, model.LocalOwner, ""))
	m.session = st.sessions[3]
	if !strings.Contains(m.View(), "역은 자정에") {
		t.Fatalf("last session not shown:\n%s", m.View())
	}
	m = openBrowser(t, m)
	m = step(m, press(tea.KeyCtrlD))
	m, cmd := update(m, typeKeys("y")[0])
	m = exec(t, m, cmd)
	if m.session.ID != 0 {
		t.Fatalf("the app still points at deleted session %d", m.session.ID)
	}
	m = step(m, press(tea.KeyEsc))
	if view := m.View(); strings.Contains(view, "역은 자정에") || strings.Contains(view, "nearest train") {
		t.Fatalf("entries of the deleted session are still shown:\n%s", view)
	}
	m = sendLine(m, "Fresh start")
	if m.flight == nil {
		t.Fatal("send did not start")
	}
	if m.session.ID != 0 {
		t.Fatal("the next send would reuse the deleted session")
	}
}

func TestBrowserDeleteCurrentScript(t *testing.T) {
	st := browserStore()
	cfg := testConfig(t)
	cfg.Session.ScriptID = "lecture-01"
	m := newBrowserModel(t, st, cfg)
	m.session = st.sessions[2] // session 5, of the script
	m = openBrowser(t, m)
	m = step(m, typeKeys("script")...)
	m = step(m, press(tea.KeyCtrlD))
	m, cmd := update(m, typeKeys("y")[0])
	m = exec(t, m, cmd)
	if m.scriptID != "" || m.session.ID != 0 {
		t.Fatalf("still attached: script %q, session %d", m.scriptID, m.session.ID)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.scripts) != 0 || slices.ContainsFunc(st.entries, func(e model.Entry) bool { return e.ScriptID == "lecture-01" }) {
		t.Fatal("the script is still in the store")
	}
}

func TestBrowserDeleteRefusedWhileStreamingIntoIt(t *testing.T) {
	st := browserStore()
	m := newBrowserModel(t, st, testConfig(t))
	m = sendLine(m, "Hello")
	m = step(m, sessionMsg{id: m.flight.id, session: model.Session{ID: 7, Started: testNow}})
	m = openBrowser(t, m)
	m = step(m, press(tea.KeyCtrlD))
	m, cmd := update(m, press(tea.KeyEnter))
	if !m.flash.isErr || !strings.Contains(m.flash.text, "still streaming into session 7") {
		t.Fatalf("status %q", m.flash.text)
	}
	if cmd == nil { // the flash timer only
		t.Fatal("no flash timer")
	}
	if slices.Contains(st.log.list(), "DeleteSession") {
		t.Fatal("deleted the session a stream is writing to")
	}
}

func TestBrowserDeleteFails(t *testing.T) {
	m := openBrowser(t, newBrowserModel(t, browserStore(), testConfig(t)))
	m = step(m, deletedMsg{item: m.history.items[0], err: errors.New("delete session 7: database is in use")})
	if !m.flash.isErr || len(m.history.items) != 5 {
		t.Fatalf("a failed delete: status %q, %d items", m.flash.text, len(m.history.items))
	}
}

func TestBrowserExport(t *testing.T) {
	type call struct {
		owner   model.Owner
		script  string
		session uint64
	}
	var calls []call
	cfg := testConfig(t)
	cfg.Export = func(_ context.Context, owner model.Owner, script string, session uint64) (string, error) {
		calls = append(calls, call{owner, script, session})
		name := fmt.Sprintf("session-%d", session)
		if script != "" {
			name = script
		}
		return "./yeok-" + name + "-2025-06-02.md", nil
	}
	m := openBrowser(t, newBrowserModel(t, browserStore(), cfg))
	if !strings.Contains(m.View(), "ctrl+e export") {
		t.Fatalf("the help does not offer export:\n%s", m.View())
	}
	m, cmd := update(m, press(tea.KeyCtrlE))
	m = exec(t, m, cmd)
	if len(calls) != 1 || calls[0] != (call{model.LocalOwner, "", 7}) {
		t.Fatalf("export calls = %+v", calls)
	}
	if m.flash.text != "exported session 7 to ./yeok-session-7-2025-06-02.md" || !strings.Contains(m.View(), "./yeok-session-7") {
		t.Fatalf("status %q", m.flash.text)
	}
	m = step(m, press(tea.KeyDown))
	m, cmd = update(m, press(tea.KeyCtrlE))
	m = exec(t, m, cmd)
	if len(calls) != 2 || calls[1] != (call{model.LocalOwner, "lecture-01", 0}) || !strings.HasSuffix(m.flash.text, "yeok-lecture-01-2025-06-02.md") {
		t.Fatalf("export calls = %+v, status %q", calls, m.flash.text)
	}
	if m.panel != panelHistory {
		t.Fatal("export closed the browser")
	}

	cfg.Export = func(context.Context, model.Owner, string, uint64) (string, error) {
		return "", errors.New("open ./x.md: permission denied")
	}
	m = openBrowser(t, newBrowserModel(t, browserStore(), cfg))
	m, cmd = update(m, press(tea.KeyCtrlE))
	m = exec(t, m, cmd)
	if !m.flash.isErr || m.flash.text != "export session 7: open ./x.md: permission denied" {
		t.Fatalf("status %q", m.flash.text)
	}
}

func TestBrowserExportUnavailable(t *testing.T) {
	m := openBrowser(t, newBrowserModel(t, browserStore(), testConfig(t)))
	if strings.Contains(m.View(), "export") {
		t.Fatalf("the help offers export without an exporter:\n%s", m.View())
	}
	m, cmd := update(m, press(tea.KeyCtrlE))
	if cmd == nil || !m.flash.isErr || m.flash.text != exportUnavailable {
		t.Fatalf("status %q", m.flash.text)
	}
}
