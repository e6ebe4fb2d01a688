package sshd

import (
	"testing"

	"github.com/yeok/yeok/llm/llmtest"
	"github.com/yeok/yeok/model"
)

// TestSessionStartsWithOwnersLastTarget: with the server's target no one's choice, each key's
// session opens with that key's most recent target, and a key with none gets the server's.
func TestSessionStartsWithOwnersLastTarget(t *testing.T) {
	hs := startHarness(t, Config{ToIsDefault: true}, llmtest.ReplayFixture(t, "gpt-4o-mini-stop.sse"))
	if err := hs.store.TouchLanguage(t.Context(), ownerOf(hs.keyA), model.MustLanguage("ja")); err != nil {
		t.Fatal(err)
	}
	ta := openTerm(t, hs.mustDial(t, hs.keyA), 100, 30)
	ta.waitFor("auto → ja")
	tb := openTerm(t, hs.mustDial(t, hs.keyB), 100, 30)
	tb.waitFor(readyMarker)
	tb.waitFor("auto → ko-KR")
}
