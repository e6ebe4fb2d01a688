package ui

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
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

// stallAfter is how long a stream may go without a token before the status bar says how
// long it has been quiet instead of its rate.
const stallAfter = 3 * time.Second

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
	m.layout()
	d, seq := infoFlash, m.flash.seq
	if isErr {
		d = errorFlash
	}
	return afterCmd(m.cfg.Ctx, d, flashClearMsg{seq: seq})
}

// maxFlashRows is how many rows a status message too long for the status bar may take
// above it.
const maxFlashRows = 3

// flashReserve is the room the status bar keeps for its state when judging whether a
// message fits beside it: the widest state, "⠋ streaming 42 tok/s", and its padding.
const flashReserve = 24

// flashLines is the status message wrapped onto rows of its own above the status bar,
// when the bar has no room for the whole of it; nil when it fits there, or there is none.
// The layout gives it up to maxFlashRows rows.
func (m Model) flashLines() []string {
	if m.flash.text == "" || m.width <= 0 {
		return nil
	}
	room := m.width - len(" yeok ") - cellWidth(m.langsLabel()) - 2 - flashReserve
	room -= min(cellWidth(m.modelName)+2, max(room/3, 0))
	if cellWidth(m.flash.text)+2 <= room {
		return nil
	}
	return wrapText(m.flash.text, m.width-2)
}

