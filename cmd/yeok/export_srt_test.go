package main

import (
	"path/filepath"
	"testing"

	"github.com/yeok/yeok/llm/llmtest"
)

// Lines piped in faster than a cue lasts export as cues one after another, never
// overlapping.
func TestExportSRTOfTypedLinesNeverOverlaps(t *testing.T) {
	srv := llmtest.New(t, llmtest.Replay(llmtest.Fixture(t, "gpt-4o-mini-stop.sse")))
	db := filepath.Join(t.TempDir(), "y.db")
	p := yeokRun(t, providerEnv(srv), "one\ntwo\nthree\n", "translate", "--lines", "--db", db, "--to", "ko", "--script", "typed")
	if p.code != 0 {
		t.Fatalf("translate: code %d stderr %q", p.code, p.stderr)
	}
	p = yeokRun(t, nil, "", "export", "--db", db, "--script", "typed", "--format", "srt")
	if p.code != 0 {
		t.Fatalf("export: code %d stderr %q", p.code, p.stderr)
	}
	cues, err := parseSRT("export.srt", p.stdout)
	if err != nil || len(cues) != 3 {
		t.Fatalf("export gives %d cues, %v:\n%s", len(cues), err, p.stdout)
	}
	for i := 1; i < len(cues); i++ {
		if prev, c := cues[i-1].cue, cues[i].cue; c.Start < prev.End {
			t.Errorf("cue %d starts at %v, before cue %d ends at %v:\n%s", i+1, c.Start, i, prev.End, p.stdout)
		}
	}
}
