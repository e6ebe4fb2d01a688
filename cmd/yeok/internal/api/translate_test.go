package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/yeok/yeok/llm/llmtest"
	"github.com/yeok/yeok/llm/openai"
	"github.com/yeok/yeok/model"
)

func TestTranslateStreamsAndLogsUnderTheScript(t *testing.T) {
	tests := []struct {
		name    string
		upBody  []byte
		want    string
		wantFin string
	}{
		{"captured gpt-4o-mini", nil, "Hello", "stop"},
		{"content and finish in one chunk", nil, "Hello world, this is a test", "stop"},
		{"several deltas", llmtest.Stream("stop", "좋은 ", "아침", "입니다."), "좋은 아침입니다.", "stop"},
	}
	tests[0].upBody = llmtest.Fixture(t, "gpt-4o-mini-stop.sse")
	tests[1].upBody = llmtest.Fixture(t, "content-and-finish-in-one-chunk.sse")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, Config{}, llmtest.Replay(tt.upBody))
			resp := e.post(t, hello, "x-script-id", "lecture-01")
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", resp.StatusCode, readAll(t, resp))
			}
			for name, want := range map[string]string{
				"Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache", "X-Accel-Buffering": "no",
			} {
				if got := resp.Header.Get(name); got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
			events, err := newSSEClient(resp.Body).All()
			if err != nil {
				t.Fatal(err)
			}
			got := rebuild(events)
			if got.Text != tt.want || !got.Done || got.Error != "" || got.After != 0 {
				t.Fatalf("rebuilt %+v, want %q then [DONE] last", got, tt.want)
			}
			// [DONE] is sent after the entry is stored, so it is there already.
			list := e.scriptEntries(t, model.LocalOwner, "lecture-01")
			if len(list) != 1 {
				t.Fatalf("script has %d entries, want 1", len(list))
			}
			en := list[0]
			if en.Status != model.StatusDone || en.Text != tt.want || en.Source != "Good morning" ||
				en.To != "ko-KR" || en.Finish != tt.wantFin || en.SessionID == 0 || en.Model != "gpt-4o-mini" {
				t.Errorf("stored entry %+v", en)
			}
		})
	}
}

func TestTranslateOneSessionPerScriptAndScriptOrder(t *testing.T) {
	e := newEnv(t, Config{}, llmtest.Replay(llmtest.Stream("stop", "번역")))
	for i, script := range []string{"lecture-01", "lecture-02", "lecture-01"} {
		body := `{"lang":"ko-KR","message":"line ` + string(rune('a'+i)) + `"}`
		if got := rebuild(mustEvents(t, e.post(t, body, "x-script-id", script))); !got.Done {
			t.Fatalf("request %d: %+v", i, got)
		}
	}
	one := e.scriptEntries(t, model.LocalOwner, "lecture-01")
	two := e.scriptEntries(t, model.LocalOwner, "lecture-02")
	if len(one) != 2 || len(two) != 1 {
		t.Fatalf("entries: %d and %d, want 2 and 1", len(one), len(two))
	}
	if one[0].SessionID != one[1].SessionID || one[0].SessionID == two[0].SessionID {
		t.Errorf("sessions %d %d %d: want one per script", one[0].SessionID, one[1].SessionID, two[0].SessionID)
	}
	if one[0].Source != "line a" || one[1].Source != "line c" {
		t.Errorf("script order: %q, %q", one[0].Source, one[1].Source)
	}
	sess, err := e.store.Session(t.Context(), model.LocalOwner, one[0].SessionID)
	if err != nil {
		t.Fatal(err)
	}
	if sess.Origin != "http" || sess.ScriptID != "lecture-01" {
		t.Errorf("session %+v, want origin http and script lecture-01", sess)
	}

	status, hdr, body := e.get(t, "/scripts/lecture-01")
	if status != http.StatusOK || !strings.HasPrefix(hdr.Get("Content-Type"), "application/json") {
		t.Fatalf("GET /scripts: %d %s", status, body)
	}
	var got []map[string]any
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0]["source"] != "line a" || got[1]["source"] != "line c" ||
		got[1]["translation"] != "번역" || got[1]["status"] != "done" {
		t.Errorf("GET /scripts/lecture-01 = %s", body)
	}
	if _, ok := got[0]["ttft_ms"]; !ok {
		t.Errorf("GET /scripts does not use the export record (no ttft_ms): %s", body)
	}
}

func TestTranslateNewlinesReachTheClientIntact(t *testing.T) {
	for _, tt := range newlineCases {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, Config{}, llmtest.Replay(llmtest.Stream("stop", tt.deltas...)))
			resp := e.post(t, hello, "x-script-id", "nl")
			got := rebuild(mustEvents(t, resp))
			if got.Text != tt.want || !got.Done {
				t.Fatalf("rebuilt %+v, want %q", got, tt.want)
			}
			// The store keeps the raw text, carriage returns and all.
			if en := e.waitEntry(t, model.LocalOwner, "nl"); en.Text != strings.Join(tt.deltas, "") {
				t.Errorf("stored %q, want the raw %q", en.Text, strings.Join(tt.deltas, ""))
			}
		})
	}
}

