package ui

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
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

// streamBuffer gathers one stream's events. The reader goroutine appends under the mutex
// and pokes signal (capacity 1, never blocking); the frame command takes snapshots.
//
// Exactly one side finishes the stream's entry in the store: Update (the last frame, or the
// person stopping it) or, when the session's context ends first, the reader itself. claim
// decides which.
type streamBuffer struct {
	now     func() time.Time
	signal  chan struct{}
	done    chan struct{}
	claimed chan struct{} // closed by the first claim
	owned   atomic.Bool

	mu        sync.Mutex
	text      strings.Builder
	refusal   strings.Builder
	deltas    int
	firstAt   time.Time
	retryAt   time.Time
	attempt   int
	lastFrame time.Time
	result    model.Result
}

func newStreamBuffer(now func() time.Time) *streamBuffer {
	return &streamBuffer{now: now, signal: make(chan struct{}, 1), done: make(chan struct{}), claimed: make(chan struct{})}
}

// claim makes the caller the one that finishes the stream's entry; false when the other
// side already has.
func (b *streamBuffer) claim() bool {
	if !b.owned.CompareAndSwap(false, true) {
		return false
	}
	close(b.claimed)
	return true
}

// snapshot is a stream's state at one frame.
type snapshot struct {
	text, refusal string
	deltas        int
	firstAt       time.Time
	retryAt       time.Time
	attempt       int
	done          bool
	result        model.Result
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

// emit is the Translator's callback; it runs on the reader goroutine.
func (b *streamBuffer) emit(ev model.Event) {
	b.mu.Lock()
	switch ev.Kind {
	case model.EventDelta, model.EventRefusal:
		if b.firstAt.IsZero() {
			b.firstAt = b.now()
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

// finish records how the stream ended and wakes the frame command for the last frame.
func (b *streamBuffer) finish(res model.Result) {
	b.mu.Lock()
	b.result = res
	b.mu.Unlock()
	close(b.done)
}

func (b *streamBuffer) snapshot() snapshot {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := snapshot{
		text: b.text.String(), refusal: b.refusal.String(), deltas: b.deltas,
		firstAt: b.firstAt, retryAt: b.retryAt, attempt: b.attempt,
	}
	select {
	case <-b.done:
		s.done, s.result = true, b.result
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

// streamJob is one stream's reader: everything it needs to run the translator and, when
// the session ends before Update has finished the entry, to finish it itself.
type streamJob struct {
	parent context.Context // the session's context (Config.Ctx)
	ctx    context.Context // the stream's own, which Esc cancels
	id     uint64
	tr     Translator
	st     Store
	req    model.Request
	entry  model.Entry // as logged by Store.Begin
	buf    *streamBuffer
	tidy   func(*model.Entry, model.Request)
	now    func() time.Time
	late   *lateWrites
}

// cmd runs the translator until it returns (the stream context's cancel makes it return
// promptly) and records the result, which travels to Update as the last frame. The reader
// then waits until Update claims the entry; if the session's context ends first, Update
// may never run again (the program is gone with the connection), so the reader finishes
// the entry in the store itself: interrupted when the stream was cut short, as it ended
// otherwise.
func (j streamJob) cmd() tea.Cmd {
	return func() tea.Msg {
		j.late.add()
		defer j.late.done()
		res := safeStream(j.ctx, j.tr, j.req, j.buf)
		j.buf.finish(res)
		select {
		case <-j.buf.claimed:
			return nil
		case <-j.parent.Done():
		}
		if !j.buf.claim() {
			return nil
		}
		e := j.entry
		e.Apply(endedResult(res, j.buf.snapshot()), j.now())
		if j.tidy != nil {
			j.tidy(&e, j.req)
		}
		saved, err := finishEntry(j.parent, j.st, e)
		return endedMsg{id: j.id, entry: saved, err: err}
	}
}

// endedResult is the outcome of a stream that was still running when the session ended:
// a stream that stopped because of it is interrupted, with the partial text kept.
func endedResult(res model.Result, s snapshot) model.Result {
	if res.Status != model.StatusCancelled && res.Status != "" {
		return res
	}
	if res.Text == "" && res.Refusal == "" {
		res.Text, res.Refusal = s.text, s.refusal
	}
	res.Status = model.StatusInterrupted
	res.Err = &model.Error{Class: model.ClassInterrupted, Message: sessionEnded}
	return res
}

// safeStream calls the translator, turning a panic into a failed result that keeps the
// partial text, so that one bad stream cannot take the program down.
func safeStream(ctx context.Context, tr Translator, req model.Request, b *streamBuffer) (res model.Result) {
	defer func() {
		if r := recover(); r != nil {
			s := b.snapshot()
			res = model.Result{
				Status: model.StatusFailed, Text: s.text, Refusal: s.refusal,
				Err: &model.Error{Class: model.ClassInternal, Message: fmt.Sprintf("translator crashed: %v", r)},
			}
		}
	}()
	return tr.Stream(ctx, req, b.emit)
}

// waitFrameCmd waits for news on the stream and returns it as one frame, no sooner than
// frameInterval after the previous frame, so that bursts of deltas coalesce. It gives up
// when parent (the app's context) ends.
func waitFrameCmd(parent context.Context, id uint64, b *streamBuffer) tea.Cmd {
	return func() tea.Msg {
		select {
		case <-b.signal:
		case <-b.done:
		case <-parent.Done():
			return nil
		}
		b.mu.Lock()
		wait := time.Until(b.lastFrame.Add(frameInterval))
		b.mu.Unlock()
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-b.done:
			case <-parent.Done():
				t.Stop()
				return nil
			}
			t.Stop()
		}
		b.mu.Lock()
		b.lastFrame = time.Now()
		b.mu.Unlock()
		return frameMsg{id: id, snap: b.snapshot()}
	}
}

// flight is the one stream in progress.
type flight struct {
	id      uint64
	req     model.Request
	ctx     context.Context
	cancel  context.CancelFunc
	buf     *streamBuffer
	blk     *block
	entry   model.Entry // as logged by Store.Begin
	began   bool
	stopped bool // cancelled before Begin returned
	started time.Time
	snap    snapshot
	opts    startOpts
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
