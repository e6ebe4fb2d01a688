package ui

import (
	"io"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"
	"github.com/yeok/yeok/model"
)

// TestLiveLinesMatchFresh streams an answer into one block, frame by frame, and checks
// after each frame that its lines, drawn from the cache kept between frames, are the
// lines a block drawing the same text for the first time gives: through growing text,
// a width change, a retry starting over, a refusal, a wide text and a newline.
func TestLiveLinesMatchFresh(t *testing.T) {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.ANSI256)
	r.SetHasDarkBackground(true)
	st, keys := DefaultStyles(r), DefaultKeyMap()
	lk := look{st: &st, keys: &keys}
	entry := model.Entry{Source: "We will discuss the budget for the next quarter.", To: "ko-KR", Status: model.StatusPending}
	b := &block{kind: blockEntry, entry: entry}
	toks := benchTokens(120)
	type step struct {
		name    string
		width   int
		text    string
		refusal string
		phase   phase
	}
	var steps []step
	esc, cut := strings.Join(toks[:30], ""), string([]byte("한")[:2])
	steps = append(steps, step{"waiting", 60, "", "", phaseWaiting})
	for k := 1; k <= 60; k++ {
		steps = append(steps, step{"growing", 60, strings.Join(toks[:k], ""), "", phaseStreaming})
	}
	steps = append(steps,
		step{"narrower", 33, strings.Join(toks[:61], ""), "", phaseStreaming},
		step{"retry", 33, "", "", phaseRetrying},
		step{"again", 33, strings.Join(toks[:5], ""), "", phaseStreaming},
		step{"to the edge", 33, strings.Join(toks[:5], "") + strings.Repeat("x", 29), "", phaseStreaming},
		step{"newline", 33, strings.Join(toks[:5], "") + strings.Repeat("x", 29) + "\n둘째 줄", "", phaseStreaming},
		step{"wide", 33, strings.Join(toks[:5], "") + strings.Repeat("x", 29) + "\n둘째 줄 " + chineseParagraph, "", phaseStreaming},
		step{"rewritten", 33, "다른 " + strings.Join(toks[:60], ""), "", phaseStreaming},
		step{"escape begins", 33, esc + "\x1b[3", "", phaseStreaming},
		step{"escape ends", 33, esc + "\x1b[31m빨강 \x1b]0;title", "", phaseStreaming},
		step{"title ends", 33, esc + "\x1b[31m빨강 \x1b]0;title\x07 끝", "", phaseStreaming},
		step{"rune cut", 33, esc + "\x1b[31m빨강 \x1b]0;title\x07 끝" + cut, "", phaseStreaming},
		step{"rune whole", 33, esc + "\x1b[31m빨강 \x1b]0;title\x07 끝한 마디", "", phaseStreaming},
		step{"thinking", 33, "", "", phaseThinking},
		step{"answer after reasoning", 33, strings.Join(toks[:7], ""), "", phaseStreaming},
		step{"refusal", 33, strings.Join(toks[:5], ""), "I can't help with that.", phaseStreaming},
	)
	for i, s := range steps {
		b.live = &liveText{text: s.text, refusal: s.refusal, phase: s.phase}
		b.invalidate()
		got := strings.Join(b.lines(s.width, true, lk), "\n")
		fresh := &block{kind: blockEntry, entry: entry, live: b.live}
		want := strings.Join(fresh.lines(s.width, true, lk), "\n")
		if got != want {
			t.Fatalf("step %d (%s): lines differ from a fresh draw\n got  %q\n want %q", i, s.name, got, want)
		}
		var body []string
		for _, l := range wrapText(model.Sanitize(s.text), s.width-4) {
			body = append(body, bodyIndent+l)
		}
		if plain := ansi.Strip(got); !strings.Contains(plain, strings.Join(body, "\n")) {
			t.Fatalf("step %d (%s): the text is not drawn as wrapText wraps it\n got  %q\n want %q", i, s.name, plain, body)
		}
		if s.text != "" && !strings.Contains(got, "\x1b[") {
			t.Fatalf("step %d (%s): no colour drawn: %q", i, s.name, got)
		}
	}
	b.live = nil
	b.invalidate()
	if b.lines(33, true, lk); b.lc != nil {
		t.Fatal("the finished entry kept its live cache")
	}
}

// TestFinishedLinesMatchFresh: an entry that finishes takes over the lines its stream
// already drew; what it shows must be what a fresh draw of the finished entry shows, also
// when the stored text differs from the streamed one (hygiene cleaned it) or the width
// changed at the end.
func TestFinishedLinesMatchFresh(t *testing.T) {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.ANSI256)
	st, keys := DefaultStyles(r), DefaultKeyMap()
	lk := look{st: &st, keys: &keys}
	streamed := strings.Join(benchTokens(200), "") + "\x1b]0;title\x07 끝"
	tests := []struct {
		name         string
		text, clean  string
		widthAtEnd   int
		streamedText string
	}{
		{"as streamed", streamed, "", 50, streamed},
		{"cleaned", "\"" + streamed + "\"", streamed + "!", 50, "\"" + streamed + "\""},
		{"narrower at the end", streamed, "", 37, streamed},
		{"empty", "", "", 50, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			entry := model.Entry{Source: "source", To: "ko", Status: model.StatusPending}
			b := &block{kind: blockEntry, entry: entry}
			for k := 0; k <= len(tt.streamedText); k += 97 {
				b.live = &liveText{text: tt.streamedText[:k], phase: phaseStreaming}
				b.invalidate()
				b.lines(50, true, lk)
			}
			b.live = nil
			b.entry.Text, b.entry.Clean, b.entry.Status = tt.text, tt.clean, model.StatusDone
			b.invalidate()
			got := strings.Join(b.lines(tt.widthAtEnd, true, lk), "\n")
			fresh := &block{kind: blockEntry, entry: b.entry}
			if want := strings.Join(fresh.lines(tt.widthAtEnd, true, lk), "\n"); got != want {
				t.Fatalf("finished lines differ from a fresh draw\n got  %q\n want %q", got, want)
			}
			if b.lc != nil {
				t.Fatal("the live cache outlived the stream")
			}
		})
	}
}
