package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"

	"github.com/yeok/yeok/llm"
	"github.com/yeok/yeok/llm/llmtest"
	"github.com/yeok/yeok/llm/openai"
	"github.com/yeok/yeok/model"
	"github.com/yeok/yeok/storage"
	"github.com/yeok/yeok/ui"
)

// The terminal every flow runs in.
const (
	tuiWidth  = 100
	tuiHeight = 30
)

// tuiRun is the real app (ui.New over a real store and a real engine talking to a fake
// OpenAI server) running in a teatest program, with everything it has drawn so far.
type tuiRun struct {
	tm  *teatest.TestModel
	st  *storage.Store
	out bytes.Buffer
}

// tuiRenderer draws without colour or any other escape sequence, so that what the app
// draws can be compared as plain text.
func tuiRenderer() *lipgloss.Renderer {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	return r
}

// openTUIStore opens a store at path; the caller closes it.
func openTUIStore(tb testing.TB, path string) *storage.Store {
	tb.Helper()
	st, err := storage.Open(context.Background(), path, storage.Options{})
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	return st
}

// tuiTempStore opens a store in a fresh temporary directory, closed when the test ends.
func tuiTempStore(t *testing.T) *storage.Store {
	t.Helper()
	st := openTUIStore(t, filepath.Join(t.TempDir(), "yeok.db"))
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// newTUIEngine is the engine the TUI gets, pointed at baseURL and logging to log, with the
// translation memory off: tests and benchmarks send the same line again and again.
func newTUIEngine(tb testing.TB, baseURL string, log llm.Log) *llm.Engine {
	tb.Helper()
	p, err := openai.New(openai.Config{BaseURL: baseURL, APIKey: fakeKey, Model: "gpt-4o-mini"})
	if err != nil {
		tb.Fatalf("openai.New: %v", err)
	}
	return llm.New(p, log, llm.Options{NoMemory: true})
}

// tuiConfig is the configuration cmd/yeok gives the app on a local terminal, with the
// renderer pinned to plain text.
func tuiConfig(ctx context.Context) ui.Config {
	return ui.Config{
		Ctx:      ctx,
		Owner:    model.LocalOwner,
		Session:  model.Session{Origin: "tui"},
		To:       model.MustLanguage("ko-KR"),
		Renderer: tuiRenderer(),
	}
}

// startTUI runs the app over st and an engine talking to srv. The program is stopped when
// the test ends, before the store is closed.
func startTUI(t *testing.T, st *storage.Store, srv *llmtest.Server) *tuiRun {
	t.Helper()
	m := ui.New(tuiConfig(t.Context()), newTUIEngine(t, srv.BaseURL(), st), st)
	r := &tuiRun{st: st}
	r.tm = teatest.NewTestModel(t, m, teatest.WithInitialTermSize(tuiWidth, tuiHeight))
	t.Cleanup(func() {
		_ = r.tm.Quit()
		r.tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
		if t.Failed() {
			r.drain()
			t.Logf("the screen's last output:\n%s", r.out.Bytes()[max(r.out.Len()-3000, 0):])
		}
	})
	return r
}

// waitFor waits (up to 5 s, failing the test after) until the screen output, all of it
// since the start, contains want.
func (r *tuiRun) waitFor(t *testing.T, want string) {
	t.Helper()
	seen := r.out.Len()
	teatest.WaitFor(t, r.tm.Output(), func(b []byte) bool {
		// WaitFor hands over everything it read in this call: keep each byte once.
		r.out.Truncate(seen)
		r.out.Write(b)
		return strings.Contains(r.out.String(), want)
	}, teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
}

// drain reads whatever the program drew since the last wait.
func (r *tuiRun) drain() {
	_, _ = io.Copy(&r.out, r.tm.Output())
}

func (r *tuiRun) typeText(text string) {
	for _, c := range text {
		r.tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{c}})
	}
}

func (r *tuiRun) press(k tea.KeyType) { r.tm.Send(tea.KeyMsg{Type: k}) }

// quit presses Ctrl+C (nothing in flight: the app quits) and returns the final model.
func (r *tuiRun) quit(t *testing.T) ui.Model {
	t.Helper()
	r.press(tea.KeyCtrlC)
	fm := r.tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second))
	r.drain()
	m, ok := fm.(ui.Model)
	if !ok {
		t.Fatalf("final model is %T", fm)
	}
	return m
}

// tuiEntries lists the local owner's entries, newest first.
func tuiEntries(t *testing.T, st *storage.Store) []model.Entry {
	t.Helper()
	es, err := st.Entries(context.Background(), model.LocalOwner, model.EntryQuery{})
	if err != nil {
		t.Fatalf("Entries: %v", err)
	}
	return es
}

// tuiWaitEntry polls the store until its newest entry is final, for up to 5 s.
func tuiWaitEntry(t *testing.T, st *storage.Store) model.Entry {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if es := tuiEntries(t, st); len(es) > 0 && es[0].Status.Final() {
			return es[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no finished entry in the store after 5 s: %+v", tuiEntries(t, st))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// streamThenHang answers with the deltas and then holds the stream open, never finishing,
// until the client goes away; the moment its request context ended is sent on ended.
func streamThenHang(ended chan<- time.Time, deltas ...string) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(llmtest.Stream("", deltas...))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
		select {
		case ended <- time.Now():
		default:
		}
	}
}
