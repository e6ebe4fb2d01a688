package llm_test

import (
	"strings"
	"testing"

	"github.com/yeok/yeok/llm"
	"github.com/yeok/yeok/llm/llmtest"
	"github.com/yeok/yeok/model"
)

// TestMemoryReusesWithoutARequest: a source translated before (done, unflagged) into the
// same target is reused at once: no request reaches the server, the entry is done, marked
// as from memory, costs no tokens; a retry that skips the memory asks the model.
func TestMemoryReusesWithoutARequest(t *testing.T) {
	r := newRig(t, nil, llmtest.Deltas("좋은 아침입니다")).withMemory()
	first, err := r.eng.Translate(t.Context(), request("Good morning"), func(model.Event) {})
	if err != nil || first.Status != model.StatusDone {
		t.Fatalf("first: %+v, %v", first, err)
	}
	var kinds []model.EventKind
	var shown strings.Builder
	hit, err := r.eng.Translate(t.Context(), request("good  MORNING"), func(ev model.Event) {
		kinds = append(kinds, ev.Kind)
		shown.WriteString(ev.Show)
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := r.up.Count(); n != 1 {
		t.Fatalf("%d requests reached the server, want the first only", n)
	}
	stored := r.stored(t, hit.ID)
	if stored.Status != model.StatusDone || stored.Memory != first.ID || stored.Display() != "좋은 아침입니다" || stored.Usage.TotalTokens != 0 {
		t.Fatalf("memory hit stored as %+v", stored)
	}
	if kinds[0] != model.EventLogged || kinds[len(kinds)-1] != model.EventDone || shown.String() != "좋은 아침입니다" {
		t.Fatalf("events %v, shown %q", kinds, shown.String())
	}
	again := request("Good morning")
	again.NoMemory = true
	if _, err := r.eng.Translate(t.Context(), again, func(model.Event) {}); err != nil {
		t.Fatal(err)
	}
	if n := r.up.Count(); n != 2 {
		t.Fatalf("a request that skips the memory sent %d requests in all, want 2", n)
	}
}

// TestMemoryNearMatchIsAHint: a similar source is not reused but reaches the model as an
// earlier turn with a note; an unrelated one does not.
func TestMemoryNearMatchIsAHint(t *testing.T) {
	r := newRig(t, nil, llmtest.Deltas("금요일까지 보고서를 보내 주세요."), llmtest.Deltas("금요일까지 보고서들을 보내 주세요.")).withMemory()
	first := request("Please send me the report by Friday.")
	first.ScriptID = "mail"
	if _, err := r.eng.Translate(t.Context(), first, func(model.Event) {}); err != nil {
		t.Fatal(err)
	}
	near := request("Please send me the reports by Friday.")
	near.ScriptID = "mail"
	e, err := r.eng.Translate(t.Context(), near, func(model.Event) {})
	if err != nil || e.Memory != 0 {
		t.Fatalf("near match reused: %+v, %v", e, err)
	}
	var all strings.Builder
	for _, m := range r.up.Requests()[1].Chat.Messages {
		all.WriteString(m.Content + "\n")
	}
	if !strings.Contains(all.String(), "금요일까지 보고서를 보내 주세요.") || !strings.Contains(all.String(), "similar sentence") {
		t.Fatalf("the near match is not in the request: %q", all.String())
	}
}

// TestMemorySkipsAHitThatMissesTheGlossary: a memory hit whose translation lacks a term
// the script's glossary requires is not reused; the model is asked.
func TestMemorySkipsAHitThatMissesTheGlossary(t *testing.T) {
	r := newRig(t, nil, llmtest.Deltas("주의 메커니즘"), llmtest.Deltas("어텐션 메커니즘")).withMemory()
	req := request("attention mechanism")
	req.ScriptID = "lec"
	if _, err := r.eng.Translate(t.Context(), req, func(model.Event) {}); err != nil {
		t.Fatal(err)
	}
	if err := r.st.PutScript(t.Context(), model.Script{ID: "lec", Owner: model.LocalOwner, Glossary: []model.GlossaryTerm{{Term: "attention", Translation: "어텐션"}}}); err != nil {
		t.Fatal(err)
	}
	e, err := r.eng.Translate(t.Context(), req, func(model.Event) {})
	if err != nil || e.Memory != 0 || r.up.Count() != 2 || e.Display() != "어텐션 메커니즘" {
		t.Fatalf("a hit missing a glossary term was reused: %+v, %v (%d requests)", e, err, r.up.Count())
	}
}

// TestMemoryOff: an engine with NoMemory always asks the model.
func TestMemoryOff(t *testing.T) {
	r := newRig(t, nil, llmtest.Deltas("하나"))
	eng := llm.New(r.prov, r.st, llm.Options{NoMemory: true})
	for range 2 {
		if _, err := eng.Translate(t.Context(), request("one"), func(model.Event) {}); err != nil {
			t.Fatal(err)
		}
	}
	if n := r.up.Count(); n != 2 {
		t.Fatalf("%d requests, want 2 with the memory off", n)
	}
}
