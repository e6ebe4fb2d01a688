package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/yeok/yeok/llm/llmtest"
)

// TestTranslateHidesReasoning: pipe mode never prints a reasoning model's <think> block,
// however its tags are cut across deltas, nor the reasoning of an answer that is nothing
// else; the store keeps the raw answer.
func TestTranslateHidesReasoning(t *testing.T) {
	srv := llmtest.New(t,
		llmtest.Deltas("\n<thi", "nk>secret-plan: say", " it politely</th", "ink>\n\n", "Good ", "morning"),
		llmtest.Deltas("<think>secret-plan", " never ends"),
		llmtest.Deltas("<think>"+strings.Repeat("secret-plan ", 40)+"</think>\n"+strings.Repeat("long answer ", 12)+"\nsecond line"),
	)
	db := filepath.Join(t.TempDir(), "y.db")
	tests := []struct{ source, want string }{
		{"좋은 아침", "Good morning\n"},
		{"안녕", ""},
		{"긴 문장", strings.Repeat("long answer ", 12) + "\nsecond line\n"},
	}
	for _, tt := range tests {
		p := yeokRun(t, providerEnv(srv), "", "translate", "--to", "en", "--db", db, tt.source)
		if strings.Contains(p.stdout+p.stderr, "secret") || strings.Contains(p.stdout, "think>") {
			t.Fatalf("%s: pipe mode printed the reasoning: stdout %q stderr %q", tt.source, p.stdout, p.stderr)
		}
		if p.stdout != tt.want || tt.want == "" && !strings.Contains(p.stderr, "only its reasoning") {
			t.Errorf("%s: stdout %q, want %q (stderr %q)", tt.source, p.stdout, tt.want, p.stderr)
		}
	}
	h := yeokRun(t, nil, "", "history", "--db", db, "--json", "--limit", "0")
	if h.code != 0 || strings.Count(h.stdout, "secret-plan") < 2 {
		t.Fatalf("the store does not keep the raw answers: %d %s", h.code, h.stdout)
	}
}
