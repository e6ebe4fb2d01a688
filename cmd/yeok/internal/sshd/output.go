package sshd

import (
	"context"
	"io"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/ssh"
)

// Window sizes a client may claim are clamped to these; the wire allows 2^32-1.
const (
	maxColumns     = 1000
	maxRows        = 500
	defaultColumns = 80
	defaultRows    = 24
)

// resizeCoalesce is the least time between two window sizes passed to the app; a client
// sending a flood of window changes gets the last one of each span.
const resizeCoalesce = 30 * time.Millisecond

// clampSize keeps a client's window size within what the app can sensibly draw. A zero
// dimension (the client does not know) gets the classic 80x24.
func clampSize(w, h int) (int, int) {
	return clampDim(w, maxColumns, defaultColumns), clampDim(h, maxRows, defaultRows)
}

func clampDim(v, most, unknown int) int {
	switch {
	case v == 0:
		return unknown
	case v < 1:
		return 1
	case v > most:
		return most
	default:
		return v
	}
}

// clampWindowFilter clamps every window size message on its way into the app, whatever
// sent it.
func clampWindowFilter(_ tea.Model, msg tea.Msg) tea.Msg {
	if ws, ok := msg.(tea.WindowSizeMsg); ok {
		ws.Width, ws.Height = clampSize(ws.Width, ws.Height)
		return ws
	}
	return msg
}

// forwardWindowChanges passes the client's window sizes (the first is the size it asked
// for with the terminal) to p until the channel closes or the connection ends. It keeps
// draining the channel after p has ended, because the SSH library blocks the session's
// requests until each size is taken.
func forwardWindowChanges(ctx context.Context, p *tea.Program, winch <-chan ssh.Window) {
	var last time.Time
	for {
		var w ssh.Window
		select {
		case <-ctx.Done():
			return
		case next, ok := <-winch:
			if !ok {
				return
			}
			w = next
		}
		if wait := resizeCoalesce - time.Since(last); !last.IsZero() && wait > 0 {
			t := time.NewTimer(wait)
		collect:
			for {
				select {
				case <-ctx.Done():
					t.Stop()
					return
				case next, ok := <-winch:
					if !ok {
						t.Stop()
						return
					}
					w = next
				case <-t.C:
					break collect
				}
			}
		}
		width, height := clampSize(w.Width, w.Height)
		p.Send(tea.WindowSizeMsg{Width: width, Height: height})
		last = time.Now()
	}
}

// lockedWriter serialises writes to a session, so that an OSC 52 copy never lands in the
// middle of a frame.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
