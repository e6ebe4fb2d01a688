// Package screen draws a Bubble Tea program's views on a full-screen terminal, writing a
// frame only when the view changed.
//
// Bubble Tea v1's own renderer flushes on a ticker at the frame rate for as long as the
// program runs, so an idle program wakes 60 times a second to find nothing to draw. A
// Screen is driven by the views instead: the program runs without its renderer
// (tea.WithoutRenderer), a wrapper model hands each view to the Screen, and the Screen
// writes it at once when the last frame is a frame interval old (or nearly: a frame a
// little early stands for the slot it came early for). Within the interval the view is
// not even drawn: a one-shot timer asks the program for it once the interval is over, so
// a busy program draws its view at most at the frame rate, not after every message as
// Bubble Tea does. A program whose view does not change schedules nothing. An app that
// gives its view as lines (LinesViewer) hands them over without joining them.
//
// Frames are drawn as Bubble Tea's standard renderer draws them on the alternate screen
// (the same bytes for the same views): lines equal to the line last drawn at that row are
// skipped, lines are cut to the terminal's width, and only the bottom rows that fit the
// terminal's height are kept. A Screen always uses the alternate screen with the cursor
// hidden, bracketed paste on and mouse cell motion reported; it does not handle the
// commands that change those modes while the program runs, nor tea.Println.
package screen

import (
	"bytes"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
)

// DefaultFPS is Bubble Tea's default frame rate.
const DefaultFPS = 60

// Screen writes frames to one terminal. Its methods are safe for concurrent use.
type Screen struct {
	out      io.Writer
	interval time.Duration

	mu      sync.Mutex
	width   int
	height  int
	next    []string // the lines of the view waiting to be drawn, if pending
	pending bool
	shown   []string // the view on the terminal, as lines; nil before the first frame and after a resize
	lines   []string // the rows of shown written, as the view gave them
	cut     []string // the same, cut to the width, as written
	widths  []int    // their widths in cells
	// The frame before last's cut rows and widths, to be written over.
	spareCut    []string
	spareWidths []int
	drawnAt     time.Time   // when the last frame was written, or the slot it was written early for
	timer       *time.Timer // armed while a frame waits for its turn
	armed       bool
	redraw      func() // asks the program for its view again
	closed      bool
	buf         bytes.Buffer
	frames      int
	onFrame     func() // called after each frame is written, for tests
}

// New returns a Screen writing to out at most fps frames a second (DefaultFPS when fps is
// below 1; Bubble Tea's ceiling of 120 applies).
func New(out io.Writer, fps int) *Screen {
	if fps < 1 {
		fps = DefaultFPS
	}
	fps = min(fps, 120)
	return &Screen{out: out, interval: time.Second / time.Duration(fps)}
}

// Program builds a program that runs m and draws it on s. The options must not set a
// renderer or its modes (alternate screen, mouse); s sets them. Run the program with
// Run, which prepares and restores the terminal.
func (s *Screen) Program(m tea.Model, opts ...tea.ProgramOption) *tea.Program {
	opts = append(opts, tea.WithoutRenderer())
	p := tea.NewProgram(drawn{app: m, s: s}, opts...)
	s.mu.Lock()
	s.redraw = func() { p.Send(redrawMsg{}) } // returns at once once p has ended
	s.mu.Unlock()
	return p
}

// redrawMsg asks the program for its view, once a frame interval is over.
type redrawMsg struct{}

// Run enters the alternate screen, runs p (built by Program) and restores the terminal
// when it returns. It returns p's final model, unwrapped.
func (s *Screen) Run(p *tea.Program) (tea.Model, error) {
	s.open()
	final, err := p.Run()
	app := Unwrap(final)
	if err == nil {
		// The program ended by itself: its last view is drawn, even if it came within
		// a frame interval of the one before.
		s.mu.Lock()
		s.drawnAt = time.Time{}
		s.mu.Unlock()
		s.draw(app.View())
	}
	s.Close()
	return app, err
}

// Unwrap returns the app inside a model that Program wrapped, or m itself.
func Unwrap(m tea.Model) tea.Model {
	if d, ok := m.(drawn); ok {
		return d.app
	}
	return m
}

// Frames is how many frames were written so far.
func (s *Screen) Frames() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.frames
}

