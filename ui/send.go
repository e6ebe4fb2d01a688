package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/yeok/yeok/model"
)

// quitGrace bounds how long quitting waits for translations still being stored.
const quitGrace = time.Second

type (
	// copiedMsg: the clipboard writer returned.
	copiedMsg struct {
		runes int
		err   error
	}
	// quitNowMsg ends the program even if translations are still being stored.
	quitNowMsg struct{}
)

// send starts a translation of the input box's text, or says in the status bar why not.
// Refused text stays in the box.
func (m Model) send() (tea.Model, tea.Cmd) {
	text := m.input.Value()
	if strings.TrimSpace(text) == "" {
		return m, nil
	}
	if err := model.CheckSource(text, m.cfg.MaxInput); err != nil {
		return m, m.setFlash(err.Error(), true)
	}
	if m.cfg.ProviderError != "" || m.tr == nil {
		return m, m.setFlash(m.providerProblem(), true)
	}
	if m.following() {
		// Typed lines join the followed ones in the order they arrive.
		m.remember(text)
		m.input.Reset()
		m.layout()
		m.follow.queue = append(m.follow.queue, queuedLine{source: text, typed: true})
		return m.startNext()
	}
	if m.busy() {
		return m, m.setFlash("a translation is still streaming: "+m.keys.Cancel.Help().Key+" stops it", true)
	}
	req := model.Request{Source: text, From: m.from, To: m.to}
	m.remember(text)
	m.input.Reset()
	m.layout()
	next, cmd := m.start(req, startOpts{})
	if len(next.recents) > 0 && next.recents[0] == req.To {
		return next, cmd
	}
	// The target in use becomes the most recent one, so that the next start opens with it
	// even when a flag chose it.
	next.recents = touchRecent(next.recents, req.To)
	return next, tea.Batch(cmd, touchLanguageCmd(m.cfg.Ctx, m.st, m.cfg.Owner, req.To, m.late))
}

// busy reports that a new stream cannot start yet: one is in flight, or the first one's
// session is still being created (a second would create another).
func (m Model) busy() bool { return m.flight != nil || (m.session.ID == 0 && m.writes > 0) }

func (m Model) providerProblem() string {
	if m.cfg.ProviderError != "" {
		return m.cfg.ProviderError
	}
	return model.ErrNoProvider.Error()
}

// startOpts says how a stream came about.
type startOpts struct {
	// prefix is the partial a continuation goes on from.
	prefix string
	// followed marks a line taken from Config.Follow, for the progress counts.
	followed bool
}

// start hands req to the engine, which logs it as pending, streams it and stores the
// outcome; frames of the stream show as they come.
func (m Model) start(req model.Request, opts startOpts) (Model, tea.Cmd) {
	req.Owner, req.Model = m.cfg.Owner, m.currentModel()
	if req.ScriptID == "" {
		req.ScriptID = m.scriptID
	}
	m.nextID++
	ctx, cancel := streamContext(m.cfg.Ctx)
	now := m.now()
	blk := &block{
		kind:   blockEntry,
		entry:  model.Entry{Source: req.Source, From: req.From, To: req.To, Created: now, Status: model.StatusPending},
		prefix: opts.prefix,
		live:   &liveText{},
	}
	buf := newStreamBuffer(m.now)
	job := translateJob{ctx: ctx, id: m.nextID, blk: blk, tr: m.tr, req: req, buf: buf, late: m.late}
	m.flight = &flight{id: m.nextID, req: req, cancel: cancel, blk: blk, started: now, buf: buf, opts: opts, job: job}
	m.sb.add(blk)
	m.sb.follow = true
	m.writes++
	frames := waitFrameCmd(m.cfg.Ctx, m.nextID, buf, time.Time{})
	if m.session.ID != 0 {
		job.req.SessionID = m.session.ID
		return m, tea.Batch(job.cmd(), frames, m.spin.Tick)
	}
	tmpl := m.cfg.Session
	tmpl.ScriptID, tmpl.From, tmpl.To = m.scriptID, req.From, req.To
	tmpl.Title = model.Title(req.Source, 60)
	return m, tea.Batch(newSessionCmd(ctx, m.st, m.cfg.Owner, tmpl, m.nextID), frames, m.spin.Tick)
}

// applySession starts the translation that waited for its session. A stream stopped in
// the meantime does not start; its block already shows it cancelled.
func (m Model) applySession(msg sessionMsg) (Model, tea.Cmd) {
	if msg.err == nil {
		m.session = msg.session
	}
	f := m.flight
	if msg.err != nil || f == nil || f.id != msg.id {
		// Nothing will be translated: the stream ends here.
		return m.applyTranslated(translatedMsg{id: msg.id, blk: m.blockOf(msg.id), err: msg.err})
	}
	f.job.req.SessionID = msg.session.ID
	return m, f.job.cmd()
}

