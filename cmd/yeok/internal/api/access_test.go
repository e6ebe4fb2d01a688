package api

import (
	"bytes"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yeok/yeok/llm/llmtest"
	"github.com/yeok/yeok/model"
)

func TestTokensAuthenticateAndIsolateOwners(t *testing.T) {
	tokens := map[string]string{"alice": "secret-a", "bob": "secret-b"}
	e := newEnv(t, Config{Tokens: tokens}, llmtest.Replay(llmtest.Stream("stop", "안녕")))

	t.Run("refused", func(t *testing.T) {
		for name, auth := range map[string]string{
			"no header": "", "wrong secret": "Bearer secret-c", "prefix of a secret": "Bearer secret-",
			"basic scheme": "Basic secret-a", "empty bearer": "Bearer ",
		} {
			resp := e.post(t, hello, "Authorization", auth)
			body := readAll(t, resp)
			if resp.StatusCode != http.StatusUnauthorized || apiError(t, body).Code != "unauthorized" ||
				!strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("%s: %d %s, want 401 with WWW-Authenticate", name, resp.StatusCode, body)
			}
		}
		if status, _, _ := e.get(t, "/scripts/lecture-01"); status != http.StatusUnauthorized {
			t.Errorf("GET /scripts without a token: %d, want 401", status)
		}
		if n := e.up.Count(); n != 0 {
			t.Errorf("%d unauthenticated requests reached the upstream", n)
		}
	})

	t.Run("owner isolation", func(t *testing.T) {
		got := rebuild(mustEvents(t, e.post(t, hello, "Authorization", "Bearer secret-a", "x-script-id", "lecture-01")))
		if got.Text != "안녕" || !got.Done {
			t.Fatalf("alice: %+v", got)
		}
		if list := e.scriptEntries(t, model.HTTPOwner("alice"), "lecture-01"); len(list) != 1 {
			t.Errorf("alice's script has %d entries, want 1", len(list))
		}
		if list := e.scriptEntries(t, model.LocalOwner, "lecture-01"); len(list) != 0 {
			t.Errorf("the local owner sees %d of alice's entries", len(list))
		}
		status, _, body := e.get(t, "/scripts/lecture-01", "Authorization", "Bearer secret-a")
		if status != http.StatusOK || !strings.Contains(body, `"translation":"안녕"`) {
			t.Errorf("alice GET: %d %s", status, body)
		}
		status, _, body = e.get(t, "/scripts/lecture-01", "Authorization", "Bearer secret-b")
		if status != http.StatusNotFound || apiError(t, body).Code != "not_found" {
			t.Errorf("bob GET alice's script: %d %s, want 404", status, body)
		}
	})

	t.Run("missing script id goes to the token's own script", func(t *testing.T) {
		if got := rebuild(mustEvents(t, e.post(t, hello, "Authorization", "Bearer secret-b"))); !got.Done {
			t.Fatalf("bob: %+v", got)
		}
		if list := e.scriptEntries(t, model.HTTPOwner("bob"), "http-bob"); len(list) != 1 {
			t.Errorf("script http-bob has %d entries, want 1", len(list))
		}
	})
}

func TestMissingScriptIDUsesTheClientAddress(t *testing.T) {
	e := newEnv(t, Config{}, llmtest.Replay(llmtest.Stream("stop", "x")))
	if got := rebuild(mustEvents(t, e.post(t, hello))); !got.Done {
		t.Fatalf("%+v", got)
	}
	if list := e.scriptEntries(t, model.LocalOwner, "http-127.0.0.1"); len(list) != 1 {
		t.Errorf("script http-127.0.0.1 has %d entries, want 1", len(list))
	}
	status, _, body := e.get(t, "/scripts/http-127.0.0.1")
	if status != http.StatusOK || !strings.Contains(body, `"source":"Good morning"`) {
		t.Errorf("GET: %d %s", status, body)
	}
}

