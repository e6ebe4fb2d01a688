package api

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yeok/yeok/llm"
	"github.com/yeok/yeok/llm/llmtest"
	"github.com/yeok/yeok/llm/openai"
	"github.com/yeok/yeok/model"
	"github.com/yeok/yeok/storage"
)

// testKey is the API key the engine sends upstream; no answer may ever contain it.
const testKey = llmtest.Key

// chunk is one chat.completion.chunk frame with a content delta and a finish reason.
func chunk(content, finish string) []byte {
	if finish != "" {
		return []byte("data: " + llmtest.FinishJSON(finish) + "\n\n")
	}
	return []byte("data: " + llmtest.DeltaJSON(content) + "\n\n")
}

// env is a whole API stack: upstream, engine, store, runner and the API under httptest.
type env struct {
	up    *llmtest.Server
	store *storage.Store
	api   *Server
	srv   *httptest.Server
}

type envOption func(*openai.Config)

// newEnv is a stack whose engine asks the model for every line (the translation memory off).
func newEnv(t testing.TB, cfg Config, answer http.HandlerFunc, opts ...envOption) *env {
	t.Helper()
	return newEnvWith(t, cfg, llm.Options{NoMemory: true}, answer, opts...)
}

// newEnvWith is newEnv with the engine's options.
func newEnvWith(t testing.TB, cfg Config, eo llm.Options, answer http.HandlerFunc, opts ...envOption) *env {
	t.Helper()
	up := llmtest.New(t, answer)
	lc := openai.Config{BaseURL: up.BaseURL(), APIKey: testKey, Model: "gpt-4o-mini", MaxRetries: -1,
		FirstTokenTimeout: 10 * time.Second, IdleTimeout: 10 * time.Second}
	for _, o := range opts {
		o(&lc)
	}
	p, err := openai.New(lc)
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
	a := New(cfg, llm.New(p, st, eo), st)
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
