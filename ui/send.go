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

// send starts a translation of the input box's text, or queues it behind the line in
// flight, or says in the status bar why not. Refused text stays in the box.
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
	m.remember(text)
	m.input.Reset()
	m.layout()
	if m.busy() || len(m.follow.queue) > 0 {
		// Typed lines wait their turn in the order they were typed, shown queued in the
		// scrollback; Esc cancels them with the line in flight.
		blk := &block{kind: blockEntry, queued: true, entry: model.Entry{Source: text, From: m.from, To: m.to, Created: m.now()}}
		m.sb.add(blk)
		m.sb.follow = true
		m.follow.queue = append(m.follow.queue, queuedLine{source: text, typed: true, blk: blk})
		return m.startNext()
	}
	req := model.Request{Source: text, From: m.from}
	return m.startTouched(req, nil)
}

// startTouched starts req into the targets in use and makes them the most recent ones, so
// that the next start opens with them even when a flag chose them.
func (m Model) startTouched(req model.Request, queued *block) (Model, tea.Cmd) {
	targets := m.targets()
	next, cmd := m.start(req, targets, startOpts{}, queued)
	if len(targets) == 1 && len(next.recents) > 0 && next.recents[0] == targets[0] {
		return next, cmd
	}
	for i := len(targets) - 1; i >= 0; i-- {
		next.recents = touchRecent(next.recents, targets[i])
	}
	return next, tea.Batch(cmd, touchLanguagesCmd(m.cfg.Ctx, m.st, m.cfg.Owner, targets, m.late))
}