func TestRateLimitPerOwner(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	tokens := map[string]string{"alice": "a-secret", "bob": "b-secret"}
	e := newEnv(t, Config{Tokens: tokens, RatePerMinute: 2, Now: clock}, llmtest.Replay(llmtest.Stream("stop", "x")))
	alice := []string{"Authorization", "Bearer a-secret"}
	for i := range 2 {
		if got := rebuild(mustEvents(t, e.post(t, hello, alice...))); !got.Done {
			t.Fatalf("request %d: %+v", i, got)
		}
	}
	resp := e.post(t, hello, alice...)
	body := readAll(t, resp)
	if resp.StatusCode != http.StatusTooManyRequests || apiError(t, body).Code != "rate_limited" {
		t.Fatalf("third request: %d %s, want 429", resp.StatusCode, body)
	}
	if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || ra < 1 || ra > 30 {
		t.Errorf("Retry-After = %q, want 1-30 s", resp.Header.Get("Retry-After"))
	}
	if got := rebuild(mustEvents(t, e.post(t, hello, "Authorization", "Bearer b-secret"))); !got.Done {
		t.Errorf("bob was limited by alice's requests: %+v", got)
	}
	mu.Lock()
	now = now.Add(30 * time.Second)
	mu.Unlock()
	if got := rebuild(mustEvents(t, e.post(t, hello, alice...))); !got.Done {
		t.Errorf("after 30 s alice is still limited: %+v", got)
	}
	if n := e.up.Count(); n != 4 {
		t.Errorf("upstream saw %d requests, want 4", n)
	}
}

func TestConcurrencyLimit(t *testing.T) {
	release := make(chan struct{})
	answer := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(llmtest.Stream("", "held "))
		w.(http.Flusher).Flush()
		select {
		case <-release:
			_, _ = w.Write(chunk("", "stop"))
		case <-r.Context().Done():
		}
	}
	e := newEnv(t, Config{MaxConcurrent: 1}, answer)
	held := e.post(t, hello, "x-script-id", "held")
	c := newSSEClient(held.Body)
	if ev, err := c.Next(); err != nil || ev.Data != "held " {
		t.Fatalf("first event %+v, %v", ev, err)
	}
	resp := e.post(t, hello, "x-script-id", "second")
	body := readAll(t, resp)
	if resp.StatusCode != http.StatusTooManyRequests || apiError(t, body).Code != "too_many_streams" ||
		resp.Header.Get("Retry-After") == "" {
		t.Fatalf("second stream: %d %s, want 429 with Retry-After", resp.StatusCode, body)
	}
	close(release)
	rest, err := c.All()
	held.Body.Close()
	if got := rebuild(rest); err != nil || !got.Done {
		t.Fatalf("held stream ended %+v, %v", got, err)
	}
	if got := rebuild(mustEvents(t, e.post(t, hello, "x-script-id", "third"))); !got.Done {
		t.Errorf("after the held stream ended: %+v", got)
	}
}

func TestCORS(t *testing.T) {
	preflight := func(t *testing.T, e *env) *http.Response {
		req, _ := http.NewRequest(http.MethodOptions, e.srv.URL+"/translate", nil)
		req.Header.Set("Origin", "https://captions.example")
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "content-type, x-script-id")
		resp, err := e.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		readAll(t, resp)
		return resp
	}
	t.Run("off", func(t *testing.T) {
		e := newEnv(t, Config{}, llmtest.Replay(llmtest.Stream("stop", "x")))
		resp := e.post(t, hello, "Origin", "https://captions.example")
		readAll(t, resp)
		if v := resp.Header.Get("Access-Control-Allow-Origin"); v != "" {
			t.Errorf("Access-Control-Allow-Origin = %q without a configured origin", v)
		}
		if resp := preflight(t, e); resp.StatusCode == http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Methods") != "" {
			t.Errorf("preflight answered without CORS: %d %v", resp.StatusCode, resp.Header)
		}
	})
	t.Run("on", func(t *testing.T) {
		e := newEnv(t, Config{CORSOrigin: "https://captions.example"}, llmtest.Replay(llmtest.Stream("stop", "x")))
		resp := preflight(t, e)
		h := resp.Header
		if resp.StatusCode != http.StatusNoContent || h.Get("Access-Control-Allow-Origin") != "https://captions.example" ||
			!strings.Contains(h.Get("Access-Control-Allow-Methods"), "POST") {
			t.Errorf("preflight: %d %v", resp.StatusCode, h)
		}
		for _, name := range []string{"content-type", "authorization", "x-script-id"} {
			if !strings.Contains(h.Get("Access-Control-Allow-Headers"), name) {
				t.Errorf("Access-Control-Allow-Headers %q lacks %s", h.Get("Access-Control-Allow-Headers"), name)
			}
		}
		resp = e.post(t, hello, "Origin", "https://captions.example")
		readAll(t, resp)
		if v := resp.Header.Get("Access-Control-Allow-Origin"); v != "https://captions.example" {
			t.Errorf("stream Access-Control-Allow-Origin = %q", v)
		}
		resp = e.post(t, "{", "Origin", "https://captions.example")
		readAll(t, resp)
		if v := resp.Header.Get("Access-Control-Allow-Origin"); resp.StatusCode != 400 || v != "https://captions.example" {
			t.Errorf("error answer: %d, Access-Control-Allow-Origin = %q", resp.StatusCode, v)
		}
	})
}

