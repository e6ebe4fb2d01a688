package sshd

import (
	"bytes"
	"context"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/ssh"
	"github.com/muesli/termenv"
	"github.com/yeok/yeok/ui"
)

// terminalQuery asks the client's terminal for its background colour (OSC 11), then for
// its primary device attributes (DA1), which every terminal answers: the DA1 reply ends
// the wait even when the colour question goes unanswered.
const terminalQuery = "\x1b]11;?\x07\x1b[c"

// queryTimeout bounds the wait for a terminal that answers neither question.
const queryTimeout = 2 * time.Second

// clientEnv is the client's environment with the TERM of its pty request.
func clientEnv(sess ssh.Session, term string) ui.Env {
	return append(ui.Env(sess.Environ()), "TERM="+term)
}

// newRenderer builds the renderer of one session, as wish's MakeRenderer does: the colour
// profile comes from the client's TERM and environment (ui.NewRenderer), and dark or light
// from the client terminal's background colour. The query goes through the input guard,
// so a terminal that never answers loses no keystrokes: they reach the app after the
// timeout. A terminal without colour is not asked.
func newRenderer(ctx context.Context, env ui.Env, in *inputGuard, out io.Writer) *lipgloss.Renderer {
	r := ui.NewRenderer(out, env)
	if r.ColorProfile() == termenv.Ascii {
		return r
	}
	if bg, ok := in.queryTerminal(ctx, out, terminalQuery, queryTimeout); ok {
		if dark, ok := darkColor(bg); ok {
			r.SetHasDarkBackground(dark)
		}
	}
	return r
}

// queryTerminal writes query and waits up to timeout (or until ctx ends) for the DA1
// reply that ends it. It returns the OSC 11 colour reply, if one came. Whatever else the
// client sent meanwhile is kept, in order, for the app.
func (g *inputGuard) queryTerminal(ctx context.Context, out io.Writer, query string, timeout time.Duration) (string, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, err := io.WriteString(out, query); err != nil {
		return "", false
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var got []byte
	for g.err == nil {
		b, inTime := g.receiveLocked(ctx.Done(), false)
		if !inTime {
			break
		}
		got = append(got, b...)
		if rest, bg, done := parseReplies(got); done {
			g.filter(rest)
			return bg, bg != ""
		}
	}
	rest, bg, _ := parseReplies(got)
	g.filter(rest)
	return bg, bg != ""
}

// parseReplies takes a complete OSC 11 reply and a complete DA1 reply out of b. It
// returns the other bytes, the colour and whether the DA1 reply was there.
func parseReplies(b []byte) (rest []byte, bg string, done bool) {
	rest = b
	if i := bytes.Index(rest, []byte("\x1b]11;")); i >= 0 {
		body := rest[i+5:]
		end, n := bytes.IndexByte(body, 0x07), 1
		if st := bytes.Index(body, []byte("\x1b\\")); st >= 0 && (end < 0 || st < end) {
			end, n = st, 2
		}
		if end >= 0 {
			bg = string(body[:end])
			rest = append(append([]byte(nil), rest[:i]...), body[end+n:]...)
		}
	}
	for from := 0; ; {
		i := bytes.Index(rest[from:], []byte("\x1b[?"))
		if i < 0 {
			return rest, bg, false
		}
		i += from
		j := i + 3
		for j < len(rest) && (rest[j] >= '0' && rest[j] <= '9' || rest[j] == ';') {
			j++
		}
		if j < len(rest) && rest[j] == 'c' {
			rest = append(append([]byte(nil), rest[:i]...), rest[j+1:]...)
			return rest, bg, true
		}
		from = i + 1
	}
}

// darkColor reports whether an X11 colour reply ("rgb:RRRR/GGGG/BBBB", one to four hex
// digits a channel) is dark: its HSL lightness is under one half.
func darkColor(s string) (dark, ok bool) {
	spec, found := strings.CutPrefix(s, "rgb:")
	if !found {
		return false, false
	}
	parts := strings.Split(spec, "/")
	if len(parts) != 3 {
		return false, false
	}
	lo, hi := 1.0, 0.0
	for _, p := range parts {
		if len(p) < 1 || len(p) > 4 {
			return false, false
		}
		v, err := strconv.ParseUint(p, 16, 16)
		if err != nil {
			return false, false
		}
		f := float64(v) / float64(uint64(1)<<(4*len(p))-1)
		lo, hi = min(lo, f), max(hi, f)
	}
	return (lo+hi)/2 < 0.5, true
}
