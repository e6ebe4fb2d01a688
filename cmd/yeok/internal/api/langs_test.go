package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/yeok/yeok/llm/llmtest"
	"github.com/yeok/yeok/model"
)

// byTarget gathers a several-target stream: each target's text from the events named by it,
// the error lines, and whether one [DONE] came last.
type byTarget struct {
	text   map[string]string
	errors []string
	done   bool
	other  []sseEvent
}

func readByTarget(events []sseEvent, targets ...string) byTarget {
	got := byTarget{text: map[string]string{}}
	known := map[string]bool{}
	for _, t := range targets {
		known[t] = true
	}
	for i, ev := range events {
		switch {
		case ev.Type == "message" && ev.Data == "[DONE]" && i == len(events)-1:
			got.done = true
		case ev.Type == "error":
			got.errors = append(got.errors, ev.Data)
		case known[ev.Type]:
			got.text[ev.Type] += ev.Data
		default:
			got.other = append(got.other, ev)
		}
	}
	return got
}

const goodMorning3 = `{"langs":["ko-KR","ja-JP","zh-Hant"],"message":"Good morning"}`

func TestTranslateLangsStreamsEveryTarget(t *testing.T) {
	e := newEnv(t, Config{}, llmtest.ByTarget(map[string]http.HandlerFunc{
		"ko-KR":   llmtest.Deltas("좋은 ", "아침"),
		"ja-JP":   llmtest.Deltas("おはよう", "\n[DONE]"),
		"zh-Hant": llmtest.Deltas("早安"),
	}))
	got := readByTarget(mustEvents(t, e.post(t, goodMorning3, "x-script-id", "talk")), "ko-KR", "ja-JP", "zh-Hant")
	want := map[string]string{"ko-KR": "좋은 아침", "ja-JP": "おはよう\n[DONE]", "zh-Hant": "早安"}
	if !got.done || len(got.errors) != 0 || len(got.other) != 0 || len(got.text) != 3 {
		t.Fatalf("stream %+v, want every event named by its target and one [DONE] last", got)
	}
	for to, text := range want {
		if got.text[to] != text {
			t.Errorf("%s rebuilt %q, want %q", to, got.text[to], text)
		}
	}
	list := e.scriptEntries(t, model.LocalOwner, "talk")
	if len(list) != 3 {
		t.Fatalf("script has %d entries, want 3", len(list))
	}
	for _, en := range list {
		if en.Group == 0 || en.Group != list[0].Group || en.Status != model.StatusDone || en.Text != want[string(en.To)] {
			t.Errorf("stored entry %+v, want one done group", en)
		}
	}
}

func TestTranslateLangsOneTargetFails(t *testing.T) {
	e := newEnv(t, Config{}, llmtest.ByTarget(map[string]http.HandlerFunc{
		"ko-KR":   llmtest.Deltas("좋은 아침"),
		"ja-JP":   llmtest.Error(http.StatusInternalServerError, "server_error", "the ja model is down"),
		"zh-Hant": llmtest.Deltas("早安"),
	}))
	got := readByTarget(mustEvents(t, e.post(t, goodMorning3)), "ko-KR", "ja-JP", "zh-Hant")
	if !got.done || got.text["ko-KR"] != "좋은 아침" || got.text["zh-Hant"] != "早安" || got.text["ja-JP"] != "" {
		t.Fatalf("stream %+v", got)
	}
	if len(got.errors) != 1 || !strings.HasPrefix(got.errors[0], "ja-JP: failed") {
		t.Fatalf("errors %q, want one naming ja-JP", got.errors)
	}

	// Every target failing before any text is answered as one target's failure is.
	e = newEnv(t, Config{}, llmtest.Error(http.StatusInternalServerError, "server_error", "down"))
	resp := e.post(t, goodMorning3)
	body := readAll(t, resp)
	if resp.StatusCode != http.StatusBadGateway || !strings.HasPrefix(apiError(t, body).Message, "ko-KR: upstream failed") {
		t.Fatalf("all failed: %d %s, want 502 naming the first target", resp.StatusCode, body)
	}
}

