package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/yeok/yeok/model"
)

// frameInterval is the shortest time between two frames of a stream (about 30 a second).
const frameInterval = 33 * time.Millisecond

// phase is where the entry in flight stands.
type phase int

const (
	phaseWaiting   phase = iota // sent, nothing back yet
	phaseStreaming              // text is arriving
	phaseRetrying               // waiting out a retry delay
	phaseThinking               // the model streams its reasoning, which is never shown
)

func (p phase) String() string {
	switch p {
	case phaseStreaming:
		return "streaming…"
	case phaseRetrying:
		return "retrying…"
	case phaseThinking:
		return "thinking…"
	default:
		return "waiting…"
	}
}

// streamBuffer gathers one stream's events. The engine's goroutine appends under the mutex
// and pokes signal (capacity 1, never blocking), which the streams of one line into several
// targets share, so that they draw one frame together; the frame command takes snapshots.
// done closes when the engine has returned, and pokes signal too.
type streamBuffer struct {
	now    func() time.Time
	signal chan struct{}
	done   chan struct{}
	// logged closes once the entry is logged, or the engine returned without logging it:
	// the next target of the line begins then, so that a line's entries are logged in the
	// order of its targets.
	logged     chan struct{}
	loggedOnce sync.Once

	mu      sync.Mutex
	text    strings.Builder
	refusal strings.Builder
	deltas  int
	firstAt time.Time
	lastAt  time.Time
	retryAt time.Time
	attempt int
}

// newStreamBuffer makes a stream's buffer; signal is shared by the streams of one line
// (nil: a signal of its own).
func newStreamBuffer(now func() time.Time, signal chan struct{}) *streamBuffer {
	if signal == nil {
		signal = make(chan struct{}, 1)
	}
	return &streamBuffer{now: now, signal: signal, done: make(chan struct{}), logged: make(chan struct{})}
}

// snapshot is a stream's state at one frame. text is what a person may see of the answer:
// a reasoning block it starts with (<think>…</think>) is left out, and thinking says the
// stream is inside one.
type snapshot struct {
	text, refusal string
	thinking      bool
	deltas        int
	firstAt       time.Time
	lastAt        time.Time // when the newest delta came
	retryAt       time.Time
	attempt       int
	done          bool
}

// phase says what the snapshot shows.
func (s snapshot) phase() phase {
	switch {
	case s.thinking && s.refusal == "":
		return phaseThinking
	case s.deltas > 0 || s.refusal != "":
		return phaseStreaming
	case !s.retryAt.IsZero():
		return phaseRetrying
	default:
		return phaseWaiting
	}
}

// emit is the Translator's callback; it runs on the engine's goroutine.
func (b *streamBuffer) emit(ev model.Event) {
	if ev.Kind == model.EventLogged {
		b.markLogged()
	}
	b.mu.Lock()
	switch ev.Kind {
	case model.EventDelta, model.EventRefusal:
		b.lastAt = b.now()
		if b.firstAt.IsZero() {
			b.firstAt = b.lastAt
		}
		if ev.Kind == model.EventDelta {
			b.text.WriteString(ev.Text)
		} else {
			b.refusal.WriteString(ev.Text)
		}
		b.deltas++
		b.retryAt = time.Time{}
	case model.EventRetry:
		b.retryAt, b.attempt = b.now().Add(ev.Wait), ev.Attempt
	}
	b.poke()
	b.mu.Unlock()
}

// poke wakes the frame command without blocking. It is called with b.mu held, so that a
// frame that spends the pokes and takes its snapshot under the lock (spentSnapshot) has
// either the event of a poke or the poke itself left for the next frame.
func (b *streamBuffer) poke() {
	select {
	case b.signal <- struct{}{}:
	default: // a frame is already due; it will carry this event too
	}
}

// markLogged says the entry is logged (or never will be).
func (b *streamBuffer) markLogged() { b.loggedOnce.Do(func() { close(b.logged) }) }

// finish says the engine has returned and wakes the frame command for the last frame.
func (b *streamBuffer) finish() {
	b.markLogged()
	b.mu.Lock()
	defer b.mu.Unlock()
	close(b.done)
	b.poke()
}

// finished reports whether the engine has returned.
func (b *streamBuffer) finished() bool {
	select {
	case <-b.done:
		return true
	default:
		return false
	}
}

func (b *streamBuffer) snapshot() snapshot {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.snapshotLocked()
}