// flashView draws the rows of a long status message; the last row ends in an ellipsis
// when even they cannot hold it.
func (m Model) flashView() string {
	all := m.flashLines()
	lines := all[:min(m.flashHeight, len(all))]
	style := m.styles.StatusInfo
	if m.flash.isErr {
		style = m.styles.StatusError
	}
	style = style.UnsetBackground().UnsetPadding()
	out := make([]string, len(lines))
	for i, l := range lines {
		if i == len(lines)-1 && len(lines) < len(all) {
			l = truncateCells(l, m.width-3, "") + "…"
		}
		out[i] = " " + style.Render(l)
	}
	return strings.Join(out, "\n")
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
// on the right, what the stream is doing. The left part changes seldom; it is drawn again
// only when it or the state's width does.
func (m Model) statusView() string {
	c, state := &m.vc.status, m.stateView()
	k := statusKey{
		st: m.styles, width: m.width, stateW: m.stateWidth(), from: m.from, to: joinSet(m.targets()),
		modelName: m.modelName, script: m.scriptID, flash: m.flash.text, flashErr: m.flash.isErr,
	}
	if m.flashHeight > 0 {
		k.flash = "" // on rows of its own above the bar
	}
	if !c.ok || c.key != k {
		c.left, c.leftW = m.statusLeft(k.stateW, k.flash)
		c.ok, c.key, c.lineOK = true, k, false
	}
	if !c.lineOK || c.state != state {
		c.line = c.left + state
		if c.leftW+k.stateW > m.width {
			c.line = fitLine(c.line, m.width)
		}
		c.state, c.lineOK = state, true
	}
	return c.line
}

// statusLeft draws the status bar up to the state, which is stateW cells wide, with the
// status message flash, and returns it with its width.
func (m Model) statusLeft(stateW int, flash string) (string, int) {
	st := m.styles
	brand := st.Brand.Render("yeok")
	langs := st.StatusLangs.Render(m.langsLabel())
	name := m.modelName
	if m.scriptID != "" {
		name += " · script " + model.SanitizeLine(m.scriptID)
	}
	// On a narrow bar the state, which changes, keeps its room: the languages give way
	// first, then the brand.
	brandW, langsW := cellWidth(ansi.Strip(brand)), cellWidth(ansi.Strip(langs))
	if brandW+langsW+stateW > m.width {
		langs, langsW = "", 0
	}
	if brandW+stateW > m.width {
		brand, brandW = "", 0
	}
	fixed := brandW + langsW + stateW
	room := m.width - fixed
	nameW := min(cellWidth(name)+2, max(room, 0))
	if flash != "" {
		nameW = min(nameW, max(room/3, 0))
	}
	left := brand + langs
	if nameW > 2 {
		left += st.StatusModel.Render(truncateCells(name, nameW-2, "…"))
		room -= nameW
	}
	mid := ""
	if flash != "" && room > 2 {
		style := st.StatusInfo
		if m.flash.isErr {
			style = st.StatusError
		}
		mid = style.Render(truncateCells(flash, room-2, "…"))
	}
	used := cellWidth(ansi.Strip(left)) + cellWidth(ansi.Strip(mid))
	gap := max(m.width-used-stateW, 0)
	return left + mid + st.StatusBar.Render(strings.Repeat(" ", gap)), used + gap
}

// stateView says what the app is doing: idle, waiting (spinner), streaming (live rate),
// retrying (countdown), or saving before quitting. Its pieces are drawn once, and the
// whole of it again only when its text, style or spinner frame changed.
func (m Model) stateView() string {
	c := &m.vc.state
	style, spin, text := m.stateText(c.scratch[:0])
	c.scratch = text
	if c.ok && c.st == m.styles && c.style == style && c.spin == spin && string(text) == c.text {
		return c.out
	}
	st, vc := m.styles, m.vc
	out := vc.render(style, string(text))
	if spin != "" {
		// The spinner draws its frame unstyled; the frame is styled here, once.
		out = vc.render(&st.StatusBar, " ") + vc.render(&st.Spinner, spin) + out
	}
	*c = stateCache{ok: true, st: st, style: style, spin: spin, text: string(text), out: out,
		width: cellWidth(ansi.Strip(out)), scratch: c.scratch}
	return out
}

// stateWidth is the width of the state stateView drew last.
func (m Model) stateWidth() int { return m.vc.state.width }

// stateText appends to b the text of the state and returns it with the style it is drawn
// in and the spinner's frame ("" for none). A stream's frames change the text seldom (its
// rate is rounded), so it is written out without allocating and compared with the last.
func (m Model) stateText(b []byte) (*lipgloss.Style, string, []byte) {
	st := m.styles
	if m.quitting {
		return &st.StatusBusy, "", append(b, "saving…"...)
	}
	f := m.flight
	if f == nil {
		if !m.sb.follow && m.panel == panelChat {
			return &st.StatusIdle, "", append(append(b, "↑ scrolled · "...), m.keys.PageDown.Help().Key...)
		}
		return &st.StatusIdle, "", append(b, "idle"...)
	}
	spin := m.spin.view()
	snap := f.state()
	switch snap.phase() {
	case phaseStreaming:
		if quiet := m.clock.Sub(snap.lastAt); !snap.lastAt.IsZero() && quiet >= stallAfter {
			// A rate would go on showing the speed of a stream that has stopped.
			return &st.StatusBusy, spin, appendWholeSeconds(append(b, "no token for "...), quiet)
		}
		b = append(b, "streaming"...)
		if r := liveRate(snap, m.clock); r > 0 {
			b = appendRate(append(b, ' '), r)
		}
		return &st.StatusBusy, spin, b
	case phaseThinking:
		return &st.StatusBusy, spin, append(b, "thinking"...)
	case phaseRetrying:
		left := max(int(math.Ceil(snap.retryAt.Sub(m.clock).Seconds())), 0)
		text := fmt.Sprintf("retrying in %ds", left)
		if snap.attempt > 0 {
			text = fmt.Sprintf("retry %d in %ds", snap.attempt, left)
		}
		return &st.StatusBusy, spin, append(b, text+" · "+m.keys.Cancel.Help().Key+" stop"...)
	default:
		return &st.StatusBusy, spin, append(b, "waiting"...)
	}
}

// stateCache is the state stateView drew last and what it was drawn from.
type stateCache struct {
	ok      bool
	st      *Styles
	style   *lipgloss.Style
	spin    string
	text    string
	out     string
	width   int // out's width in cells
	scratch []byte
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

// wholeSeconds prints a wait the way a person counts it: 7s, 1m05s.
func wholeSeconds(d time.Duration) string { return string(appendWholeSeconds(nil, d)) }

// appendWholeSeconds appends wholeSeconds(d) to b.
func appendWholeSeconds(b []byte, d time.Duration) []byte {
	if d < time.Minute {
		return append(strconv.AppendInt(b, int64(d.Seconds()), 10), 's')
	}
	return append(b, shortDuration(d)...)
}

// langsLabel prints the languages in use for the status bar: "en → ko-KR", or with several
// targets "en → ko-KR, ja-JP".
func (m Model) langsLabel() string {
	if len(m.more) == 0 {
		return langPair(m.from, m.to)
	}
	return model.SanitizeLine(m.from.String()) + " → " + targetsLabel(m.targets())
}