// applyFrame shows a frame of the stream in flight; frames of any other stream are late
// and dropped. The entry is made final by translatedMsg, not by a frame.
func (m Model) applyFrame(msg frameMsg) (Model, tea.Cmd) {
	f := m.flight
	if f == nil || f.id != msg.id {
		return m, nil
	}
	f.snap, f.shown = msg.snap, m.now()
	f.blk.live = &liveText{text: msg.snap.text, refusal: msg.snap.refusal, phase: msg.snap.phase()}
	f.blk.invalidate()
	if msg.snap.done {
		return m, nil
	}
	return m, waitFrameCmd(m.cfg.Ctx, f.id, f.buf, f.shown)
}

// stop cancels the stream in flight. The partial shows as final at once; the engine stores
// it (cancelled) and its translatedMsg then shows the stored entry.
func (m Model) stop() (tea.Model, tea.Cmd) {
	f := m.flight
	f.cancel()
	m.flight = nil
	e := f.blk.entry
	e.Apply(f.partial(m.now()), m.now())
	f.blk.entry, f.blk.live = e, nil
	f.blk.invalidate()
	m.countFollowed(f, e.Status)
	return m, nil
}

// blockOf is the block of stream id when it is the one in flight, else nil.
func (m Model) blockOf(id uint64) *block {
	if m.flight != nil && m.flight.id == id {
		return m.flight.blk
	}
	return nil
}

// applyTranslated shows the entry the engine stored. When it is the stream in flight, the
// flight ends, and a failure is said in the status bar; a stream stopped earlier only gets
// its stored entry. The next queued line may then go.
func (m Model) applyTranslated(msg translatedMsg) (Model, tea.Cmd) {
	m.writes = max(m.writes-1, 0)
	current := m.flight != nil && m.flight.id == msg.id
	var flash tea.Cmd
	switch {
	case msg.err != nil && current:
		msg.blk.entry.Status, msg.blk.entry.Error = model.StatusFailed, msg.err.Error()
		flash = m.setFlash(msg.err.Error(), true)
	case msg.err != nil:
		if !errors.Is(msg.err, context.Canceled) {
			flash = m.setFlash(msg.err.Error(), true)
		}
	case msg.blk != nil:
		msg.blk.entry = msg.entry
		if current && (msg.entry.Status == model.StatusFailed || msg.entry.Status == model.StatusInterrupted) {
			flash = m.setFlash(msg.entry.Problem(), true)
		}
	}
	if current {
		m.flight.cancel()
		m.countFollowed(m.flight, msg.blk.entry.Status)
		m.flight = nil
	}
	if msg.blk != nil {
		msg.blk.live = nil
		msg.blk.invalidate()
	}
	if m.quitting && m.writes == 0 {
		return m, tea.Quit
	}
	next, cmd := m.startNext()
	return next, tea.Batch(flash, cmd)
}

// retry sends the newest entry again, or continues it when it was truncated.
func (m Model) retry() (tea.Model, tea.Cmd) {
	last := m.sb.last()
	switch {
	case last == nil:
		return m, m.setFlash("nothing to retry yet", false)
	case m.busy():
		return m, m.setFlash("a translation is still streaming", true)
	case m.cfg.ProviderError != "" || m.tr == nil:
		return m, m.setFlash(m.providerProblem(), true)
	}
	e := last.entry
	req := model.Request{Source: e.Source, From: e.From, To: e.To}
	if e.Status == model.StatusTruncated {
		req.Continue = last.prefix + e.Display()
		return m.start(req, startOpts{prefix: req.Continue})
	}
	req.Missed = model.MissedTerms(e.Flags)
	return m.start(req, startOpts{})
}

// copyLast copies the newest translation through the caller's clipboard writer.
func (m Model) copyLast() (tea.Model, tea.Cmd) {
	text := ""
	for i := m.sb.lastEntry; i >= 0 && i > m.sb.lastEntry-100 && text == ""; i-- {
		if b := m.sb.blocks[i]; b.kind == blockEntry && b.live == nil {
			text = model.Sanitize(b.prefix + b.entry.Display())
		}
	}
	switch {
	case text == "":
		return m, m.setFlash("nothing to copy yet", false)
	case m.cfg.Clipboard == nil:
		return m, m.setFlash("copying is not available in this terminal", true)
	}
	clip := m.cfg.Clipboard
	return m, func() tea.Msg {
		return copiedMsg{runes: len([]rune(text)), err: clip(text)}
	}
}

func (m Model) applyCopied(msg copiedMsg) (Model, tea.Cmd) {
	if msg.err != nil {
		return m, m.setFlash("copy failed: "+msg.err.Error(), true)
	}
	// OSC 52 has no answer: say what was done, not that the clipboard has it.
	return m, m.setFlash(fmt.Sprintf("sent to the terminal's clipboard (%d %s)", msg.runes, plural(msg.runes, "character", "characters")), false)
}