func TestTranslateUpstreamFailsMidStream(t *testing.T) {
	inBand := append(llmtest.Stream("", "Hello", " wor"), `data: {"error":{"message":"overloaded","type":"server_error"}}`+"\n\n"...)
	tests := []struct {
		name       string
		body       []byte
		wantStatus model.Status
		wantErr    string
	}{
		{"in-band error", inBand, model.StatusFailed, "failed: "},
		{"closed without finish", llmtest.Stream("", "Hello", " wor"), model.StatusInterrupted, "interrupted: "},
		{"length", append(llmtest.Stream("", "Hello", " wor"), chunk("", "length")...), model.StatusTruncated, "truncated: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, Config{}, llmtest.Replay(tt.body))
			resp := e.post(t, hello, "x-script-id", "mid")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			got := rebuild(mustEvents(t, resp))
			if got.Text != "Hello wor" || got.Done || !strings.HasPrefix(got.Error, tt.wantErr) || got.After != 0 {
				t.Fatalf("rebuilt %+v, want the partial then an error event %q… and nothing after", got, tt.wantErr)
			}
			t.Logf("error event: %s", got.Error)
			if strings.Contains(got.Error, "\n") {
				t.Errorf("error event spans lines: %q", got.Error)
			}
			en := e.waitEntry(t, model.LocalOwner, "mid")
			if en.Status != tt.wantStatus || en.Text != "Hello wor" {
				t.Errorf("stored %s %q, want %s with the partial", en.Status, en.Text, tt.wantStatus)
			}
		})
	}
}

func TestTranslateUpstreamFailsBeforeAnyText(t *testing.T) {
	stall := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}
	html502 := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte("<html><body><h1>502 Bad Gateway</h1></body></html>"))
	}
	tests := []struct {
		name       string
		answer     func(w http.ResponseWriter, r *http.Request)
		wantStatus int
		wantCode   string
		wantMsg    string
		stored     model.Status
	}{
		{"server error", llmtest.Error(500, "server_error", "boom"), 502, "upstream_error", "upstream failed: ", model.StatusFailed},
		{"html 502", html502, 502, "upstream_error", "upstream failed: ", model.StatusFailed},
		{"bad key", llmtest.Error(401, "invalid_api_key", "Incorrect API key provided: "+testKey), 502, "upstream_rejected", "upstream rejected the request: ", model.StatusFailed},
		{"no model", llmtest.Error(404, "model_not_found", "The model does not exist"), 502, "upstream_rejected", "upstream rejected the request: ", model.StatusFailed},
		{"quota", llmtest.Error(429, "insufficient_quota", "You exceeded your current quota"), 502, "upstream_rejected", "upstream rejected the request: ", model.StatusFailed},
		{"stalled", stall, 504, "upstream_timeout", "upstream timed out: ", model.StatusInterrupted},
		{"refusal", nil, 422, "refused", "the model refused to translate this message: I'm sorry", model.StatusRefused},
	}
	tests[6].answer = llmtest.Replay(llmtest.Fixture(t, "refusal.sse"))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, Config{}, tt.answer, func(c *openai.Config) {
				c.FirstTokenTimeout = 300 * time.Millisecond
				c.IdleTimeout = 300 * time.Millisecond
			})
			resp := e.post(t, hello, "x-script-id", "early")
			body := readAll(t, resp)
			if resp.StatusCode != tt.wantStatus || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
				t.Fatalf("status %d %q: %s, want %d JSON", resp.StatusCode, resp.Header.Get("Content-Type"), body, tt.wantStatus)
			}
			t.Logf("%d %s", resp.StatusCode, strings.TrimSpace(body))
			got := apiError(t, body)
			if got.Code != tt.wantCode || !strings.HasPrefix(got.Message, tt.wantMsg) || strings.Contains(got.Message, "\n") {
				t.Errorf("error %+v, want code %s and message %q…", got, tt.wantCode, tt.wantMsg)
			}
			if strings.Contains(body, testKey) || strings.Contains(body, "<html>") {
				t.Errorf("error leaks the key or the raw body: %s", body)
			}
			if en := e.waitEntry(t, model.LocalOwner, "early"); en.Status != tt.stored {
				t.Errorf("stored %s, want %s", en.Status, tt.stored)
			}
		})
	}
}

func TestTranslateClientDisconnectCancelsUpstream(t *testing.T) {
	answer := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(llmtest.Stream("", "first "))
		w.(http.Flusher).Flush()
		<-r.Context().Done() // a long answer: only the engine hanging up ends it
	}
	e := newEnv(t, Config{}, answer)
	resp := e.post(t, hello, "x-script-id", "gone")
	c := newSSEClient(resp.Body)
	ev, err := c.Next()
	if err != nil || ev.Data != "first " {
		t.Fatalf("first event %+v, %v", ev, err)
	}
	hungUp := time.Now()
	resp.Body.Close()
	select {
	case at := <-e.up.Gone:
		if d := at.Sub(hungUp); d > 2*time.Second {
			t.Errorf("upstream request ended %s after the client left, want within 2 s", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the upstream request was not cancelled within 5 s of the client leaving")
	}
	en := e.waitEntry(t, model.LocalOwner, "gone")
	if en.Status != model.StatusCancelled || en.Text != "first " {
		t.Errorf("stored %s %q, want cancelled with the partial", en.Status, en.Text)
	}
}

// mustEvents reads and closes a 200 event stream.
func mustEvents(t testing.TB, resp *http.Response) []sseEvent {
	t.Helper()
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, readAll(t, resp))
	}
	events, err := newSSEClient(resp.Body).All()
	if err != nil {
		t.Fatal(err)
	}
	return events
}
