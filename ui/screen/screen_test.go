package screen

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// output collects what a Screen writes and signals each frame.
type output struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.Write(p)
}

// take returns what was written since the last take.
func (o *output) take() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	s := o.buf.String()
	o.buf.Reset()
	return s
}

// newTestScreen is a Screen of w×h cells whose frames are signalled on the returned
// channel.
func newTestScreen(w, h, fps int) (*Screen, *output, <-chan struct{}) {
	out := &output{}
	s := New(out, fps)
	frames := make(chan struct{}, 100)
	s.onFrame = func() { frames <- struct{}{} }
	s.resize(w, h)
	return s, out, frames
}

func waitFrame(t *testing.T, frames <-chan struct{}) {
	t.Helper()
	select {
	case <-frames:
	case <-time.After(10 * time.Second):
		t.Fatal("no frame was written")
	}
}

func TestFirstFrameIsWrittenAtOnce(t *testing.T) {
	s, out, frames := newTestScreen(10, 3, 60)
	s.draw("one\ntwo")
	select {
	case <-frames:
	default:
		t.Fatal("the first frame waited for a timer")
	}
	want := ansi.CursorHomePosition + "\rone" + ansi.EraseLineRight + "\r\ntwo" + ansi.EraseLineRight + ansi.CursorPosition(0, 2)
	if got := out.take(); got != want {
		t.Errorf("first frame = %q, want %q", got, want)
	}
}

func TestOnlyChangedRowsAreWritten(t *testing.T) {
	s, out, frames := newTestScreen(10, 5, 60)
	s.draw("alpha\nbeta\ngamma")
	waitFrame(t, frames)
	out.take()
	s.draw("alpha\nBETA\ngamma")
	waitFrame(t, frames)
	got := out.take()
	if strings.Contains(got, "alpha") || strings.Contains(got, "gamma") {
		t.Errorf("unchanged rows were written again: %q", got)
	}
	if !strings.Contains(got, "BETA") {
		t.Errorf("the changed row is missing: %q", got)
	}
	// A shorter view erases the rows below it.
	s.draw("alpha")
	waitFrame(t, frames)
	if got := out.take(); !strings.Contains(got, ansi.EraseScreenBelow) {
		t.Errorf("rows left over from the longer frame were not erased: %q", got)
	}
}

func TestSameViewWritesNothingAndArmsNoTimer(t *testing.T) {
	s, out, frames := newTestScreen(10, 3, 60)
	s.draw("still")
	waitFrame(t, frames)
	out.take()
	for range 100 {
		s.draw("still")
	}
	s.mu.Lock()
	armed, pending := s.armed, s.pending
	s.mu.Unlock()
	if armed || pending {
		t.Errorf("an unchanged view left a frame pending (armed %v, pending %v)", armed, pending)
	}
	if got := out.take(); got != "" {
		t.Errorf("an unchanged view wrote %q", got)
	}
	if n := s.Frames(); n != 1 {
		t.Errorf("frames = %d, want 1", n)
	}
}

func TestFramesAreCappedAndTheLastViewShows(t *testing.T) {
	s, out, frames := newTestScreen(20, 3, 10) // a frame every 100 ms
	start := time.Now()
	for i := range 50 {
		s.draw("view " + strings.Repeat("x", i%7) + string(rune('a'+i%26)))
	}
	s.draw("the last view")
	waitFrame(t, frames) // the first, at once
	waitFrame(t, frames) // the last, one interval later
	if n := s.Frames(); n != 2 {
		t.Errorf("51 views in one interval wrote %d frames, want 2", n)
	}
	if since := time.Since(start); since < s.interval {
		t.Errorf("the second frame came %v after the first view, before the interval of %v", since, s.interval)
	}
	if got := out.take(); !strings.HasSuffix(got, "the last view"+ansi.EraseLineRight+ansi.CursorPosition(0, 1)) {
		t.Errorf("the last view is not what shows: %q", got)
	}
}

func TestRowsAreCutToTheTerminal(t *testing.T) {
	s, out, frames := newTestScreen(4, 2, 60)
	s.draw("first\nsecond\nthird")
	waitFrame(t, frames)
	got := out.take()
	if strings.Contains(got, "fir") {
		t.Errorf("a row above the terminal's height was drawn: %q", got)
	}
	if !strings.Contains(got, "seco\r\nthir") {
		t.Errorf("rows were not cut to the width: %q", got)
	}
}

func TestResizeRedrawsEverything(t *testing.T) {
	s, out, frames := newTestScreen(10, 3, 60)
	s.draw("a\nb")
	waitFrame(t, frames)
	out.take()
	s.resize(12, 4)
	s.draw("a\nb")
	waitFrame(t, frames)
	if got := out.take(); !strings.Contains(got, "\ra"+ansi.EraseLineRight+"\r\nb") {
		t.Errorf("after a resize the same view was not drawn whole: %q", got)
	}
}

func TestCloseDrawsThePendingFrameAndRestores(t *testing.T) {
	s, out, frames := newTestScreen(10, 3, 1)
	s.open()
	s.draw("first")
	waitFrame(t, frames)
	s.draw("pending")
	s.Close()
	got := out.take()
	if !strings.HasPrefix(got, startSequence) {
		t.Errorf("the terminal was not prepared: %q", got)
	}
	if !strings.Contains(got, "pending") || !strings.HasSuffix(got, endSequence) {
		t.Errorf("close did not draw the pending frame, then restore: %q", got)
	}
	s.draw("after")
	if got := out.take(); got != "" {
		t.Errorf("a closed screen wrote %q", got)
	}
}

// TestFrameALittleEarlyIsWrittenAtOnce checks the slack: a view that comes a little
// before its frame's turn is written at once, not held back by a timer, and the next
// view then waits a whole interval from the slot the early frame stood for.
func TestFrameALittleEarlyIsWrittenAtOnce(t *testing.T) {
	s, _, frames := newTestScreen(20, 3, 10) // a frame every 100 ms, 25 ms of slack
	s.draw("first")
	waitFrame(t, frames)
	s.mu.Lock()
	slot := time.Now().Add(s.interval / slackDivisor / 2)
	s.drawnAt = slot.Add(-s.interval) // the next slot is 12.5 ms away
	s.mu.Unlock()
	s.draw("early")
	select {
	case <-frames:
	default:
		t.Fatal("a view within the slack of its turn waited for a timer")
	}
	s.mu.Lock()
	drawnAt := s.drawnAt
	s.mu.Unlock()
	if drawnAt.Before(slot) {
		t.Errorf("the early frame counts as drawn at %v, before its slot %v", drawnAt, slot)
	}
	s.draw("next")
	s.mu.Lock()
	armed, pending := s.armed, s.pending
	s.mu.Unlock()
	if !armed || !pending {
		t.Errorf("the view after an early frame was not held for its turn (armed %v, pending %v)", armed, pending)
	}
	waitFrame(t, frames)
	if since := time.Since(slot); since < s.interval-s.interval/slackDivisor {
		t.Errorf("the frame after an early one came %v after its slot", since)
	}
}
