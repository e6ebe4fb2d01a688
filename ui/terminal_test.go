package ui

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/muesli/termenv"
)

func TestNewRendererProfile(t *testing.T) {
	tests := []struct {
		env  Env
		want termenv.Profile
	}{
		{Env{"TERM=xterm-256color"}, termenv.ANSI256},
		{Env{"TERM=xterm-256color", "COLORTERM=truecolor"}, termenv.TrueColor},
		{Env{"TERM=xterm-256color", "NO_COLOR=1"}, termenv.ANSI}, // attributes, no colour
		{Env{"TERM=dumb"}, termenv.Ascii},
		{Env{}, termenv.Ascii},
	}
	for _, tt := range tests {
		if got := NewRenderer(io.Discard, tt.env).ColorProfile(); got != tt.want {
			t.Errorf("NewRenderer(%q) profile %v, want %v", tt.env, got, tt.want)
		}
	}
}

func TestNewClipboardTmuxRule(t *testing.T) {
	tests := []struct {
		env     Env
		wrapped bool
	}{
		{Env{"TERM=xterm-256color"}, false},
		{Env{"TERM=tmux-256color"}, true},
		{Env{"TERM=screen-256color", "TMUX=/tmp/tmux-0/default,1,0"}, true},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		if err := NewClipboard(&out, tt.env)("안녕"); err != nil {
			t.Fatal(err)
		}
		got := out.String()
		if !strings.Contains(got, "]52;c;7JWI64WV") {
			t.Errorf("%q: no OSC 52 with the text: %q", tt.env, got)
		}
		// Inside tmux the plain sequence goes first (set-clipboard), then the wrapped one
		// (allow-passthrough).
		if !strings.HasPrefix(got, "\x1b]52;c;7JWI64WV") {
			t.Errorf("%q: the plain sequence does not come first: %q", tt.env, got)
		}
		if strings.Contains(got, "\x1bPtmux;") != tt.wrapped {
			t.Errorf("%q: wrapped for tmux = %v, want %v: %q", tt.env, !tt.wrapped, tt.wrapped, got)
		}
	}
}
