package api

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/yeok/yeok/llm/llmtest"
	"github.com/yeok/yeok/model"
)

// TestCloseInterruptsStreamsInFlight: a server shutting down stores the stream it stops
// as interrupted, with its partial text, and ends the client's stream with an error event
// that names the shutdown; later requests get 503.
func TestCloseInterruptsStreamsInFlight(t *testing.T) {
	// The upstream holds the answer open after these deltas until the engine hangs up.
	e := newEnv(t, Config{}, llmtest.Hold(nil, "partial ", "answer"))
	resp := e.post(t, hello, "x-script-id", "shutdown")
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, readAll(t, resp))
	}
	c := newSSEClient(resp.Body)
	var before []sseEvent
	for rebuild(before).Text != "partial answer" {
		ev, err := c.Next()
		if err != nil {
			t.Fatalf("after %+v: %v", before, err)
		}
		before = append(before, ev)
	}

	closed := make(chan struct{})
	go func() { e.api.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return within 5 s")
	}

	rest, err := c.All()
	if err != nil {
		t.Fatal(err)
	}
	got := rebuild(rest)
	if got.Done || got.Text != "" || got.After != 0 || len(rest) == 0 || rest[len(rest)-1].Type != "error" {
		t.Fatalf("after Close the client read %+v, want one error event and the end", rest)
	}
	if want := "interrupted: the server is shutting down"; got.Error != want {
		t.Errorf("error event %q, want %q", got.Error, want)
	}

	// Close returns once the entry is stored.
	list := e.scriptEntries(t, model.LocalOwner, "shutdown")
	if len(list) != 1 {
		t.Fatalf("entries after Close: %+v", list)
	}
	en := list[0]
	if en.Status != model.StatusInterrupted || en.Text != "partial answer" ||
		en.ErrorClass != model.ClassInterrupted || !strings.Contains(en.Error, "shutting down") {
		t.Errorf("stored %s %q (%s: %q), want interrupted with the partial, naming the shutdown",
			en.Status, en.Text, en.ErrorClass, en.Error)
	}

	after := e.post(t, hello)
	if body := readAll(t, after); after.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("after Close: %d %s, want 503", after.StatusCode, body)
	}
}
