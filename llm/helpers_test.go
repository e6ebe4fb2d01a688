package llm

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

	"github.com/yeok/yeok/model"
)

// fakeKey is a recognisable API key that must never show up in an error or event.
const fakeKey = "sk-test-FAKEKEY-0123456789abcdef"

// upstream is an httptest server speaking the OpenAI wire format. Request i is answered by
// handlers[i], the last handler answering any further requests.
type upstream struct {
	srv      *httptest.Server
	mu       sync.Mutex
	handlers []http.HandlerFunc
	bodies   [][]byte
	headers  []http.Header
	finished chan struct{} // gets a value each time a handler returns
}

func newUpstream(t *testing.T, handlers ...http.HandlerFunc) *upstream {
	t.Helper()
	u := &upstream{handlers: handlers, finished: make(chan struct{}, 100)}
	u.srv = httptest.NewServer(http.HandlerFunc(u.serve))
	t.Cleanup(u.srv.Close)
	return u
}

func (u *upstream) serve(w http.ResponseWriter, r *http.Request) {
	defer func() { u.finished <- struct{}{} }()
	body, _ := io.ReadAll(r.Body)
	u.mu.Lock()
	i := len(u.bodies)
	u.bodies = append(u.bodies, body)
	u.headers = append(u.headers, r.Header.Clone())
	h := u.handlers[min(i, len(u.handlers)-1)]
	u.mu.Unlock()
	if r.URL.Path != "/v1/chat/completions" {
		http.Error(w, "wrong path "+r.URL.Path, http.StatusTeapot)
		return
	}
	h(w, r)
}

// requests returns how many requests reached the server.
func (u *upstream) requests() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.bodies)
}

// body returns the JSON body of request i.
func (u *upstream) body(t *testing.T, i int) map[string]any {
	t.Helper()
	u.mu.Lock()
	defer u.mu.Unlock()
	var v map[string]any
	if err := json.Unmarshal(u.bodies[i], &v); err != nil {
		t.Fatalf("request %d body: %v", i, err)
	}
	return v
}

// url is the base URL of the server's API.
func (u *upstream) url() string { return u.srv.URL + "/v1" }

// startSSE writes the headers of an event stream.
func startSSE(w http.ResponseWriter) http.Flusher {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	f := w.(http.Flusher)
	f.Flush()
	return f
}

// raw writes s as it is and flushes.
func raw(w http.ResponseWriter, s string) {
	_, _ = io.WriteString(w, s)
	w.(http.Flusher).Flush()
}

// frame writes one "data: ..." event and flushes.
func frame(w http.ResponseWriter, data string) { raw(w, "data: "+data+"\n\n") }

// deltaJSON is a content chunk.
func deltaJSON(text string) string {
	b, _ := json.Marshal(text)
	return `{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":` +
		string(b) + `},"finish_reason":null}]}`
}

// finishJSON is a finish chunk.
func finishJSON(reason string) string {
	return `{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"` +
		reason + `"}]}`
}

// sse answers with the given data frames; "[DONE]" must be given explicitly.
func sse(frames ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		startSSE(w)
		for _, f := range frames {
			frame(w, f)
		}
	}
}

// okStream answers with the text split into deltas, a stop and [DONE].
func okStream(deltas ...string) http.HandlerFunc {
	frames := make([]string, 0, len(deltas)+2)
	for _, d := range deltas {
		frames = append(frames, deltaJSON(d))
	}
	return sse(append(frames, finishJSON("stop"), "[DONE]")...)
}

// replay answers with a captured fixture, event by event.
func replay(t *testing.T, name string) http.HandlerFunc {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "openai", name))
	if err != nil {
		t.Fatal(err)
	}
	events := strings.SplitAfter(string(b), "\n\n")
	return func(w http.ResponseWriter, r *http.Request) {
		startSSE(w)
		for _, ev := range events {
			raw(w, ev)
		}
	}
}

// reply answers with a status, headers and body.
func reply(code int, contentType, body string, headers ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(code)
		_, _ = io.WriteString(w, body)
	}
}

