package api

import (
	"net/http"
	"strings"
	"sync"
	"time"
)

// DefaultKeepAlive is how long a stream stays silent before a keepalive comment: well under
// the 60 s idle timeout of common proxies (nginx, AWS ALB).
const DefaultKeepAlive = 15 * time.Second

// writeTimeout bounds one write to a client, so a client that stops reading cannot hold a
// stream (and its upstream request) open forever.
const writeTimeout = 30 * time.Second

// sseWriter writes one translation as Server-Sent Events.
//
// Framing: every delta is one event. The delta is split on "\n" and each part goes on its
// own "data: " line; an SSE client joins the data lines of one event with "\n", so the text
// a client rebuilds by concatenating events is exactly the model's text. SSE cannot carry a
// carriage return (a bare "\r" ends a line, like "\n"), so "\r\n" and a lone "\r" are sent as
// "\n", also when a "\r\n" pair is split across two deltas. The store keeps the raw text.
// A line of text reading exactly "[DONE]" is sent as two events ("[DONE" and "]"), so it
// cannot be taken for the end of the stream.
//
// A request into several targets names each event by its target ("event: ko-KR"); the
// rules above hold for each target's events on their own.
//
// The headers go out with the first delta (or with [DONE] when the answer is empty), so a
// failure before any text can still be answered with a proper status and a JSON error.
type sseWriter struct {
	w  http.ResponseWriter
	rc *http.ResponseController
	// onError is called once when a write fails (the client is gone), to stop the stream.
	onError func(error)

	mu      sync.Mutex // emit may be called from the engine's goroutine
	started bool
	afterCR bool // the last delta ended with "\r": a leading "\n" of the next belongs to it
	// namedCR is afterCR for each named event's stream.
	namedCR map[string]bool
	failed  bool
	closed  bool
	buf     []byte
	last    time.Time // when the last write went out (or the stream began)
}

func newSSEWriter(w http.ResponseWriter, onError func(error)) *sseWriter {
	return &sseWriter{w: w, rc: http.NewResponseController(w), onError: onError, last: time.Now()}
}

// keepAlive sends an SSE comment (": keepalive") whenever the stream has been silent for
// interval, while the model thinks before its first token or between tokens, until the
// returned stop is called. Clients that follow the SSE spec ignore comments. A comment
// before the first token sends the headers, so a later failure is told in the stream (an
// "event: error") rather than by the status. A timer, not a goroutine, waits: a server
// with a thousand streams open keeps no thousand sleeping goroutines for it.
func (s *sseWriter) keepAlive(interval time.Duration) (stop func()) {
	var t *time.Timer
	var mu sync.Mutex // orders the timer's Reset after stop's Stop
	stopped := false
	mu.Lock() // held until t is set, which the timer's function reads
	defer mu.Unlock()
	t = time.AfterFunc(interval, func() {
		next := s.comment(interval)
		mu.Lock()
		defer mu.Unlock()
		if !stopped {
			t.Reset(next)
		}
	})
	return func() {
		mu.Lock()
		defer mu.Unlock()
		stopped = true
		t.Stop()
	}
}

// comment writes the keepalive comment when the stream has been silent for interval, and
// returns how long until the next one may be due.
func (s *sseWriter) comment(interval time.Duration) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	if quiet := time.Since(s.last); quiet < interval {
		return interval - quiet
	}
	s.buf = append(s.buf[:0], ": keepalive\n\n"...)
	s.send()
	return interval
}

// Started reports whether headers (and so a 200) have been sent.
func (s *sseWriter) Started() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.started
}

// Delta sends one piece of text as one event. Empty pieces send nothing.
func (s *sseWriter) Delta(text string) { s.DeltaAs("", text) }

