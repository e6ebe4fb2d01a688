package llmtest

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/yeok/yeok/model"
)

// post sends one chat request to s and returns the status and body.
func post(t *testing.T, s *Server, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(s.BaseURL()+"/chat/completions", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServerRecordsAndAnswersInOrder(t *testing.T) {
	s := New(t, Error(503, "server_error", "overloaded"), Deltas("안", "녕"))
	code, body := post(t, s, `{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}`)
	if code != 503 || !strings.Contains(body, "overloaded") {
		t.Fatalf("first answer %d %q", code, body)
	}
	for range 2 {
		code, body = post(t, s, `{"model":"m","messages":[{"role":"user","content":"again"}]}`)
		if code != 200 || !strings.Contains(body, `"content":"녕"`) || !strings.HasSuffix(body, "data: [DONE]\n\n") {
			t.Fatalf("later answer %d %q", code, body)
		}
	}
	reqs := s.Requests()
	if len(reqs) != 3 || reqs[0].Chat.Model != "m" || !reqs[0].Chat.Stream || reqs[2].Chat.Messages[0].Content != "again" {
		t.Fatalf("recorded %+v", reqs)
	}
	s.SetHandlers(Reply(418, "text/plain", "teapot"))
	if code, _ := post(t, s, `{}`); code != 418 {
		t.Fatalf("after SetHandlers: %d", code)
	}
}

func TestFixturesAndFaultsLoad(t *testing.T) {
	for _, name := range []string{FixtureStop, FixtureLength, FixtureRefusal, FixtureOneChunkClose} {
		if b := Fixture(t, name); !strings.Contains(string(b), "data: ") {
			t.Errorf("%s is not a stream", name)
		}
	}
	rows := map[int]bool{}
	for _, f := range Faults(t) {
		rows[f.Row] = true
		if len(f.Handlers) == 0 || f.Status == "" || f.Requests == 0 {
			t.Errorf("row %d %s is incomplete", f.Row, f.Name)
		}
	}
	for _, row := range []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15} {
		if !rows[row] {
			t.Errorf("row %d is missing", row)
		}
	}
}

func TestEscapeDeltasShowOnlyTheVisibleText(t *testing.T) {
	if got := model.Sanitize(strings.Join(EscapeDeltas, "")); got != Visible {
		t.Fatalf("sanitised %q, want %q", got, Visible)
	}
}

func TestLastUserSeesTheSource(t *testing.T) {
	var got, body string
	s := New(t, func(w http.ResponseWriter, r *http.Request) {
		got = LastUser(r)
		b, _ := io.ReadAll(r.Body)
		body = string(b)
		Deltas("x")(w, r)
	})
	post(t, s, `{"messages":[{"role":"system","content":"s"},{"role":"user","content":"first"},{"role":"assistant","content":"a"},{"role":"user","content":"<source>last</source>"}]}`)
	if got != "<source>last</source>" {
		t.Fatalf("LastUser = %q", got)
	}
	if !strings.Contains(body, `"content":"first"`) {
		t.Fatalf("the handler could not read the body again: %q", body)
	}
}

func TestStartProcessServes(t *testing.T) {
	base := StartProcess(t, "-deltas", "3")
	resp, err := http.Post(base+"/chat/completions", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(b), "단어2") || !strings.HasSuffix(string(b), "data: [DONE]\n\n") {
		t.Fatalf("process answered %q", b)
	}
}
