package openai

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/yeok/yeok/llm/llmtest"
	"github.com/yeok/yeok/model"
)

func TestNew(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		noProv  bool
		bad     bool
		baseURL string
		model   string
	}{
		{name: "nothing configured", cfg: Config{}, noProv: true},
		{name: "key only means OpenAI", cfg: Config{APIKey: fakeKey}, baseURL: DefaultBaseURL, model: DefaultModel},
		{name: "local server without key", cfg: Config{BaseURL: "http://localhost:11434/v1/", Model: "llama3"},
			baseURL: "http://localhost:11434/v1", model: "llama3"},
		{name: "not a URL", cfg: Config{BaseURL: "localhost:11434"}, bad: true},
		{name: "ftp", cfg: Config{BaseURL: "ftp://example.com/v1"}, bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := New(tt.cfg)
			switch {
			case tt.noProv:
				if !errors.Is(err, model.ErrNoProvider) {
					t.Fatalf("err %v, want ErrNoProvider", err)
				}
				return
			case tt.bad:
				if err == nil || errors.Is(err, model.ErrNoProvider) {
					t.Fatalf("err %v, want a bad URL", err)
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			if e.BaseURL() != tt.baseURL || e.Model() != tt.model {
				t.Errorf("base %q model %q", e.BaseURL(), e.Model())
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	e, err := New(Config{APIKey: fakeKey, HTTPClient: &http.Client{Timeout: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	if e.maxRetries != DefaultMaxRetries || e.firstToken != DefaultFirstTokenTimeout || e.idle != DefaultIdleTimeout ||
		e.maxBackoff != DefaultMaxBackoff || e.temperature != DefaultTemperature {
		t.Errorf("defaults not applied: %+v", e)
	}
	e, _ = New(Config{APIKey: fakeKey, MaxRetries: -1, Temperature: -1})
	if e.maxRetries != 0 || e.temperature != zeroTemperature {
		t.Errorf("negative values: retries %d temperature %v", e.maxRetries, e.temperature)
	}
}

// Credentials in a base URL never reach a message.
func TestBaseURLCredentialsHidden(t *testing.T) {
	_, err := New(Config{BaseURL: "localhost:1?key=" + fakeKey})
	if err == nil || strings.Contains(err.Error(), "FAKEKEY") {
		t.Errorf("err %v", err)
	}
	e, err := New(Config{BaseURL: "http://user:" + fakeKey + "@127.0.0.1:1/v1?k=" + fakeKey, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	_, res := run(t, t.Context(), e, request("Hi"))
	if res.Err == nil || !strings.Contains(res.Err.Message, "cannot reach http://127.0.0.1:1/v1") {
		t.Errorf("result %+v", res.Err)
	}
}

// What goes over the wire: the key, the model, usage requested, the temperature kept.
func TestRequestShape(t *testing.T) {
	tests := []struct {
		name     string
		cfg      func(*Config)
		reqModel string
		model    string
		temp     any // nil when absent
	}{
		{"defaults", nil, "", "gpt-4o-mini", 0.2},
		{"request overrides model", nil, "gpt-4o", "gpt-4o", 0.2},
		{"zero temperature sent", func(c *Config) { c.Temperature = -1 }, "", "gpt-4o-mini", 1e-6},
		{"reasoning model gets none", nil, "o3-mini", "o3-mini", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := llmtest.New(t, llmtest.Deltas("ok"))
			opts := []func(*Config){}
			if tt.cfg != nil {
				opts = append(opts, tt.cfg)
			}
			req := request("Hello")
			req.Model = tt.reqModel
			_, res := run(t, t.Context(), testEngine(t, u.BaseURL(), opts...), req)
			if res.Status != model.StatusDone {
				t.Fatalf("result %+v", res)
			}
			b := u.Body(t, 0)
			if b["model"] != tt.model || b["stream"] != true {
				t.Errorf("body %v", b)
			}
			if so, _ := b["stream_options"].(map[string]any); so["include_usage"] != true {
				t.Errorf("usage not requested: %v", b["stream_options"])
			}
			if got, ok := b["temperature"]; (tt.temp == nil) == ok || (ok && float32(got.(float64)) != float32(tt.temp.(float64))) {
				t.Errorf("temperature %v, want %v", got, tt.temp)
			}
			if msgs, _ := b["messages"].([]any); len(msgs) != 2 {
				t.Errorf("messages %v", b["messages"])
			}
			if h := u.Requests()[0].Header.Get("Authorization"); h != "Bearer "+fakeKey {
				t.Errorf("authorization %q", h)
			}
		})
	}
}

// No error or event shows the key, whatever the server echoes back.
func TestKeyNeverShown(t *testing.T) {
	echo := "bad key " + fakeKey
	handlers := map[string]http.HandlerFunc{
		"401":        llmtest.Reply(401, "application/json", llmtest.ErrorJSON(echo, "invalid_request_error", "invalid_api_key")),
		"500 plain":  llmtest.Reply(500, "text/plain", echo),
		"404 ollama": llmtest.Reply(404, "application/json", `{"error":"`+echo+`"}`),
		"in-band":    llmtest.Frames(llmtest.DeltaJSON("a"), `{"error":{"message":"`+echo+`"}}`),
		"vllm":       llmtest.Frames(llmtest.DeltaJSON("a"), `{"object":"error","message":"`+echo+`"}`),
		"200 json":   llmtest.Reply(200, "application/json", `{"error":"`+echo+`"}`),
	}
	for name, h := range handlers {
		t.Run(name, func(t *testing.T) {
			u := llmtest.New(t, h)
			_, res := run(t, t.Context(), testEngine(t, u.BaseURL()), request("Hello")) // run checks every event
			if res.Err == nil || !strings.Contains(res.Err.Message, "[redacted]") {
				t.Errorf("result %+v", res.Err)
			}
			if res.Err.Cause == nil || strings.Contains(res.Err.Cause.Error(), fakeKey) {
				t.Errorf("cause %v", res.Err.Cause)
			}
		})
	}
}
