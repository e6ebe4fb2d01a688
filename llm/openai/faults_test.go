package openai

import (
	"context"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/yeok/yeok/llm/llmtest"
	"github.com/yeok/yeok/model"
)

// Rows 11-15: the stream starts with a 200 and then goes wrong.
func TestStreamFaults(t *testing.T) {
	keepalives := strings.Repeat(": keepalive\n\n", 1000)
	tests := []struct {
		name     string
		handler  http.HandlerFunc
		opts     func(*Config)
		class    model.ErrorClass // "" for done
		status   model.Status
		text     string
		contains string
	}{
		{name: "row 11: closed after two deltas", handler: llmtest.Frames(llmtest.DeltaJSON("안녕"), llmtest.DeltaJSON("하세요")),
			class: model.ClassInterrupted, status: model.StatusInterrupted, text: "안녕하세요", contains: "before the answer finished"},
		{name: "row 11: closed before any delta", handler: llmtest.Frames(),
			class: model.ClassInterrupted, status: model.StatusInterrupted, contains: "without an answer"},
		{name: "row 11: [DONE] without a finish reason", handler: llmtest.Frames(llmtest.DeltaJSON("안녕"), "[DONE]"),
			class: model.ClassInterrupted, status: model.StatusInterrupted, text: "안녕"},
		{name: "row 12: in-band OpenAI error", handler: llmtest.Frames(llmtest.DeltaJSON("안녕"),
			`{"error":{"message":"The server had an error processing your request.","type":"server_error","param":null,"code":null}}`),
			class: model.ClassUpstream, status: model.StatusFailed, text: "안녕", contains: "The server had an error processing your request"},
		{name: "row 12: vLLM error chunk", handler: llmtest.Frames(llmtest.DeltaJSON("안녕"),
			`{"object":"error","message":"This model's maximum context length is 4096 tokens.","type":"BadRequestError","param":null,"code":400}`, "[DONE]"),
			class: model.ClassUpstream, status: model.StatusFailed, text: "안녕", contains: "maximum context length is 4096"},
		{name: "row 12: Ollama string error", handler: llmtest.Frames(llmtest.DeltaJSON("안녕"), `{"error":"llama runner process has terminated"}`),
			class: model.ClassUpstream, status: model.StatusFailed, text: "안녕", contains: "llama runner process has terminated"},
		{name: "row 12: error after keep-alive comments", handler: func(w http.ResponseWriter, r *http.Request) {
			llmtest.StartSSE(w)
			llmtest.Frame(w, llmtest.DeltaJSON("안녕"))
			llmtest.Raw(w, ": keepalive\n\n: keepalive\n\n")
			llmtest.Frame(w, `{"error":{"message":"overloaded","type":"server_error"}}`)
		}, class: model.ClassUpstream, status: model.StatusFailed, text: "안녕", contains: "overloaded"},
		{name: "row 13: 1000 keep-alive comments between deltas", handler: func(w http.ResponseWriter, r *http.Request) {
			llmtest.StartSSE(w)
			llmtest.Frame(w, llmtest.DeltaJSON("안녕"))
			llmtest.Raw(w, keepalives)
			llmtest.Frame(w, llmtest.DeltaJSON("하세요"))
			llmtest.Raw(w, keepalives)
			llmtest.Frame(w, llmtest.FinishJSON("stop"))
			llmtest.Frame(w, "[DONE]")
		}, status: model.StatusDone, text: "안녕하세요"},
		{name: "row 13: keep-alives one by one", handler: func(w http.ResponseWriter, r *http.Request) {
			llmtest.StartSSE(w)
			for range 1000 {
				llmtest.Raw(w, ": keepalive\n\n")
			}
			llmtest.Frame(w, llmtest.DeltaJSON("안녕"))
			llmtest.Frame(w, llmtest.FinishJSON("stop"))
			llmtest.Frame(w, "[DONE]")
		}, status: model.StatusDone, text: "안녕"},
		{name: "row 14: no chunk within the idle timeout", handler: func(w http.ResponseWriter, r *http.Request) {
			llmtest.StartSSE(w)
			llmtest.Frame(w, llmtest.DeltaJSON("안녕"))
			<-r.Context().Done()
		}, opts: func(c *Config) { c.IdleTimeout = 200 * time.Millisecond },
			class: model.ClassStalled, status: model.StatusInterrupted, text: "안녕", contains: "no data"},
		{name: "row 14: keep-alives only do not keep a stream alive", handler: func(w http.ResponseWriter, r *http.Request) {
			llmtest.StartSSE(w)
			llmtest.Frame(w, llmtest.DeltaJSON("안녕"))
			for {
				select {
				case <-r.Context().Done():
					return
				case <-time.After(20 * time.Millisecond):
					llmtest.Raw(w, ": keepalive\n\n")
				}
			}
		}, opts: func(c *Config) { c.IdleTimeout = 200 * time.Millisecond },
			class: model.ClassStalled, status: model.StatusInterrupted, text: "안녕"},
		{name: "row 14: no first token", handler: func(w http.ResponseWriter, r *http.Request) {
			llmtest.StartSSE(w)
			llmtest.Frame(w, `{"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}`)
			<-r.Context().Done()
		}, opts: func(c *Config) { c.FirstTokenTimeout = 200 * time.Millisecond },
			class: model.ClassStalled, status: model.StatusInterrupted, contains: "no answer"},
		{name: "row 14: no response headers", handler: func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
		}, opts: func(c *Config) { c.FirstTokenTimeout = 200 * time.Millisecond },
			class: model.ClassStalled, status: model.StatusInterrupted},
		{name: "row 15: JSON answer used", handler: llmtest.Reply(200, "application/json",
			`{"id":"c","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"안녕하세요"},"finish_reason":"stop"}],`+
				`"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}}`),
			status: model.StatusDone, text: "안녕하세요"},
		{name: "row 15: JSON without an answer", handler: llmtest.Reply(200, "application/json",
			`{"id":"c","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":""},"finish_reason":"stop"}]}`),
			class: model.ClassNotStreaming, status: model.StatusFailed, contains: "server did not stream (got application/json)"},
		{name: "row 15: pretty-printed JSON of another kind", handler: llmtest.Reply(200, "application/json; charset=utf-8",
			strings.Repeat("{\n", 1)+strings.Repeat("  \"x\": 1,\n", 500)+"  \"y\": 2\n}\n"),
			class: model.ClassNotStreaming, status: model.StatusFailed, contains: "server did not stream"},
		{name: "row 15: HTML page", handler: llmtest.Reply(200, "text/html", "<html><body>Sign in to the Wi-Fi</body></html>"),
			class: model.ClassNotStreaming, status: model.StatusFailed, contains: "got text/html"},
		{name: "row 15: JSON error with status 200", handler: llmtest.Reply(200, "application/json", `{"object":"error","message":"model is loading"}`),
			class: model.ClassUpstream, status: model.StatusFailed, contains: "model is loading"},
		{name: "malformed chunk", handler: llmtest.Frames(llmtest.DeltaJSON("안녕"), `{"choices":[{"delta":`),
			class: model.ClassUpstream, status: model.StatusFailed, text: "안녕", contains: "malformed"},
		{name: "usage chunk with no choices, then usage-less [DONE]", handler: llmtest.Frames(llmtest.DeltaJSON("안녕"), llmtest.FinishJSON("stop"),
			`{"id":"c","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}`, "[DONE]"),
			status: model.StatusDone, text: "안녕"},
		{name: "finish reason then closed without [DONE]", handler: llmtest.Frames(llmtest.DeltaJSON("안녕"), llmtest.FinishJSON("stop")),
			status: model.StatusDone, text: "안녕"},
		{name: "finish reason, then silence", handler: func(w http.ResponseWriter, r *http.Request) {
			llmtest.StartSSE(w)
			llmtest.Frame(w, llmtest.DeltaJSON("안녕"))
			llmtest.Frame(w, llmtest.FinishJSON("stop"))
			<-r.Context().Done()
		}, opts: func(c *Config) { c.IdleTimeout = time.Minute }, status: model.StatusDone, text: "안녕"},
		{name: "content_filter", handler: llmtest.Frames(llmtest.DeltaJSON("안"), llmtest.FinishJSON("content_filter"), "[DONE]"),
			status: model.StatusRefused, text: "안"},
		{name: "non-JSON data lines are skipped", handler: llmtest.Frames("[HEARTBEAT]", llmtest.DeltaJSON("안녕"), llmtest.FinishJSON("stop"), "[DONE]"),
			status: model.StatusDone, text: "안녕"},
		{name: "second choice ignored", handler: llmtest.Frames(llmtest.DeltaJSON("안녕"),
			`{"id":"c","object":"chat.completion.chunk","choices":[{"index":1,"delta":{"content":"other"},"finish_reason":null}]}`,
			llmtest.FinishJSON("stop"), "[DONE]"),
			status: model.StatusDone, text: "안녕"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := llmtest.New(t, tt.handler)
			opts := []func(*Config){}
			if tt.opts != nil {
				opts = append(opts, tt.opts)
			}
			start := time.Now()
			evs, res := run(t, t.Context(), testEngine(t, u.BaseURL(), opts...), request("Hello"))
			if took := time.Since(start); took > 4*time.Second {
				t.Errorf("took %v", took)
			}
			if res.Status != tt.status || res.Text != tt.text {
				t.Fatalf("result %+v (err %+v), want %s with %q", res, res.Err, tt.status, tt.text)
			}
			if tt.class == "" {
				if res.Err != nil || evs[len(evs)-1].Kind != model.EventDone {
					t.Fatalf("want done, got %+v, events %v", res.Err, kinds(evs))
				}
			} else if res.Err == nil || res.Err.Class != tt.class || !strings.Contains(res.Err.Message, tt.contains) {
				t.Fatalf("error %+v, want class %s with %q", res.Err, tt.class, tt.contains)
			}
			if u.Count() != 1 || count(evs, model.EventRetry) != 0 {
				t.Errorf("%d requests, events %v: a started stream must not be retried", u.Count(), kinds(evs))
			}
		})
	}
}

