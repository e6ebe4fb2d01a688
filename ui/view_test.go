package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/yeok/yeok/model"
)

const (
	koreanParagraph  = "안녕하세요, 오늘 회의에 참석해 주셔서 감사합니다. 다음 분기 계획과 예산, 그리고 새로 합류한 팀원들의 역할에 대해 이야기하겠습니다."
	chineseParagraph = "感谢大家今天参加会议。我们将讨论下个季度的计划和预算，以及新加入团队成员的职责和分工安排。"
)

func newTestModel(t *testing.T) Model {
	t.Helper()
	log := &callLog{}
	return newApp(testConfig(t), &fakeTranslator{log: log}, newFakeStore(log))
}

// checkGolden compares the view with testdata/<test name>.golden and checks that no line
// is wider than the terminal, counted the way tmux and xterm count, and that a line whose
// width terminals disagree on keeps off the last column.
func checkGolden(t *testing.T, m Model) {
	t.Helper()
	view := m.View()
	for i, line := range strings.Split(view, "\n") {
		w, sure := textCells(ansi.Strip(line))
		if w > m.width || (!sure && w >= m.width) {
			t.Errorf("line %d is %d cells wide (sure %v), terminal is %d: %q", i, w, sure, m.width, line)
		}
	}
	if n := strings.Count(view, "\n") + 1; n > m.height {
		t.Errorf("view has %d lines, terminal is %d", n, m.height)
	}
	if strings.ContainsRune(view, '\x1b') {
		t.Errorf("view has escape sequences with the ascii profile")
	}
	golden.RequireEqual(t, []byte(view))
}

func TestViewEmpty(t *testing.T) {
	checkGolden(t, sized(newTestModel(t), 80, 24))
}

func TestViewFinishedEntry(t *testing.T) {
	m := sized(newTestModel(t), 80, 24)
	m = finished(m, "Thank you all for coming to today's meeting.", doneResult("오늘 회의에 와 주셔서 모두 감사합니다."))
	checkGolden(t, m)
}

func TestViewStreaming(t *testing.T) {
	m := sized(newTestModel(t), 80, 24)
	m = finished(m, "Good morning.", doneResult("좋은 아침입니다."))
	m = sendLine(m, "We will discuss the budget for the next quarter.")
	m = frame(m, snapshot{text: "다음 분기 예산에 대해", deltas: 4, firstAt: testNow.Add(-time.Second)})
	checkGolden(t, m)
}

func TestViewPickerFiltered(t *testing.T) {
	m := sized(newTestModel(t), 80, 24)
	m = step(m, recentsMsg{langs: []model.Language{"ja", "ko-KR"}})
	m = step(m, tea.KeyMsg{Type: tea.KeyCtrlT})
	m = step(m, typeKeys("kor")...)
	checkGolden(t, m)
}

func TestViewCancelledEntry(t *testing.T) {
	m := sized(newTestModel(t), 80, 24)
	m = sendLine(m, "This sentence was stopped halfway through the translation.")
	m = frame(m, snapshot{text: "이 문장은 번역 도중에", deltas: 3, firstAt: testNow})
	m = step(m, press(tea.KeyEsc))
	checkGolden(t, m)
}

func TestViewFailedEntry(t *testing.T) {
	m := sized(newTestModel(t), 80, 24)
	res := model.Result{Status: model.StatusFailed, Err: &model.Error{
		Class: model.ClassAuth, Status: 401,
		Message: "the API key was refused (401): set OPENAI_API_KEY or pass --base-url",
	}}
	m = finished(m, "Hello there", res)
	checkGolden(t, m)
}

func TestViewSizes(t *testing.T) {
	for _, size := range []struct{ w, h int }{{80, 24}, {40, 12}} {
		t.Run(fmt.Sprintf("%dx%d", size.w, size.h), func(t *testing.T) {
			m := sized(newTestModel(t), size.w, size.h)
			m = finished(m, "Where is the nearest train station?", doneResult("가장 가까운 기차역이 어디에 있나요?"))
			m = finished(m, "The meeting starts at nine, so please don't be late.", doneResult("회의는 9시에 시작하니 늦지 마세요."))
			checkGolden(t, m)
		})
	}
}

func TestViewWideTextWraps(t *testing.T) {
	tests := []struct{ name, source, text string }{
		{"korean", "Thank you for attending today's meeting.", koreanParagraph},
		{"chinese", "Thank you all for attending today's meeting.", chineseParagraph},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := sized(newTestModel(t), 40, 24)
			m = finished(m, tt.source, doneResult(tt.text))
			checkGolden(t, m)
			// Every character of the translation is on screen (spaces aside).
			flat := strings.Join(strings.Fields(m.sb.view()), "")
			if want := strings.Join(strings.Fields(tt.text), ""); !strings.Contains(flat, want) {
				t.Fatalf("translation lost in wrapping:\nwant %q\nview %q", want, flat)
			}
		})
	}
}

func TestViewTooSmall(t *testing.T) {
	m := sized(newTestModel(t), 18, 5)
	view := m.View()
	if strings.Contains(view, "\n") || ansi.StringWidth(view) > 18 {
		t.Fatalf("notice is not one line within 18 cells: %q", view)
	}
	golden.RequireEqual(t, []byte(view))
}

func TestViewFullHelp(t *testing.T) {
	m := sized(newTestModel(t), 80, 24)
	m = step(m, tea.KeyMsg{Type: tea.KeyCtrlG})
	checkGolden(t, m)
	if m = step(m, press(tea.KeyEsc)); m.helpAll {
		t.Fatal("esc did not close the full help")
	}
}

func TestViewLastSession(t *testing.T) {
	m := sized(newTestModel(t), 80, 24)
	m = step(m, transcriptMsg{
		session: model.Session{ID: 7, Started: testNow.Add(-26 * time.Hour)},
		entries: []model.Entry{
			{ID: 1, Source: "Good morning, everyone.", Text: "여러분, 좋은 아침입니다.", To: "ko-KR", Status: model.StatusDone,
				FirstToken: 410 * time.Millisecond, Duration: 900 * time.Millisecond, Usage: model.Usage{CompletionTokens: 12}},
			{ID: 2, Source: "Let's begin.", Text: "시작하겠습니다", To: "ko-KR", Status: model.StatusPending},
		},
	})
	checkGolden(t, m)
}

func TestViewHistory(t *testing.T) {
	m := sized(newTestModel(t), 80, 24)
	m = step(m, press(tea.KeyCtrlO))
	m = step(m, historyLoadedMsg{
		scripts: []model.Script{{ID: "lecture-01", From: "en", To: "ko-KR", Entries: 42}},
		sessions: []model.Session{
			{ID: 9, Started: testNow.Add(-time.Hour), From: "", To: "ko-KR", Entries: 3, Title: "Where is the nearest train station?"},
			{ID: 8, Started: testNow.Add(-50 * time.Hour), From: "en", To: "ja", Entries: 12, Title: "Thank you for coming"},
		},
	})
	m = step(m, press(tea.KeyDown))
	checkGolden(t, m)
}

func TestViewNoProvider(t *testing.T) {
	cfg := testConfig(t)
	cfg.ProviderError = "no provider configured: set OPENAI_API_KEY or --base-url"
	checkGolden(t, sized(newApp(cfg, nil, newFakeStore(&callLog{})), 80, 24))
}
