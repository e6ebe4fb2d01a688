package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yeok/yeok/cmd/yeok/internal/pipeline"
	"github.com/yeok/yeok/llm/openai"
	"github.com/yeok/yeok/model"
	"github.com/yeok/yeok/storage"
)

// testKey is the API key the engine sends upstream; no answer may ever contain it.
const testKey = "sk-test-0123456789abcdef"

// upstream is an OpenAI-compatible server for tests. It answers every chat completion with
// answer and records when each request's context ended (the engine hung up).
type upstream struct {
	*httptest.Server
	answer func(w http.ResponseWriter, r *http.Request)
	mu     sync.Mutex
	count  int
	ended  chan time.Time // one send per request whose context ended while answering
}

func newUpstream(t testing.TB, answer func(w http.ResponseWriter, r *http.Request)) *upstream {
	t.Helper()
	u := &upstream{answer: answer, ended: make(chan time.Time, 1024)}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		u.mu.Lock()
		u.count++
		u.mu.Unlock()
		u.answer(w, r)
		if r.Context().Err() != nil {
			u.ended <- time.Now()
		}
	}))
	t.Cleanup(u.Close)
	return u
}

func (u *upstream) requests() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.count
}

// fixture reads a captured stream from testdata/openai.
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "..", "testdata", "openai", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// replay answers with a fixed SSE body.
func replay(body []byte) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body)
	}
}

// chunk is one chat.completion.chunk frame with a content delta and a finish reason.
func chunk(content string, finish any) []byte {
	delta := map[string]any{}
	if content != "" {
		delta["content"] = content
	}
	b, _ := json.Marshal(map[string]any{
		"id": "chatcmpl-test", "object": "chat.completion.chunk", "model": "test",
		"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}},
	})
	return fmt.Appendf(nil, "data: %s\n\n", b)
}

// sseDeltas is a whole stream: a role chunk, the deltas, and (when finish is set) a finish
// chunk and [DONE].
func sseDeltas(finish string, deltas ...string) []byte {
	out := []byte(`data: {"id":"chatcmpl-test","object":"chat.completion.chunk","model":"test","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}` + "\n\n")
	for _, d := range deltas {
		out = append(out, chunk(d, nil)...)
	}
	if finish != "" {
		out = append(out, chunk("", finish)...)
		out = append(out, "data: [DONE]\n\n"...)
	}
	return out
}

// jsonError answers with an OpenAI JSON error body.
func jsonError(status int, code, msg string) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{
			"message": msg, "type": "invalid_request_error", "code": code}})
	}
}

// env is a whole API stack: upstream, engine, store, runner and the API under httptest.
type env struct {
	up    *upstream
	store *storage.Store
	api   *Server
	srv   *httptest.Server
}

type envOption func(*openai.Config)

func newEnv(t testing.TB, cfg Config, answer func(w http.ResponseWriter, r *http.Request), opts ...envOption) *env {
	t.Helper()
	up := newUpstream(t, answer)
	lc := openai.Config{BaseURL: up.URL + "/v1", APIKey: testKey, Model: "gpt-4o-mini", MaxRetries: -1,
		FirstTokenTimeout: 10 * time.Second, IdleTimeout: 10 * time.Second}
	for _, o := range opts {
		o(&lc)
	}
	eng, err := openai.New(lc)
	if err != nil {
		t.Fatal(err)
	}
	st, err := storage.Open(context.Background(), filepath.Join(t.TempDir(), "yeok.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Model == "" {
		cfg.Model = "gpt-4o-mini"
	}
	a := New(cfg, &pipeline.Runner{Store: st, Engine: eng}, st)
	srv := httptest.NewServer(a)
	t.Cleanup(func() {
		srv.Close()
		a.Close()
		if err := st.Close(); err != nil {
			t.Error(err)
		}
	})
	return &env{up: up, store: st, api: a, srv: srv}
}

// post sends a translate request; headers are name/value pairs. The caller closes the body.
func (e *env) post(t testing.TB, body string, headers ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+"/translate", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
			continue
		}
		req.Header.Add(headers[i], headers[i+1])
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// get sends a GET; headers as for post. It returns the status, headers and body.
func (e *env) get(t testing.TB, path string, headers ...string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

// scriptEntries reads a script's entries straight from the store.
func (e *env) scriptEntries(t testing.TB, owner model.Owner, script string) []model.Entry {
	t.Helper()
	list, err := e.store.Entries(context.Background(), owner, model.EntryQuery{ScriptID: script, Oldest: true})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// waitEntry polls until the script's last entry is final, for up to 5 s.
func (e *env) waitEntry(t testing.TB, owner model.Owner, script string) model.Entry {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		list := e.scriptEntries(t, owner, script)
		if n := len(list); n > 0 && list[n-1].Status.Final() {
			return list[n-1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("script %s: no finished entry within 5 s (entries: %+v)", script, list)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// apiError decodes a JSON error answer.
func apiError(t testing.TB, body string) errorDetail {
	t.Helper()
	var eb errorBody
	if err := json.Unmarshal([]byte(body), &eb); err != nil {
		t.Fatalf("error body %q is not JSON: %v", body, err)
	}
	if eb.Error.Code == "" || eb.Error.Message == "" {
		t.Fatalf("error body %q lacks a code or message", body)
	}
	return eb.Error
}

// readAll reads a response body as a string and closes it.
func readAll(t testing.TB, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const hello = `{"lang":"ko-KR","message":"Good morning"}`