// jsonError is an OpenAI error body.
func jsonError(msg, typ, code string) string {
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	return fmt.Sprintf(`{"error":{"message":%s,"type":%s,"param":null,"code":%s}}`, q(msg), q(typ), q(code))
}

// testEngine returns an engine for u with fast retries and short timeouts, changed by opts.
func testEngine(t *testing.T, base string, opts ...func(*Config)) *Engine {
	t.Helper()
	cfg := Config{
		BaseURL:           base,
		APIKey:            fakeKey,
		Model:             "gpt-4o-mini",
		FirstTokenTimeout: 5 * time.Second,
		IdleTimeout:       5 * time.Second,
	}
	for _, o := range opts {
		o(&cfg)
	}
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.backoffBase = time.Millisecond
	return e
}

// run streams a request and returns the events and the result, checking the invariants
// every stream must keep.
func run(t *testing.T, ctx context.Context, e *Engine, req model.Request) ([]model.Event, model.Result) {
	t.Helper()
	var evs []model.Event
	res := e.Stream(ctx, req, func(ev model.Event) { evs = append(evs, ev) })
	checkInvariants(t, evs, res)
	return evs, res
}

func checkInvariants(t *testing.T, evs []model.Event, res model.Result) {
	t.Helper()
	if len(evs) == 0 {
		t.Fatal("no events")
	}
	var text, refusal strings.Builder
	for i, ev := range evs {
		final := ev.Kind == model.EventDone || ev.Kind == model.EventError
		if final != (i == len(evs)-1) {
			t.Fatalf("event %d of %d is %s: want exactly one final event, last", i, len(evs), ev.Kind)
		}
		switch ev.Kind {
		case model.EventDelta:
			text.WriteString(ev.Text)
		case model.EventRefusal:
			refusal.WriteString(ev.Text)
		}
		assertNoKey(t, fmt.Sprintf("event %d", i), ev)
	}
	last := evs[len(evs)-1]
	if last.Status != res.Status {
		t.Errorf("final event status %q, result %q", last.Status, res.Status)
	}
	if last.Kind == model.EventError && (last.Err == nil || res.Err == nil || last.Err != res.Err) {
		t.Errorf("error event %+v does not carry the result's error %+v", last.Err, res.Err)
	}
	if last.Kind == model.EventDone && (res.Err != nil || res.Finish == "" || res.Status == model.StatusInterrupted) {
		t.Errorf("done without a finish reason or with an error: %+v", res)
	}
	if text.String() != res.Text || refusal.String() != res.Refusal {
		t.Errorf("deltas %q / refusal %q differ from the result %q / %q", text.String(), refusal.String(), res.Text, res.Refusal)
	}
	assertNoKey(t, "result", res)
}

// assertNoKey fails when the fake key appears in v, its error messages or causes.
func assertNoKey(t *testing.T, what string, v any) {
	t.Helper()
	s := fmt.Sprintf("%+v", v)
	var err *model.Error
	switch x := v.(type) {
	case model.Event:
		err = x.Err
	case model.Result:
		err = x.Err
	}
	if err != nil {
		s += err.Message + err.Error()
		if err.Cause != nil {
			s += err.Cause.Error() + fmt.Sprintf("%+v %#v", err.Cause, err.Cause.Error())
		}
	}
	if strings.Contains(s, fakeKey) || strings.Contains(s, "FAKEKEY") {
		t.Errorf("%s shows the API key: %s", what, s)
	}
}

// kinds lists the kinds of evs.
func kinds(evs []model.Event) []model.EventKind {
	out := make([]model.EventKind, len(evs))
	for i, ev := range evs {
		out[i] = ev.Kind
	}
	return out
}

// count counts the events of one kind.
func count(evs []model.Event, k model.EventKind) int {
	n := 0
	for _, ev := range evs {
		if ev.Kind == k {
			n++
		}
	}
	return n
}

func request(source string) model.Request {
	return model.Request{Source: source, To: model.MustLanguage("ko"), From: model.Auto}
}
