package llmtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// The captured streams in testdata/openai.
const (
	FixtureStop          = "gpt-4o-mini-stop.sse"
	FixtureLength        = "gpt-4o-length-usage.sse"
	FixtureRefusal       = "refusal.sse"
	FixtureOneChunkClose = "content-and-finish-in-one-chunk.sse"
)

// FixtureDir is the folder of the captured streams, found from this file's place in the
// module so that every package's tests read the same files.
func FixtureDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "openai")
}

// Fixture reads a captured stream.
func Fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(FixtureDir(), name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// StartSSE writes the headers of an event stream and flushes them.
func StartSSE(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	flush(w)
}

func flush(w http.ResponseWriter) {
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
}

// Raw writes s as it is and flushes.
func Raw(w http.ResponseWriter, s string) {
	_, _ = io.WriteString(w, s)
	flush(w)
}

// Frame writes one "data: ..." event and flushes.
func Frame(w http.ResponseWriter, data string) { Raw(w, "data: "+data+"\n\n") }

const chunkHead = `{"id":"chatcmpl-test","object":"chat.completion.chunk","created":1769092764,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"delta":`

// RoleJSON is the first chunk of an answer: the role and empty content.
const RoleJSON = chunkHead + `{"role":"assistant","content":"","refusal":null},"finish_reason":null}]}`

// DeltaJSON is a content chunk.
func DeltaJSON(text string) string {
	b, _ := json.Marshal(text)
	return chunkHead + `{"content":` + string(b) + `},"finish_reason":null}]}`
}

// FinishJSON is a finish chunk.
func FinishJSON(reason string) string {
	return chunkHead + `{},"finish_reason":"` + reason + `"}]}`
}

// UsageJSON is a usage chunk, with the empty choices OpenAI sends.
func UsageJSON(prompt, completion int) string {
	return fmt.Sprintf(`{"id":"chatcmpl-test","object":"chat.completion.chunk","created":1769092764,"model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d}}`,
		prompt, completion, prompt+completion)
}

// ErrorJSON is an OpenAI error body.
func ErrorJSON(msg, typ, code string) string {
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	return fmt.Sprintf(`{"error":{"message":%s,"type":%s,"param":null,"code":%s}}`, q(msg), q(typ), q(code))
}

// Stream is a whole answer as SSE bytes: the role chunk, the deltas and, when finish is set,
// the finish chunk and [DONE]. With finish empty the stream just ends (cut short).
func Stream(finish string, deltas ...string) []byte {
	var b strings.Builder
	b.WriteString("data: " + RoleJSON + "\n\n")
	for _, d := range deltas {
		b.WriteString("data: " + DeltaJSON(d) + "\n\n")
	}
	if finish != "" {
		b.WriteString("data: " + FinishJSON(finish) + "\n\ndata: [DONE]\n\n")
	}
	return []byte(b.String())
}

// Replay answers with an SSE body, event by event, flushing after each.
func Replay(body []byte) http.HandlerFunc {
	events := strings.SplitAfter(string(body), "\n\n")
	return func(w http.ResponseWriter, r *http.Request) {
		StartSSE(w)
		for _, ev := range events {
			Raw(w, ev)
		}
	}
}

// ReplayFixture answers with a captured stream.
func ReplayFixture(t testing.TB, name string) http.HandlerFunc {
	t.Helper()
	return Replay(Fixture(t, name))
}

// Deltas answers with the text in the given pieces, a stop and [DONE].
func Deltas(deltas ...string) http.HandlerFunc { return Replay(Stream("stop", deltas...)) }

// Pieces answers with an SSE body cut at event boundaries into that many flushed pieces,
// spread over span; with pieces <= 1, the whole body at once, as fast as loopback allows.
func Pieces(body []byte, pieces int, span time.Duration) http.HandlerFunc {
	events := strings.SplitAfter(string(body), "\n\n")
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		if pieces <= 1 {
			_, _ = w.Write(body)
			return
		}
		per := (len(events) + pieces - 1) / pieces
		tick := time.NewTicker(span / time.Duration(pieces))
		defer tick.Stop()
		for i := 0; i < len(events); i += per {
			Raw(w, strings.Join(events[i:min(i+per, len(events))], ""))
			select {
			case <-tick.C:
			case <-r.Context().Done():
				return
			}
		}
	}
}

// Frames answers with the given data frames; "[DONE]" must be given explicitly.
func Frames(frames ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		StartSSE(w)
		for _, f := range frames {
			Frame(w, f)
		}
	}
}

// Reply answers with a status, a content type, a body and headers given as name, value
// pairs.
func Reply(code int, contentType, body string, headers ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(code)
		_, _ = io.WriteString(w, body)
	}
}

// Error answers with an OpenAI JSON error body.
func Error(status int, code, msg string, headers ...string) http.HandlerFunc {
	typ := "invalid_request_error"
	if status >= 500 {
		typ = "server_error"
	}
	return Reply(status, "application/json", ErrorJSON(msg, typ, code), headers...)
}

// Hold answers with the role chunk and the deltas, then waits, sending nothing more, until
// release is closed or the client goes; then it finishes with stop. A nil release holds
// until the client goes (a stall).
func Hold(release <-chan struct{}, deltas ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		StartSSE(w)
		Frame(w, RoleJSON)
		for _, d := range deltas {
			Frame(w, DeltaJSON(d))
		}
		select {
		case <-release:
			Frame(w, FinishJSON("stop"))
			Frame(w, "[DONE]")
		case <-r.Context().Done():
		}
	}
}

// Paced answers with tokens(r), one content chunk every interval after a first-token delay
// of ttft, then stop and [DONE]. written, when set, is told after each token is flushed.
// It stops when the client goes.
func Paced(tokens func(r *http.Request) []string, ttft, interval time.Duration, written func(r *http.Request, i int)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !pace(w, r, tokens(r), ttft, interval, written) {
			return
		}
		Frame(w, FinishJSON("stop"))
		Frame(w, "[DONE]")
	}
}

// pace starts an SSE answer and writes pieces as content chunks, the first after ttft and
// each next one interval later, telling written (when set) after each. It reports false
// when the client went away first.
func pace(w http.ResponseWriter, r *http.Request, pieces []string, ttft, interval time.Duration, written func(r *http.Request, i int)) bool {
	StartSSE(w)
	Frame(w, RoleJSON)
	wait := ttft
	for i, p := range pieces {
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-r.Context().Done():
				t.Stop()
				return false
			case <-t.C:
			}
		}
		wait = interval
		Frame(w, DeltaJSON(p))
		if written != nil {
			written(r, i)
		}
	}
	return true
}

// LastUser returns the content of the last user message of the request a handler answers,
// for handlers that answer according to the source text.
func LastUser(r *http.Request) string { return Recorded(r).LastUser() }

// Target returns the language tag the request translates into, as its system message
// names it ("… (language tag ko-KR)."), or "" when it names none.
func (r Request) Target() string {
	for _, m := range r.Chat.Messages {
		if m.Role != "system" {
			continue
		}
		_, rest, ok := strings.Cut(m.Content, "(language tag ")
		if !ok {
			return ""
		}
		tag, _, _ := strings.Cut(rest, ")")
		return tag
	}
	return ""
}

// ByTarget answers each request with the handler for its target language (see
// Request.Target); a request into a target with no handler gets 500.
func ByTarget(handlers map[string]http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h, ok := handlers[Recorded(r).Target()]
		if !ok {
			http.Error(w, "no answer for target "+Recorded(r).Target(), http.StatusInternalServerError)
			return
		}
		h(w, r)
	}
}
