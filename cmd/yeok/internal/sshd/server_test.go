package sshd

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/yeok/yeok/llm/llmtest"
	"github.com/yeok/yeok/model"
)

func TestTranslateOverSSH(t *testing.T) {
	hs := startHarness(t, Config{}, llmtest.ReplayFixture(t, "gpt-4o-mini-stop.sse"))
	client := hs.mustDial(t, hs.keyA)
	tm := openTerm(t, client, 100, 30)
	tm.waitFor(readyMarker)
	tm.send("bonjour\r")
	tm.waitFor("Hello")

	owner := ownerOf(hs.keyA)
	es := hs.entries(owner)
	if len(es) != 1 {
		t.Fatalf("owner %s has %d entries, want 1", owner, len(es))
	}
	if e := es[0]; e.Source != "bonjour" || e.Text != "Hello" || e.Status != model.StatusDone {
		t.Fatalf("entry = %q -> %q (%s), want bonjour -> Hello (done)", e.Source, e.Text, e.Status)
	}
	if strings.Contains(tm.raw(), testAPIKey) {
		t.Fatal("the API key reached the client")
	}
	if logs := hs.logs.String(); strings.Contains(logs, "bonjour") || strings.Contains(logs, "Hello") {
		t.Fatalf("translation text in the server log:\n%s", logs)
	}

	raw := tm.raw()
	for _, want := range []string{"\x1b[?1049h", "\x1b[?1002h"} { // alt screen, mouse
		if !strings.Contains(raw, want) {
			t.Errorf("the app did not send %q", want)
		}
	}
	tm.send("\x19") // Ctrl+Y copies the translation to the client's clipboard
	osc52 := "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte("Hello"))
	deadline := time.Now().Add(waitLong)
	for !strings.Contains(tm.raw(), osc52) {
		if time.Now().After(deadline) {
			t.Fatalf("no OSC 52 copy reached the client; output ends with %q", tail(tm.raw(), 300))
		}
		time.Sleep(10 * time.Millisecond)
	}

	tm.send("\x03") // Ctrl+C quits when nothing streams
	if got := tm.wait(); got != 0 {
		t.Fatalf("exit status %d after quitting, want 0", got)
	}
}

func TestKeysAreIsolated(t *testing.T) {
	hs := startHarness(t, Config{}, llmtest.ReplayFixture(t, "gpt-4o-mini-stop.sse"))
	a := hs.mustDial(t, hs.keyA)
	ta := openTerm(t, a, 100, 30)
	ta.waitFor(readyMarker)
	ta.send("bonjour tout le monde\r")
	ta.waitFor("Hello")

	b := hs.mustDial(t, hs.keyB)
	tb := openTerm(t, b, 100, 30)
	tb.waitFor(readyMarker)
	tb.send("\x0f") // Ctrl+O: the history list
	tb.waitFor("nothing yet")
	ctx := context.Background()
	if _, err := hs.store.LastSession(ctx, ownerOf(hs.keyB)); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("B's LastSession: err = %v, want ErrNotFound", err)
	}
	if es := hs.entries(ownerOf(hs.keyB)); len(es) != 0 {
		t.Fatalf("B sees %d entries", len(es))
	}
	if strings.Contains(tb.screen(), "bonjour") {
		t.Fatalf("B's screen shows A's source:\n%s", tail(tb.screen(), 1500))
	}

	// A second session of A does see A's history: the check above could fail.
	ta2 := openTerm(t, a, 100, 30)
	ta2.waitFor("bonjour tout le monde")
	if _, err := hs.store.LastSession(ctx, ownerOf(hs.keyA)); err != nil {
		t.Fatalf("A's LastSession: %v", err)
	}
}

func TestHangUpMidStreamKeepsPartial(t *testing.T) {
	tokens := func(*http.Request) []string { return strings.SplitAfter(strings.Repeat("word ", 200), " ") }
	hs := startHarness(t, Config{}, streamTokens(tokens, 50*time.Millisecond, nil))
	client, err := hs.dial(hs.keyA)
	if err != nil {
		t.Fatal(err)
	}
	tm := openTerm(t, client, 100, 30)
	tm.waitFor(readyMarker)
	tm.send("a long speech\r")
	tm.waitFor("word word")
	_ = client.Close() // the laptop lid closes

	owner := ownerOf(hs.keyA)
	deadline := time.Now().Add(waitLong)
	for {
		es := hs.entries(owner)
		if len(es) == 1 && es[0].Status.Final() {
			e := es[0]
			if e.Status != model.StatusInterrupted || e.Error == "" {
				t.Fatalf("entry = %s %q, want interrupted with a reason", e.Status, e.Error)
			}
			if !strings.HasPrefix(e.Text, "word word") {
				t.Fatalf("partial text %q not kept", e.Text)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("entry never finished: %+v", es)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
