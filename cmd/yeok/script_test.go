package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yeok/yeok/llm/llmtest"
)

// TestScriptContextAndGlossary: the Nth request of a script carries the earlier done pairs,
// glossary terms of the source go into the prompt, and a missed term is flagged.
func TestScriptContextAndGlossary(t *testing.T) {
	answers := []string{"강의를 시작합니다", "트랜스포머는 주의 메커니즘을 씁니다", "어텐션이 핵심입니다"}
	srv := llmtest.New(t, func(w http.ResponseWriter, r *http.Request) {
		llmtest.Replay(llmtest.Stream("stop", answers[(llmtest.Recorded(r).N-1)%len(answers)]))(w, r)
	})
	dir := t.TempDir()
	db := filepath.Join(dir, "y.db")
	tsv := filepath.Join(dir, "g.tsv")
	if err := os.WriteFile(tsv, []byte("term\ttranslation\nattention\t어텐션\n# comment\n\nTransformer\t트랜스포머\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if p := yeokRun(t, nil, "", "glossary", "--db", db, "--script", "lec", "import", tsv); p.code != 0 || !strings.Contains(p.stdout, "imported 2") {
		t.Fatalf("import: %d %q %q", p.code, p.stdout, p.stderr)
	}
	if p := yeokRun(t, nil, "", "glossary", "--db", db, "--script", "lec", "set", "GPU=그래픽 처리 장치"); p.code != 0 {
		t.Fatalf("set: %d %q", p.code, p.stderr)
	}
	if p := yeokRun(t, nil, "", "glossary", "--db", db, "--script", "lec", "rm", "gpu"); p.code != 0 || !strings.Contains(p.stdout, "2 terms") {
		t.Fatalf("rm: %d %q %q", p.code, p.stdout, p.stderr)
	}
	list := yeokRun(t, nil, "", "glossary", "--db", db, "--script", "lec", "list")
	if !strings.Contains(list.stdout, "attention") || !strings.Contains(list.stdout, "트랜스포머") || strings.Contains(list.stdout, "GPU") {
		t.Fatalf("list: %q", list.stdout)
	}

	in := "Let us begin the lecture.\nTransformers use the attention mechanism.\nAttention is the key.\n"
	p := yeokRun(t, providerEnv(srv), in, "translate", "--lines", "--parallel", "1", "--db", db, "--script", "lec", "--to", "ko", "--json")
	if p.code != 0 {
		t.Fatalf("translate: %d %q", p.code, p.stderr)
	}
	reqs := srv.Requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests", len(reqs))
	}
	if strings.Contains(allText(reqs[0]), answers[0]) {
		t.Fatal("the first request carries context it cannot have")
	}
	third := allText(reqs[2])
	for _, want := range []string{"Let us begin the lecture.", answers[0], "Transformers use the attention mechanism.", answers[1], "어텐션"} {
		if !strings.Contains(third, want) {
			t.Fatalf("third request lacks %q:\n%s", want, third)
		}
	}
	if strings.Contains(allText(reqs[0]), "어텐션") {
		t.Fatal("a glossary term absent from the source went into the prompt")
	}
	// The second answer used 트랜스포머 but not 어텐션: one miss, flagged in JSON and on stderr.
	var flagged []any
	for _, ev := range decodeLines(t, p.stdout) {
		if ev["type"] == "entry" {
			if f, ok := ev["entry"].(map[string]any)["flags"].([]any); ok {
				flagged = append(flagged, f...)
			}
		}
	}
	if len(flagged) != 1 || flagged[0] != "glossary-miss:attention" {
		t.Fatalf("flags %v", flagged)
	}
	if !strings.Contains(p.stderr, `glossary term "attention" not used`) {
		t.Fatalf("stderr %q", p.stderr)
	}
}

func TestGlossaryBadInput(t *testing.T) {
	db := filepath.Join(t.TempDir(), "y.db")
	for _, args := range [][]string{
		{"glossary", "list"},
		{"glossary", "--script", "x"},
		{"glossary", "--script", "x", "set", "novalue"},
		{"glossary", "--script", "x", "frob"},
	} {
		p := yeokRun(t, nil, "", append(args, "--db", db)...)
		if p.code != 2 || strings.Count(p.stderr, "\n") != 1 {
			t.Fatalf("%v: exit %d stderr %q", args, p.code, p.stderr)
		}
	}
	if p := yeokRun(t, nil, "", "glossary", "--db", db, "--script", "x", "rm", "nope"); p.code != 1 {
		t.Fatalf("rm of a missing term: %d %q", p.code, p.stderr)
	}
}
