package main

import (
	"path/filepath"
	"testing"

	"github.com/yeok/yeok/llm/llmtest"
)

// TestTUIStartsWithLastTarget picks a target in one run of the TUI: the next run without
// --to opens with it, and --to still wins over it.
func TestTUIStartsWithLastTarget(t *testing.T) {
	srv := llmtest.New(t, echoAnswer)
	db := filepath.Join(t.TempDir(), "y.db")
	env := providerEnv(srv)

	first := startPTYApp(t, env, "--db", db)
	first.waitFor(t, "auto → en")
	first.send(t, "\x14") // ctrl+t
	first.waitFor(t, "Translate into")
	first.send(t, "japanese")
	first.waitFor(t, "Japanese — 日本語 (ja)")
	first.send(t, "\r")
	first.waitFor(t, "auto → ja")
	first.quit(t)

	again := startPTYApp(t, env, "--db", db)
	again.waitFor(t, "auto → ja")
	again.quit(t)

	flagged := startPTYApp(t, env, "--db", db, "--to", "de")
	flagged.waitFor(t, "auto → de")
	flagged.quit(t)
}
