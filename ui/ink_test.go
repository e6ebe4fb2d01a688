package ui

import (
	"io"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// TestInkDrawsAsLipgloss checks that every style of every colour profile draws a line
// through ink as lipgloss draws it, including the lines ink hands to lipgloss.
func TestInkDrawsAsLipgloss(t *testing.T) {
	lines := []string{"", "x", "plain text", " spaced  out ", "한국어 텍스트", "tab\there", "two\nlines", "cr\r", "👩‍👩‍👧 हिन्दी"}
	for _, p := range []termenv.Profile{termenv.Ascii, termenv.ANSI, termenv.ANSI256, termenv.TrueColor} {
		r := lipgloss.NewRenderer(io.Discard)
		r.SetColorProfile(p)
		r.SetHasDarkBackground(true)
		st := DefaultStyles(r)
		extra := map[string]lipgloss.Style{
			"Translation": st.Translation, "Source": st.Source, "Meta": st.Meta, "SourceMark": st.SourceMark,
			"StatusBar": st.StatusBar, "InputFocused": st.InputFocused, "Underlined": r.NewStyle().Underline(true),
			"Padded": r.NewStyle().Padding(0, 1).Foreground(lipgloss.Color("#FF0000")), "Wide": r.NewStyle().Width(20),
		}
		if k := newInk(st.Translation); !k.sequencesFound || (p != termenv.Ascii) != (k.before != "") {
			t.Errorf("profile %v: the translation's sequences were not found: %+v", p, k)
		}
		if k := newInk(extra["Wide"]); k.sequencesFound {
			t.Errorf("profile %v: a style with a width is drawn without lipgloss", p)
		}
		for name, style := range extra {
			k := newInk(style)
			for _, l := range lines {
				if got, want := k.Render(l), style.Render(l); got != want {
					t.Errorf("profile %v, %s: ink draws %q as %q, lipgloss as %q", p, name, l, got, want)
				}
				if got, want := k.indented("   ", l), "   "+style.Render(l); got != want {
					t.Errorf("profile %v, %s: indented %q is %q, want %q", p, name, l, got, want)
				}
			}
		}
	}
}
