package api

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/yeok/yeok/llm"
	"github.com/yeok/yeok/llm/llmtest"
	"github.com/yeok/yeok/model"
)

// GET /scripts/{id} gives the approved translation as the text to read, keeps the model's in
// translation, and names the entry a memory hit reused; the hit sent no request.
func TestScriptShowsApprovedAndMemory(t *testing.T) {
	e := newEnvWith(t, Config{}, llm.Options{}, llmtest.Replay(llmtest.Stream("stop", "좋은 아침.")))
	script := []string{"x-script-id", "talk"}
	if got := rebuild(mustEvents(t, e.post(t, hello, script...))); !got.Done {
		t.Fatalf("first: %+v", got)
	}
	first := e.waitEntry(t, model.LocalOwner, "talk")
	if _, err := e.store.Approve(t.Context(), model.LocalOwner, first.ID, "좋은 아침입니다."); err != nil {
		t.Fatal(err)
	}
	if got := rebuild(mustEvents(t, e.post(t, `{"lang":"ko-KR","message":"good  MORNING"}`, script...))); !got.Done {
		t.Fatalf("second: %+v", got)
	}
	if n := e.up.Count(); n != 1 {
		t.Fatalf("upstream saw %d requests, want 1 (the second line is a memory hit)", n)
	}
	status, _, body := e.get(t, "/scripts/talk")
	if status != http.StatusOK {
		t.Fatalf("GET: %d %s", status, body)
	}
	var lines []map[string]any
	if err := json.Unmarshal([]byte(body), &lines); err != nil || len(lines) != 2 {
		t.Fatalf("GET body %s: %v", body, err)
	}
	want := []map[string]any{
		{"text": "좋은 아침입니다.", "approved": "좋은 아침입니다.", "translation": "좋은 아침."},
		{"text": "좋은 아침입니다.", "memory": float64(first.ID), "translation": "좋은 아침입니다."},
	}
	for i, w := range want {
		for k, v := range w {
			if lines[i][k] != v {
				t.Errorf("line %d: %s = %v, want %v (%s)", i+1, k, lines[i][k], v, body)
			}
		}
	}
	if _, ok := lines[0]["approved_at"]; !ok {
		t.Errorf("line 1 lacks approved_at: %s", body)
	}
	if _, ok := lines[1]["approved"]; ok {
		t.Errorf("line 2 is not approved: %s", body)
	}
}
