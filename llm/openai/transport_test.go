package openai

import (
	"context"
	"io"
	"net/http"
	"net/http/httptrace"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/yeok/yeok/llm/llmtest"
	"github.com/yeok/yeok/model"
)

func TestEventStream(t *testing.T) {
	long := strings.Repeat("x", 40<<10)
	tests := []struct {
		name, in string
		want     []string
		err      string // the error that ends the stream; "" is io.EOF
		done     bool
	}{
		{"plain", "data: {\"a\":1}\n\ndata: [DONE]\n\n", []string{`{"a":1}`}, "", true},
		{"comments passed over", ": keepalive\n\ndata: 1\n\n:x\n: y\ndata: 2\n\n", []string{"1", "2"}, "", false},
		{"indented comment", "  : keepalive\ndata: 1\n", []string{"1"}, "", false},
		{"colon inside a line kept", "data: a:b\n", []string{"a:b"}, "", false},
		{"no space after the colon", "data:{\"error\":\"x\"}\n", []string{`{"error":"x"}`}, "", false},
		{"blanks around", "  data: \t 1  \r\n", []string{"1"}, "", false},
		{"crlf", ": k\r\ndata: 1\r\n\r\ndata: [DONE]\r\n", []string{"1"}, "", true},
		{"no final newline", "data: 1\n: k", []string{"1"}, "", false},
		{"last line without its newline dropped", "data: 1\ndata: 2", []string{"1"}, "", false},
		{"long data line", "data: " + long + "\n: k\ndata: 2\n", []string{long, "2"}, "", false},
		{"long comment line", ": " + long + "\ndata: 2\n", []string{"2"}, "", false},
		{"only comments", strings.Repeat(": keepalive\n\n", 100), nil, "", false},
		{"other fields passed over", "event: message\nid: 7\nretry: 10\ndata: 1\n\n", []string{"1"}, "", false},
		{"an error body in place of events", "data: 1\n{\"error\": {\"message\": \"overloaded\"}}\n", []string{"1"}, "error, overloaded", false},
		{"nothing after [DONE] is read", "data: [DONE]\n\ndata: 1\n\n", nil, "", true},
		{"a line over the limit", "data: " + strings.Repeat("y", maxLine) + "\n", nil, errLineTooLong.Error(), false},
	}
	readers := []struct {
		name string
		wrap func(io.Reader) io.Reader
	}{
		{"whole", func(r io.Reader) io.Reader { return r }},
		{"byte by byte", iotest.OneByteReader},
		{"half reads", iotest.HalfReader},
		{"data with the error", iotest.DataErrReader},
	}
	for _, tt := range tests {
		for _, rd := range readers {
			t.Run(tt.name+"/"+rd.name, func(t *testing.T) {
				f := newEventStream(io.NopCloser(rd.wrap(strings.NewReader(tt.in))), nil)
				defer f.Close()
				var got []string
				var err error
				for {
					var p []byte
					if p, err = f.next(); err != nil {
						break
					}
					got = append(got, string(p))
				}
				if !slices.Equal(got, tt.want) {
					t.Errorf("got %.200q, want %.200q", got, tt.want)
				}
				switch {
				case tt.err == "" && err != io.EOF, tt.err != "" && (err == nil || err.Error() != tt.err):
					t.Errorf("ended with %v, want %q", err, tt.err)
				}
				if f.done != tt.done {
					t.Errorf("done %v, want %v", f.done, tt.done)
				}
			})
		}
	}
}

// A complete line is handed on at once, even while the next one is still on its way.
func TestEventStreamDoesNotWait(t *testing.T) {
	pr, pw := io.Pipe()
	f := newEventStream(pr, nil)
	go func() { _, _ = io.WriteString(pw, "data: 1\n\ndata: 2") }()
	p, err := f.next()
	if err != nil || string(p) != "1" {
		t.Fatalf("got %q, %v", p, err)
	}
	_ = pw.Close()
}

func TestIsEventStream(t *testing.T) {
	for ct, want := range map[string]bool{
		"text/event-stream":                true,
		"text/event-stream; charset=utf-8": true,
		"":                                 true,
		"text/plain":                       true,
		"application/json":                 false,
		"application/json; charset=utf-8":  false,
		"application/problem+json":         false,
		"text/html; charset=UTF-8":         false,
	} {
		if got := isEventStream(ct); got != want {
			t.Errorf("isEventStream(%q) = %v", ct, got)
		}
	}
}

