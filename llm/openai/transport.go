package openai

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// maxErrorBody caps how much of an error or non-streamed body is read.
const maxErrorBody = 1 << 20

// attemptKey carries an *attempt in a request context, so the shared transport can report
// what only the HTTP response shows (headers, content type) to the Stream call that sent it.
type attemptKey struct{}

// attempt is the state of one HTTP request of a Stream call.
type attempt struct {
	// Written by RoundTrip before go-openai sees the response; read by Stream after
	// CreateChatCompletionStream returns, so no lock is needed.
	status     int
	header     http.Header
	body       io.Closer // the response body, closed after an error status
	nonStream  []byte    // a 200 body that was not an event stream
	notStreamT string    // its content type

	// chunks counts data chunks; content is set once text (or a refusal) arrived; finished
	// once a finish reason did. The watchdog goroutine reads them.
	chunks   atomic.Uint64
	content  atomic.Bool
	finished atomic.Bool // a finish reason was seen

	// stop ends the request's context; unlink detaches it from the caller's. draining is
	// set when the body's Close handed both to a goroutine that reads the body to its end.
	// All three are used on the Stream call's goroutine only.
	stop     context.CancelCauseFunc
	unlink   func() bool
	draining bool
}

// transport wraps the caller's RoundTripper to record response headers and to clean up the
// body before go-openai reads it.
type transport struct {
	base http.RoundTripper
}

// RoundTrip sends req and, when it belongs to a Stream attempt, records the response.
// Event streams go through an sseFilter; a 200 body that is not an event
// stream is read here and replaced by an empty one, so Stream can judge it.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	at, _ := req.Context().Value(attemptKey{}).(*attempt)
	if at == nil {
		return resp, nil
	}
	at.status = resp.StatusCode
	at.header = resp.Header
	at.body = resp.Body
	switch {
	case resp.StatusCode >= http.StatusBadRequest || resp.StatusCode < http.StatusOK:
		resp.Body = struct {
			io.Reader
			io.Closer
		}{io.LimitReader(resp.Body, maxErrorBody), resp.Body}
	case !isEventStream(resp.Header.Get("Content-Type")):
		at.nonStream, err = io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		if err != nil {
			_ = resp.Body.Close()
			return nil, err
		}
		at.notStreamT = resp.Header.Get("Content-Type")
		if at.nonStream == nil {
			at.nonStream = []byte{}
		}
		resp.Body = struct {
			io.Reader
			io.Closer
		}{bytes.NewReader(nil), resp.Body}
	default:
		resp.Body = newSSEFilter(resp.Body, at)
	}
	return resp, nil
}

// isEventStream reports whether a Content-Type names an event stream. A missing type is
// given the benefit of the doubt: some servers send none.
func isEventStream(ct string) bool {
	if ct == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return true
	}
	return mt != "application/json" && mt != "text/html" && !strings.HasSuffix(mt, "+json")
}

// withAttempt returns ctx carrying at.
func withAttempt(ctx context.Context, at *attempt) context.Context {
	return context.WithValue(ctx, attemptKey{}, at)
}

// sseFilter passes an event stream through line by line with two changes, so that
// go-openai's line reader sees only what it handles well:
//
//   - comment lines (": keepalive") are dropped: go-openai counts them as empty messages
//     and keeps them in its error buffer, where they spoil the parsing of a later in-band
//     error;
//   - an in-band error line `data: {"error":...}` gets a space after its brace, so go-openai
//     returns it as an ordinary data chunk instead of parsing it itself (its parser drops
//     Ollama's string errors and any error that follows a comment); Stream parses it.
//
// Read never blocks while it holds bytes for the caller: a delta is passed on as soon as
// its line is complete.
type sseFilter struct {
	br      *bufio.Reader
	rc      io.ReadCloser
	at      *attempt
	done    bool   // a "data: [DONE]" line went by
	pending []byte // the rest of the current line, to hand out
	midLine bool   // the next bytes continue a line longer than the buffer
	drop    bool   // the line being continued is a comment
	err     error  // the error that ended reading, handed out once pending is empty
}

// filterReaders holds the line readers of finished streams for new ones: a server with a
// thousand streams at once would otherwise make (and the collector sweep) a 16 KiB buffer
// for every one.
var filterReaders = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 16<<10) }}

