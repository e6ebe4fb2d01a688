package llm_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/yeok/yeok/llm/llmtest"
	"github.com/yeok/yeok/model"
)

// TestTranslateAllStreamsEveryTargetAtOnce: a line into three targets is three entries
// under one request id, streamed in parallel (the server holds every answer until all
// three requests have arrived), each event tagged with its target, each target's request
// carrying the script's earlier translations into that target only.
func TestTranslateAllStreamsEveryTargetAtOnce(t *testing.T) {
	release := make(chan struct{})
	var once sync.Once
	arrived := make(chan string, 8)
	hold := func(text string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			arrived <- llmtest.Recorded(r).Target()
			llmtest.Hold(release, text)(w, r)
		}
	}
	answers := map[string]http.HandlerFunc{
		"ko": llmtest.Deltas("이전 줄"), "ja": llmtest.Deltas("前の行"),
	}
	r := newRig(t, nil, llmtest.ByTarget(answers))
	ko, ja, zh := model.MustLanguage("ko"), model.MustLanguage("ja"), model.MustLanguage("zh-Hant")
	for _, to := range []model.Language{ko, ja} {
		req := request("the earlier line")
		req.ScriptID, req.To = "lec", to
		if _, err := r.eng.Translate(t.Context(), req, func(model.Event) {}); err != nil {
			t.Fatal(err)
		}
	}
	r.up.SetHandlers(llmtest.ByTarget(map[string]http.HandlerFunc{
		"ko": hold("좋은 아침"), "ja": hold("おはよう"), "zh-Hant": hold("早安"),
	}))
	go func() {
		for range 3 {
			<-arrived
		}
		once.Do(func() { close(release) })
	}()
	req := request("good morning")
	req.ScriptID = "lec"
	var mu sync.Mutex
	texts := map[model.Language]string{}
	var untagged int
	ents, err := r.eng.TranslateAll(t.Context(), req, []model.Language{ko, ja, zh}, func(ev model.Event) {
		mu.Lock()
		defer mu.Unlock()
		if ev.To == "" {
			untagged++
		}
		if ev.Kind == model.EventDelta {
			texts[ev.To] += ev.Text
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[model.Language]string{ko: "좋은 아침", ja: "おはよう", zh: "早安"}
	if len(ents) != 3 || ents[0].Group == 0 {
		t.Fatalf("entries %+v", ents)
	}
	for i, to := range []model.Language{ko, ja, zh} {
		e := r.stored(t, ents[i].ID)
		if e.To != to || e.Group != ents[0].Group || e.Status != model.StatusDone || e.Display() != want[to] {
			t.Errorf("entry %d: %+v", i, e)
		}
		if texts[to] != want[to] {
			t.Errorf("events of %s said %q", to, texts[to])
		}
	}
	if untagged > 0 {
		t.Errorf("%d events without their target", untagged)
	}
	for _, rec := range r.up.Requests()[2:] {
		var all strings.Builder
		for _, m := range rec.Chat.Messages {
			all.WriteString(m.Content)
		}
		hasKo, hasJa := strings.Contains(all.String(), "이전 줄"), strings.Contains(all.String(), "前の行")
		switch rec.Target() {
		case "ko":
			if !hasKo || hasJa {
				t.Errorf("the Korean request's context: %q", all.String())
			}
		case "ja":
			if hasKo || !hasJa {
				t.Errorf("the Japanese request's context: %q", all.String())
			}
		case "zh-Hant":
			if hasKo || hasJa {
				t.Errorf("the Chinese request carried another target's context: %q", all.String())
			}
		}
	}
}

// TestTranslateAllOneFailsOthersFinish: a target whose server answers 500 is stored failed
// on its own; the others finish done.
func TestTranslateAllOneFailsOthersFinish(t *testing.T) {
	r := newRig(t, nil, llmtest.ByTarget(map[string]http.HandlerFunc{
		"ko": llmtest.Deltas("안녕"),
		"ja": llmtest.Error(http.StatusBadRequest, "invalid_request_error", "bad request"),
	}))
	ents, err := r.eng.TranslateAll(t.Context(), request("hello"), []model.Language{model.MustLanguage("ko"), model.MustLanguage("ja")}, func(model.Event) {})
	if err != nil {
		t.Fatal(err)
	}
	if ents[0].Status != model.StatusDone || ents[1].Status != model.StatusFailed || ents[0].Group != ents[1].Group {
		t.Fatalf("entries %+v", ents)
	}
}

// TestTranslateAllLogsInTheOrderOfTargets: the entries of a line get ids in the order of
// its targets, every time, so that lists of them follow that order.
func TestTranslateAllLogsInTheOrderOfTargets(t *testing.T) {
	targets := []model.Language{model.MustLanguage("zh-Hant"), model.MustLanguage("ko"), model.MustLanguage("ja"), model.MustLanguage("fr")}
	r := newRig(t, nil, llmtest.Deltas("x"))
	for range 20 {
		ents, err := r.eng.TranslateAll(t.Context(), request("hello"), targets, func(model.Event) {})
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i < len(ents); i++ {
			if ents[i].ID <= ents[i-1].ID || ents[i].To != targets[i] {
				t.Fatalf("entries out of the order of targets: %+v", ents)
			}
		}
	}
}
