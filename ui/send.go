package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/yeok/yeok/model"
)

// quitGrace bounds how long quitting waits for pending Finish commits.
const quitGrace = time.Second

type (
	// beganMsg: the entry of stream id is logged as pending (or could not be).
	beganMsg struct {
		id      uint64
		session model.Session
		entry   model.Entry
		req     model.Request
		err     error
	}
	// finishedMsg: the entry shown by blk was committed as finished (or could not be).
	finishedMsg struct {
		blk   *block
		entry model.Entry
		err   error
	}
	// copiedMsg: the clipboard writer returned.
	copiedMsg struct {
		runes int
		err   error
	}
	// quitNowMsg ends the program even if commits are still pending.
	quitNowMsg struct{}
	// endedMsg: the session's context ended before Update finished stream id; the entry
	// was finished by the command that noticed (or could not be).
	endedMsg struct {
		id    uint64
		entry model.Entry
		err   error
	}
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
	if m.flight != nil {
		return m, m.setFlash("a translation is still streaming: "+m.keys.Cancel.Help().Key+" stops it", true)
	}
	req := model.Request{Source: text, From: m.from, To: m.to}
	m.remember(text)
	m.input.Reset()
	m.layout()
	return m.start(req, startOpts{})
}

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
	// missed are the glossary terms the last answer did not use; a retry names them in
	// the request's notes.
	missed []string
	// followed marks a line taken from Config.Follow, for the progress counts.
	followed bool
}

// start logs req as pending and, once that commit is in, streams it. Without a Prepare
// hook, a script request carries the newest finished pairs shown in the scrollback.
func (m Model) start(req model.Request, opts startOpts) (Model, tea.Cmd) {
	req.Owner, req.Model = m.cfg.Owner, m.tr.Model()
	if req.ScriptID == "" {
		req.ScriptID = m.scriptID
	}
	if req.ScriptID != "" && m.cfg.Prepare == nil {
		req.Context = m.scriptContext(req.ScriptID, req.To)
	}
	m.nextID++
	ctx, cancel := context.WithCancel(m.cfg.Ctx)
	now := m.now()
	blk := &block{
		kind:   blockEntry,
		entry:  model.Entry{Source: req.Source, From: req.From, To: req.To, Created: now, Status: model.StatusPending},
		prefix: opts.prefix,
		live:   &liveText{},
	}
	m.flight = &flight{
		id: m.nextID, req: req, ctx: ctx, cancel: cancel, blk: blk, started: now,
		buf: newStreamBuffer(m.now), opts: opts,
	}
	m.sb.add(blk)
	m.sb.follow = true
	tmpl := m.cfg.Session
	tmpl.ScriptID, tmpl.From, tmpl.To = m.scriptID, req.From, req.To
	tmpl.Title = model.Title(req.Source, 60)
	job := beginJob{
		ctx: m.cfg.Ctx, st: m.st, owner: m.cfg.Owner, id: m.flight.id, sess: m.session, tmpl: tmpl,
		req: req, prepare: m.cfg.Prepare, missed: opts.missed, now: m.now, late: m.late,
	}
	return m, tea.Batch(job.cmd(), m.spin.Tick)
}

// applyBegan starts the stream once its pending entry is committed.
func (m Model) applyBegan(msg beganMsg) (Model, tea.Cmd) {
	f := m.flight
	if f == nil || f.id != msg.id {
		return m, nil
	}
	if msg.session.ID != 0 {
		m.session = msg.session
	}
	if msg.err != nil {
		f.cancel()
		m.flight = nil
		f.blk.live = nil
		f.blk.entry.Status, f.blk.entry.Error = model.StatusFailed, msg.err.Error()
		f.blk.invalidate()
		m.countFollowed(f, model.StatusFailed)
		flash := m.setFlash(msg.err.Error(), true)
		next, cmd := m.startNext()
		return next, tea.Batch(flash, cmd)
	}
	f.entry, f.began, f.req = msg.entry, true, msg.req
	if f.stopped {
		return m.finishFlight(f.partial(m.now()))
	}
	job := streamJob{
		parent: m.cfg.Ctx, ctx: f.ctx, id: f.id, tr: m.tr, st: m.st, req: f.req, entry: f.entry,
		buf: f.buf, tidy: m.cfg.Tidy, now: m.now, late: m.late,
	}
	return m, tea.Batch(job.cmd(), waitFrameCmd(m.cfg.Ctx, f.id, f.buf))
}

