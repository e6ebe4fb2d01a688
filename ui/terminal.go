package ui

import (
	"io"
	"os"
	"strings"

	"github.com/aymanbagabas/go-osc52/v2"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// Env is a terminal's environment: the process's own for the local terminal, the
// client's over SSH (with its TERM from the pty request).
type Env []string

// Getenv returns the value of key, or "".
func (e Env) Getenv(key string) string {
	for i := len(e) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(e[i], key+"="); ok {
			return v
		}
	}
	return ""
}

// Environ implements termenv.Environ.
func (e Env) Environ() []string { return e }

// NewRenderer builds the renderer every style is drawn with, for the terminal behind w
// whose environment is env: the local terminal and every SSH session get theirs here.
// The colour profile comes from env (TERM, COLORTERM); a dumb or unknown terminal draws
// plain text, and NO_COLOR draws attributes (bold, faint, italic) without colour. For the
// process's own stdout it is lipgloss's default renderer, which Bubble Tea has already
// asked the terminal for its background colour: a second renderer would ask again. Elsewhere (an SSH channel) w is taken for a terminal;
// the caller may set the background it found out.
func NewRenderer(w io.Writer, env Env) *lipgloss.Renderer {
	var r *lipgloss.Renderer
	if w == os.Stdout {
		r = lipgloss.DefaultRenderer()
	} else {
		r = lipgloss.NewRenderer(w, termenv.WithEnvironment(env), termenv.WithUnsafe())
	}
	switch term := env.Getenv("TERM"); {
	case term == "" || term == "dumb":
		r.SetColorProfile(termenv.Ascii)
	case env.Getenv("NO_COLOR") != "":
		// NO_COLOR forbids colour, not faint or italic: the profile keeps the attributes
		// and DefaultStyles leaves the colours out.
		r.SetColorProfile(termenv.ANSI)
	}
	return r
}

// inTmux reports whether the terminal is tmux, which passes OSC 52 on only when wrapped:
// the session runs inside it (TMUX is set) or the terminal says so (TERM tmux-*).
func inTmux(env Env) bool {
	return env.Getenv("TMUX") != "" || strings.HasPrefix(env.Getenv("TERM"), "tmux")
}

// NewClipboard is the one clipboard writer: it sends text to the clipboard of the
// terminal behind w with OSC 52, which works over SSH. Inside tmux it sends the sequence
// twice: plain, which tmux takes into its buffer and hands on when set-clipboard is on or
// external (the default), and wrapped for passthrough, which reaches the outer terminal
// when allow-passthrough is on. Neither answers, so no copy can be confirmed.
func NewClipboard(w io.Writer, env Env) func(string) error {
	tmux := inTmux(env)
	return func(text string) error {
		seq := osc52.New(text)
		if _, err := seq.WriteTo(w); err != nil || !tmux {
			return err
		}
		_, err := seq.Tmux().WriteTo(w)
		return err
	}
}
