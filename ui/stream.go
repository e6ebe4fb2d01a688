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
)

func (p phase) String() string {
	switch p {
	case phaseStreaming:
		return "streaming…"
	case phaseRetrying:
		return "retrying…"
	default:
		return "waiting…"
	}
}

// streamBuffer gathers one stream's events. The engine's goroutine appends under the mutex
// and pokes signal (capacity 1, never blocking); the frame command takes snapshots. done
// closes when the engine has returned.
type streamBuffer struct {
	now    func() time.Time
	signal chan struct{}
	done   chan struct{}

	mu      sync.Mutex
	text    strings.Builder
	refusal strings.Builder
	deltas  int
	firstAt time.Time
	lastAt  time.Time
	retryAt time.Time
	attempt int
}

func newStreamBuffer(now func() time.Time) *streamBuffer {
	return &streamBuffer{now: now, signal: make(chan struct{}, 1), done: make(chan struct{})}
}

// snapshot is a stream's state at one frame.
type snapshot struct {
	text, refusal string
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
	b.mu.Unlock()
	select {
	case b.signal <- struct{}{}:
	default: // a frame is already due; it will carry this event too
	}
}

// finish says the engine has returned and wakes the frame command for the last frame.
func (b *streamBuffer) finish() { close(b.done) }

func (b *streamBuffer) snapshot() snapshot {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := snapshot{
		text: b.text.String(), refusal: b.refusal.String(), deltas: b.deltas,
		firstAt: b.firstAt, lastAt: b.lastAt, retryAt: b.retryAt, attempt: b.attempt,
	}
	select {
	case <-b.done:
		s.done = true
	default:
	}
	return s
}

// frameMsg carries one coalesced frame of stream id.
type frameMsg struct {
	id   uint64
	snap snapshot
}

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
}

// cmd runs the translation until the engine returns (the stream's cancel makes it return
// promptly) and reports the stored entry. It counts as a late write: when the session's
// context ends, the program may be gone while the engine still finishes the entry.
func (j translateJob) cmd() tea.Cmd {
	return func() tea.Msg {
		j.late.add()
		defer j.late.done()
		defer j.buf.finish()
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

// waitFrameCmd waits for news on the stream and returns it as one frame, no sooner than
// frameInterval after the previous frame (drawn at last, by the buffer's clock), so that
// bursts of deltas coalesce. It gives up when parent (the app's context) ends.
func waitFrameCmd(parent context.Context, id uint64, b *streamBuffer, last time.Time) tea.Cmd {
	return func() tea.Msg {
		select {
		case <-b.signal:
		case <-b.done:
		case <-parent.Done():
			return nil
		}
		if wait := frameInterval - b.now().Sub(last); wait > 0 {
			t := time.NewTimer(wait)
			defer t.Stop()
			select {
			case <-t.C:
			case <-b.done:
			case <-parent.Done():
				return nil
			}
		}
		return frameMsg{id: id, snap: b.snapshot()}
	}
}

// flight is the one stream in progress.
type flight struct {
	id      uint64
	req     model.Request // as handed to the engine
	cancel  context.CancelFunc
	buf     *streamBuffer
	blk     *block
	started time.Time
	snap    snapshot
	shown   time.Time // when the last frame was applied
	opts    startOpts
	job     translateJob // started once the session exists
}

// partial is the result of a stream the person stopped: what had arrived, cancelled.
func (f *flight) partial(now time.Time) model.Result {
	s := f.buf.snapshot()
	if s.deltas < f.snap.deltas {
		s = f.snap // frames given without a buffer behind them, as in tests
	}
	res := model.Result{
		Status: model.StatusCancelled, Text: s.text, Refusal: s.refusal,
		Duration: now.Sub(f.started),
	}
	if !s.firstAt.IsZero() {
		res.FirstToken = s.firstAt.Sub(f.started)
	}
	return res
}
