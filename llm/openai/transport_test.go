package openai

import (
	"io"
	"strings"
	"testing"
	"testing/iotest"
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
				f := newSSEFilter(io.NopCloser(rd.wrap(strings.NewReader(tt.in))))
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
	f := newSSEFilter(pr)
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
	first := newSSEFilter(io.NopCloser(strings.NewReader("data: 1\n\ndata: 2\n\n")))
	buf := make([]byte, 4) // stops mid-line, with the rest of the line held
	if n, err := first.Read(buf); err != nil || string(buf[:n]) != "data" {
		t.Fatalf("first read %q, %v", buf[:n], err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	second := newSSEFilter(io.NopCloser(strings.NewReader("data: 3\n\n")))
	defer second.Close()
	if n, err := first.Read(buf); n != 0 || err == nil {
		t.Fatalf("a read after Close got %q, %v", buf[:n], err)
	}
	got, err := io.ReadAll(second)
	if err != nil || string(got) != "data: 3\n\n" {
		t.Fatalf("the next stream read %q, %v", got, err)
	}
}
