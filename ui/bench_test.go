package ui

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/yeok/yeok/model"
)

// BenchmarkFrame measures one stream frame (Update with a few new deltas, then View) with
// an empty scrollback and with 10,000 finished entries above it: the cost must stay flat.
func BenchmarkFrame(b *testing.B) {
	for _, n := range []int{0, 10000} {
		b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) {
			m := benchModel(b, n)
			texts := make([]string, 64)
			for i := range texts {
				texts[i] = strings.Repeat("다음 분기 예산에 대해 ", i+1)
			}
			id := m.flight.id
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				k := i % len(texts)
				next, _ := m.Update(frameMsg{id: id, snap: snapshot{text: texts[k], deltas: 3 * (k + 1), firstAt: testNow}})
				m = next.(Model)
				if v := m.View(); len(v) == 0 {
					b.Fatal("empty view")
				}
			}
		})
	}
}

// benchModel is an 80x24 app with n finished entries shown and one stream in flight.
func benchModel(b *testing.B, n int) Model {
	b.Helper()
	return benchModelWith(b, testConfig(b), n)
}

// benchModelWith is benchModel on cfg.
func benchModelWith(b *testing.B, cfg Config, n int) Model {
	b.Helper()
	log := &callLog{}
	m := sized(newApp(cfg, &fakeTranslator{log: log}, newFakeStore(log)), 80, 24)
	entries := make([]model.Entry, n)
	for i := range entries {
		entries[i] = model.Entry{
			ID: uint64(i + 1), Source: fmt.Sprintf("Line %d of an earlier session.", i),
			Text: fmt.Sprintf("이전 세션의 %d번째 줄입니다.", i), To: "ko-KR", Status: model.StatusDone,
		}
	}
	m = step(m, transcriptMsg{session: model.Session{ID: 1, Started: testNow}, entries: entries})
	m = sendLine(m, "We will discuss the budget for the next quarter.")
	_ = m.View()
	return m
}

// BenchmarkStreamFrame256 measures one frame of a stream as a 256-colour client sees it
// (plain OpenSSH sends no COLORTERM): the Update of a frame two tokens longer than the
// last, then the View, at 80x24 with a few finished entries above. The answer grows to
// 480 tokens and starts again, so frames of every length are drawn.
func BenchmarkStreamFrame256(b *testing.B) {
	m := benchModel256(b, 20)
	streamFrames(b, m, benchTokens(480))
}

// streamFrames draws frames of an answer of toks growing by two tokens a frame, each the
// Update of the frame then the View, starting again at the end. Each frame's text is a
// prefix of the answer, as the stream buffer gives it.
func streamFrames(b *testing.B, m Model, toks []string) {
	b.Helper()
	answer, ends := strings.Join(toks, ""), make([]int, len(toks)+1)
	for i, t := range toks {
		ends[i+1] = ends[i] + len(t)
	}
	id := m.flight.id
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		k := i%(len(toks)/2) + 1
		snap := snapshot{text: answer[:ends[2*k]], deltas: 2 * k, firstAt: testNow.Add(-time.Duration(k) * frameInterval)}
		next, _ := m.Update(frameMsg{id: id, snap: snap})
		m = next.(Model)
		if v := m.View(); len(v) == 0 {
			b.Fatal("empty view")
		}
	}
}

// benchModel256 is benchModel drawn for a 256-colour terminal with a dark background.
func benchModel256(b *testing.B, n int) Model {
	b.Helper()
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.ANSI256)
	r.SetHasDarkBackground(true)
	cfg := testConfig(b)
	cfg.Renderer = r
	return benchModelWith(b, cfg, n)
}

// benchTokens is an answer of n tokens, words of Korean and Latin text.
func benchTokens(n int) []string {
	words := []string{"다음 ", "분기 ", "예산에 ", "대해 ", "budget ", "논의하겠습니다. ", "the ", "quarter "}
	toks := make([]string, n)
	for i := range toks {
		toks[i] = words[i%len(words)]
	}
	return toks
}

// BenchmarkStreamFrameSSH measures one frame as a session of the SSH benchmark draws it:
// a 100x30 256-colour terminal, an answer of 480 short Latin tokens growing by two a frame,
// the Update of the frame, then the View.
func BenchmarkStreamFrameSSH(b *testing.B) {
	m := sized(benchModel256(b, 20), 100, 30)
	toks := make([]string, 480)
	for i := range toks {
		toks[i] = fmt.Sprintf("t%03dn%04d ", 7, i)
	}
	streamFrames(b, m, toks)
}
