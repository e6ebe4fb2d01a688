package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// chatRequest is the part of a chat completion request the tests look at.
type chatRequest struct {
	Model    string `json:"model"`
	Stream   bool   `json:"stream"`
	Messages []struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	} `json:"messages"`
	Auth string `json:"-"`
}

// fakeOpenAI is an OpenAI-compatible server for tests: it records every request and answers
// each with the handler given (by default a captured fixture replayed as SSE).
type fakeOpenAI struct {
	*httptest.Server
	mu       sync.Mutex
	requests []chatRequest
	answer   func(w http.ResponseWriter, r *http.Request, n int)
}

func newFakeOpenAI(t testing.TB, answer func(w http.ResponseWriter, r *http.Request, n int)) *fakeOpenAI {
	t.Helper()
	f := &fakeOpenAI{answer: answer}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req chatRequest
		body, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(body, &req)
		req.Auth = r.Header.Get("Authorization")
		f.mu.Lock()
		f.requests = append(f.requests, req)
		n := len(f.requests)
		f.mu.Unlock()
		f.answer(w, r, n)
	}))
	t.Cleanup(f.Close)
	return f
}

// URL returns the base URL a client is configured with.
func (f *fakeOpenAI) baseURL() string { return f.Server.URL + "/v1" }

func (f *fakeOpenAI) got() []chatRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]chatRequest(nil), f.requests...)
}

// fixture reads a captured stream from testdata/openai.
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "openai", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// replay answers with a captured SSE stream.
func replay(body []byte) func(w http.ResponseWriter, r *http.Request, n int) {
	return func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body)
	}
}

// sseDeltas answers with a stream of the given content deltas and finish reason.
func sseDeltas(finish string, deltas ...string) []byte {
	var out []byte
	chunk := func(delta map[string]any, fin any) {
		b, _ := json.Marshal(map[string]any{
			"id": "chatcmpl-test", "object": "chat.completion.chunk", "model": "test",
			"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": fin}},
		})
		out = append(out, fmt.Sprintf("data: %s\n\n", b)...)
	}
	chunk(map[string]any{"role": "assistant", "content": ""}, nil)
	for _, d := range deltas {
		chunk(map[string]any{"content": d}, nil)
	}
	if finish != "" {
		chunk(map[string]any{}, finish)
		out = append(out, "data: [DONE]\n\n"...)
	}
	return out
}

// jsonError answers with an OpenAI JSON error body.
func jsonError(status int, code, msg string) func(w http.ResponseWriter, r *http.Request, n int) {
	return func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": msg, "type": "invalid_request_error", "code": code}})
	}
}