// startSequence is what the standard renderer writes when a program starts with the
// cursor hidden, the alternate screen, bracketed paste and mouse cell motion.
const startSequence = ansi.HideCursor +
	ansi.SetAltScreenSaveCursorMode + ansi.EraseEntireScreen + ansi.CursorHomePosition + ansi.HideCursor +
	ansi.SetBracketedPasteMode +
	ansi.SetButtonEventMouseMode + ansi.SetSgrExtMouseMode

// endSequence puts the terminal back as the standard renderer does at the end.
const endSequence = ansi.EraseEntireLine + "\r" +
	ansi.ResetBracketedPasteMode + ansi.ShowCursor +
	ansi.ResetButtonEventMouseMode + ansi.ResetAnyEventMouseMode + ansi.ResetSgrExtMouseMode +
	ansi.ResetAltScreenSaveCursorMode + ansi.ShowCursor

func (s *Screen) open() {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, _ = io.WriteString(s.out, startSequence)
}

// Close draws the frame still waiting, if any, and restores the terminal; nothing is
// written after it.
func (s *Screen) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	if s.timer != nil {
		s.timer.Stop()
	}
	if s.pending {
		s.flushLocked()
	}
	s.closed = true
	_, _ = io.WriteString(s.out, endSequence)
}

// resize takes the terminal's new size; the next frame is drawn whole.
func (s *Screen) resize(w, h int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.width, s.height = w, h
	if s.shown != nil {
		s.next, s.pending = s.shown, true
	}
	s.shown, s.lines, s.cut, s.widths = nil, nil, nil, nil
}

// draw takes a view: it is written now if the last frame is a frame interval old, later
// if not, and never if it is the view already shown.
func (s *Screen) draw(view string) {
	s.drawLines(strings.Split(view, "\n"), true)
}

// drawLines is draw for a view given as its lines; owned says the Screen may keep the
// slice, which it copies otherwise.
func (s *Screen) drawLines(lines []string, owned bool) {
	if len(lines) == 0 || len(lines) == 1 && lines[0] == "" {
		lines, owned = []string{" "}, true // as the standard renderer: clear what was drawn
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	if s.shown != nil && slices.Equal(lines, s.shown) {
		s.next, s.pending = nil, false
		return
	}
	if !owned {
		lines = slices.Clone(lines)
	}
	s.next, s.pending = lines, true
	if s.armed {
		return
	}
	wait := s.wait()
	if wait <= 0 {
		s.flushLocked()
		return
	}
	s.arm(wait)
}

// wait is how long the next frame must wait for its turn; 0 when it may be written now.
// A frame less than a slack early is written now and stands for the slot it came early
// for (flushLocked dates it so), so that frames still come at most fps a second: a
// program whose own frames are paced at the frame rate, as the ui's stream frames are,
// has them written as they come, not each held back by a timer for the time the last
// one took to draw. s.mu is held.
func (s *Screen) wait() time.Duration {
	wait := s.interval - time.Since(s.drawnAt)
	if wait <= s.interval/slackDivisor {
		return 0
	}
	return wait
}

// slackDivisor sets the slack: a frame may come an interval divided by it early.
const slackDivisor = 4

// arm sets the timer to fire after wait. s.mu is held.
func (s *Screen) arm(wait time.Duration) {
	s.armed = true
	if s.timer == nil {
		s.timer = time.AfterFunc(wait, s.fire)
	} else {
		s.timer.Reset(wait)
	}
}

// due reports whether a view may be drawn now. When the last frame is less than a frame
// interval old it arranges for the program to be asked for its view once it is, and says
// no.
func (s *Screen) due() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.armed {
		return false
	}
	wait := s.wait()
	if wait <= 0 || s.redraw == nil {
		return true
	}
	s.arm(wait)
	return false
}

// fire ends a frame interval: it asks the program for its view (the frame is no longer
// armed once the program has taken the request), or without a program draws the view
// that waited.
func (s *Screen) fire() {
	s.mu.Lock()
	if redraw := s.redraw; redraw != nil && !s.closed {
		s.mu.Unlock()
		redraw()
		return
	}
	defer s.mu.Unlock()
	s.armed = false
	if s.pending && !s.closed {
		s.flushLocked()
	}
}

