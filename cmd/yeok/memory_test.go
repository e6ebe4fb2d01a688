package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/yeok/yeok/llm/llmtest"
)

// A line translated before is answered from the translation memory: the server gets no
// request, stdout is the same as any translation, stderr says nothing, and --json names the
// entry reused. --no-memory and memory = false ask the model again.
func TestMemoryThroughTheBinary(t *testing.T) {
	srv := llmtest.New(t, llmtest.Replay(llmtest.Fixture(t, "gpt-4o-mini-stop.sse")))
	db := filepath.Join(t.TempDir(), "y.db")
	env := providerEnv(srv)
	p := yeokRun(t, env, "", "translate", "--to", "en", "--db", db, "bonjour le monde")
	if p.code != 0 || p.stdout != "Hello\n" || srv.Count() != 1 {
		t.Fatalf("first: %d %q %q, %d requests", p.code, p.stdout, p.stderr, srv.Count())
	}

	p = yeokRun(t, env, "", "translate", "--to", "en", "--db", db, "Bonjour  le MONDE")
	if p.code != 0 || p.stdout != "Hello\n" || p.stderr != "" {
		t.Fatalf("memory hit: %d %q %q", p.code, p.stdout, p.stderr)
	}
	if n := srv.Count(); n != 1 {
		t.Fatalf("the server got %d requests, want 1: a line translated before is a memory hit", n)
	}
	p = yeokRun(t, env, "", "translate", "--json", "--to", "en", "--db", db, "bonjour le monde")
	var entry map[string]any
	for _, ev := range decodeLines(t, p.stdout) {
		if ev["type"] == "entry" {
			entry = ev["entry"].(map[string]any)
		}
	}
	if p.code != 0 || entry == nil || entry["memory"] != 1.0 || entry["translation"] != "Hello" || entry["status"] != "done" || srv.Count() != 1 {
		t.Fatalf("--json memory hit: %d %q %q, %d requests", p.code, p.stdout, p.stderr, srv.Count())
	}

	p = yeokRun(t, env, "", "translate", "--no-memory", "--to", "en", "--db", db, "bonjour le monde")
	if p.code != 0 || p.stdout != "Hello\n" || srv.Count() != 2 {
		t.Fatalf("--no-memory: %d %q %q, %d requests, want 2", p.code, p.stdout, p.stderr, srv.Count())
	}
	cfg := writeConfig(t, "memory = false\n")
	p = yeokRun(t, env, "", "translate", "--config", cfg, "--to", "en", "--db", db, "bonjour le monde")
	if p.code != 0 || p.stdout != "Hello\n" || srv.Count() != 3 {
		t.Fatalf("memory = false: %d %q %q, %d requests, want 3", p.code, p.stdout, p.stderr, srv.Count())
	}
	// Another target is not the same translation.
	p = yeokRun(t, env, "", "translate", "--to", "de", "--db", db, "bonjour le monde")
	if p.code != 0 || srv.Count() != 4 {
		t.Fatalf("another target: %d %q, %d requests, want 4", p.code, p.stderr, srv.Count())
	}

	h := yeokRun(t, nil, "", "history", "--db", db, "--limit", "0")
	if n := strings.Count(h.stdout, "done, from memory #1"); n != 2 {
		t.Errorf("history marks %d entries from memory, want 2:\n%s", n, h.stdout)
	}
}

// Exports write the approved text, mark approved and memory entries, and --model-text adds
// the model's own beside it.
func TestExportApprovedAndModelText(t *testing.T) {
	db, srv := scriptOfThree(t)
	if p := yeokRun(t, nil, "", "approve", "2", "--text", "ligne deux", "--db", db); p.code != 0 {
		t.Fatalf("approve: %d %q", p.code, p.stderr)
	}
	p := yeokRun(t, providerEnv(srv), "", "translate", "--to", "fr", "--db", db, "--script", "talk", "second")
	if p.code != 0 || p.stdout != "ligne deux\n" || srv.Count() != 3 {
		t.Fatalf("memory hit of the corrected line: %d %q %q, %d requests", p.code, p.stdout, p.stderr, srv.Count())
	}

	tsv := yeokRun(t, nil, "", "export", "--db", db, "--script", "talk", "--format", "tsv")
	rows := strings.Split(strings.TrimSuffix(tsv.stdout, "\n"), "\n")
	if tsv.code != 0 || len(rows) != 5 {
		t.Fatalf("tsv: %d %q\n%s", tsv.code, tsv.stderr, tsv.stdout)
	}
	for i, want := range []string{"\t\tfirst\tline 1", "\tapproved\tsecond\tligne deux", "\t\tthird\tline 3", "\tmemory\tsecond\tligne deux"} {
		if !strings.HasSuffix(rows[i+1], want) {
			t.Errorf("tsv row %d = %q, want it to end %q", i+1, rows[i+1], want)
		}
	}
	tsv = yeokRun(t, nil, "", "export", "--db", db, "--script", "talk", "--format", "tsv", "--model-text")
	rows = strings.Split(strings.TrimSuffix(tsv.stdout, "\n"), "\n")
	if !strings.HasSuffix(rows[0], "\ttranslation\tmodel_text") || !strings.HasSuffix(rows[2], "\tligne deux\tline 2") {
		t.Errorf("tsv --model-text:\n%s", tsv.stdout)
	}

	md := yeokRun(t, nil, "", "export", "--db", db, "--script", "talk", "--model-text")
	for _, want := range []string{"ligne deux\n\n*Model:* line 2\n\n*Flags: approved*", "*Flags: memory (as entry 2)*"} {
		if !strings.Contains(md.stdout, want) {
			t.Errorf("md --model-text lacks %q:\n%s", want, md.stdout)
		}
	}

	srt := yeokRun(t, nil, "", "export", "--db", db, "--script", "talk", "--format", "srt", "--model-text")
	if srt.code != 0 || !strings.Contains(srt.stdout, "\nligne deux\n") || strings.Contains(srt.stdout, "line 2") ||
		srt.stderr != "yeok: --model-text: a subtitle holds one text, so the SRT file has the approved one\n" {
		t.Errorf("srt --model-text: %d %q\n%s", srt.code, srt.stderr, srt.stdout)
	}
	jsonl := decodeLines(t, yeokRun(t, nil, "", "export", "--db", db, "--script", "talk", "--format", "jsonl").stdout)
	if len(jsonl) != 4 || jsonl[1]["approved"] != "ligne deux" || jsonl[1]["translation"] != "line 2" || jsonl[3]["memory"] != 2.0 {
		t.Errorf("jsonl: %v", jsonl)
	}
}
