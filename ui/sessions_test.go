package ui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/yeok/yeok/model"
)

func TestScriptMode(t *testing.T) {
	log := &callLog{}
	st := newFakeStore(log)
	st.sessions = []model.Session{{ID: 5, Started: testNow}}
	st.entries = []model.Entry{
		{ID: 1, SessionID: 2, ScriptID: "lecture-01", Source: "Welcome.", Text: "환영합니다.", To: "ko-KR", Status: model.StatusDone},
		{ID: 2, SessionID: 5, Source: "not in the script", Text: "x", To: "ko-KR", Status: model.StatusDone},
		{ID: 3, SessionID: 3, ScriptID: "lecture-01", Source: "Today: verbs.", Text: "오늘은 동사.", To: "ko-KR", Status: model.StatusDone},
	}
	cfg := testConfig(t)
	cfg.Session.ScriptID = "lecture-01"
	m := sized(newApp(cfg, &fakeTranslator{log: log}, st), 80, 24)
	msg := loadTranscriptCmd(cfg.Ctx, st, cfg.Owner, "lecture-01")().(transcriptMsg)
	m = step(m, msg)
	view := m.View()
	if !strings.Contains(view, "script lecture-01") || !strings.Contains(view, "환영합니다.") || strings.Contains(view, "not in the script") {
		t.Fatalf("script entries not shown:\n%s", view)
	}
	if strings.Index(view, "환영합니다.") > strings.Index(view, "오늘은 동사.") {
		t.Fatal("script entries are not oldest first")
	}
	m = sendLine(m, "Next: nouns.")
	req := m.flight.req
	if req.ScriptID != "lecture-01" {
		t.Fatalf("script request = %+v", req)
	}
	if !strings.Contains(m.View(), "script lecture-01") {
		t.Fatal("status bar does not name the script")
	}
}

func TestHistoryReopens(t *testing.T) {
	log := &callLog{}
	st := newFakeStore(log)
	st.sessions = []model.Session{{ID: 4, Started: testNow, Title: "old"}}
	st.scripts = []model.Script{{ID: "talk", To: "ja", Entries: 1, Updated: testNow.Add(time.Minute)}}
	st.entries = []model.Entry{
		{ID: 10, SessionID: 4, Source: "from session four", Text: "四", To: "ja", Status: model.StatusDone},
		{ID: 11, SessionID: 6, ScriptID: "talk", Source: "from the script", Text: "台本", To: "ja", Status: model.StatusDone},
	}
	m := sized(newApp(testConfig(t), &fakeTranslator{log: log}, st), 80, 24)
	m = run(t, m, press(tea.KeyCtrlO))
	if m.panel != panelHistory || len(m.history.items) != 2 {
		t.Fatalf("history not listed: panel %v, %d items", m.panel, len(m.history.items))
	}
	// The script was active last, so it comes first; the session is below.
	m = step(m, press(tea.KeyDown))
	m = run(t, m, press(tea.KeyEnter))
	if m.panel != panelChat || !strings.Contains(m.View(), "from session four") || m.scriptID != "" {
		t.Fatalf("session not reopened:\n%s", m.View())
	}
	m = run(t, m, press(tea.KeyCtrlO))
	m = run(t, m, press(tea.KeyEnter))
	if !strings.Contains(m.View(), "from the script") || strings.Contains(m.View(), "from session four") || m.scriptID != "talk" {
		t.Fatalf("script not reopened:\n%s", m.View())
	}
}