// redrawn takes the program's answer to askRedraw.
func (s *Screen) redrawn() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.armed = false
}

// flushLocked writes the pending view, skipping the rows that did not change.
func (s *Screen) flushLocked() {
	view := s.next
	s.next, s.pending = nil, false
	first := s.shown == nil
	newLines := view
	if s.height > 0 && len(newLines) > s.height {
		newLines = newLines[len(newLines)-s.height:]
	}
	cut, widths := s.spareCut[:0], s.spareWidths[:0]
	buf := &s.buf
	buf.Reset()
	buf.WriteString(ansi.CursorHomePosition)
	last := len(newLines) - 1
	for i, line := range newLines {
		shown, w := s.measure(line, i)
		cut, widths = append(cut, shown), append(widths, w)
		if i < len(s.lines) && s.lines[i] == line {
			if i < last {
				buf.WriteByte('\n')
			}
			continue
		}
		if i == 0 && first {
			buf.WriteByte('\r')
		}
		buf.WriteString(shown)
		if w < s.width {
			buf.WriteString(ansi.EraseLineRight)
		}
		if i < last {
			buf.WriteString("\r\n")
		}
	}
	if len(s.lines) > len(newLines) {
		buf.WriteString(ansi.EraseScreenBelow)
	}
	buf.WriteString(ansi.CursorPosition(0, len(newLines)))
	_, _ = s.out.Write(buf.Bytes())
	if buf.Cap() > keptBuffer {
		// A whole screen drawn afresh is large and rare; the frames of a stream are small.
		// An idle session keeps no screenful of bytes.
		s.buf = bytes.Buffer{}
	}
	s.shown, s.lines = view, newLines
	clear(s.cut)
	s.spareCut, s.cut = s.cut, cut
	s.spareWidths, s.widths = s.widths, widths
	// A frame written early counts as written in the slot it came early for.
	now, slot := time.Now(), s.drawnAt.Add(s.interval)
	s.drawnAt = now
	if slot.After(now) {
		s.drawnAt = slot
	}
	s.frames++
	if s.onFrame != nil {
		s.onFrame()
	}
}

// measure returns row i of a frame cut to the terminal's width, and its width. A row
// that was on the last frame within measureReach rows (the rows a stream scrolls by) is
// taken from there, not measured again. s.mu is held.
func (s *Screen) measure(line string, i int) (string, int) {
	for d := 0; d <= measureReach; d++ {
		if j := i - d; j >= 0 && j < len(s.lines) && s.lines[j] == line {
			return s.cut[j], s.widths[j]
		}
		if j := i + d; d > 0 && j < len(s.lines) && s.lines[j] == line {
			return s.cut[j], s.widths[j]
		}
	}
	w := ansi.StringWidth(line)
	if s.width > 0 && w > s.width {
		line = ansi.Truncate(line, s.width, "")
		w = ansi.StringWidth(line)
	}
	return line, w
}

// measureReach is how many rows up or down measure looks for a row in the last frame.
const measureReach = 4

// keptBuffer is the most frame buffer a Screen keeps between frames.
const keptBuffer = 4 << 10

// drawn wraps the app: it keeps the Screen's size in step and hands it every view.
type drawn struct {
	app tea.Model
	s   *Screen
}

func (d drawn) Init() tea.Cmd { return d.app.Init() }

func (d drawn) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case redrawMsg:
		d.s.redrawn()
		return d, nil
	case tea.WindowSizeMsg:
		d.s.resize(msg.Width, msg.Height)
	}
	var cmd tea.Cmd
	d.app, cmd = d.app.Update(msg)
	return d, cmd
}

// View draws the app's view on the Screen when a frame is due; the program's own
// renderer is off and gets nothing. An app that gives its view as lines (LinesViewer)
// is asked for them.
func (d drawn) View() string {
	if d.s.due() {
		if lv, ok := d.app.(LinesViewer); ok {
			d.s.drawLines(lv.ViewLines(), false)
		} else {
			d.s.draw(d.app.View())
		}
	}
	return ""
}

// LinesViewer is a model that gives its view as lines as well, sparing the joining of a
// whole frame into a string and its splitting again. ViewLines must be
// strings.Split(View(), "\n"); the Screen does not change the slice or keep it past the
// call.
type LinesViewer interface {
	ViewLines() []string
}