// DeltaAs sends one piece of text as one event named event ("" for none): the piece of
// one target's text when a request has several.
func (s *sseWriter) DeltaAs(event, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if event == "" {
		text, s.afterCR = normalizeNewlines(text, s.afterCR)
	} else {
		if s.namedCR == nil {
			s.namedCR = map[string]bool{}
		}
		text, s.namedCR[event] = normalizeNewlines(text, s.namedCR[event])
	}
	if text == "" {
		return
	}
	s.buf = s.buf[:0]
	for {
		// A line reading "[DONE]" would end the stream for the client: cut it into two
		// events ("[DONE" and "]..."), which rebuild the same text.
		i := doneLine(text)
		if i < 0 {
			break
		}
		s.buf = appendEvent(s.buf, event, text[:i+len("[DONE")])
		text = text[i+len("[DONE"):]
	}
	s.buf = appendEvent(s.buf, event, text)
	s.send()
}

// doneLine returns the index of the first line of text that reads exactly "[DONE]", or -1.
func doneLine(text string) int {
	const done = "[DONE]"
	for off := 0; ; {
		i := strings.Index(text[off:], done)
		if i < 0 {
			return -1
		}
		i += off
		end := i + len(done)
		if (i == 0 || text[i-1] == '\n') && (end == len(text) || text[end] == '\n') {
			return i
		}
		off = i + 1
	}
}

// Done sends the final "data: [DONE]".
func (s *sseWriter) Done() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buf = append(s.buf[:0], "data: [DONE]\n\n"...)
	s.send()
}

// Fail sends an "event: error" whose data is one line. A one-target stream ends with it,
// no [DONE] following; a request into several sends one per target that failed, naming
// the target, before its [DONE].
func (s *sseWriter) Fail(line string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buf = appendEvent(s.buf[:0], "error", strings.Join(strings.Fields(line), " "))
	s.send()
}

// Close makes later writes no-ops: the handler is returning.
func (s *sseWriter) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started && !s.failed {
		_ = s.rc.SetWriteDeadline(time.Time{})
	}
	s.closed = true
}

// send writes s.buf, sending the headers first when needed, and flushes. s.mu is held.
func (s *sseWriter) send() {
	if s.failed || s.closed {
		return
	}
	if !s.started {
		h := s.w.Header()
		h.Set("Content-Type", "text/event-stream; charset=utf-8")
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Accel-Buffering", "no")
		h.Set("X-Content-Type-Options", "nosniff")
		s.w.WriteHeader(http.StatusOK)
		s.started = true
	}
	// A write deadline is not supported by every ResponseWriter (httptest's recorder); the
	// stream still works without one.
	_ = s.rc.SetWriteDeadline(time.Now().Add(writeTimeout))
	_, err := s.w.Write(s.buf)
	if err == nil {
		err = s.rc.Flush()
	}
	s.last = time.Now()
	if err != nil {
		s.failed = true
		if s.onError != nil {
			s.onError(err)
		}
	}
}

// appendEvent frames data as one SSE event: an optional event line, then one "data: " line
// per "\n"-separated part, then a blank line. data holds no "\r".
func appendEvent(dst []byte, event, data string) []byte {
	if event != "" {
		dst = append(dst, "event: "...)
		dst = append(dst, event...)
		dst = append(dst, '\n')
	}
	for {
		line, rest, more := strings.Cut(data, "\n")
		dst = append(dst, "data: "...)
		dst = append(dst, line...)
		dst = append(dst, '\n')
		if !more {
			break
		}
		data = rest
	}
	return append(dst, '\n')
}

// normalizeNewlines turns "\r\n" and lone "\r" into "\n". afterCR says the previous piece
// ended with "\r", so a leading "\n" here completes that pair and is dropped. It returns the
// text and whether this piece ended with "\r".
func normalizeNewlines(text string, afterCR bool) (string, bool) {
	if text == "" {
		return "", afterCR
	}
	if afterCR && strings.HasPrefix(text, "\n") {
		text = text[1:]
	}
	if !strings.Contains(text, "\r") {
		return text, false
	}
	endsCR := strings.HasSuffix(text, "\r")
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	return text, endsCR
}
