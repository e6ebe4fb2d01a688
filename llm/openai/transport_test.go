package openai

import (
	"context"
	"io"
	"net/http"
	"net/http/httptrace"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/yeok/yeok/llm/llmtest"
	"github.com/yeok/yeok/model"
)

func TestSSEFilter(t *testing.T) {
	long := strings.Repeat("x", 40<<10)
	tests := []struct {
		name, in, want string
	}{
		{"plain", "data: {\"a\":1}\n\ndata: [DONE]\n\n", "data: {\"a\":1}\n\ndata: [DONE]\n\n"},
		{"comments dropped", ": keepalive\n\ndata: 1\n\n:x\n: y\ndata: 2\n\n", "\ndata: 1\n\ndata: 2\n\n"},
		{"indented comment", "  : keepalive\ndata: 1\n", "data: 1\n"},
		{"colon inside a line kept", "data: a:b\n", "data: a:b\n"},
		{"error defused", "data: {\"error\":{\"message\":\"x\"}}\n\n", "data: { \"error\":{\"message\":\"x\"}}\n\n"},
		{"error without space defused", "data:{\"error\":\"x\"}\n", "data:{ \"error\":\"x\"}\n"},
		{"crlf", ": k\r\ndata: 1\r\n\r\n", "data: 1\r\n\r\n"},
		{"no final newline", "data: 1\n: k", "data: 1\n"},
		{"last line kept", "data: 1\ndata: 2", "data: 1\ndata: 2"},
		{"long data line", "data: " + long + "\n: k\ndata: 2\n", "data: " + long + "\ndata: 2\n"},
		{"long comment line", ": " + long + "\ndata: 2\n", "data: 2\n"},
		{"only comments", strings.Repeat(": keepalive\n\n", 100), strings.Repeat("\n", 100)},
	}
	readers := []struct {
		name string
		wrap func(io.Reader) io.Reader
		buf  int
	}{
		{"whole", func(r io.Reader) io.Reader { return r }, 32 << 10},
		{"byte by byte", iotest.OneByteReader, 32 << 10},
		{"half reads", iotest.HalfReader, 7},
		{"tiny buffer", iotest.DataErrReader, 1},
	}
	for _, tt := range tests {
		for _, rd := range readers {
			t.Run(tt.name+"/"+rd.name, func(t *testing.T) {
				f := newSSEFilter(io.NopCloser(rd.wrap(strings.NewReader(tt.in))), nil)
				var out strings.Builder
				buf := make([]byte, rd.buf)
				for {
					n, err := f.Read(buf)
					out.Write(buf[:n])
					if err == io.EOF {
						break
					}
					if err != nil {
						t.Fatal(err)
					}
				}
				if out.String() != tt.want {
					t.Errorf("got %.200q, want %.200q", out.String(), tt.want)
				}
			})
		}
	}
}

// A complete line is handed on at once, even while the next one is still on its way.
func TestSSEFilterDoesNotWait(t *testing.T) {
	pr, pw := io.Pipe()
	f := newSSEFilter(pr, nil)
	go func() { _, _ = io.WriteString(pw, "data: 1\n\ndata: 2") }()
	buf := make([]byte, 64)
	got := ""
	for !strings.Contains(got, "data: 1\n\n") {
		n, err := f.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		got += string(buf[:n])
	}
	if got != "data: 1\n\n" {
		t.Errorf("got %q", got)
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

// TestSSEFilterAfterClose: a closed filter's line reader serves the next stream, which
// reads only its own bytes, and the closed one reads nothing more.
func TestSSEFilterAfterClose(t *testing.T) {
	first := newSSEFilter(io.NopCloser(strings.NewReader("data: 1\n\ndata: 2\n\n")), nil)
	buf := make([]byte, 4) // stops mid-line, with the rest of the line held
	if n, err := first.Read(buf); err != nil || string(buf[:n]) != "data" {
		t.Fatalf("first read %q, %v", buf[:n], err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	second := newSSEFilter(io.NopCloser(strings.NewReader("data: 3\n\n")), nil)
	defer second.Close()
	if n, err := first.Read(buf); n != 0 || err == nil {
		t.Fatalf("a read after Close got %q, %v", buf[:n], err)
	}
	got, err := io.ReadAll(second)
	if err != nil || string(got) != "data: 3\n\n" {
		t.Fatalf("the next stream read %q, %v", got, err)
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