func newSSEFilter(rc io.ReadCloser, at *attempt) *sseFilter {
	br := filterReaders.Get().(*bufio.Reader)
	br.Reset(rc)
	return &sseFilter{br: br, rc: rc, at: at}
}

// Read fills p with whole filtered lines, or part of a line longer than p.
func (f *sseFilter) Read(p []byte) (int, error) {
	if f.br == nil {
		return 0, errFilterClosed
	}
	n := 0
	for n < len(p) {
		if len(f.pending) > 0 {
			c := copy(p[n:], f.pending)
			f.pending = f.pending[c:]
			n += c
			continue
		}
		if f.err != nil {
			if n > 0 {
				return n, nil
			}
			return 0, f.err
		}
		if n > 0 && !f.lineReady() {
			return n, nil
		}
		line, err := f.br.ReadSlice('\n')
		switch err {
		case nil:
		case bufio.ErrBufferFull:
		default:
			f.err = err
		}
		f.take(line, err == bufio.ErrBufferFull)
	}
	return n, nil
}

// lineReady reports whether ReadSlice can return without waiting on the network.
func (f *sseFilter) lineReady() bool {
	b, _ := f.br.Peek(f.br.Buffered())
	return bytes.IndexByte(b, '\n') >= 0 || len(b) == f.br.Size()
}

// take decides what of line (complete unless partial) is passed on.
func (f *sseFilter) take(line []byte, partial bool) {
	start := !f.midLine
	f.midLine = partial
	if !start {
		if !f.drop {
			f.pending = line
		}
		return
	}
	trimmed := bytes.TrimLeft(line, " \t")
	f.drop = len(trimmed) > 0 && trimmed[0] == ':'
	if f.drop {
		return
	}
	if rest, ok := bytes.CutPrefix(trimmed, []byte("data:")); ok {
		rest = bytes.TrimLeft(rest, " \t")
		if bytes.Equal(bytes.TrimRight(rest, " \t\r\n"), []byte("[DONE]")) {
			f.done = true
		}
		if bytes.HasPrefix(rest, []byte(`{"error":`)) {
			at := len(line) - len(rest) + 1
			fixed := make([]byte, 0, len(line)+1)
			fixed = append(fixed, line[:at]...)
			fixed = append(fixed, ' ')
			f.pending = append(fixed, line[at:]...)
			return
		}
	}
	f.pending = line
}

// errFilterClosed is what a Read after Close returns.
var errFilterClosed = errors.New("read from a closed event stream")

// Close closes the body and gives the line reader back for another stream. The stream's
// reader (go-openai's) reads and closes on one goroutine, so no Read runs meanwhile.
//
// After [DONE] only the end of the body is left to come, but go-openai stops reading at
// [DONE], and a body closed before its end closes its connection: every request would dial
// a new one, a cost that a server with many streams pays on every line. So a stream that
// ended with [DONE] is read to its end on a goroutine of its own, for at most drainWait,
// and only then closed: its connection goes back to the pool.
func (f *sseFilter) Close() error {
	if f.br != nil {
		f.br.Reset(nil)
		filterReaders.Put(f.br)
		f.br, f.pending = nil, nil
	}
	if at := f.at; f.done && at != nil && at.stop != nil && !at.draining {
		at.draining = true
		at.unlink()
		go drain(f.rc, at.stop)
		return nil
	}
	return f.rc.Close()
}

// drainWait bounds how long the end of a body is waited for after [DONE]; maxDrain, how
// much of it is read.
const (
	drainWait = 500 * time.Millisecond
	maxDrain  = 64 << 10
)

// errDrainWait ends a request whose body did not end within drainWait after [DONE].
var errDrainWait = errors.New("no end of the body after [DONE]")

// drain reads rc to its end, or for drainWait, closes it and ends its request's context.
func drain(rc io.ReadCloser, stop context.CancelCauseFunc) {
	t := time.AfterFunc(drainWait, func() { stop(errDrainWait) })
	_, _ = io.Copy(io.Discard, io.LimitReader(rc, maxDrain))
	t.Stop()
	_ = rc.Close()
	stop(nil)
}
