package api

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/yeok/yeok/llm/llmtest"
)

// TestKeepAliveWhileTheModelThinks: a stream silent for longer than the keepalive interval,
// before its first token and between tokens, gets ": keepalive" comments; an SSE client
// ignores them and rebuilds the text exactly.
func TestKeepAliveWhileTheModelThinks(t *testing.T) {
	const interval = 40 * time.Millisecond
	slow := func(w http.ResponseWriter, r *http.Request) {
		llmtest.StartSSE(w)
		llmtest.Frame(w, llmtest.RoleJSON)
		time.Sleep(5 * interval) // thinking before the first token
		llmtest.Frame(w, llmtest.DeltaJSON("좋은"))
		time.Sleep(5 * interval) // and between tokens
		llmtest.Frame(w, llmtest.DeltaJSON(" 아침"))
		llmtest.Frame(w, llmtest.FinishJSON("stop"))
		llmtest.Frame(w, "[DONE]")
	}
	e := newEnv(t, Config{KeepAlive: interval}, slow)
	resp := e.post(t, hello)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %v", resp.StatusCode, err)
	}
	body := string(raw)
	first := strings.Index(body, "data: 좋은")
	if first < 0 || !strings.Contains(body[:first], ": keepalive\n\n") || !strings.Contains(body[first:], ": keepalive\n\n") {
		t.Fatalf("no keepalive before the first token and between tokens:\n%s", body)
	}
	events, err := newSSEClient(strings.NewReader(body)).All()
	if err != nil {
		t.Fatal(err)
	}
	if got := rebuild(events); got.Text != "좋은 아침" || !got.Done {
		t.Fatalf("rebuilt %+v", got)
	}
}

// TestKeepAliveThenFailureInBand: once a keepalive has sent the headers, a failure before
// any text is told in the stream as an error event, not by the status.
func TestKeepAliveThenFailureInBand(t *testing.T) {
	const interval = 30 * time.Millisecond
	failLate := func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(5 * interval)
		llmtest.Error(http.StatusBadRequest, "invalid_request_error", "bad request")(w, r)
	}
	e := newEnv(t, Config{KeepAlive: interval}, failLate)
	got := rebuild(mustEvents(t, e.post(t, hello)))
	if got.Error == "" || got.Done || got.Text != "" {
		t.Fatalf("a late failure after a keepalive: %+v", got)
	}
}
