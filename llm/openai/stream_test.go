package openai

import (
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/yeok/yeok/llm/llmtest"
	"github.com/yeok/yeok/model"
)

// Rows 1-4 of the fault matrix: the captured fixtures.
func TestFixtures(t *testing.T) {
	tests := []struct {
		file    string
		status  model.Status
		text    string
		refusal string
		finish  string
		usage   model.Usage
	}{
		{"gpt-4o-mini-stop.sse", model.StatusDone, "Hello", "", "stop", model.Usage{}},                                                              // row 1
		{"content-and-finish-in-one-chunk.sse", model.StatusDone, "Hello world, this is a test", "", "stop", model.Usage{}},                         // row 2
		{"gpt-4o-length-usage.sse", model.StatusTruncated, `{"`, "", "length", model.Usage{PromptTokens: 79, CompletionTokens: 1, TotalTokens: 80}}, // row 3
		{"refusal.sse", model.StatusRefused, "", "I'm sorry", "stop", model.Usage{PromptTokens: 20, CompletionTokens: 2, TotalTokens: 22}},          // row 4
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			u := llmtest.New(t, llmtest.ReplayFixture(t, tt.file))
			evs, res := run(t, t.Context(), testEngine(t, u.BaseURL()), request("Hello"))
			if res.Status != tt.status || res.Text != tt.text || res.Refusal != tt.refusal || res.Finish != tt.finish {
				t.Fatalf("result %+v, want status %s text %q refusal %q finish %s", res, tt.status, tt.text, tt.refusal, tt.finish)
			}
			if res.Usage != tt.usage {
				t.Errorf("usage %+v, want %+v", res.Usage, tt.usage)
			}
			if (tt.usage != model.Usage{}) && count(evs, model.EventUsage) != 1 {
				t.Errorf("events %v: want one usage event", kinds(evs))
			}
			if last := evs[len(evs)-1]; last.Kind != model.EventDone || last.Finish != tt.finish {
				t.Errorf("last event %+v, want done with %s", last, tt.finish)
			}
			if tt.refusal != "" && count(evs, model.EventRefusal) != 2 {
				t.Errorf("events %v: want two refusal pieces", kinds(evs))
			}
			if res.Err != nil || res.Attempts != 1 || u.Count() != 1 {
				t.Errorf("err %v, attempts %d, requests %d", res.Err, res.Attempts, u.Count())
			}
			if tt.text != "" && res.FirstToken <= 0 {
				t.Errorf("first-token latency %v not measured", res.FirstToken)
			}
		})
	}
}

// failCase is a request answered by failures that must not be retried or must be.
type failCase struct {
	name     string
	handlers []http.HandlerFunc
	class    model.ErrorClass
	status   model.Status
	requests int
	contains []string
	excludes []string
}

func runFailCases(t *testing.T, tests []failCase, opts ...func(*Config)) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := llmtest.New(t, tt.handlers...)
			evs, res := run(t, t.Context(), testEngine(t, u.BaseURL(), opts...), request("Hello"))
			if res.Err == nil || res.Err.Class != tt.class || res.Status != tt.status {
				t.Fatalf("result %+v err %+v, want %s / %s", res, res.Err, tt.class, tt.status)
			}
			t.Logf("message: %s", res.Err.Message)
			if u.Count() != tt.requests || res.Attempts != tt.requests {
				t.Errorf("requests %d, attempts %d, want %d", u.Count(), res.Attempts, tt.requests)
			}
			if got := count(evs, model.EventRetry); got != tt.requests-1 {
				t.Errorf("events %v: want %d retries", kinds(evs), tt.requests-1)
			}
			for _, s := range tt.contains {
				if !strings.Contains(res.Err.Message, s) {
					t.Errorf("message %q lacks %q", res.Err.Message, s)
				}
			}
			for _, s := range tt.excludes {
				if strings.Contains(res.Err.Message, s) {
					t.Errorf("message %q has %q", res.Err.Message, s)
				}
			}
			if strings.ContainsAny(res.Err.Message, "\n\r\x1b") {
				t.Errorf("message %q is not one clean line", res.Err.Message)
			}
		})
	}
}