// The JSON answer of a server that ignored "stream" comes with its usage.
func TestNonStreamUsage(t *testing.T) {
	u := llmtest.New(t, llmtest.Reply(200, "application/json",
		`{"object":"chat.completion","choices":[{"index":0,"message":{"content":"안녕"},"finish_reason":"length"}],"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}}`))
	evs, res := run(t, t.Context(), testEngine(t, u.BaseURL()), request("Hello"))
	want := []model.EventKind{model.EventDelta, model.EventUsage, model.EventDone}
	if !slices.Equal(kinds(evs), want) || res.Status != model.StatusTruncated || res.Usage.TotalTokens != 7 {
		t.Fatalf("events %v, result %+v", kinds(evs), res)
	}
}

// Row 16: escape sequences pass through the engine untouched (the store keeps the raw
// text); the sanitiser removes them from what a terminal would show.
func TestEscapeSequencesKeptRaw(t *testing.T) {
	deltas := []string{
		"Hello \x1b]52;c;ZXZpbA==", "\x07wor", "ld\x1b]0;pwned\x07 \x1b[2J\x1b", "[H\u009b31mred \r",
		"\u202etxt.exe\u200b \x1b]8;;http://evil.example/\x07link\x1b]8;;\x07",
	}
	u := llmtest.New(t, llmtest.Deltas(deltas...))
	evs, res := run(t, t.Context(), testEngine(t, u.BaseURL()), request("Hello"))
	want := strings.Join(deltas, "")
	if res.Status != model.StatusDone || res.Text != want || count(evs, model.EventDelta) != len(deltas) {
		t.Fatalf("result %+v, want the raw text %q", res, want)
	}
	shown := model.Sanitize(res.Text)
	if strings.ContainsAny(shown, "\x1b\x07\u009b\r\u202e\u200b") || !strings.Contains(shown, "Hello world") ||
		!strings.Contains(shown, "red") || !strings.Contains(shown, "txt.exe link") {
		t.Errorf("sanitised %q", shown)
	}
}

