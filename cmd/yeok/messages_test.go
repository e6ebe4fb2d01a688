package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yeok/yeok/llm/llmtest"
)

// TestMessagesSayItOnce: each command's error paths give one line in which no operation,
// path or sentence is said twice ("export to X: export to X: …").
func TestMessagesSayItOnce(t *testing.T) {
	srv := llmtest.New(t, llmtest.Replay(llmtest.Stream("stop", "ok")))
	dir := t.TempDir()
	db := filepath.Join(dir, "y.db")
	if p := yeokRun(t, providerEnv(srv), "", "translate", "--to", "ko", "--db", db, "--script", "talk", "hi"); p.code != 0 {
		t.Fatalf("translate: %d %q", p.code, p.stderr)
	}
	// A regular file where a directory should be makes every path under it fail.
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	under := filepath.Join(file, "x")
	tests := []struct {
		name string
		env  []string
		args []string
		code int
		want string   // the whole message after "yeok: "
		once []string // each said exactly once
	}{
		{"export -o", nil, []string{"export", "--db", db, "--script", "talk", "-o", under}, 1,
			"export to " + under + ": not a directory", []string{"export to", under}},
		{"translate without a provider", nil, []string{"translate", "--db", db, "hi"}, 1,
			"", []string{"no provider configured", "http://localhost:11434/v1"}},
		{"serve without a provider", nil, []string{"serve", "--http", "127.0.0.1:0", "--db", db}, 1,
			"", []string{"no provider configured", "http://localhost:11434/v1"}},
		{"follow without a provider", nil, []string{"follow", "--db", db, "-"}, 1,
			"", []string{"no provider configured", "http://localhost:11434/v1"}},
		{"glossary of no script", nil, []string{"glossary", "--db", db, "--script", "nope", "list"}, 1,
			`no script "nope"`, nil},
		{"follow a path under a file", providerEnv(srv), []string{"follow", "--db", db, under}, 1,
			"follow " + under + ": not a directory", []string{under}},
		{"serve --log under a file", providerEnv(srv), []string{"serve", "--http", "127.0.0.1:0", "--db", db, "--log", under}, 1,
			"open log " + under + ": not a directory", []string{under}},
		{"--config under a file", nil, []string{"translate", "--config", under, "hi"}, 2,
			"config " + under + ": not a directory", []string{under}},
		{"glossary import a path under a file", nil, []string{"glossary", "--db", db, "--script", "talk", "import", under}, 1,
			"glossary import " + under + ": not a directory", []string{under}},
		{"glossary import a directory", nil, []string{"glossary", "--db", db, "--script", "talk", "import", dir}, 1,
			"glossary import " + dir + ": is a directory", []string{dir + ":"}},
		{"export -o a directory", nil, []string{"export", "--db", db, "--script", "talk", "-o", dir}, 1,
			"export to " + dir + ": is a directory", []string{dir}},
		{"translate a missing file", providerEnv(srv), []string{"translate", "--lines", "--db", db, file, filepath.Join(dir, "missing.txt")}, 1,
			"read " + filepath.Join(dir, "missing.txt") + ": no such file or directory", []string{"missing.txt"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := yeokRun(t, tt.env, "", tt.args...)
			if p.code != tt.code || strings.Count(p.stderr, "\n") != 1 || !strings.HasPrefix(p.stderr, "yeok: ") {
				t.Fatalf("exit %d %q, want %d and one line", p.code, p.stderr, tt.code)
			}
			msg := strings.TrimSuffix(strings.TrimPrefix(p.stderr, "yeok: "), "\n")
			if tt.want != "" && msg != tt.want {
				t.Errorf("message %q, want %q", msg, tt.want)
			}
			for _, s := range tt.once {
				if n := strings.Count(msg, s); n != 1 {
					t.Errorf("%q said %d times in %q", s, n, msg)
				}
			}
			parts := strings.Split(msg, ": ")
			for i := 1; i < len(parts); i++ {
				if parts[i] == parts[i-1] {
					t.Errorf("%q repeats %q", msg, parts[i])
				}
			}
		})
	}
}