// Rows 5, 6, 8: errors that retrying cannot fix.
func TestNoRetry(t *testing.T) {
	ollama404 := `{"error":"model \"llama9\" not found, try pulling it first"}`
	runFailCases(t, []failCase{
		{"401", []http.HandlerFunc{llmtest.Reply(401, "application/json",
			llmtest.ErrorJSON("Incorrect API key provided: sk-test-***cdef.", "invalid_request_error", "invalid_api_key"))},
			model.ClassAuth, model.StatusFailed, 1, []string{"OPENAI_API_KEY", "--base-url", "401", "Incorrect API key"}, nil},
		{"401 echoing the key", []http.HandlerFunc{llmtest.Reply(401, "application/json",
			llmtest.ErrorJSON("Incorrect API key provided: "+fakeKey, "invalid_request_error", "invalid_api_key"))},
			model.ClassAuth, model.StatusFailed, 1, []string{"OPENAI_API_KEY", "[redacted]"}, nil},
		{"403 region", []http.HandlerFunc{llmtest.Reply(403, "application/json",
			llmtest.ErrorJSON("Country, region, or territory not supported", "request_forbidden", "unsupported_country_region_territory"))},
			model.ClassAuth, model.StatusFailed, 1, []string{"OPENAI_API_KEY", "--base-url", "territory"}, nil},
		{"404 model", []http.HandlerFunc{llmtest.Reply(404, "application/json",
			llmtest.ErrorJSON("The model `gpt-9` does not exist or you do not have access to it.", "invalid_request_error", "model_not_found"))},
			model.ClassNotFound, model.StatusFailed, 1, []string{`"gpt-4o-mini"`, "/v1", "does not exist", "--model"}, nil},
		{"404 ollama", []http.HandlerFunc{llmtest.Reply(404, "application/json", ollama404)},
			model.ClassNotFound, model.StatusFailed, 1, []string{`model "llama9" not found, try pulling it first`, "127.0.0.1"}, nil},
		{"404 wrong path", []http.HandlerFunc{llmtest.Reply(404, "text/plain", "404 page not found\n")},
			model.ClassNotFound, model.StatusFailed, 1, []string{"404 page not found", "--base-url"}, nil},
		{"429 quota", []http.HandlerFunc{llmtest.Reply(429, "application/json",
			llmtest.ErrorJSON("You exceeded your current quota, please check your plan and billing details.", "insufficient_quota", "insufficient_quota"),
			"retry-after", "1")},
			model.ClassQuota, model.StatusFailed, 1, []string{"quota", "exceeded your current quota"}, nil},
		{"400", []http.HandlerFunc{llmtest.Reply(400, "application/json",
			llmtest.ErrorJSON("Invalid value for 'temperature'", "invalid_request_error", "invalid_value"))},
			model.ClassBadRequest, model.StatusFailed, 1, []string{"400", "temperature"}, nil},
		{"500 with x-should-retry false", []http.HandlerFunc{llmtest.Reply(500, "application/json",
			llmtest.ErrorJSON("boom", "server_error", ""), "x-should-retry", "false")},
			model.ClassServer, model.StatusFailed, 1, []string{"server error 500"}, nil},
		{"control characters in the body", []http.HandlerFunc{llmtest.Reply(500, "text/plain",
			"\x1b[31mboom\x1b[0m \u202eevil\r\nsecond line", "x-should-retry", "false")},
			model.ClassServer, model.StatusFailed, 1, []string{"server error 500 (Internal Server Error): boom evil"}, []string{"second"}},
		{"429 asking for too long", []http.HandlerFunc{llmtest.Reply(429, "application/json",
			llmtest.ErrorJSON("Rate limit reached", "requests", "rate_limit_exceeded"), "retry-after", "300")},
			model.ClassRateLimit, model.StatusFailed, 1, []string{"rate limited", "5m0s"}, nil},
	})
}