// spentSnapshot is snapshot for a frame: the pokes of the events it takes are spent with
// it, and a poke left is news for the next frame.
func (b *streamBuffer) spentSnapshot() snapshot {
	b.mu.Lock()
	defer b.mu.Unlock()
	select {
	case <-b.signal:
	default:
	}
	return b.snapshotLocked()
}

// snapshotLocked is snapshot with b.mu held.
func (b *streamBuffer) snapshotLocked() snapshot {
	text, r := model.SplitReasoning(b.text.String())
	return snapshot{
		text: text, refusal: b.refusal.String(), deltas: b.deltas,
		thinking: r == model.InReasoning || r == model.AfterReasoning && text == "",
		firstAt:  b.firstAt, lastAt: b.lastAt, retryAt: b.retryAt, attempt: b.attempt,
		done: b.finished(),
	}
}

// frameMsg carries one coalesced frame of stream id: snap is the first target's state,
// more the later targets' of a line sent into several.
type frameMsg struct {
	id   uint64
	snap snapshot
	more []snapshot
}

// snaps returns the frame's snapshots in the order of the line's targets.
func (f frameMsg) snaps() []snapshot { return append([]snapshot{f.snap}, f.more...) }

// sessionEnded is the error of an entry whose stream the end of the session cut short.
const sessionEnded = "the session ended before the answer finished"

// streamContext is the context of one stream and the function that cancels it, for the
// person stopping it (Esc): the engine stores such a stream cancelled. When the session's
// context ends first, the stream ends with the session's cause if that is a *model.Error
// (the SSH server says why it stopped), else with sessionEnded: either way the engine
// stores it interrupted, because the person did not stop it. cancel also releases the
// watch on the session, so it is called once the stream is over.
func streamContext(session context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(context.WithoutCancel(session))
	stop := context.AfterFunc(session, func() {
		var why *model.Error
		if !errors.As(context.Cause(session), &why) {
			why = &model.Error{Class: model.ClassInterrupted, Message: sessionEnded}
		}
		cancel(why)
	})
	return ctx, func() {
		stop()
		cancel(nil)
	}
}

// translatedMsg: the engine returned for stream id, with the stored entry or why not. blk
// shows the entry, whether or not the stream is still the one in flight.
type translatedMsg struct {
	id    uint64
	blk   *block
	entry model.Entry
	err   error
}

// sessionMsg: the session of the first send was created (or could not be) for stream id.
type sessionMsg struct {
	id      uint64
	session model.Session
	err     error
}

// newSessionCmd creates the session the app's entries go to, on the first send.
func newSessionCmd(ctx context.Context, st Store, owner model.Owner, tmpl model.Session, id uint64) tea.Cmd {
	return func() tea.Msg {
		sess, err := st.NewSession(ctx, owner, tmpl)
		if err != nil {
			err = fmt.Errorf("start session: %w", err)
		}
		return sessionMsg{id: id, session: sess, err: err}
	}
}

// translateJob is one translation's command: everything it needs to hand the request to the
// engine, which logs, streams, tidies and stores it, finishing the entry even when ctx ends.
type translateJob struct {
	ctx  context.Context // the stream's own, which Esc cancels; see streamContext
	id   uint64
	blk  *block
	tr   Translator
	req  model.Request
	buf  *streamBuffer
	late *lateWrites
	// after is the buffer of the line's previous target, whose entry is logged first.
	after *streamBuffer
}

// cmd runs the translation until the engine returns (the stream's cancel makes it return
// promptly) and reports the stored entry. It counts as a late write: when the session's
// context ends, the program may be gone while the engine still finishes the entry.
func (j translateJob) cmd() tea.Cmd {
	return func() tea.Msg {
		j.late.add()
		defer j.late.done()
		defer j.buf.finish()
		if j.after != nil {
			select {
			case <-j.after.logged:
			case <-j.ctx.Done():
			}
		}
		e, err := safeTranslate(j.ctx, j.tr, j.req, j.buf)
		return translatedMsg{id: j.id, blk: j.blk, entry: e, err: err}
	}
}

// safeTranslate calls the translator, turning a panic into an error, so that one bad stream
// cannot take the program down.
func safeTranslate(ctx context.Context, tr Translator, req model.Request, b *streamBuffer) (e model.Entry, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("translator crashed: %v", r)
		}
	}()
	return tr.Translate(ctx, req, b.emit)
}

