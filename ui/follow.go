package ui

import (
	"context"
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/yeok/yeok/model"
)

// followState is follow mode (Config.Follow): the lines waiting their turn, in order, and
// the counts of the progress line.
//
// One queue holds every line waiting: followed lines and, while following, lines typed by
// hand, each in the order it arrived. The next line is sent once the stream in flight has
// finished and its entry is committed, so that a script's context sees it. Lines take the
// languages in use when they are sent. The counts are about followed lines only (seen,
// translated, failed), except queued, which counts every line waiting.
type followState struct {
	queue []queuedLine
	ended bool // the channel closed
	shown bool // the layout has room for the progress line
	// seen counts the followed lines that were not blank; translated those done; failed
	// the others (failed, interrupted, refused, truncated, stopped, over-long).
	seen, translated, failed int
}

// queuedLine is one line waiting to be sent.
type queuedLine struct {
	source string
	typed  bool   // typed by hand rather than followed
	blk    *block // a typed line's place in the scrollback, shown queued
}

// followLineMsg is one line from Config.Follow; ok is false once the channel closed.
type followLineMsg struct {
	line string
	ok   bool
}

// following reports whether the app is in follow mode.
func (m Model) following() bool { return m.cfg.Follow != nil }

// readFollowCmd takes one line from lines; Update re-issues it for the next. It gives up
// when the session's context ends.
func readFollowCmd(ctx context.Context, lines <-chan string) tea.Cmd {
	if lines == nil {
		return nil
	}
	return func() tea.Msg {
		select {
		case line, ok := <-lines:
			return followLineMsg{line: line, ok: ok}
		case <-ctx.Done():
			return nil
		}
	}
}

// applyFollowLine queues a followed line, skipping blank ones, and sends it if nothing is
// in flight.
func (m Model) applyFollowLine(msg followLineMsg) (Model, tea.Cmd) {
	if !msg.ok {
		m.follow.ended = true
		return m, m.setFlash("following "+m.followName()+" ended", false)
	}
	read := readFollowCmd(m.cfg.Ctx, m.cfg.Follow)
	text := strings.TrimRight(msg.line, "\r\n")
	if strings.TrimSpace(text) == "" {
		return m, read
	}
	m.follow.seen++
	m.follow.queue = append(m.follow.queue, queuedLine{source: text})
	next, cmd := m.startNext()
	return next, tea.Batch(read, cmd)
}

// startNext sends the first queued line when the app is free: nothing in flight, no entry
// still being committed, not quitting. Without a provider the lines stay queued. A line
// over the input limit is counted as failed and skipped.
func (m Model) startNext() (Model, tea.Cmd) {
	var flash tea.Cmd
	for len(m.follow.queue) > 0 {
		if m.flight != nil || m.writes > 0 || m.quitting || m.cfg.Ctx.Err() != nil ||
			m.cfg.ProviderError != "" || m.tr == nil {
			break
		}
		it := m.follow.queue[0]
		m.follow.queue = m.follow.queue[1:]
		if err := model.CheckSource(it.source, m.cfg.MaxInput); err != nil {
			if !it.typed {
				m.follow.failed++
			}
			flash = m.setFlash("line skipped: "+err.Error(), true)
			continue
		}
		req := model.Request{Source: it.source, From: m.from}
		if it.typed {
			next, cmd := m.startTouched(req, it.blk)
			return next, tea.Batch(flash, cmd)
		}
		req.ScriptID = m.cfg.Session.ScriptID
		next, cmd := m.start(req, m.targets(), startOpts{followed: true}, nil)
		return next, tea.Batch(flash, cmd)
	}
	return m, flash
}

// countFollowed adds a finished followed line to the progress counts.
func (m *Model) countFollowed(f *flight, s model.Status) {
	if !f.opts.followed {
		return
	}
	if s == model.StatusDone {
		m.follow.translated++
	} else {
		m.follow.failed++
	}
}

// stopAndQuit stops the stream in flight and quits. In follow mode the quit key does both
// at once: the next queued line would start as soon as the stream stopped, so a second
// press would only stop that one.
func (m Model) stopAndQuit() (tea.Model, tea.Cmd) {
	next, stopCmd := m.stop()
	quit, quitCmd := next.(Model).quit()
	return quit, tea.Batch(stopCmd, quitCmd)
}

func (m Model) followName() string {
	if name := model.SanitizeLine(m.cfg.FollowName); name != "" {
		return name
	}
	return "input"
}

// followView is the progress line above the input box.
func (m Model) followView() string {
	st, f, c := m.styles, m.follow, &m.vc.follow
	k := followKey{
		st: st, width: m.width, name: m.cfg.FollowName, ended: f.ended,
		seen: f.seen, translated: f.translated, queued: len(f.queue), failed: f.failed,
	}
	if c.ok && c.key == k {
		return c.line
	}
	head := "following " + m.followName()
	if f.ended {
		head += " (ended)"
	}
	sep := st.Meta.Render(" · ")
	failed := st.Meta.Render(fmt.Sprintf("%d failed", f.failed))
	if f.failed > 0 {
		failed = st.MetaWarn.Render(fmt.Sprintf("%d failed", f.failed))
	}
	line := " " + st.MetaTag.Render(head) + sep +
		st.Meta.Render(fmt.Sprintf("%d seen", f.seen)) + sep +
		st.Meta.Render(fmt.Sprintf("%d translated", f.translated)) + sep +
		st.Meta.Render(fmt.Sprintf("%d queued", len(f.queue))) + sep + failed
	c.ok, c.key, c.line = true, k, ansi.Truncate(line, m.width, "…")
	return c.line
}