// Row 9: server errors are retried with backoff, then fail with a short cause.
func TestServerErrorsRetried(t *testing.T) {
	html := "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n" +
		"<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
	runFailCases(t, []failCase{
		{"500 json", []http.HandlerFunc{llmtest.Reply(500, "application/json",
			llmtest.ErrorJSON("The server had an error while processing your request.", "server_error", ""))},
			model.ClassServer, model.StatusFailed, 3, []string{"server error 500 (Internal Server Error)", "processing your request"}, nil},
		{"503 json", []http.HandlerFunc{llmtest.Reply(503, "application/json",
			llmtest.ErrorJSON("The engine is currently overloaded, please try again later", "server_error", ""))},
			model.ClassServer, model.StatusFailed, 3, []string{"server error 503", "overloaded"}, nil},
		{"502 html", []http.HandlerFunc{llmtest.Reply(502, "text/html", html)},
			model.ClassServer, model.StatusFailed, 3, []string{"server error 502 (Bad Gateway)"}, []string{"<", "nginx", "html"}},
		{"504 plain", []http.HandlerFunc{llmtest.Reply(504, "text/plain", "upstream request timeout")},
			model.ClassServer, model.StatusFailed, 3, []string{"server error 504 (Gateway Timeout): upstream request timeout"}, nil},
		{"408", []http.HandlerFunc{llmtest.Reply(408, "text/plain", "")},
			model.ClassServer, model.StatusFailed, 3, []string{"408"}, nil},
		{"409", []http.HandlerFunc{llmtest.Reply(409, "application/json", llmtest.ErrorJSON("conflict", "", ""))},
			model.ClassServer, model.StatusFailed, 3, []string{"409"}, nil},
		{"429 rate limit without retry-after", []http.HandlerFunc{llmtest.Reply(429, "application/json",
			llmtest.ErrorJSON("Rate limit reached for requests", "requests", "rate_limit_exceeded"))},
			model.ClassRateLimit, model.StatusFailed, 3, []string{"rate limited (429 Too Many Requests): Rate limit reached"}, nil},
		{"400 with x-should-retry true", []http.HandlerFunc{llmtest.Reply(400, "application/json",
			llmtest.ErrorJSON("try again", "", ""), "x-should-retry", "true")},
			model.ClassBadRequest, model.StatusFailed, 3, []string{"try again"}, nil},
	})
	runFailCases(t, []failCase{
		{"no retries configured", []http.HandlerFunc{llmtest.Reply(500, "application/json", llmtest.ErrorJSON("boom", "server_error", ""))},
			model.ClassServer, model.StatusFailed, 1, []string{"boom"}, nil},
	}, func(c *Config) { c.MaxRetries = -1 })

	t.Run("502 then ok", func(t *testing.T) {
		u := llmtest.New(t, llmtest.Reply(502, "text/html", html), llmtest.Deltas("안녕", "하세요"))
		evs, res := run(t, t.Context(), testEngine(t, u.BaseURL()), request("Hello"))
		if res.Status != model.StatusDone || res.Text != "안녕하세요" || u.Count() != 2 || res.Attempts != 2 {
			t.Fatalf("result %+v after %d requests", res, u.Count())
		}
		want := []model.EventKind{model.EventRetry, model.EventDelta, model.EventDelta, model.EventDone}
		if !slices.Equal(kinds(evs), want) {
			t.Fatalf("events %v, want %v", kinds(evs), want)
		}
		r := evs[0]
		if r.Attempt != 2 || r.Wait <= 0 || r.Err == nil || r.Err.Class != model.ClassServer || r.Err.Status != 502 {
			t.Errorf("retry event %+v", r)
		}
	})
}

// Backoff doubles per retry with jitter of at most 25% and a cap.
func TestBackoff(t *testing.T) {
	e := testEngine(t, "http://localhost:1/v1")
	e.backoffBase = 500 * time.Millisecond
	for n, want := range []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 8 * time.Second} {
		for range 50 {
			got := e.backoff(n, 0)
			if got > want || got < want*3/4 {
				t.Fatalf("backoff(%d) = %v, want within [%v, %v]", n, got, want*3/4, want)
			}
		}
	}
	if got := e.backoff(3, 1500*time.Millisecond); got != 1500*time.Millisecond {
		t.Errorf("server's wait not honoured: %v", got)
	}
}

