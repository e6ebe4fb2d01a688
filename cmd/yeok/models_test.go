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
func TestTUIModelPicker(t *testing.T) {
	srv := llmtest.New(t, llmtest.Replay(llmtest.Fixture(t, "gpt-4o-mini-stop.sse")))
	srv.SetModels("llama3.2", "qwen2.5")
	st := tuiTempStore(t)
	cfg := tuiConfig(t.Context())
	cfg.Models = modelLister(config{BaseURL: srv.BaseURL(), APIKey: fakeKey})
	tm := teatest.NewTestModel(t, ui.New(cfg, newTUIEngine(t, srv.BaseURL(), st), st), teatest.WithInitialTermSize(tuiWidth, tuiHeight))
	t.Cleanup(func() { _ = tm.Quit() })
	var screen strings.Builder
	waitFor := func(want string) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
			screen.Write(b)
			return strings.Contains(screen.String(), want)
		}, teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
		screen.Reset()
	}
	waitFor("ctrl+t")
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{'m'}, Alt: true})
	waitFor("qwen2.5")
	tm.Send(tea.KeyMsg{Type: tea.KeyDown})
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	waitFor("model llama3.2")
	for _, r := range "hi" {
		tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
	waitFor("Hello")
	reqs := srv.Requests()
	if len(reqs) != 1 || reqs[0].Chat.Model != "llama3.2" {
		t.Fatalf("requests %+v, want one to llama3.2", reqs)
	}
}