// applyFrame shows a frame of the stream in flight; frames of any other stream are late
// and dropped.
func (m Model) applyFrame(msg frameMsg) (Model, tea.Cmd) {
	f := m.flight
	if f == nil || f.id != msg.id {
		return m, nil
	}
	f.snap = msg.snap
	f.blk.live = &liveText{text: msg.snap.text, refusal: msg.snap.refusal, phase: msg.snap.phase()}
	f.blk.invalidate()
	if msg.snap.done {
		return m.finishFlight(msg.snap.result)
	}
	return m, waitFrameCmd(m.cfg.Ctx, f.id, f.buf)
}

// stop cancels the stream in flight. The partial is final at once, on screen and in the
// store, without waiting for the translator to notice.
func (m Model) stop() (tea.Model, tea.Cmd) {
	f := m.flight
	f.cancel()
	if !f.began {
		f.stopped = true // finished when Begin returns
		f.blk.live = nil
		f.blk.entry.Status = model.StatusCancelled
		f.blk.invalidate()
		return m, nil
	}
	return m.finishFlight(f.partial(m.now()))
}

// finishFlight makes res final on screen and commits it, after output hygiene. When the
// session's end got there first, the stream's reader is finishing the entry instead.
func (m Model) finishFlight(res model.Result) (Model, tea.Cmd) {
	f := m.flight
	f.cancel()
	if !f.buf.claim() {
		return m, nil // the reader is finishing it; its endedMsg ends the flight
	}
	m.flight = nil
	e := f.entry
	e.Apply(res, m.now())
	if m.cfg.Tidy != nil {
		m.cfg.Tidy(&e, f.req)
	}
	f.blk.entry, f.blk.live = e, nil
	f.blk.invalidate()
	m.countFollowed(f, e.Status)
	m.writes++
	cmds := []tea.Cmd{finishCmd(m.cfg.Ctx, m.st, f.blk, e, m.late)}
	if e.Status == model.StatusFailed || e.Status == model.StatusInterrupted {
		msg := string(e.Status)
		if e.Error != "" {
			msg += ": " + e.Error
		}
		cmds = append(cmds, m.setFlash(msg, true))
	}
	return m, tea.Batch(cmds...)
}

func (m Model) applyFinished(msg finishedMsg) (Model, tea.Cmd) {
	m.writes = max(m.writes-1, 0)
	if msg.err == nil && msg.entry.ID != 0 {
		msg.blk.entry = msg.entry
		msg.blk.invalidate()
	}
	if m.quitting && m.writes == 0 {
		return m, tea.Quit
	}
	var flash tea.Cmd
	if msg.err != nil {
		flash = m.setFlash(msg.err.Error(), true)
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
	case m.flight != nil:
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
	return m.start(req, startOpts{missed: model.MissedTerms(e.Flags)})
}

// scriptContext gives a script request the newest finished pairs of the same script and
// target shown in the scrollback, oldest first.
func (m Model) scriptContext(script string, to model.Language) []model.Pair {
	const want, look = 4, 64
	var pairs []model.Pair
	for i := len(m.sb.blocks) - 1; i >= 0 && i >= len(m.sb.blocks)-look && len(pairs) < want; i-- {
		e := m.sb.blocks[i].entry
		if m.sb.blocks[i].kind == blockEntry && e.ScriptID == script && e.To == to && e.Status.OK() {
			pairs = append([]model.Pair{{Source: e.Source, Translation: e.Display()}}, pairs...)
		}
	}
	return pairs
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
	return m, m.setFlash(fmt.Sprintf("copied %d characters", msg.runes), false)
}
