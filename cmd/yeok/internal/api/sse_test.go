package api

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// newlineCases are delta sequences with awkward newlines and the text a client must rebuild
// from them: the model's text with "\r\n" and "\r" as "\n".
var newlineCases = []struct {
	name   string
	deltas []string
	want   string
}{
	{"plain", []string{"Hello", ", ", "world"}, "Hello, world"},
	{"newline inside", []string{"line one\nline two"}, "line one\nline two"},
	{"newline alone", []string{"a", "\n", "b"}, "a\nb"},
	{"empty lines", []string{"a\n\n\nb", "\n\n"}, "a\n\n\nb\n\n"},
	{"leading and trailing newline", []string{"\nstart", "end\n"}, "\nstartend\n"},
	{"crlf", []string{"one\r\ntwo\r\n"}, "one\ntwo\n"},
	{"crlf split across deltas", []string{"one\r", "\ntwo"}, "one\ntwo"},
	{"crlf split with an empty delta between", []string{"one\r", "", "\ntwo"}, "one\ntwo"},
	{"lone cr", []string{"a\rb\r", "c"}, "a\nb\nc"},
	{"cr cr lf", []string{"a\r\r\nb"}, "a\n\nb"},
	{"leading spaces kept", []string{" two", "  spaces"}, " two  spaces"},
	{"looks like fields", []string{"data: x\nevent: error\n: comment\nid: 7"}, "data: x\nevent: error\n: comment\nid: 7"},
	{"done sentinel as text", []string{"[DONE]", "a\n[DONE]\n[DONE]", "[DONE] x"}, "[DONE]a\n[DONE]\n[DONE][DONE] x"},
	{"unicode", []string{"안녕하세요\n", "좋은 아침입니다"}, "안녕하세요\n좋은 아침입니다"},
}

func TestSSEWriterFramesEveryDeltaAsOneEvent(t *testing.T) {
	for _, tt := range newlineCases {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			sw := newSSEWriter(rec, nil)
			for _, d := range tt.deltas {
				sw.Delta(d)
			}
			sw.Done()
			sw.Close()
			if got := rec.Header().Get("Content-Type"); !strings.HasPrefix(got, "text/event-stream") {
				t.Errorf("Content-Type = %q", got)
			}
			if strings.Contains(rec.Body.String(), "\r") {
				t.Errorf("stream carries a carriage return: %q", rec.Body.String())
			}
			events, err := newSSEClient(rec.Body).All()
			if err != nil {
				t.Fatal(err)
			}
			got := rebuild(events)
			if got.Text != tt.want || !got.Done || got.Error != "" {
				t.Errorf("rebuilt %+v, want text %q and [DONE]", got, tt.want)
			}
		})
	}
}

func TestSSEWriterSendsHeadersOnlyWithTheFirstEvent(t *testing.T) {
	rec := httptest.NewRecorder()
	sw := newSSEWriter(rec, nil)
	sw.Delta("")
	if sw.Started() || rec.Code != 200 || rec.Body.Len() != 0 || rec.Header().Get("Content-Type") != "" {
		t.Fatalf("an empty delta started the stream: started=%v body=%q", sw.Started(), rec.Body.String())
	}
	sw.Delta("x")
	if !sw.Started() {
		t.Fatal("the first delta did not start the stream")
	}
	for name, want := range map[string]string{"Cache-Control": "no-cache", "X-Accel-Buffering": "no"} {
		if got := rec.Header().Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if !rec.Flushed {
		t.Error("the delta was not flushed")
	}
	sw.Fail("interrupted: the server\nclosed  the stream")
	sw.Close()
	sw.Delta("late")
	events, err := newSSEClient(rec.Body).All()
	if err != nil {
		t.Fatal(err)
	}
	got := rebuild(events)
	if got.Text != "x" || got.Done || got.Error != "interrupted: the server closed the stream" || got.After != 0 {
		t.Errorf("rebuilt %+v", got)
	}
}
