package ui

import (
	"time"

	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
)

// spinState is the status bar's spinner while a line is in flight. It turns with the
// stream's frames while they come, and with a tick of its own while they do not (waiting
// for the first token, a retry's countdown, a stalled stream). A tick that turned it
// while frames come would change the view between two of them, and the screen, which
// draws at most a frame an interval, would then hold the next stream frame back for a
// whole interval; so while frames come the tick only checks back, less often.
type spinState struct {
	frame int
	at    time.Time // when frame was turned to
	seq   int       // the tick chain that is current; older ticks end
}

// spinFrames are the spinner's frames, turned every spinInterval.
var spinFrames = spinner.MiniDot.Frames

// spinInterval is how long the spinner shows one frame.
var spinInterval = spinner.MiniDot.FPS

// spinCheck is how often the tick checks back while a stream's frames come: the longest
// the spinner stands still once they stop.
const spinCheck = 250 * time.Millisecond

// spinTickMsg is a tick of the spinner's chain seq.
type spinTickMsg struct{ seq int }

// view is the spinner's frame, unstyled.
func (s spinState) view() string { return spinFrames[s.frame%len(spinFrames)] }

// turn shows the next frame when the current one has shown for an interval by now.
func (s *spinState) turn(now time.Time) {
	if now.Sub(s.at) >= spinInterval {
		s.frame, s.at = s.frame+1, now
	}
}

// startSpinCmd starts a tick chain for the line just sent; a chain started before ends.
func (m *Model) startSpinCmd() tea.Cmd {
	m.spin.seq++
	m.spin.at = m.clock
	return afterCmd(m.cfg.Ctx, spinInterval, spinTickMsg{seq: m.spin.seq})
}

// applySpinTick turns the spinner, unless a stream's frames turn it, and ticks again
// while a line is in flight.
func (m Model) applySpinTick(msg spinTickMsg) (Model, tea.Cmd) {
	f := m.flight
	if f == nil || msg.seq != m.spin.seq {
		return m, nil // let the chain end
	}
	if !f.shown.IsZero() && m.clock.Sub(f.shown) < 2*frameInterval {
		return m, afterCmd(m.cfg.Ctx, spinCheck, msg)
	}
	m.spin.turn(m.clock)
	return m, afterCmd(m.cfg.Ctx, spinInterval, msg)
}
