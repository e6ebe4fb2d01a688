package llm_test

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/yeok/yeok/llm"
	"github.com/yeok/yeok/llm/llmtest"
	"github.com/yeok/yeok/llm/openai"
	"github.com/yeok/yeok/model"
	"github.com/yeok/yeok/storage"
)

// rig is an engine over the real OpenAI provider, a fake server and a bbolt file.
type rig struct {
	up   *llmtest.Server
	st   *storage.Store
	eng  *llm.Engine
	prov *openai.Provider
}

func newRig(t *testing.T, cfg func(*openai.Config), handlers ...http.HandlerFunc) *rig {
	t.Helper()
	up := llmtest.New(t, handlers...)
	pc := openai.Config{BaseURL: up.BaseURL(), APIKey: llmtest.Key, MaxRetries: 2,
		FirstTokenTimeout: 5 * time.Second, IdleTimeout: 5 * time.Second, MaxBackoff: 10 * time.Millisecond}
	if cfg != nil {
		cfg(&pc)
	}
	p, err := openai.New(pc)
	if err != nil {
		t.Fatal(err)
	}
	st, err := storage.Open(t.Context(), filepath.Join(t.TempDir(), "y.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	// The translation memory is off in the rig: tests send the same source again and
	// expect a request each time. The memory's own tests turn it on (withMemory).
	return &rig{up: up, st: st, eng: llm.New(p, st, llm.Options{NoMemory: true}), prov: p}
}

// withMemory turns the rig's translation memory on.
func (r *rig) withMemory() *rig {
	r.eng = llm.New(r.prov, r.st, llm.Options{})
	return r
}

func request(source string) model.Request {
	return model.Request{Owner: model.LocalOwner, Source: source, To: model.MustLanguage("ko")}
}

// stored reads entry id back from the file.
func (r *rig) stored(t *testing.T, id uint64) model.Entry {
	t.Helper()
	e, err := r.st.Entry(context.WithoutCancel(t.Context()), model.LocalOwner, id)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestTranslateLogsBeforeTheRequestLeaves: when the server sees the request, the entry is
// already committed as pending, with the script's context and glossary in the request;
// afterwards it is finished in one piece, cleaned and flagged, and the events say so in
// order: logged first, the final one after the commit with the stored status.
func TestTranslateLogsBeforeTheRequestLeaves(t *testing.T) {
	var seen []model.Entry
	var r *rig
	r = newRig(t, nil, func(w http.ResponseWriter, req *http.Request) {
		es, err := r.st.Entries(context.WithoutCancel(req.Context()), model.LocalOwner, model.EntryQuery{ScriptID: "lec"})
		if err != nil {
			t.Error(err)
		}
		seen = es
		llmtest.Deltas("Here is the translation:\n", "\"주의 메커니즘\"")(w, req)
	})
	ctx := t.Context()
	if err := r.st.PutScript(ctx, model.Script{ID: "lec", Owner: model.LocalOwner, Glossary: []model.GlossaryTerm{
		{Term: "attention", Translation: "어텐션"}, {Term: "GPU", Translation: "그래픽 카드"},
	}}); err != nil {
		t.Fatal(err)
	}
	req := request("The attention mechanism")
	req.ScriptID = "lec"
	var evs []model.Event
	e, err := r.eng.Translate(ctx, req, func(ev model.Event) { evs = append(evs, ev) })
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1 || seen[0].Status != model.StatusPending || seen[0].Source != "The attention mechanism" {
		t.Fatalf("when the request left the store held %+v", seen)
	}
	if e.Status != model.StatusDone || e.Text != "Here is the translation:\n\"주의 메커니즘\"" || e.Clean != "주의 메커니즘" {
		t.Fatalf("returned %q / clean %q / %s", e.Text, e.Clean, e.Status)
	}
	if !slices.Equal(e.Flags, []model.Flag{model.GlossaryMiss("attention")}) {
		t.Fatalf("flags %v (GPU is not in the source, attention is and was missed)", e.Flags)
	}
	if got := r.stored(t, e.ID); got.Clean != e.Clean || got.Status != model.StatusDone || !slices.Equal(got.Flags, e.Flags) {
		t.Fatalf("store has %+v", got)
	}
	if sys := r.up.Requests()[0].Chat.Messages[0].Content; !strings.Contains(sys, "어텐션") || strings.Contains(sys, "그래픽 카드") {
		t.Fatalf("the prompt does not carry exactly the glossary terms of the source: %q", sys)
	}
	if len(evs) < 3 || evs[0].Kind != model.EventLogged || evs[0].Entry != e.ID {
		t.Fatalf("first event %+v, want logged with entry %d", evs[0], e.ID)
	}
	last := evs[len(evs)-1]
	if last.Kind != model.EventDone || last.Status != model.StatusDone || last.Entry != e.ID {
		t.Fatalf("last event %+v", last)
	}
	for i, ev := range evs {
		if ev.Entry != e.ID {
			t.Errorf("event %d (%s) carries entry %d, want %d", i, ev.Kind, ev.Entry, e.ID)
		}
		if i > 0 && i < len(evs)-1 && (ev.Kind == model.EventDone || ev.Kind == model.EventError || ev.Kind == model.EventLogged) {
			t.Errorf("event %d of %d is %s", i, len(evs), ev.Kind)
		}
	}
}

// TestTranslateContextFromTheStore: a script request carries the script's earlier done
// pairs from the store, oldest first, whoever made them, and the glossary terms of its
// source; read in one go from a log that can (ScriptContexter), in two from one that
// cannot.
func TestTranslateContextFromTheStore(t *testing.T) {
	logs := map[string]func(*storage.Store) llm.Log{
		"one read":  func(st *storage.Store) llm.Log { return st },
		"two reads": func(st *storage.Store) llm.Log { return twoReads{st} },
	}
	for name, log := range logs {
		t.Run(name, func(t *testing.T) {
			r := newRig(t, nil, llmtest.Deltas("하나"), llmtest.Deltas("둘"), llmtest.Deltas("셋"))
			if _, ok := log(r.st).(llm.ScriptContexter); ok != (name == "one read") {
				t.Fatalf("the log reads the script context in one go: %v", ok)
			}
			eng := llm.New(r.prov, log(r.st), llm.Options{NoMemory: true})
			if err := r.st.PutScript(t.Context(), model.Script{ID: "count", Owner: model.LocalOwner,
				Glossary: []model.GlossaryTerm{{Term: "three", Translation: "삼"}}}); err != nil {
				t.Fatal(err)
			}
			for _, src := range []string{"one", "two", "three"} {
				req := request(src)
				req.ScriptID = "count"
				if _, err := eng.Translate(t.Context(), req, func(model.Event) {}); err != nil {
					t.Fatal(err)
				}
			}
			var third strings.Builder
			for _, m := range r.up.Requests()[2].Chat.Messages {
				third.WriteString(m.Content + "\n")
			}
			got := third.String()
			if i, j := strings.Index(got, "하나"), strings.Index(got, "둘"); i < 0 || j < i || !strings.Contains(got, "one") {
				t.Fatalf("the third request lacks the first two pairs in order: %q", got)
			}
			if !strings.Contains(got, "three → 삼") || strings.Contains(r.up.Requests()[1].Chat.Messages[0].Content, "삼") {
				t.Fatalf("the glossary term is not in the third request alone: %q", got)
			}
		})
	}
}

// twoReads is a log that reads a script's context and record in two calls, as a log
// without ScriptContext does.
type twoReads struct{ llm.Log }

// TestTranslateStoresAStoppedStreamAsItsCauseSays: a translation whose context ends is stored
// cancelled with its partial text, unless the context ended with a *model.Error, which
// then says how it ended (a server shutting down interrupts it). The final event agrees.
func TestTranslateStoresAStoppedStreamAsItsCauseSays(t *testing.T) {
	shutdown := &model.Error{Class: model.ClassInterrupted, Message: "interrupted: the server is shutting down"}
	tests := []struct {
		name      string
		cause     error
		status    model.Status
		class     model.ErrorClass
		errorText string
	}{
		{"plain cancel", nil, model.StatusCancelled, model.ClassCancelled, "cancelled"},
		{"another cause", errors.New("the client went away"), model.StatusCancelled, model.ClassCancelled, "cancelled"},
		{"shutdown", shutdown, model.StatusInterrupted, model.ClassInterrupted, "interrupted: the server is shutting down"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, nil, llmtest.Hold(nil, "half of it"))
			ctx, stop := context.WithCancelCause(t.Context())
			defer stop(nil)
			var last model.Event
			e, err := r.eng.Translate(ctx, request("Half"), func(ev model.Event) {
				if ev.Kind == model.EventDelta {
					stop(tt.cause)
				}
				last = ev
			})
			if err != nil {
				t.Fatal(err)
			}
			got := r.stored(t, e.ID)
			if got.Status != tt.status || got.ErrorClass != tt.class || got.Error != tt.errorText || got.Text != "half of it" {
				t.Fatalf("stored %s %q (%s: %q), want %s %q (%s: %q)", got.Status, got.Text, got.ErrorClass, got.Error,
					tt.status, "half of it", tt.class, tt.errorText)
			}
			if last.Kind != model.EventError || last.Status != tt.status {
				t.Fatalf("final event %+v, want an error event with status %s", last, tt.status)
			}
		})
	}
}

// TestTranslateFaultMatrix: every row a server plays ends stored as the matrix says, with the
// partial text kept and never the API key.
func TestTranslateFaultMatrix(t *testing.T) {
	for _, f := range llmtest.Faults(t) {
		t.Run(f.Name, func(t *testing.T) {
			r := newRig(t, func(c *openai.Config) {
				if f.Stalls {
					c.IdleTimeout = 200 * time.Millisecond
				}
			}, f.Handlers...)
			e, err := r.eng.Translate(t.Context(), request("hello"), func(model.Event) {})
			if err != nil {
				t.Fatal(err)
			}
			got := r.stored(t, e.ID)
			if got.Status != f.Status || got.Text != f.Text {
				t.Fatalf("stored %s %q (%s), want %s %q", got.Status, got.Text, got.Error, f.Status, f.Text)
			}
			for _, word := range f.Says {
				if p := got.Problem(); !strings.Contains(p, word) {
					t.Errorf("problem %q lacks %q", p, word)
				}
			}
			if strings.Contains(got.Error, llmtest.Key) {
				t.Fatalf("the key is stored: %q", got.Error)
			}
			if n := r.up.Count(); n != f.Requests {
				t.Fatalf("%d requests, want %d", n, f.Requests)
			}
		})
	}
}

// TestTranslateRetryNamesMissedTerms: a retry after glossary misses tells the model how the
// glossary translates each missed term.
func TestTranslateRetryNamesMissedTerms(t *testing.T) {
	r := newRig(t, nil, llmtest.Deltas("어텐션 메커니즘"))
	if err := r.st.PutScript(t.Context(), model.Script{ID: "lec", Owner: model.LocalOwner, Glossary: []model.GlossaryTerm{
		{Term: "attention", Translation: "어텐션"}}}); err != nil {
		t.Fatal(err)
	}
	req := request("The attention mechanism")
	req.ScriptID, req.Missed = "lec", []string{"Attention", "gone"}
	e, err := r.eng.Translate(t.Context(), req, func(model.Event) {})
	if err != nil || e.Status != model.StatusDone || len(e.Flags) != 0 {
		t.Fatalf("entry %+v, %v", e, err)
	}
	var all strings.Builder
	for _, m := range r.up.Requests()[0].Chat.Messages {
		all.WriteString(m.Content)
	}
	if !strings.Contains(all.String(), `"Attention" to be translated as "어텐션"`) || strings.Contains(all.String(), `"gone"`) {
		t.Fatalf("the retry's prompt does not name exactly the missed term: %q", all.String())
	}
}

// TestTranslateLogFailure: when the log refuses the entry, nothing is sent.
func TestTranslateLogFailure(t *testing.T) {
	r := newRig(t, nil)
	req := request("hello")
	req.Owner = ""
	if _, err := r.eng.Translate(t.Context(), req, func(model.Event) {}); err == nil {
		t.Fatal("an entry without an owner was logged")
	}
	if n := r.up.Count(); n != 0 {
		t.Fatalf("%d requests left without a logged entry", n)
	}
}
