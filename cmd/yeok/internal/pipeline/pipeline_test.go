package pipeline

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/yeok/yeok/llm/openai"
	"github.com/yeok/yeok/model"
	"github.com/yeok/yeok/storage"
)

func sse(w http.ResponseWriter, text, finish string) {
	w.Header().Set("Content-Type", "text/event-stream")
	fmt.Fprintf(w, "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":%q},\"finish_reason\":null}]}\n\n", text)
	fmt.Fprintf(w, "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":%q}]}\n\ndata: [DONE]\n\n", finish)
}

// TestRunLogsBeforeTheRequestLeaves: when the server sees the request, the entry is already
// committed as pending; afterwards it is finished in one piece, cleaned and flagged.
func TestRunLogsBeforeTheRequestLeaves(t *testing.T) {
	ctx := t.Context()
	st, err := storage.Open(ctx, filepath.Join(t.TempDir(), "y.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.PutScript(ctx, model.Script{ID: "lec", Owner: model.LocalOwner, Glossary: []model.GlossaryTerm{
		{Term: "attention", Translation: "어텐션"}, {Term: "GPU", Translation: "그래픽 카드"},
	}}); err != nil {
		t.Fatal(err)
	}
	var seen []model.Entry
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		es, err := st.Entries(context.WithoutCancel(r.Context()), model.LocalOwner, model.EntryQuery{ScriptID: "lec"})
		if err != nil {
			t.Error(err)
		}
		seen = es
		sse(w, "Here is the translation:\n\"주의 메커니즘\"", "stop")
	}))
	defer srv.Close()
	eng, err := openai.New(openai.Config{BaseURL: srv.URL, APIKey: "sk-test-pipeline"})
	if err != nil {
		t.Fatal(err)
	}
	r := &Runner{Store: st, Engine: eng, Context: 6}
	var events int
	e, err := r.Run(ctx, model.Request{Owner: model.LocalOwner, ScriptID: "lec", Source: "The attention mechanism", To: "ko"},
		func(model.Entry, model.Event) { events++ })
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1 || seen[0].Status != model.StatusPending || seen[0].Source != "The attention mechanism" {
		t.Fatalf("when the request left the store held %+v", seen)
	}
	if e.Status != model.StatusDone || e.Text != "Here is the translation:\n\"주의 메커니즘\"" || e.Clean != "주의 메커니즘" {
		t.Fatalf("stored %q / clean %q / %s", e.Text, e.Clean, e.Status)
	}
	if len(e.Flags) != 1 || e.Flags[0] != model.GlossaryMiss("attention") {
		t.Fatalf("flags %v (GPU is not in the source, attention is and was missed)", e.Flags)
	}
	if events == 0 {
		t.Fatal("no events emitted")
	}
	got, err := st.Entry(ctx, model.LocalOwner, e.ID)
	if err != nil || got.Clean != e.Clean || got.Status != model.StatusDone {
		t.Fatalf("store has %+v, %v", got, err)
	}
}

func TestProblemAndFatal(t *testing.T) {
	tests := []struct {
		e     model.Entry
		want  string
		fatal bool
	}{
		{model.Entry{ID: 3, Status: model.StatusTruncated}, "entry 3 truncated: the answer hit the model's length limit", false},
		{model.Entry{ID: 4, Status: model.StatusRefused, Refusal: "no\x1b[2J"}, "entry 4 refused: no", false},
		{model.Entry{ID: 5, Status: model.StatusFailed, Error: "401", ErrorClass: model.ClassAuth}, "entry 5 failed: 401", true},
		{model.Entry{ID: 6, Status: model.StatusInterrupted, ErrorClass: model.ClassStalled}, "entry 6 interrupted", false},
	}
	for _, tt := range tests {
		if got := Problem(tt.e); got != tt.want {
			t.Errorf("Problem = %q, want %q", got, tt.want)
		}
		if Fatal(tt.e.ErrorClass) != tt.fatal {
			t.Errorf("Fatal(%s) = %v", tt.e.ErrorClass, !tt.fatal)
		}
	}
}