// targets are the languages a line is sent into: the target, then any others picked with it.
func (m Model) targets() []model.Language {
	return append([]model.Language{m.to}, m.more...)
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

// start hands req to the engine once per target, all streaming side by side, each logged
// as pending, streamed and stored by the engine; frames of the streams show as they come,
// one frame for all of them. The targets of one line share a request id (Entry.Group). The
// first target's block is queued when the line waited in the scrollback; the others are
// stacked under it.
func (m Model) start(req model.Request, targets []model.Language, opts startOpts, queued *block) (Model, tea.Cmd) {
	req.Owner, req.Model = m.cfg.Owner, m.currentModel()
	if req.ScriptID == "" {
		req.ScriptID = m.scriptID
	}
	if len(targets) == 0 {
		targets = []model.Language{req.To}
	}
	req.To = targets[0]
	if len(targets) > 1 && req.Group == 0 {
		req.Group = model.NewGroup()
	}
	m.nextID++
	ctx, cancel := streamContext(m.cfg.Ctx)
	now := m.now()
	f := &flight{id: m.nextID, req: req, cancel: cancel, started: now, opts: opts}
	signal := make(chan struct{}, 1)
	at := -1 // where the queued block stands, to stack the other targets under it
	if queued != nil {
		at = m.sb.indexOf(queued)
	}
	for i, to := range targets {
		blk := &block{kind: blockEntry}
		if i == 0 && at >= 0 {
			blk = queued
		}
		blk.queued, blk.member, blk.tagged = false, i > 0, req.Group != 0
		blk.entry = model.Entry{Source: req.Source, From: req.From, To: to, Created: now, Status: model.StatusPending, Group: req.Group}
		blk.prefix, blk.live = opts.prefix, &liveText{}
		blk.invalidate()
		switch {
		case i == 0 && at >= 0:
		case at >= 0:
			m.sb.insert(at+i, blk)
		default:
			m.sb.add(blk)
		}
		r := req
		r.To = to
		buf := newStreamBuffer(m.now, signal)
		job := translateJob{ctx: ctx, id: f.id, blk: blk, tr: m.tr, req: r, buf: buf, late: m.late}
		if i > 0 {
			job.after = f.runs[i-1].buf
		}
		f.runs = append(f.runs, &target{blk: blk, buf: buf, job: job})
	}
	m.flight = f
	m.focus = 0
	m.sb.follow = true
	m.writes += len(targets)
	frames, spinning := waitFrameCmd(m.cfg.Ctx, f.id, f.bufs(), time.Time{}), m.startSpinCmd()
	if m.session.ID != 0 {
		cmds := []tea.Cmd{frames, spinning}
		for _, r := range f.runs {
			r.job.req.SessionID = m.session.ID
			cmds = append(cmds, r.job.cmd())
		}
		return m, tea.Batch(cmds...)
	}
	tmpl := m.cfg.Session
	tmpl.ScriptID, tmpl.From, tmpl.To = m.scriptID, req.From, req.To
	tmpl.Title = model.Title(req.Source, 60)
	return m, tea.Batch(newSessionCmd(ctx, m.st, m.cfg.Owner, tmpl, m.nextID), frames, spinning)
}

// applySession starts the translations that waited for their session. A line stopped in
// the meantime does not start; its blocks already show it cancelled.
func (m Model) applySession(msg sessionMsg) (Model, tea.Cmd) {
	if msg.err == nil {
		m.session = msg.session
	}
	f := m.flight
	if msg.err != nil || f == nil || f.id != msg.id {
		// Nothing will be translated: the streams end here.
		var cmds []tea.Cmd
		for _, blk := range m.blocksOf(msg.id) {
			var cmd tea.Cmd
			m, cmd = m.applyTranslated(translatedMsg{id: msg.id, blk: blk, err: msg.err})
			cmds = append(cmds, cmd)
		}
		if len(cmds) == 0 {
			var cmd tea.Cmd
			m, cmd = m.applyTranslated(translatedMsg{id: msg.id, err: msg.err})
			cmds = append(cmds, cmd)
		}
		return m, tea.Batch(cmds...)
	}
	cmds := make([]tea.Cmd, 0, len(f.runs))
	for _, r := range f.runs {
		r.job.req.SessionID = msg.session.ID
		cmds = append(cmds, r.job.cmd())
	}
	return m, tea.Batch(cmds...)
}

// applyFrame shows a frame of the line in flight; frames of any other line are late and
// dropped. An entry is made final by its translatedMsg, not by a frame.
func (m Model) applyFrame(msg frameMsg) (Model, tea.Cmd) {
	f := m.flight
	if f == nil || f.id != msg.id {
		return m, nil
	}
	f.shown = m.now()
	m.spin.turn(f.shown)
	done := true
	for i, snap := range msg.snaps() {
		if i >= len(f.runs) {
			break
		}
		r := f.runs[i]
		done = done && snap.done
		if r.returned {
			continue
		}
		r.snap = snap
		r.blk.live = &liveText{text: snap.text, refusal: snap.refusal, phase: snap.phase()}
		r.blk.invalidate()
	}
	if done {
		return m, nil
	}
	return m, waitFrameCmd(m.cfg.Ctx, f.id, f.bufs(), f.shown)
}

// stop cancels the line in flight, every target of it, and the typed lines queued behind
// it. The partials show as final at once; the engine stores them (cancelled) and their
// translatedMsgs then show the stored entries.
func (m Model) stop() (tea.Model, tea.Cmd) {
	f := m.flight
	f.cancel()
	m.flight = nil
	var status model.Status
	for _, r := range f.runs {
		if r.returned {
			continue
		}
		e := r.blk.entry
		e.Apply(r.partial(f.started, m.now()), m.now())
		r.blk.entry, r.blk.live = e, nil
		r.blk.invalidate()
		status = e.Status
	}
	m.countFollowed(f, status)
	dropped := m.dropTyped()
	if dropped == 0 {
		return m, nil
	}
	return m, m.setFlash(fmt.Sprintf("stopped, and %d queued %s not sent: %s brings %s back", dropped,
		plural(dropped, "line", "lines"), m.keys.Recall.Help().Key, plural(dropped, "it", "them")), false)
}

// dropTyped takes the typed lines out of the queue, marking their blocks as not sent, and
// returns how many there were. Followed lines stay queued.
func (m *Model) dropTyped() int {
	n := 0
	kept := m.follow.queue[:0]
	for _, it := range m.follow.queue {
		if !it.typed {
			kept = append(kept, it)
			continue
		}
		n++
		if it.blk != nil {
			it.blk.queued = false
			it.blk.entry.Status = model.StatusCancelled
			it.blk.entry.Error = notSent
			it.blk.invalidate()
		}
	}
	m.follow.queue = kept
	return n
}

// notSent is the note of a queued line cancelled before it was sent.
const notSent = "not sent: cancelled while queued"

// blocksOf are the blocks of line id when it is the one in flight, else nil.
func (m Model) blocksOf(id uint64) []*block {
	if m.flight == nil || m.flight.id != id {
		return nil
	}
	out := make([]*block, 0, len(m.flight.runs))
	for _, r := range m.flight.runs {
		if !r.returned {
			out = append(out, r.blk)
		}
	}
	return out
}

// applyTranslated shows the entry the engine stored for one target. When it belongs to the
// line in flight, its run ends, and a failure is said in the status bar; the line ends
// with its last target. A line stopped earlier only gets its stored entries. The next
// queued line may then go.
func (m Model) applyTranslated(msg translatedMsg) (Model, tea.Cmd) {
	m.writes = max(m.writes-1, 0)
	f := m.flight
	var r *target
	if f != nil && f.id == msg.id {
		r = f.runOf(msg.blk)
		if r == nil && msg.blk == nil && len(f.runs) > 0 {
			r = f.runs[0]
			msg.blk = r.blk
		}
	}
	current := r != nil && !r.returned
	prefix := ""
	if msg.blk != nil && msg.blk.tagged {
		prefix = msg.blk.entry.To.String() + ": "
	}
	var flash tea.Cmd
	switch {
	case msg.err != nil && current:
		msg.blk.entry.Status, msg.blk.entry.Error = model.StatusFailed, msg.err.Error()
		flash = m.setFlash(prefix+msg.err.Error(), true)
	case msg.err != nil:
		if !errors.Is(msg.err, context.Canceled) {
			flash = m.setFlash(prefix+msg.err.Error(), true)
		}
	case msg.blk != nil:
		msg.blk.entry = msg.entry
		if current && (msg.entry.Status == model.StatusFailed || msg.entry.Status == model.StatusInterrupted) {
			flash = m.setFlash(prefix+msg.entry.Problem(), true)
		}
	}
	if msg.blk != nil {
		msg.blk.live = nil
		msg.blk.invalidate()
	}
	if current {
		r.returned = true
		if f.allReturned() {
			f.cancel()
			m.countFollowed(f, f.status())
			m.flight = nil
		}
	}
	if m.quitting && m.writes == 0 {
		return m, tea.Quit
	}
	next, cmd := m.startNext()
	return next, tea.Batch(flash, cmd)
}

// allReturned reports whether the engine has returned for every target.
func (f *flight) allReturned() bool {
	for _, r := range f.runs {
		if !r.returned {
			return false
		}
	}
	return true
}

// status is the line's outcome for the follow counts: done only when every target is.
func (f *flight) status() model.Status {
	for _, r := range f.runs {
		if r.blk.entry.Status != model.StatusDone {
			return r.blk.entry.Status
		}
	}
	return model.StatusDone
}

// retry sends the newest line again into the targets of it that did not finish (the
// focused one when all did; the one target of a line with one), or continues a truncated
// one. A retry always asks the model, also for a line the memory answered.
func (m Model) retry() (tea.Model, tea.Cmd) {
	group := m.sb.lastGroup()
	switch {
	case len(group) == 0:
		return m, m.setFlash("nothing to retry yet", false)
	case m.busy():
		return m, m.setFlash("a translation is still streaming", true)
	case m.cfg.ProviderError != "" || m.tr == nil:
		return m, m.setFlash(m.providerProblem(), true)
	}
	if len(group) == 1 {
		last := group[0]
		e := last.entry
		// A retry asks the model again, also for a line the memory answered.
		req := model.Request{Source: e.Source, From: e.From, To: e.To, NoMemory: true}
		if e.Status == model.StatusTruncated {
			req.Continue = last.prefix + e.Display()
			return m.start(req, nil, startOpts{prefix: req.Continue}, nil)
		}
		req.Missed = model.MissedTerms(e.Flags)
		return m.start(req, nil, startOpts{}, nil)
	}
	var targets []model.Language
	for _, b := range group {
		if b.entry.Status != model.StatusDone {
			targets = append(targets, b.entry.To)
		}
	}
	if len(targets) == 0 {
		// Every target is done: the focused one is asked again.
		targets = []model.Language{group[min(m.focus, len(group)-1)].entry.To}
	}
	e := group[0].entry
	req := model.Request{Source: e.Source, From: e.From, Group: e.Group, NoMemory: true}
	return m.start(req, targets, startOpts{}, nil)
}

// copyLast copies the newest translation through the caller's clipboard writer: for a
// line sent into several targets, the focused one (Focus moves it).
func (m Model) copyLast() (tea.Model, tea.Cmd) {
	text := ""
	if group := m.sb.lastGroup(); len(group) > 1 {
		b := group[min(m.focus, len(group)-1)]
		if b.live == nil {
			text = model.Sanitize(b.prefix + b.entry.Display())
		}
	}
	for i := m.sb.lastEntry; i >= 0 && i > m.sb.lastEntry-100 && text == ""; i-- {
		if b := m.sb.blocks[i]; b.kind == blockEntry && b.live == nil && !b.queued {
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

// moveFocus moves the focus to the next target of the newest line, for Copy. It reports
// false when that line has one target, and the key is then the input box's.
func (m Model) moveFocus() (Model, bool) {
	group := m.sb.lastGroup()
	if len(group) < 2 {
		return m, false
	}
	m.focus = (m.focus + 1) % len(group)
	for i, b := range group {
		if b.focused != (i == m.focus) {
			b.focused = i == m.focus
			b.invalidate()
		}
	}
	return m, true
}

func (m Model) applyCopied(msg copiedMsg) (Model, tea.Cmd) {
	if msg.err != nil {
		return m, m.setFlash("copy failed: "+msg.err.Error(), true)
	}
	// OSC 52 has no answer: say what was done, not that the clipboard has it.
	return m, m.setFlash(fmt.Sprintf("sent to the terminal's clipboard (%d %s)", msg.runes, plural(msg.runes, "character", "characters")), false)
}
