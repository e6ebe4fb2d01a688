package api

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

// sseEvent is one dispatched Server-Sent Event.
type sseEvent struct {
	Type string // "message" unless an event field said otherwise
	Data string
}

// sseClient parses an event stream as the WHATWG HTML specification (§9.2.6, "Interpreting
// an event stream") tells a browser's EventSource to: lines end in CRLF, LF or CR; a line
// starting with ":" is a comment; "field: value" loses one leading space of the value; data
// lines are joined with "\n"; a blank line dispatches; a pending event at end of stream is
// discarded.
type sseClient struct {
	r         *bufio.Reader
	started   bool // the leading BOM, if any, has been skipped
	eventType string
	data      strings.Builder
	hasData   bool
	lastID    string
}

func newSSEClient(r io.Reader) *sseClient { return &sseClient{r: bufio.NewReader(r)} }

// line reads one line without its terminator (CRLF, LF or CR). At the end of the stream it
// returns io.EOF, also for an unterminated last line, which the specification ignores.
func (c *sseClient) line() (string, error) {
	if !c.started {
		c.started = true
		if b, err := c.r.Peek(3); err == nil && bytes.Equal(b, []byte("\xef\xbb\xbf")) {
			_, _ = c.r.Discard(3)
		}
	}
	var buf []byte
	for {
		b, err := c.r.ReadByte()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return "", io.EOF
			}
			return "", err
		}
		switch b {
		case '\n':
			return string(buf), nil
		case '\r':
			if next, err := c.r.Peek(1); err == nil && next[0] == '\n' {
				_, _ = c.r.Discard(1)
			}
			return string(buf), nil
		}
		buf = append(buf, b)
	}
}

// Next returns the next dispatched event, or io.EOF when the stream ends.
func (c *sseClient) Next() (sseEvent, error) {
	for {
		l, err := c.line()
		if err != nil {
			return sseEvent{}, err
		}
		if l == "" {
			if !c.hasData {
				c.eventType = ""
				continue
			}
			data := strings.TrimSuffix(c.data.String(), "\n")
			ev := sseEvent{Type: c.eventType, Data: data}
			if ev.Type == "" {
				ev.Type = "message"
			}
			c.eventType, c.hasData = "", false
			c.data.Reset()
			return ev, nil
		}
		if strings.HasPrefix(l, ":") {
			continue
		}
		field, value, found := strings.Cut(l, ":")
		if found {
			value = strings.TrimPrefix(value, " ")
		}
		switch field {
		case "event":
			c.eventType = value
		case "data":
			c.data.WriteString(value)
			c.data.WriteByte('\n')
			c.hasData = true
		case "id":
			if !strings.Contains(value, "\x00") {
				c.lastID = value
			}
		case "retry":
			// Reconnection time: not used here.
		}
	}
}

// All reads every event to the end of the stream.
func (c *sseClient) All() ([]sseEvent, error) {
	var out []sseEvent
	for {
		ev, err := c.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, ev)
	}
}

// transcript is what a client of yeok's API rebuilds from a stream: the text of the
// "message" events before [DONE], whether [DONE] came, and the error event's data, if any.
type transcript struct {
	Text   string
	Pieces int
	Done   bool
	Error  string
	After  int // events after [DONE] or an error event
}

func rebuild(events []sseEvent) transcript {
	var t transcript
	var sb strings.Builder
	for _, ev := range events {
		switch {
		case t.Done || t.Error != "":
			t.After++
		case ev.Type == "error":
			t.Error = ev.Data
		case ev.Type == "message" && ev.Data == "[DONE]":
			t.Done = true
		case ev.Type == "message":
			sb.WriteString(ev.Data)
			t.Pieces++
		}
	}
	t.Text = sb.String()
	return t
}

func TestSSEClientFollowsTheSpecification(t *testing.T) {
	tests := []struct {
		name   string
		stream string
		want   []sseEvent
	}{
		{"lf", "data: a\n\n", []sseEvent{{"message", "a"}}},
		{"crlf", "data: a\r\ndata: b\r\n\r\n", []sseEvent{{"message", "a\nb"}}},
		{"cr", "data: a\rdata:b\r\r", []sseEvent{{"message", "a\nb"}}},
		{"one space stripped", "data:  two\n\n", []sseEvent{{"message", " two"}}},
		{"empty data line", "data\ndata:\n\n", []sseEvent{{"message", "\n"}}},
		{"comment and unknown field", ": hi\nfoo: bar\ndata: x\n\n", []sseEvent{{"message", "x"}}},
		{"event type", "event: error\ndata: boom\n\ndata: next\n\n", []sseEvent{{"error", "boom"}, {"message", "next"}}},
		{"no data no dispatch", "event: x\n\ndata: y\n\n", []sseEvent{{"message", "y"}}},
		{"unterminated event dropped", "data: a\n\ndata: b\n", []sseEvent{{"message", "a"}}},
		{"bom", "\xef\xbb\xbfdata: a\n\n", []sseEvent{{"message", "a"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := newSSEClient(strings.NewReader(tt.stream)).All()
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("events = %q, want %q", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("event %d = %q, want %q", i, got[i], tt.want[i])
				}
			}
		})
	}
}
