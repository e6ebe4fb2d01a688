package openai

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	openai "github.com/sashabaranov/go-openai"
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
	body       io.Closer    // the response body, closed after an error status
	nonStream  []byte       // a 200 body that was not an event stream
	events     *eventStream // a 200 body that was one
	notStreamT string       // its content type

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

// transport wraps the caller's RoundTripper to record response headers and to take the
// body of an answer before go-openai reads it.
type transport struct {
	base http.RoundTripper
}

// RoundTrip sends req and, when it belongs to a Stream attempt, records the response.
// An event stream is handed to Stream as an eventStream; a 200 body that is not an event
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
		at.events = newEventStream(resp.Body, at)
		resp.Body = at.events
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

// eventStream reads a 200 answer's event stream for Stream, one data line at a time.
// go-openai's own line reader is not used: it copies every line, matches it with regular
// expressions, counts keep-alive comments as empty messages and keeps them in its error
// buffer, where they spoil the parsing of a later in-band error, and it drops Ollama's
// string errors. Stream parses every data line itself, errors included.
type eventStream struct {
	br    *bufio.Reader
	rc    io.ReadCloser
	at    *attempt
	long  []byte // a line longer than br's buffer, put together
	other []byte // the lines that were neither data nor comments: maybe an error body
	done  bool   // a "data: [DONE]" line went by
}

// lineReaders holds the line readers of finished streams for new ones: a server with a
// thousand streams at once would otherwise make (and the collector sweep) a 16 KiB buffer
// for every one.
var lineReaders = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 16<<10) }}

// maxLine caps one line of an event stream.
const maxLine = 4 << 20

var (
	// errStreamClosed is what reading a closed event stream returns.
	errStreamClosed = errors.New("read from a closed event stream")
	// errLineTooLong ends a stream with a line over maxLine.
	errLineTooLong = errors.New("event stream line too long")
)

func newEventStream(rc io.ReadCloser, at *attempt) *eventStream {
	br := lineReaders.Get().(*bufio.Reader)
	br.Reset(rc)
	return &eventStream{br: br, rc: rc, at: at}
}

// Read reads the stream's bytes as they come. Stream reads lines with next instead.
func (f *eventStream) Read(p []byte) (int, error) {
	if f.br == nil {
		return 0, errStreamClosed
	}
	return f.br.Read(p)
}

// next returns the payload of the next data line: what follows "data:" and the blanks
// after it, without the line's end, valid until the next call. Blank lines, comments
// (": keepalive") and other fields are passed over. "data: [DONE]" ends the stream with
// io.EOF, as does the end of the body; a last line without its newline is not an event and
// is dropped. When the stream ends and the lines that were not data hold an error object
// (some servers send an error body with status 200), that error is returned instead.
func (f *eventStream) next() ([]byte, error) {
	if f.br == nil {
		return nil, errStreamClosed
	}
	for {
		line, err := f.line()
		if err != nil {
			return nil, f.failed(err)
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 || line[0] == ':' {
			continue
		}
		if rest, ok := bytes.CutPrefix(line, []byte("data:")); ok {
			rest = bytes.TrimLeft(rest, " \t")
			if string(rest) == "[DONE]" {
				f.done = true
				return nil, io.EOF
			}
			return rest, nil
		}
		if len(f.other)+len(line) <= maxErrorBody {
			f.other = append(f.other, line...)
		}
	}
}

// line returns the next whole line, valid until the next call.
func (f *eventStream) line() ([]byte, error) {
	line, err := f.br.ReadSlice('\n')
	if err != bufio.ErrBufferFull {
		return line, err
	}
	f.long = append(f.long[:0], line...)
	for {
		line, err = f.br.ReadSlice('\n')
		if len(f.long)+len(line) > maxLine {
			return nil, errLineTooLong
		}
		f.long = append(f.long, line...)
		if err != bufio.ErrBufferFull {
			return f.long, err
		}
	}
}

// failed returns the error that ends the stream: err, or the error object the lines that
// were not data make up, in go-openai's form.
func (f *eventStream) failed(err error) error {
	if len(f.other) > 0 {
		var resp openai.ErrorResponse
		if json.Unmarshal(f.other, &resp) == nil && resp.Error != nil {
			return fmt.Errorf("error, %w", resp.Error)
		}
	}
	return err
}

// Close closes the body and gives the line reader back for another stream. Stream reads
// and closes on one goroutine, so no read runs meanwhile.
//
// After [DONE] only the end of the body is left to come, but a body closed before its end
// closes its connection: every request would dial a new one, a cost that a server with many
// streams pays on every line. So a stream that ended with [DONE] is read to its end on a
// goroutine of its own, for at most drainWait, and only then closed: its connection goes
// back to the pool.
func (f *eventStream) Close() error {
	if f.br != nil {
		f.br.Reset(nil)
		lineReaders.Put(f.br)
		f.br, f.long, f.other = nil, nil, nil
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
