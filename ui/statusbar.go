package ui

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/yeok/yeok/model"
)

// flash is a status message that clears itself.
type flash struct {
	text  string
	isErr bool
	seq   int
}

// flashClearMsg clears flash number seq, unless a newer one replaced it.
type flashClearMsg struct{ seq int }

// How long status messages stay.
const (
	infoFlash  = 3 * time.Second
	errorFlash = 8 * time.Second
)

// setFlash shows text in the status bar and returns the timer that clears it. Error text
// is sanitised: it may come from a server.
func (m *Model) setFlash(text string, isErr bool) tea.Cmd {
	m.flash.seq++
	m.flash.text, m.flash.isErr = model.SanitizeLine(text), isErr
	d, seq := infoFlash, m.flash.seq
	if isErr {
		d = errorFlash
	}
	return afterCmd(m.cfg.Ctx, d, flashClearMsg{seq: seq})
}

// afterCmd returns msg after d, or nothing once ctx ends: unlike tea.Tick, its goroutine
// does not outlive the session.
func afterCmd(ctx context.Context, d time.Duration, msg tea.Msg) tea.Cmd {
	return func() tea.Msg {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			return msg
		case <-ctx.Done():
			return nil
		}
	}
}

// statusView is the bar under the input: brand, languages, model, a status message and,
// on the right, what the stream is doing.
func (m Model) statusView() string {
	st := m.styles
	brand := st.Brand.Render("yeok")
	langs := st.StatusLangs.Render(langPair(m.from, m.to))
	name := m.modelName
	if m.scriptID != "" {
		name += " · script " + model.SanitizeLine(m.scriptID)
	}
	state := m.stateView()
	fixed := ansi.StringWidth(brand) + ansi.StringWidth(langs) + ansi.StringWidth(state)
	room := m.width - fixed
	nameW := min(ansi.StringWidth(name)+2, max(room, 0))
	if m.flash.text != "" {
		nameW = min(nameW, max(room/3, 0))
	}
	left := brand + langs
	if nameW > 2 {
		left += st.StatusModel.Render(ansi.Truncate(name, nameW-2, "…"))
		room -= nameW
	}
	mid := ""
	if m.flash.text != "" && room > 2 {
		style := st.StatusInfo
		if m.flash.isErr {
			style = st.StatusError
		}
		mid = style.Render(ansi.Truncate(m.flash.text, room-2, "…"))
	}
	gap := max(m.width-ansi.StringWidth(left)-ansi.StringWidth(mid)-ansi.StringWidth(state), 0)
	line := left + mid + st.StatusBar.Render(strings.Repeat(" ", gap)) + state
	return ansi.Truncate(line, m.width, "")
}

// stateView says what the app is doing: idle, waiting (spinner), streaming (live rate),
// retrying (countdown), or saving before quitting.
func (m Model) stateView() string {
	st := m.styles
	if m.quitting {
		return st.StatusBusy.Render("saving…")
	}
	f := m.flight
	if f == nil {
		if !m.sb.follow && m.panel == panelChat {
			return st.StatusIdle.Render("↑ scrolled · " + m.keys.PageDown.Help().Key)
		}
		return st.StatusIdle.Render("idle")
	}
	spin := st.StatusBar.Render(" ") + m.spin.View()
	switch f.snap.phase() {
	case phaseStreaming:
		text := "streaming"
		if r := liveRate(f.snap, m.clock); r > 0 {
			text += " " + formatRate(r)
		}
		return spin + st.StatusBusy.Render(text)
	case phaseRetrying:
		left := max(int(math.Ceil(f.snap.retryAt.Sub(m.clock).Seconds())), 0)
		text := fmt.Sprintf("retrying in %ds", left)
		if f.snap.attempt > 0 {
			text = fmt.Sprintf("retry %d in %ds", f.snap.attempt, left)
		}
		return spin + st.StatusBusy.Render(text+" · "+m.keys.Cancel.Help().Key+" stop")
	default:
		return spin + st.StatusBusy.Render("waiting")
	}
}

// liveRate estimates tokens per second of a stream in flight, counting each delta as a
// token; 0 until there is enough to measure.
func liveRate(s snapshot, now time.Time) float64 {
	span := now.Sub(s.firstAt)
	if s.firstAt.IsZero() || s.deltas < 2 || span < 200*time.Millisecond {
		return 0
	}
	return float64(s.deltas) / span.Seconds()
}
