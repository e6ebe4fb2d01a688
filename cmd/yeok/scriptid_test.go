package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yeok/yeok/llm/llmtest"
	"github.com/yeok/yeok/model"
)

// An invalid --script is a usage error found when the flags are parsed: exit 2, one line
// naming the fault, and neither the database nor the provider touched, for every command
// that takes --script.
func TestScriptFlagRefusedWhenParsed(t *testing.T) {
	srv := llmtest.New(t, llmtest.Replay(llmtest.Stream("stop", "x")))
	dir := t.TempDir()
	db := filepath.Join(dir, "y.db")
	transcript := filepath.Join(dir, "talk.txt")
	if err := os.WriteFile(transcript, []byte("hello\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	commands := map[string][]string{
		"translate": {"translate", "--to", "ko", "hello"},
		"follow":    {"follow", "--to", "ko", transcript},
		"history":   {"history"},
		"export":    {"export"},
		"glossary":  {"glossary", "list"},
		"tui":       {"--to", "ko"},
	}
	type badID struct{ id, says string }
	bad := []badID{
		{strings.Repeat("s", model.MaxIdentifierLen+1), "--script is 129 characters, over the limit of 128"},
		{"a  b", "--script has leading, trailing or doubled spaces"},
		{"a\x1b[2Jb", "--script contains a control, invisible or non-printing character (U+001B)"},
		{"a\xffb", "--script is not valid UTF-8"},
	}
	for _, r := range []rune{0x034f, 0x115f, 0x1160, 0x17b4, 0x17b5, 0x3164, 0xffa0, 0xfe00, 0xfe0f,
		0xe0100, 0xe01ef, 0x2800, 0xfffc, 0x200b, 0x00a0} {
		bad = append(bad, badID{"a" + string(r) + "b",
			fmt.Sprintf("--script contains a control, invisible or non-printing character (%U)", r)})
	}
	check := func(t *testing.T, args []string, b badID) {
		t.Helper()
		p := yeokRun(t, providerEnv(srv), "", append(args, "--db", db, "--script", b.id)...)
		if want := "yeok: " + b.says + "\n"; p.code != 2 || p.stderr != want {
			t.Errorf("yeok %v --script %+q: exit %d, stderr %q; want 2, %q", args, b.id, p.code, p.stderr, want)
		}
	}
	filler := badID{"a\u3164b", "--script contains a control, invisible or non-printing character (U+3164)"}
	for name, args := range commands {
		t.Run(name, func(t *testing.T) { check(t, args, filler) })
	}
	for _, b := range bad {
		t.Run(fmt.Sprintf("translate %+q", b.id), func(t *testing.T) { check(t, commands["translate"], b) })
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Errorf("the database was touched: %v", err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests reached the provider", n)
	}
}

// A script id is limited in characters, as in the API: 128 Korean characters (384 bytes,
// over the store's old 200-byte limit) are one script.
func TestScriptFlagLimitInCharacters(t *testing.T) {
	srv := llmtest.New(t, llmtest.Replay(llmtest.Stream("stop", "번역")))
	db := filepath.Join(t.TempDir(), "y.db")
	long := strings.Repeat("강", model.MaxIdentifierLen)
	if p := yeokRun(t, providerEnv(srv), "", "translate", "--to", "ko", "--db", db, "--script", long, "hello"); p.code != 0 {
		t.Fatalf("translate --script of %d characters: exit %d, %q", model.MaxIdentifierLen, p.code, p.stderr)
	}
	if p := yeokRun(t, nil, "", "history", "--db", db, "--script", long, "--json"); p.code != 0 || !strings.Contains(p.stdout, "번역") {
		t.Fatalf("history of the long script: exit %d, %q %q", p.code, p.stdout, p.stderr)
	}
}

// A glossary term is an identifier too: one that hides a character is refused, by set and
// by import, naming the character.
func TestGlossaryTermInvisibleRefused(t *testing.T) {
	db := filepath.Join(t.TempDir(), "y.db")
	tsv := filepath.Join(t.TempDir(), "g.tsv")
	if err := os.WriteFile(tsv, []byte("GPU\t그래픽\na\u3164b\tx\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	want := "glossary term contains a control, invisible or non-printing character (U+3164)"
	p := yeokRun(t, nil, "", "glossary", "--db", db, "--script", "talk", "set", "a\u3164b=x")
	if p.code != 2 || strings.Count(p.stderr, "\n") != 1 || !strings.Contains(p.stderr, want) {
		t.Errorf("glossary set of a\\u3164b: exit %d, %q", p.code, p.stderr)
	}
	p = yeokRun(t, nil, "", "glossary", "--db", db, "--script", "talk", "import", tsv)
	if p.code != 2 || !strings.Contains(p.stderr, "line 2: "+want) {
		t.Errorf("glossary import: exit %d, %q", p.code, p.stderr)
	}
	if p := yeokRun(t, nil, "", "glossary", "--db", db, "--script", "talk", "list"); strings.Contains(p.stdout, "\u3164") {
		t.Errorf("the term was kept: %q", p.stdout)
	}
}