func TestPlainEndpoints(t *testing.T) {
	e := newEnv(t, Config{Tokens: map[string]string{"a": "s"}}, llmtest.Replay(llmtest.Stream("stop", "x")))
	tests := []struct {
		name, method, path string
		wantStatus         int
		wantBody           string
	}{
		{"health without a token", http.MethodGet, "/healthz", 200, "ok\n"},
		{"index", http.MethodGet, "/", 200, "POST /translate"},
		{"unknown path", http.MethodGet, "/nope", 404, `"code":"not_found"`},
		{"post health", http.MethodPost, "/healthz", 405, `"code":"method_not_allowed"`},
		{"delete script", http.MethodDelete, "/scripts/x", 405, `"code":"method_not_allowed"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, e.srv.URL+tt.path, nil)
			resp, err := e.srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body := readAll(t, resp)
			if resp.StatusCode != tt.wantStatus || !strings.Contains(body, tt.wantBody) {
				t.Errorf("%s %s: %d %q, want %d with %q", tt.method, tt.path, resp.StatusCode, body, tt.wantStatus, tt.wantBody)
			}
		})
	}
	status, _, body := e.get(t, "/scripts/missing", "Authorization", "Bearer s")
	if status != http.StatusNotFound || apiError(t, body).Code != "not_found" {
		t.Errorf("missing script: %d %s", status, body)
	}
	status, _, body = e.get(t, "/scripts/a%20%20b", "Authorization", "Bearer s")
	if status != http.StatusBadRequest || apiError(t, body).Code != "invalid_script_id" {
		t.Errorf("invalid script id: %d %s", status, body)
	}
}

func TestLogsKeepTextAndSecretsOut(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	lg := slog.New(slog.NewTextHandler(&lockedWriter{w: &buf, mu: &mu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e := newEnv(t, Config{Tokens: map[string]string{"alice": "top-secret-token"}, Logger: lg},
		llmtest.Replay(llmtest.Stream("", "TRANSLATED-TEXT")))
	auth := []string{"Authorization", "Bearer top-secret-token", "x-script-id", "s"}
	rebuild(mustEvents(t, e.post(t, `{"lang":"ko","message":"SOURCE-TEXT"}`, auth...)))
	readAll(t, e.post(t, `{"lang":"ko","message":"SOURCE-TEXT"}`, "Authorization", "Bearer wrong-token"))
	e.waitEntry(t, model.HTTPOwner("alice"), "s")
	mu.Lock()
	out := buf.String()
	mu.Unlock()
	if !strings.Contains(out, "translate") || !strings.Contains(out, "unauthorized") {
		t.Errorf("log lacks the request or the refusal:\n%s", out)
	}
	for _, secret := range []string{"SOURCE-TEXT", "TRANSLATED-TEXT", "top-secret-token", "wrong-token", testKey} {
		if strings.Contains(out, secret) {
			t.Errorf("log contains %q:\n%s", secret, out)
		}
	}
}

// lockedWriter serialises writes from concurrent handlers into one buffer.
type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
