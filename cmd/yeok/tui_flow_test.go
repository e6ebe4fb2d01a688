package main

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/yeok/yeok/llm/llmtest"
	"github.com/yeok/yeok/model"
)

// TestTUISendStreamsAndStores types a line into the real app: the translation streams onto
// the screen (a partial first, while the server holds the rest back) and the store ends up
// with the entry done and the whole text.
func TestTUISendStreamsAndStores(t *testing.T) {
	release := make(chan struct{})
	srv := llmtest.New(t, func(w http.ResponseWriter, r *http.Request) {
		all := llmtest.Stream("stop", "안녕하세요", ", 여러분", ". 반갑습니다!")
		first := llmtest.Stream("", "안녕하세요")
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(first)
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		_, _ = w.Write(all[len(first):])
	})
	st := tuiTempStore(t)
	r := startTUI(t, st, srv)
	r.waitFor(t, "Type below and press enter")

	const source = "Hello, everyone. Nice to meet you!"
	r.typeText(source)
	r.press(tea.KeyEnter)
	r.waitFor(t, "안녕하세요▍") // the partial with the caret: the stream is in flight
	r.waitFor(t, "streaming…")
	if es := tuiEntries(t, st); len(es) != 1 || es[0].Status != model.StatusPending {
		t.Fatalf("while streaming the store holds %+v, want one pending entry", es)
	}
	close(release)
	r.waitFor(t, "안녕하세요, 여러분. 반갑습니다!")
	r.waitFor(t, "✓ done")

	e := tuiWaitEntry(t, st)
	if e.Status != model.StatusDone || e.Text != "안녕하세요, 여러분. 반갑습니다!" || e.Source != source {
		t.Fatalf("stored entry = %+v", e)
	}
	if e.To != "ko-KR" || e.SessionID == 0 || e.Model != "gpt-4o-mini" || e.Finish != "stop" {
		t.Fatalf("stored entry = %+v", e)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 || !strings.Contains(reqs[0].LastUser(), source) || reqs[0].Auth() != "Bearer "+fakeKey || !reqs[0].Chat.Stream {
		t.Fatalf("server saw %+v", reqs)
	}
	m := r.quit(t)
	if v := m.View(); !strings.Contains(v, "안녕하세요, 여러분. 반갑습니다!") || !strings.Contains(v, "› "+source) {
		t.Fatalf("final view lacks the entry:\n%s", v)
	}
}

// TestTUIPickerSetsTarget picks Japanese with Ctrl+T: the request names Japanese and the
// entry is stored into ja.
func TestTUIPickerSetsTarget(t *testing.T) {
	for _, filter := range []string{"japanese", "ja"} {
		t.Run(filter, func(t *testing.T) {
			srv := llmtest.New(t, llmtest.Replay(llmtest.Stream("stop", "こんにちは、皆さん")))
			st := tuiTempStore(t)
			r := startTUI(t, st, srv)
			r.waitFor(t, "Type below")
			r.press(tea.KeyCtrlT)
			r.waitFor(t, "Translate into")
			r.typeText(filter)
			r.waitFor(t, "Japanese")
			r.press(tea.KeyEnter)
			r.waitFor(t, "auto → ja")

			r.typeText("Hello, everyone")
			r.press(tea.KeyEnter)
			r.waitFor(t, "こんにちは、皆さん")
			e := tuiWaitEntry(t, st)
			if e.To != "ja" || e.Status != model.StatusDone || e.Text != "こんにちは、皆さん" {
				t.Fatalf("stored entry = %+v", e)
			}
			reqs := srv.Requests()
			if len(reqs) != 1 {
				t.Fatalf("server saw %d requests", len(reqs))
			}
			if sys := allText(reqs[0]); !strings.Contains(sys, "into Japanese (language tag ja)") {
				t.Fatalf("the prompt does not name Japanese:\n%s", sys)
			}
			m := r.quit(t)
			if v := m.View(); !strings.Contains(v, "→ ja") {
				t.Fatalf("final view does not show the target:\n%s", v)
			}
			langs, err := st.RecentLanguages(context.Background(), model.LocalOwner)
			if err != nil || len(langs) == 0 || langs[0] != "ja" {
				t.Fatalf("recent languages = %v, %v; want ja first", langs, err)
			}
		})
	}
}

// TestTUIEscCancelsMidStream presses Esc while the server holds the stream open: the entry
// is stored cancelled with the partial text, and the server sees its request end.
func TestTUIEscCancelsMidStream(t *testing.T) {
	ended := make(chan time.Time, 1)
	srv := llmtest.New(t, streamThenHang(ended, "이 문장은", " 번역 도중에"))
	st := tuiTempStore(t)
	r := startTUI(t, st, srv)
	const source = "This sentence is stopped halfway."
	r.typeText(source)
	r.press(tea.KeyEnter)
	r.waitFor(t, "이 문장은 번역 도중에")

	pressed := time.Now()
	r.press(tea.KeyEsc)
	r.waitFor(t, "■ cancelled")
	select {
	case at := <-ended:
		if d := at.Sub(pressed); d > 2*time.Second {
			t.Fatalf("the server saw its request end %v after Esc", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the server's request never ended after Esc")
	}
	e := tuiWaitEntry(t, st)
	if e.Status != model.StatusCancelled || e.Text != "이 문장은 번역 도중에" || e.Source != source {
		t.Fatalf("stored entry = %+v", e)
	}
	m := r.quit(t)
	if v := m.View(); !strings.Contains(v, "이 문장은 번역 도중에") || strings.Contains(v, "▍") {
		t.Fatalf("final view should show the partial without a caret:\n%s", v)
	}
}

// TestTUIRestartShowsLastSession runs the app twice on one file: the second run shows the
// first run's line under the last-session marker.
func TestTUIRestartShowsLastSession(t *testing.T) {
	srv := llmtest.New(t, llmtest.Replay(llmtest.Stream("stop", "첫 실행의 줄입니다.")))
	path := filepath.Join(t.TempDir(), "yeok.db")

	st := openTUIStore(t, path)
	first := startTUI(t, st, srv)
	first.typeText("The first run's line.")
	first.press(tea.KeyEnter)
	first.waitFor(t, "✓ done")
	first.quit(t)
	if e := tuiWaitEntry(t, st); e.Status != model.StatusDone || e.Source != "The first run's line." {
		t.Fatalf("first run stored %+v", e)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	st2 := openTUIStore(t, path)
	t.Cleanup(func() { _ = st2.Close() })
	second := startTUI(t, st2, srv)
	second.waitFor(t, "── last session 1 ·")
	second.waitFor(t, "› The first run's line.")
	second.waitFor(t, "첫 실행의 줄입니다.")
	second.waitFor(t, "── new session")
	m := second.quit(t)
	v := m.View()
	if !strings.Contains(v, "last session 1") || !strings.Contains(v, "첫 실행의 줄입니다.") || !strings.Contains(v, "✓ done") {
		t.Fatalf("second run's view:\n%s", v)
	}
	if es := tuiEntries(t, st2); len(es) != 1 || es[0].Status != model.StatusDone {
		t.Fatalf("after the restart the store holds %+v", es)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Fatalf("server saw %d requests, want 1 (the second run sends nothing)", n)
	}
}