// Row 7: a 429 asking for one second is waited out, visibly, then the answer streams.
func TestRateLimitRetryAfter(t *testing.T) {
	u := llmtest.New(t,
		llmtest.Reply(429, "application/json", llmtest.ErrorJSON("Rate limit reached for gpt-4o-mini", "requests", "rate_limit_exceeded"), "retry-after", "1"),
		llmtest.Deltas("안녕"))
	start := time.Now()
	evs, res := run(t, t.Context(), testEngine(t, u.BaseURL()), request("Hi"))
	took := time.Since(start)
	if res.Status != model.StatusDone || res.Text != "안녕" || u.Count() != 2 {
		t.Fatalf("result %+v after %d requests", res, u.Count())
	}
	if took < 900*time.Millisecond || took > 10*time.Second {
		t.Errorf("took %v, want about 1s", took)
	}
	r := evs[0]
	if r.Kind != model.EventRetry || r.Wait != time.Second || r.Attempt != 2 || r.Err.Class != model.ClassRateLimit || r.Err.RetryAfter != time.Second {
		t.Errorf("first event %+v, want a 1s retry wait", r)
	}
}

func TestRetryAfterHeaders(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name   string
		header map[string]string
		want   time.Duration
		ok     bool
	}{
		{"seconds", map[string]string{"Retry-After": "2"}, 2 * time.Second, true},
		{"fraction", map[string]string{"Retry-After": "0.5"}, 500 * time.Millisecond, true},
		{"milliseconds win", map[string]string{"Retry-After-Ms": "250", "Retry-After": "9"}, 250 * time.Millisecond, true},
		{"date", map[string]string{"Retry-After": now.Add(3 * time.Second).Format(http.TimeFormat)}, 3 * time.Second, true},
		{"date past", map[string]string{"Retry-After": now.Add(-time.Minute).Format(http.TimeFormat)}, 0, false},
		{"zero", map[string]string{"Retry-After": "0"}, 0, false},
		{"junk", map[string]string{"Retry-After": "soon", "Retry-After-Ms": "x"}, 0, false},
		{"none", nil, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tt.header {
				h.Set(k, v)
			}
			got, ok := retryAfter(h, now)
			if got != tt.want || ok != tt.ok {
				t.Errorf("retryAfter = %v, %v; want %v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
	t.Run("retry-after-ms honoured by Stream", func(t *testing.T) {
		u := llmtest.New(t, llmtest.Reply(503, "application/json", llmtest.ErrorJSON("busy", "", ""), "retry-after-ms", "120"), llmtest.Deltas("ok"))
		start := time.Now()
		evs, res := run(t, t.Context(), testEngine(t, u.BaseURL()), request("Hi"))
		if res.Status != model.StatusDone || evs[0].Wait != 120*time.Millisecond || time.Since(start) < 100*time.Millisecond {
			t.Errorf("result %+v, first event %+v", res, evs[0])
		}
	})
}

// Row 10: nothing listens at the base URL.
func TestUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + l.Addr().String() + "/v1"
	_ = l.Close()
	evs, res := run(t, t.Context(), testEngine(t, base), request("Hi"))
	if res.Err == nil || res.Err.Class != model.ClassUnreachable || res.Status != model.StatusFailed {
		t.Fatalf("result %+v", res)
	}
	if want := "cannot reach " + base + ": connection refused"; res.Err.Message != want {
		t.Errorf("message %q, want %q", res.Err.Message, want)
	}
	if res.Attempts != 3 || count(evs, model.EventRetry) != 2 {
		t.Errorf("attempts %d, events %v: want 2 retries", res.Attempts, kinds(evs))
	}
}

func TestUnresolvableHost(t *testing.T) {
	e := testEngine(t, "http://yeok-test.invalid/v1", func(c *Config) { c.MaxRetries = -1 })
	_, res := run(t, t.Context(), e, request("Hi"))
	t.Logf("message: %s", res.Err.Message)
	if res.Err == nil || res.Err.Class != model.ClassUnreachable || !strings.Contains(res.Err.Message, "cannot reach http://yeok-test.invalid/v1") {
		t.Fatalf("result %+v", res.Err)
	}
}
