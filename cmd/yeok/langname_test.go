package main

import (
	"path/filepath"
	"testing"

	"github.com/yeok/yeok/llm/llmtest"
)

// TestToTakesPickerNames gives --to names the picker lists: each is taken and stored as
// its tag.
func TestToTakesPickerNames(t *testing.T) {
	srv := llmtest.New(t, echoAnswer)
	for _, tt := range []struct{ name, tag string }{
		{"Brazilian Portuguese", "pt-BR"},
		{"Portuguese (Brazil)", "pt-BR"},
		{"Latin American Spanish", "es-419"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "y.db")
			if p := yeokRun(t, providerEnv(srv), "", "translate", "--to", tt.name, "--db", db, "good morning"); p.code != 0 {
				t.Fatalf("exit %d: %s", p.code, p.stderr)
			}
			recs := decodeLines(t, yeokRun(t, nil, "", "history", "--db", db, "--json").stdout)
			if len(recs) != 1 || recs[0]["to"] != tt.tag {
				t.Fatalf("stored %v, want to=%s", recs, tt.tag)
			}
		})
	}
}
