package main

import (
	"net/http"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/yeok/yeok/llm/llmtest"
	"github.com/yeok/yeok/model"
)

// TestTUIModelEscapesNeverReachTheScreen is fault row 16: the model's answer carries
// terminal sequences (OSC 52 clipboard write, OSC 0 title, CSI 2J, an 8-bit CSI, a bidi
// override, a zero-width space), some split across two deltas. None reaches the screen;
// the store keeps the raw text.
func TestTUIModelEscapesNeverReachTheScreen(t *testing.T) {
	deltas := []string{
		"안전한 ", "\x1b]5", "2;c;ZXZpbA==\x07", "텍스트", "\x1b]0;", "pwned\x07",
		" 끝\x1b[", "2J", "\u009b", "31m", "보임", "\u202e", "역순", "\u200b", "!",
	}
	const shown = "안전한 텍스트 끝보임역순!"
	srv := llmtest.New(t, llmtest.Replay(llmtest.Stream("stop", deltas...)))
	st := tuiTempStore(t)
	r := startTUI(t, st, srv)
	r.typeText("Show me something safe.")
	r.press(tea.KeyEnter)
	r.waitFor(t, shown)
	r.waitFor(t, "✓ done")

	e := tuiWaitEntry(t, st)
	if raw := strings.Join(deltas, ""); e.Status != model.StatusDone || e.Text != raw {
		t.Fatalf("stored entry = %q (%s), want the raw text %q", e.Text, e.Status, raw)
	}
	m := r.quit(t)
	view := m.View()
	if !strings.Contains(view, shown) {
		t.Fatalf("final view lacks %q:\n%s", shown, view)
	}
	// Drawn with the plain-text renderer, the view holds no escape at all.
	bad := []string{"\x1b", "\u009b", "\u202e", "\u200b", "\a", "]52;", "]0;", "ZXZpbA==", "pwned", "[2J"}
	for _, s := range bad {
		if strings.Contains(view, s) {
			t.Errorf("final view contains %q:\n%q", s, view)
		}
	}
	// The raw output also carries Bubble Tea's own sequences (cursor moves, clears), so
	// only the model's own are looked for there.
	raw := r.out.String()
	if !strings.Contains(raw, shown) {
		t.Fatalf("raw output never drew %q", shown)
	}
	for _, s := range []string{"]52;", "]0;", "\u009b", "\u202e", "\u200b", "ZXZpbA==", "pwned", "\a"} {
		if strings.Contains(raw, s) {
			t.Errorf("raw output contains %q", s)
		}
	}
}

// TestTUIUnauthorized answers 401: the entry shows failed with a line naming
// OPENAI_API_KEY, the typed text is stored as its source, the key never shows, and the app
// keeps running.
func TestTUIUnauthorized(t *testing.T) {
	srv := llmtest.New(t, llmtest.Error(http.StatusUnauthorized, "invalid_api_key", "Incorrect API key provided: sk-tes*****24c"))
	st := tuiTempStore(t)
	r := startTUI(t, st, srv)
	const source = "Good morning, everyone."
	r.typeText(source)
	r.press(tea.KeyEnter)
	r.waitFor(t, "✗ failed")
	r.waitFor(t, "OPENAI_API_KEY")

	e := tuiWaitEntry(t, st)
	if e.Status != model.StatusFailed || e.Source != source || e.ErrorClass != model.ClassAuth ||
		!strings.Contains(e.Error, "OPENAI_API_KEY") || !strings.Contains(e.Error, "401") {
		t.Fatalf("stored entry = %+v", e)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Fatalf("server saw %d requests, want 1 (a 401 is not retried)", n)
	}
	// Still alive: the input box takes text after the failure.
	r.typeText("still here")
	r.waitFor(t, "still here")
	// The text was not sent: the first Ctrl+C asks, the second quits.
	r.press(tea.KeyCtrlC)
	r.waitFor(t, "again quits")
	m := r.quit(t)
	view := m.View()
	if !strings.Contains(view, "✗ failed") || !strings.Contains(view, "OPENAI_API_KEY") || !strings.Contains(view, "› "+source) {
		t.Fatalf("final view:\n%s", view)
	}
	if strings.Contains(r.out.String(), fakeKey) || strings.Contains(e.Error, fakeKey) {
		t.Fatal("the API key reached the screen or the store")
	}
}