// Row 18: cancelling ctx mid-stream returns promptly with the partial text, and nothing is
// left running: the server sees the request end and no goroutine outlives the stream.
func TestCancelMidStream(t *testing.T) {
	u := llmtest.New(t, func(w http.ResponseWriter, r *http.Request) {
		llmtest.StartSSE(w)
		llmtest.Frame(w, llmtest.DeltaJSON("안녕"))
		<-r.Context().Done()
	})
	before := runtime.NumGoroutine()
	tr := &http.Transport{}
	e := testEngine(t, u.BaseURL(), func(c *Config) { c.HTTPClient = &http.Client{Transport: tr} })
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var cancelled time.Time
	var evs []model.Event
	res := e.Stream(ctx, request("Hello"), func(ev model.Event) {
		evs = append(evs, ev)
		if ev.Kind == model.EventDelta {
			go func() {
				time.Sleep(50 * time.Millisecond)
				cancelled = time.Now()
				cancel()
			}()
		}
	})
	returned := time.Now()
	checkInvariants(t, evs, res)
	if res.Status != model.StatusCancelled || res.Text != "안녕" || res.Err == nil || res.Err.Class != model.ClassCancelled {
		t.Fatalf("result %+v", res)
	}
	if d := returned.Sub(cancelled); d > time.Second {
		t.Errorf("returned %v after the cancel", d)
	}
	t.Logf("returned %v after the cancel", returned.Sub(cancelled))
	select {
	case <-u.Finished:
	case <-time.After(2 * time.Second):
		t.Fatal("the server's request did not end")
	}
	tr.CloseIdleConnections()
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}