func TestTranslateLangsRefused(t *testing.T) {
	e := newEnv(t, Config{MaxTargets: 2}, llmtest.Deltas("x"))
	tests := []struct {
		name, body, want string
	}{
		{"lang and langs", `{"lang":"ko-KR","langs":["ja-JP"],"message":"hi"}`, "not both"},
		{"empty list", `{"langs":[],"message":"hi"}`, "langs is empty"},
		{"invalid tag", `{"langs":["ko-KR","klingonese"],"message":"hi"}`, "klingonese"},
		{"auto", `{"langs":["auto"],"message":"hi"}`, "cannot be a target"},
		{"over the limit", `{"langs":["ko","ja","fr"],"message":"hi"}`, "3 given, at most 2"},
		{"not a list", `{"langs":"ko-KR","message":"hi"}`, "list of tags"},
		{"not strings", `{"langs":[1],"message":"hi"}`, "list of tags"},
		{"comma list", `{"langs":["ko-KR,ja-JP"],"message":"hi"}`, "one tag an element"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := e.post(t, tt.body)
			body := readAll(t, resp)
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(apiError(t, body).Message, tt.want) {
				t.Fatalf("%d %s, want 400 saying %q", resp.StatusCode, body, tt.want)
			}
		})
	}
	if n := e.up.Count(); n != 0 {
		t.Errorf("upstream saw %d requests for refused bodies", n)
	}
	// Duplicates collapse: two of one tag are one target, well within the limit.
	got := readByTarget(mustEvents(t, e.post(t, `{"langs":["ko","ko","ja"],"message":"hi"}`)), "ko", "ja")
	if !got.done || got.text["ko"] != "x" || got.text["ja"] != "x" || e.up.Count() != 2 {
		t.Fatalf("duplicates: %+v, %d requests", got, e.up.Count())
	}
}

// TestTranslateLangsTakeOneSlotPerTarget: a request into three targets needs three free
// streams, and is refused whole when fewer are free.
func TestTranslateLangsTakeOneSlotPerTarget(t *testing.T) {
	release := make(chan struct{})
	held := llmtest.Hold(release, "held ")
	e := newEnv(t, Config{MaxConcurrent: 3}, func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(llmtest.LastUser(r), "hold") {
			held(w, r)
			return
		}
		llmtest.Deltas("x")(w, r)
	})
	first := e.post(t, `{"lang":"ko-KR","message":"hold"}`)
	c := newSSEClient(first.Body)
	if ev, err := c.Next(); err != nil || ev.Data != "held " {
		t.Fatalf("first event %+v, %v", ev, err)
	}
	resp := e.post(t, goodMorning3)
	body := readAll(t, resp)
	if resp.StatusCode != http.StatusTooManyRequests || apiError(t, body).Code != "too_many_streams" {
		t.Fatalf("three targets beside one stream of 3: %d %s, want 429", resp.StatusCode, body)
	}
	got := readByTarget(mustEvents(t, e.post(t, `{"langs":["ja-JP","zh-Hant"],"message":"Good morning"}`)), "ja-JP", "zh-Hant")
	if !got.done || len(got.text) != 2 {
		t.Fatalf("two targets beside one stream of 3: %+v", got)
	}
	close(release)
	rest, err := c.All()
	first.Body.Close()
	if got := rebuild(rest); err != nil || !got.Done {
		t.Fatalf("held stream ended %+v, %v", got, err)
	}
	if got := readByTarget(mustEvents(t, e.post(t, goodMorning3)), "ko-KR", "ja-JP", "zh-Hant"); !got.done || len(got.text) != 3 {
		t.Fatalf("three targets once the slots are free: %+v", got)
	}
}

// TestTranslateLangsRate: each target counts against the owner's rate.
func TestTranslateLangsRate(t *testing.T) {
	e := newEnv(t, Config{RatePerMinute: 4}, llmtest.Deltas("x"))
	if got := readByTarget(mustEvents(t, e.post(t, goodMorning3)), "ko-KR", "ja-JP", "zh-Hant"); !got.done {
		t.Fatalf("first request: %+v", got)
	}
	resp := e.post(t, `{"langs":["ko-KR","ja-JP"],"message":"hi"}`)
	body := readAll(t, resp)
	if resp.StatusCode != http.StatusTooManyRequests || apiError(t, body).Code != "rate_limited" {
		t.Fatalf("two targets with one request left: %d %s, want 429", resp.StatusCode, body)
	}
	if n := e.up.Count(); n != 3 {
		t.Errorf("upstream saw %d requests, want 3", n)
	}
}