// waitFrameCmd waits for news on the streams of one line (bufs share one signal) and
// returns it as one frame, no sooner than frameInterval after the previous frame (drawn at
// last, by the buffers' clock), so that bursts of deltas coalesce: the targets of a line
// draw about 30 frames a second together, not each. The wait is cut short once every
// stream has ended. It gives up when parent (the app's context) ends.
func waitFrameCmd(parent context.Context, id uint64, bufs []*streamBuffer, last time.Time) tea.Cmd {
	b := bufs[0]
	allDone := func() bool {
		for _, b := range bufs {
			if !b.finished() {
				return false
			}
		}
		return true
	}
	return func() tea.Msg {
		select {
		case <-b.signal:
		case <-parent.Done():
			return nil
		}
		if wait := frameInterval - b.now().Sub(last); wait > 0 && !allDone() {
			t := time.NewTimer(wait)
			defer t.Stop()
			if !waitFrameTurn(parent, t.C, bufs, allDone) {
				return nil
			}
		}
		msg := frameMsg{id: id, snap: b.spentSnapshot()}
		for _, o := range bufs[1:] {
			msg.more = append(msg.more, o.snapshot())
		}
		return msg
	}
}

// waitFrameTurn waits for the frame's turn (turn), cut short once every stream has ended;
// false when parent ended first. One stream's end is waited for on its own, so that the
// deltas coming meanwhile (about two a frame) do not each wake the wait; the streams of
// a line into several targets share one signal, which the wait checks on each poke.
func waitFrameTurn(parent context.Context, turn <-chan time.Time, bufs []*streamBuffer, allDone func() bool) bool {
	if len(bufs) == 1 {
		select {
		case <-turn:
		case <-bufs[0].done:
		case <-parent.Done():
			return false
		}
		return true
	}
	for {
		select {
		case <-turn:
			return true
		case <-bufs[0].signal:
			if allDone() {
				return true
			}
		case <-parent.Done():
			return false
		}
	}
}

// flight is the one line in progress: one run per target, streaming side by side.
type flight struct {
	id      uint64
	req     model.Request // as handed to the engine, into the first target
	cancel  context.CancelFunc
	runs    []*target
	started time.Time
	shown   time.Time // when the last frame was applied
	opts    startOpts
}

// target is one target of the line in flight.
type target struct {
	blk      *block
	buf      *streamBuffer
	snap     snapshot
	job      translateJob // started once the session exists
	returned bool         // the engine returned: the entry is stored
}

// bufs returns the runs' buffers in the order of the targets.
func (f *flight) bufs() []*streamBuffer {
	out := make([]*streamBuffer, len(f.runs))
	for i, r := range f.runs {
		out[i] = r.buf
	}
	return out
}

// runOf is the run that shows blk, or nil.
func (f *flight) runOf(blk *block) *target {
	for _, r := range f.runs {
		if r.blk == blk {
			return r
		}
	}
	return nil
}

// state sums up the targets still streaming for the status bar: streaming when any is,
// the newest token of any, the deltas of all.
func (f *flight) state() snapshot {
	var s snapshot
	thinking, shown := false, false // a target thinks; a target shows text
	for _, r := range f.runs {
		if r.returned {
			continue
		}
		x := r.snap
		s.deltas += x.deltas
		if x.refusal != "" {
			s.refusal = x.refusal
		}
		if !x.firstAt.IsZero() && (s.firstAt.IsZero() || x.firstAt.Before(s.firstAt)) {
			s.firstAt = x.firstAt
		}
		if x.lastAt.After(s.lastAt) {
			s.lastAt = x.lastAt
		}
		if !x.retryAt.IsZero() && (s.retryAt.IsZero() || x.retryAt.Before(s.retryAt)) {
			s.retryAt, s.attempt = x.retryAt, x.attempt
		}
		thinking = thinking || x.thinking && x.text == ""
		shown = shown || x.text != ""
	}
	// The bar says thinking only while no target has text to show yet.
	s.thinking = thinking && !shown
	return s
}

// partial is the result of a stream the person stopped: what had arrived and may be seen
// (never the reasoning), cancelled, shown until the engine's stored entry replaces it.
func (r *target) partial(started, now time.Time) model.Result {
	s := r.buf.snapshot()
	if s.deltas < r.snap.deltas {
		s = r.snap // frames given without a buffer behind them, as in tests
	}
	res := model.Result{
		Status: model.StatusCancelled, Text: s.text, Refusal: s.refusal,
		Duration: now.Sub(started),
	}
	if !s.firstAt.IsZero() {
		res.FirstToken = s.firstAt.Sub(started)
	}
	return res
}