// Cancelling before the first token and during a retry wait also returns promptly.
func TestCancelWaiting(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		on      model.EventKind // cancel when this event arrives; "" cancels after 100ms
	}{
		{"before the first token", func(w http.ResponseWriter, r *http.Request) {
			llmtest.StartSSE(w)
			<-r.Context().Done()
		}, ""},
		{"before the response", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }, ""},
		{"during a retry wait", llmtest.Reply(429, "application/json", llmtest.ErrorJSON("slow down", "requests", "rate_limit_exceeded"), "retry-after", "30"), model.EventRetry},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := llmtest.New(t, tt.handler)
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			if tt.on == "" {
				time.AfterFunc(100*time.Millisecond, cancel)
			}
			start := time.Now()
			var evs []model.Event
			res := testEngine(t, u.BaseURL()).Stream(ctx, request("Hello"), func(ev model.Event) {
				evs = append(evs, ev)
				if ev.Kind == tt.on {
					cancel()
				}
			})
			checkInvariants(t, evs, res)
			if res.Status != model.StatusCancelled || res.Err.Class != model.ClassCancelled || u.Count() != 1 {
				t.Fatalf("result %+v after %d requests", res, u.Count())
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

// A panic, even in emit, ends the stream as an internal error instead of crashing.
func TestPanicRecovered(t *testing.T) {
	u := llmtest.New(t, llmtest.Deltas("안녕", "하세요"))
	var evs []model.Event
	res := testEngine(t, u.BaseURL()).Stream(t.Context(), request("Hello"), func(ev model.Event) {
		evs = append(evs, ev)
		if ev.Kind == model.EventDelta {
			panic("emit broke")
		}
	})
	if res.Status != model.StatusFailed || res.Err == nil || res.Err.Class != model.ClassInternal || res.Text != "안녕" {
		t.Fatalf("result %+v", res)
	}
	if want := []model.EventKind{model.EventDelta, model.EventError}; !slices.Equal(kinds(evs), want) {
		t.Errorf("events %v, want %v", kinds(evs), want)
	}
}

// An emit that always panics cannot make Stream panic either.
func TestPanicEverywhere(t *testing.T) {
	u := llmtest.New(t, llmtest.Deltas("안녕"))
	calls := 0
	res := testEngine(t, u.BaseURL()).Stream(t.Context(), request("Hello"), func(ev model.Event) {
		calls++
		panic("always")
	})
	if res.Status != model.StatusFailed || res.Err == nil || res.Err.Class != model.ClassInternal || calls != 2 {
		t.Fatalf("result %+v after %d calls", res, calls)
	}
}
