package main

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/yeok/yeok/llm/llmtest"
	"github.com/yeok/yeok/ui"
)

// Alt+M lists the server's models beside the configured one; the one chosen is what the
// next line is sent to, and the status bar shows it.
// It is remembered for the owner: the next start uses it unless --model or the config file
// names one.
func TestTUIModelPicker(t *testing.T) {
	srv := llmtest.New(t)
	srv.SetModels("llama3.2", "qwen2.5")
	st := tuiTempStore(t)
	start := func(modelSet bool) *modelsRun {
		cfg := tuiConfig(t.Context())
		cfg.Models = modelLister(config{BaseURL: srv.BaseURL(), APIKey: fakeKey})
		cfg.ModelSet = modelSet
		tm := teatest.NewTestModel(t, ui.New(cfg, newTUIEngine(t, srv.BaseURL(), st), st), teatest.WithInitialTermSize(tuiWidth, tuiHeight))
		r := &modelsRun{tm: tm}
		r.waitFor(t, "ctrl+t")
		return r
	}
	r := start(false)
	r.tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{'m'}, Alt: true})
	r.waitFor(t, "qwen2.5")
	r.tm.Send(tea.KeyMsg{Type: tea.KeyDown})
	r.tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	r.waitFor(t, "model llama3.2")
	r.send(t, srv, "hi")
	r.quit(t)

	again := start(false)
	again.send(t, srv, "again")
	again.quit(t)
	configured := start(true)
	configured.send(t, srv, "configured")
	configured.quit(t)

	var got []string
	for _, req := range srv.Requests() {
		got = append(got, req.Chat.Model)
	}
	if want := "llama3.2 llama3.2 gpt-4o-mini"; strings.Join(got, " ") != want {
		t.Fatalf("requests went to %v, want %s", got, want)
	}
}

// modelsRun is one run of the app in teatest.
type modelsRun struct {
	tm     *teatest.TestModel
	screen strings.Builder
}

func (r *modelsRun) waitFor(t *testing.T, want string) {
	t.Helper()
	teatest.WaitFor(t, r.tm.Output(), func(b []byte) bool {
		r.screen.Write(b)
		return strings.Contains(r.screen.String(), want)
	}, teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
	r.screen.Reset()
}

// send types text and sends it, and waits until its translation, unique to it, shows
// finished: without the caret of a stream in flight.
func (r *modelsRun) send(t *testing.T, srv *llmtest.Server, text string) {
	t.Helper()
	answer := "T-" + text
	srv.SetHandlers(llmtest.Deltas(answer))
	for _, c := range text {
		r.tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{c}})
	}
	r.tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	teatest.WaitFor(t, r.tm.Output(), func(b []byte) bool {
		r.screen.Write(b)
		s := r.screen.String()
		i := strings.LastIndex(s, answer)
		return i >= 0 && !strings.HasPrefix(s[i+len(answer):], "▍")
	}, teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
	r.screen.Reset()
}

func (r *modelsRun) quit(t *testing.T) {
	t.Helper()
	r.tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
	r.tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}