// TestEventStreamAfterClose: a closed stream's line reader serves the next stream, which
// reads only its own bytes, and the closed one reads nothing more.
func TestEventStreamAfterClose(t *testing.T) {
	first := newEventStream(io.NopCloser(strings.NewReader("data: 1\n\ndata: 2\n\n")), nil)
	if p, err := first.next(); err != nil || string(p) != "1" {
		t.Fatalf("first read %q, %v", p, err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	second := newEventStream(io.NopCloser(strings.NewReader("data: 3\n\n")), nil)
	defer second.Close()
	if p, err := first.next(); p != nil || err == nil {
		t.Fatalf("a read after Close got %q, %v", p, err)
	}
	if p, err := second.next(); err != nil || string(p) != "3" {
		t.Fatalf("the next stream read %q, %v", p, err)
	}
	if p, err := second.next(); err != io.EOF {
		t.Fatalf("the next stream read %q, %v after its end", p, err)
	}
}

// A stream that ends with [DONE] gives its connection back to the pool, even when the
// caller cancels its context as soon as Stream returns: the next requests reuse it. The
// server ends each response only once the stream has ended, as a busy server may.
func TestStreamReusesConnection(t *testing.T) {
	ended := make(chan struct{}, 1)
	answer := llmtest.Deltas("안녕", "하세요")
	u := llmtest.New(t, func(w http.ResponseWriter, r *http.Request) {
		answer(w, r)
		select {
		case <-ended:
		case <-r.Context().Done():
		}
	})
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	e := testEngine(t, u.BaseURL(), func(c *Config) { c.HTTPClient = &http.Client{Transport: tr} })
	for i := range 4 {
		idle := make(chan struct{}, 1)
		var reused bool
		ctx, cancel := context.WithCancel(httptrace.WithClientTrace(t.Context(), &httptrace.ClientTrace{
			GotConn: func(info httptrace.GotConnInfo) { reused = info.Reused },
			PutIdleConn: func(err error) {
				if err == nil {
					idle <- struct{}{}
				}
			},
		}))
		var evs []model.Event
		res := e.Stream(ctx, request("Hello"), func(ev model.Event) {
			evs = append(evs, ev)
			if ev.Kind == model.EventDone {
				ended <- struct{}{}
			}
		})
		cancel()
		checkInvariants(t, evs, res)
		if res.Status != model.StatusDone || res.Text != "안녕하세요" {
			t.Fatalf("request %d: %+v", i, res)
		}
		if i > 0 && !reused {
			t.Errorf("request %d dialled a new connection", i)
		}
		select {
		case <-idle:
		case <-time.After(10 * time.Second):
			t.Fatalf("request %d: its connection never went back to the pool", i)
		}
	}
}

// A server that sends [DONE] and then keeps the response open does not hold up the
// stream's end, and the request is ended for it soon after.
func TestStreamDoneHeldOpen(t *testing.T) {
	ended := make(chan struct{})
	release := make(chan struct{})
	u := llmtest.New(t, func(w http.ResponseWriter, r *http.Request) {
		llmtest.StartSSE(w)
		llmtest.Frame(w, llmtest.DeltaJSON("안녕"))
		llmtest.Frame(w, llmtest.FinishJSON("stop"))
		llmtest.Frame(w, "[DONE]")
		select {
		case <-r.Context().Done():
			close(ended)
		case <-release:
		}
	})
	defer close(release)
	e := testEngine(t, u.BaseURL())
	_, res := run(t, t.Context(), e, request("Hello"))
	if res.Status != model.StatusDone || res.Text != "안녕" {
		t.Fatalf("result %+v", res)
	}
	select {
	case <-ended:
	case <-time.After(10 * time.Second):
		t.Fatal("the held response was never ended")
	}
}

// A stream line over maxLine ends the stream as the server's fault, keeping what came
// before it.
func TestStreamLineTooLong(t *testing.T) {
	u := llmtest.New(t, func(w http.ResponseWriter, r *http.Request) {
		llmtest.StartSSE(w)
		llmtest.Frame(w, llmtest.DeltaJSON("안녕"))
		llmtest.Frame(w, llmtest.DeltaJSON(strings.Repeat("가", maxLine/3+1)))
		llmtest.Frame(w, llmtest.FinishJSON("stop"))
	})
	e := testEngine(t, u.BaseURL())
	_, res := run(t, t.Context(), e, request("Hello"))
	if res.Status != model.StatusFailed || res.Text != "안녕" || res.Err == nil || res.Err.Class != model.ClassUpstream ||
		!strings.Contains(res.Err.Message, "stream line over 4 MiB") {
		t.Fatalf("result %+v, error %+v", res, res.Err)
	}
}
