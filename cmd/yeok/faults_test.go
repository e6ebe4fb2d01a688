package main

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yeok/yeok/llm/llmtest"
)

// TestTranslateFaultMatrix runs the fault matrix of the protocol notes through the binary:
// exit 0 only for done; otherwise one line on stderr naming the status and cause, the
// partial text on stdout, and retries only where they belong.
func TestTranslateFaultMatrix(t *testing.T) {
	html502 := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprint(w, "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>")
	}
	tests := []struct {
		name     string
		answer   http.HandlerFunc
		args     []string
		code     int
		stdout   string
		stderr   []string
		requests int
		minTime  time.Duration
	}{
		{name: "1 normal stream", answer: llmtest.Replay(llmtest.Fixture(t, "gpt-4o-mini-stop.sse")), stdout: "Hello\n", requests: 1},
		{name: "2 content and finish in one chunk", answer: llmtest.Replay(llmtest.Fixture(t, "content-and-finish-in-one-chunk.sse")),
			stdout: "Hello world, this is a test\n", requests: 1},
		{name: "3 length", answer: llmtest.Replay(llmtest.Fixture(t, "gpt-4o-length-usage.sse")), code: 1, stdout: "{\"\n",
			stderr: []string{"truncated"}, requests: 1},
		{name: "4 refusal", answer: llmtest.Replay(llmtest.Fixture(t, "refusal.sse")), code: 1, stderr: []string{"refused", "I'm sorry"}, requests: 1},
		{name: "6 model not found", answer: llmtest.Error(404, "model_not_found", "The model `nope` does not exist"),
			args: []string{"--model", "nope"}, code: 1, stderr: []string{"nope", "/v1"}, requests: 1},
		{name: "7 rate limited then ok", answer: func(w http.ResponseWriter, r *http.Request) {
			if llmtest.Recorded(r).N == 1 {
				w.Header().Set("retry-after", "1")
				llmtest.Error(429, "rate_limit_exceeded", "Rate limit reached")(w, r)
				return
			}
			llmtest.Replay(llmtest.Fixture(t, "gpt-4o-mini-stop.sse"))(w, r)
		}, stdout: "Hello\n", requests: 2, minTime: 900 * time.Millisecond},
		{name: "8 quota", answer: llmtest.Error(429, "insufficient_quota", "You exceeded your current quota"), code: 1,
			stderr: []string{"quota"}, requests: 1},
		{name: "9 html 502 every time", answer: html502, args: []string{"--max-retries", "1"}, code: 1,
			stderr: []string{"502"}, requests: 2},
		{name: "9 503 then ok", answer: func(w http.ResponseWriter, r *http.Request) {
			if llmtest.Recorded(r).N == 1 {
				llmtest.Error(503, "server_error", "overloaded")(w, r)
				return
			}
			llmtest.Replay(llmtest.Fixture(t, "gpt-4o-mini-stop.sse"))(w, r)
		}, stdout: "Hello\n", requests: 2},
		{name: "11 closed mid-answer", answer: llmtest.Replay(llmtest.Stream("", "partial ", "text")), code: 1,
			stdout: "partial text\n", stderr: []string{"interrupted"}, requests: 1},
		{name: "12 in-band error", answer: func(w http.ResponseWriter, r *http.Request) {
			body := string(llmtest.Stream("", "part")) + "data: {\"error\":{\"message\":\"The server had an error while processing\",\"type\":\"server_error\"}}\n\n"
			llmtest.Replay([]byte(body))(w, r)
		}, code: 1, stdout: "part\n", stderr: []string{"failed", "The server had an error"}, requests: 1},
		{name: "12 vllm error object", answer: func(w http.ResponseWriter, r *http.Request) {
			body := string(llmtest.Stream("", "part")) + "data: {\"object\":\"error\",\"message\":\"KV cache is full\",\"type\":\"BadRequestError\",\"code\":400}\n\n"
			llmtest.Replay([]byte(body))(w, r)
		}, code: 1, stdout: "part\n", stderr: []string{"KV cache is full"}, requests: 1},
		{name: "13 keep-alive flood", answer: func(w http.ResponseWriter, r *http.Request) {
			body := strings.ReplaceAll(string(llmtest.Stream("stop", "Hel", "lo")), "\n\ndata: ", "\n\n"+strings.Repeat(": keepalive\n\n", 1000)+"data: ")
			if strings.Count(body, "keepalive") < 3000 {
				t.Errorf("the flood was not built: %d keep-alives", strings.Count(body, "keepalive"))
			}
			llmtest.Replay([]byte(body))(w, r)
		}, stdout: "Hello\n", requests: 1},
		{name: "14 stall", answer: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/event-stream")
			_, _ = w.Write(llmtest.Stream("", "slow"))
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		}, args: []string{"--idle-timeout", "300ms"}, code: 1, stdout: "slow\n", stderr: []string{"interrupted"}, requests: 1},
		{name: "15 not streamed", answer: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<html>welcome</html>")
		}, code: 1, stderr: []string{"did not stream"}, requests: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := llmtest.New(t, tt.answer)
			args := append([]string{"translate", "--to", "ko", "--db", filepath.Join(t.TempDir(), "y.db")}, tt.args...)
			start := time.Now()
			p := yeokRun(t, providerEnv(srv), "", append(args, "hello")...)
			took := time.Since(start)
			if p.code != tt.code || p.stdout != tt.stdout {
				t.Fatalf("exit %d stdout %q (stderr %q), want %d %q", p.code, p.stdout, p.stderr, tt.code, tt.stdout)
			}
			if tt.code != 0 && (strings.Count(p.stderr, "\n") != 1 || !strings.HasPrefix(p.stderr, "yeok: ")) {
				t.Fatalf("stderr is not one line: %q", p.stderr)
			}
			for _, want := range tt.stderr {
				if !strings.Contains(p.stderr, want) {
					t.Fatalf("stderr %q lacks %q", p.stderr, want)
				}
			}
			if strings.ContainsAny(p.stderr, "<>") || strings.Contains(p.stderr, fakeKey) {
				t.Fatalf("markup or key in stderr: %q", p.stderr)
			}
			if got := len(srv.Requests()); got != tt.requests {
				t.Fatalf("%d requests, want %d", got, tt.requests)
			}
			if took < tt.minTime {
				t.Fatalf("took %v, want at least %v", took, tt.minTime)
			}
		})
	}
}
