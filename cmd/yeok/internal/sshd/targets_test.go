package sshd

import (
	"testing"
	"time"

	"github.com/yeok/yeok/llm/llmtest"
	"github.com/yeok/yeok/model"
)

// TestStreamsPerMinuteCountTargets: a line into three targets is three streams of the
// key's limit; with room for two, the third target is refused before it reaches the
// provider and the other two are translated.
func TestStreamsPerMinuteCountTargets(t *testing.T) {
	hs := startHarness(t, Config{StreamsPerMinute: 2, To: model.MustLanguage("ko-KR"),
		More: []model.Language{model.MustLanguage("ja-JP"), model.MustLanguage("zh-Hant")}},
		llmtest.ReplayFixture(t, "gpt-4o-mini-stop.sse"))
	client := hs.mustDial(t, hs.keyA)
	tm := openTerm(t, client, 100, 30)
	tm.waitFor(readyMarker)
	tm.send("one\r")
	tm.waitFor("rate limit")
	for range 2 {
		select {
		case <-hs.up.Finished:
		case <-time.After(waitLong):
			t.Fatal("two targets were not answered")
		}
	}
	if n := hs.up.Count(); n != 2 {
		t.Fatalf("upstream saw %d requests, want 2", n)
	}
}
