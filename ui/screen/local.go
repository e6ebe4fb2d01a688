package screen

import (
	"io"
	"os"
	"os/signal"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/term"
)

// Local prepares a local terminal for p, as Bubble Tea does when its renderer is on: the
// input goes into raw mode when it is a terminal, and when the output is one its size is
// sent to p now and again on every change. The returned function puts the input back and
// stops watching the size; call it after p has ended.
func Local(p *tea.Program, in io.Reader, out io.Writer) (restore func(), err error) {
	var undo []func()
	restore = func() {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
	}
	if f, ok := in.(term.File); ok && term.IsTerminal(f.Fd()) {
		state, err := term.MakeRaw(f.Fd())
		if err != nil {
			return restore, err
		}
		undo = append(undo, func() { _ = term.Restore(f.Fd(), state) })
	}
	f, ok := out.(term.File)
	if !ok || !term.IsTerminal(f.Fd()) {
		return restore, nil
	}
	sizes := make(chan os.Signal, 1)
	notifyResize(sizes)
	sizes <- os.Interrupt // any value: read the size at start
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			select {
			case <-sizes:
			case <-done:
				return
			}
			w, h, err := term.GetSize(f.Fd())
			if err != nil {
				continue
			}
			p.Send(tea.WindowSizeMsg{Width: w, Height: h}) // returns once p has ended
		}
	}()
	undo = append(undo, func() {
		signal.Stop(sizes)
		close(done)
		<-stopped
	})
	return restore, nil
}
