package screen

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// viewsModel shows the views it is sent, one at a time; any key quits.
type viewsModel struct{ view string }

type showMsg string

func (m viewsModel) Init() tea.Cmd { return nil }

func (m viewsModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case showMsg:
		m.view = string(msg)
	case tea.KeyMsg:
		return m, tea.Quit
	}
	return m, nil
}

func (m viewsModel) View() string { return m.view }

// linesModel is viewsModel giving its views as lines too, which a Screen takes instead
// of View while the program runs.
type linesModel struct{ viewsModel }

func (m linesModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	next, cmd := m.viewsModel.Update(msg)
	return linesModel{next.(viewsModel)}, cmd
}

func (m linesModel) ViewLines() []string { return strings.Split(m.view, "\n") }

// terminalLog records what a program writes and lets a test wait for a text to show.
type terminalLog struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	written chan struct{}
}

func (l *terminalLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	select {
	case l.written <- struct{}{}:
	default:
	}
	return l.buf.Write(p)
}

func (l *terminalLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// waitFor waits until text has been written n times in all.
func (l *terminalLog) waitFor(t *testing.T, text string, n int) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for strings.Count(l.String(), text) < n {
		select {
		case <-l.written:
		case <-deadline:
			t.Fatalf("%q was not written %d times: %q", text, n, l.String())
		}
	}
}

// TestFramesMatchTheStandardRenderer shows the same views through Bubble Tea's standard
// renderer and through a Screen, one frame at a time, and compares every byte written:
// the start, the frames (rows kept, changed, cut to the width, dropped above the height,
// redrawn after a resize, scrolled) and the end.
func TestFramesMatchTheStandardRenderer(t *testing.T) {
	// Each view's first row is a mark that no other view has: the wait for a frame
	// counts it.
	steps := []struct {
		msg  tea.Msg
		mark string
	}{
		{tea.WindowSizeMsg{Width: 12, Height: 4}, "mark 0"},
		{showMsg("mark 1\nsecond row\nthird row"), "mark 1"},
		{showMsg("mark 2\nsecond row\n\x1b[1mthird\x1b[0m row"), "mark 2"},
		{showMsg("mark 3\na row far wider than twelve cells\n한국어 넓은 글자 행"), "mark 3"},
		{showMsg("0\n1\n2\nmark 4\n4\n5"), "mark 4"}, // the rows above the height are dropped
		{showMsg("mark 5"), "mark 5"},
		{tea.WindowSizeMsg{Width: 20, Height: 6}, "mark 5"},
		{showMsg("mark 6\nsecond row\n\nlast"), "mark 6"},
		{showMsg("mark 7\nsecond row\nlast"), "mark 7"}, // one row shorter
		{showMsg("mark 8\n"), "mark 8"},
		// Rows that scroll by a row or two, some wider than the terminal, and a row as
		// wide as it.
		{showMsg("mark 9\na row far wider than twenty cells\n한국어 넓은 글자 행 넓은\nx\ntwenty cells exactly"), "mark 9"},
		{showMsg("mark 10\nnew\na row far wider than twenty cells\n한국어 넓은 글자 행 넓은\nx\ntwenty cells exactly"), "mark 10"},
		{showMsg("mark 11\n한국어 넓은 글자 행 넓은\nx\ntwenty cells exactly\ny"), "mark 11"},
	}
	run := func(m tea.Model, start func(m tea.Model, out *terminalLog) (*tea.Program, <-chan error)) string {
		out := &terminalLog{written: make(chan struct{}, 1)}
		p, done := start(m, out)
		out.waitFor(t, "mark 0", 1)
		for _, s := range steps {
			n := strings.Count(out.String(), s.mark) + 1
			p.Send(s.msg)
			out.waitFor(t, s.mark, n)
		}
		p.Send(tea.KeyMsg{Type: tea.KeyEnter})
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	standard := run(viewsModel{view: "mark 0"}, func(m tea.Model, out *terminalLog) (*tea.Program, <-chan error) {
		p := tea.NewProgram(m, tea.WithInput(nil), tea.WithOutput(out), tea.WithoutSignalHandler(),
			tea.WithAltScreen(), tea.WithMouseCellMotion())
		done := make(chan error, 1)
		go func() { _, err := p.Run(); done <- err }()
		return p, done
	})
	screen := func(m tea.Model, out *terminalLog) (*tea.Program, <-chan error) {
		s := New(out, DefaultFPS)
		p := s.Program(m, tea.WithInput(nil), tea.WithOutput(out), tea.WithoutSignalHandler())
		done := make(chan error, 1)
		go func() { _, err := s.Run(p); done <- err }()
		return p, done
	}
	if ours := run(viewsModel{view: "mark 0"}, screen); ours != standard {
		t.Errorf("the Screen wrote\n%q\nthe standard renderer\n%q", ours, standard)
	}
	if ours := run(linesModel{viewsModel{view: "mark 0"}}, screen); ours != standard {
		t.Errorf("the Screen, given lines, wrote\n%q\nthe standard renderer\n%q", ours, standard)
	}
}

// countingModel counts the views it draws; every message makes a new view.
type countingModel struct {
	n     int
	views *atomic.Int64
}

func (m countingModel) Init() tea.Cmd { return nil }

func (m countingModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if _, ok := msg.(tea.KeyMsg); ok {
		return m, tea.Quit
	}
	m.n++
	return m, nil
}

func (m countingModel) View() string {
	m.views.Add(1)
	return fmt.Sprintf("message %d", m.n)
}

// TestBusyProgramDrawsAtTheFrameRate sends a program many messages within one frame
// interval: it draws its view about once an interval, not once a message, and the last
// view shows.
func TestBusyProgramDrawsAtTheFrameRate(t *testing.T) {
	out := &terminalLog{written: make(chan struct{}, 1)}
	s := New(out, 10) // a frame every 100 ms
	views := &atomic.Int64{}
	p := s.Program(countingModel{views: views}, tea.WithInput(nil), tea.WithOutput(out), tea.WithoutSignalHandler())
	done := make(chan error, 1)
	go func() { _, err := s.Run(p); done <- err }()
	out.waitFor(t, "message 0", 1)
	const sent = 200
	start := time.Now()
	for range sent {
		p.Send(showMsg(""))
	}
	out.waitFor(t, fmt.Sprintf("message %d", sent), 1)
	intervals := time.Since(start)/s.interval + 2
	if n := views.Load(); n > int64(intervals)+1 {
		t.Errorf("%d messages over %d frame intervals drew %d views", sent, intervals, n)
	}
	p.Send(tea.KeyMsg{Type: tea.KeyEnter})
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
