// Package llmtest is the one fake OpenAI-compatible server every package's tests use. It
// replays the captured streams in testdata/openai and plays the fault cases of the fault
// matrix (status errors, cut streams, in-band errors, keep-alives, stalls, escape
// sequences), records every request it gets, and can pace a stream like a real model.
//
// It is a test helper, imported only from _test.go files and benchmarks. It speaks the
// wire format from first principles and does not import go-openai.
package llmtest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// Key is the API key tests configure clients with. It is recognisable so that a test can
// assert it never reaches a message, an event or the store.
const Key = "sk-test-FAKEKEY-0123456789abcdef"

// Server is an httptest server speaking the OpenAI chat-completions wire format. Request i
// is answered by handlers[i]; the last handler answers every further request.
type Server struct {
	*httptest.Server

	mu       sync.Mutex
	handlers []http.HandlerFunc
	first    int // the request handlers[0] answers
	requests []Request
	models   []string
	// Finished gets a value each time a handler returns (buffered; never blocks the
	// server: values past its capacity are dropped).
	Finished chan struct{}
	// Arrived gets a value when a request arrives, before its handler runs.
	Arrived chan struct{}
	// Gone gets the time of each request whose client hung up while it was answered.
	Gone chan time.Time
}

// Request is what the server recorded of one request.
type Request struct {
	// N is the request's number, from 1, in the order requests arrived.
	N      int
	Path   string
	Header http.Header
	Body   []byte
	// Chat is the body decoded as a chat-completions request (zero when it is not JSON).
	Chat ChatRequest
}

// ChatRequest is the part of a chat-completions request tests look at.
type ChatRequest struct {
	Model       string    `json:"model"`
	Stream      bool      `json:"stream"`
	Temperature *float64  `json:"temperature"`
	Messages    []Message `json:"messages"`
	// ResponseFormat is the request's response_format, raw; nil when it has none.
	ResponseFormat json.RawMessage `json:"response_format"`
}

// Message is one chat message of a request.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// LastUser returns the content of the request's last user message (the source text).
func (r Request) LastUser() string {
	for i := len(r.Chat.Messages) - 1; i >= 0; i-- {
		if r.Chat.Messages[i].Role == "user" {
			return r.Chat.Messages[i].Content
		}
	}
	return ""
}

// Auth returns the request's Authorization header.
func (r Request) Auth() string { return r.Header.Get("Authorization") }

// New starts a server answering with handlers (by default the captured gpt-4o-mini stream)
// and closes it when the test ends. GET /v1/models lists the models (see SetModels);
// requests to any other path but /v1/chat/completions get 418.
func New(t testing.TB, handlers ...http.HandlerFunc) *Server {
	t.Helper()
	if len(handlers) == 0 {
		handlers = []http.HandlerFunc{ReplayFixture(t, FixtureStop)}
	}
	s := &Server{handlers: handlers, Finished: make(chan struct{}, 1024), Arrived: make(chan struct{}, 1024),
		Gone: make(chan time.Time, 1024)}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && r.URL.Path == "/v1/models" {
		s.listModels(w) // not a translation: neither recorded nor answered by a handler
		return
	}
	defer signal(s.Finished)
	body, _ := io.ReadAll(r.Body)
	rec := Request{Path: r.URL.Path, Header: r.Header.Clone(), Body: body}
	_ = json.Unmarshal(body, &rec.Chat)
	s.mu.Lock()
	i := len(s.requests)
	rec.N = i + 1
	s.requests = append(s.requests, rec)
	h := s.handlers[min(i-s.first, len(s.handlers)-1)]
	s.mu.Unlock()
	signal(s.Arrived)
	r = r.WithContext(context.WithValue(r.Context(), recordKey{}, rec))
	r.Body = io.NopCloser(bytes.NewReader(body)) // handlers may read it again
	if r.URL.Path != "/v1/chat/completions" {
		http.Error(w, "wrong path "+r.URL.Path, http.StatusTeapot)
		return
	}
	h(w, r)
	if r.Context().Err() != nil {
		select {
		case s.Gone <- time.Now():
		default:
		}
	}
}

// SetModels sets the model IDs GET /v1/models lists; by default gpt-4o-mini alone.
func (s *Server) SetModels(ids ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.models = ids
}

// listModels answers GET /v1/models as OpenAI does.
func (s *Server) listModels(w http.ResponseWriter) {
	s.mu.Lock()
	ids := s.models
	s.mu.Unlock()
	if ids == nil {
		ids = []string{"gpt-4o-mini"}
	}
	type modelInfo struct {
		ID      string `json:"id"`
		Object  string `json:"object"`
		OwnedBy string `json:"owned_by"`
	}
	list := struct {
		Object string      `json:"object"`
		Data   []modelInfo `json:"data"`
	}{Object: "list", Data: []modelInfo{}}
	for _, id := range ids {
		list.Data = append(list.Data, modelInfo{ID: id, Object: "model", OwnedBy: "llmtest"})
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(list)
}

type recordKey struct{}

// Recorded returns what the server recorded of the request a handler answers.
func Recorded(r *http.Request) Request {
	rec, _ := r.Context().Value(recordKey{}).(Request)
	return rec
}

// signal sends on c without blocking.
func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// SetHandlers replaces the handlers; the next request is answered by the first of them.
func (s *Server) SetHandlers(handlers ...http.HandlerFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.handlers, s.first = handlers, len(s.requests)
}

// BaseURL is the API root a client is configured with.
func (s *Server) BaseURL() string { return s.Server.URL + "/v1" }

// Requests returns a copy of every request recorded so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Count returns how many requests reached the server.
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests)
}

// Body returns the JSON body of request i as a map.
func (s *Server) Body(t testing.TB, i int) map[string]any {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if i >= len(s.requests) {
		t.Fatalf("request %d: only %d arrived", i, len(s.requests))
	}
	var v map[string]any
	if err := json.Unmarshal(s.requests[i].Body, &v); err != nil {
		t.Fatalf("request %d body: %v", i, err)
	}
	return v
}
