package ui

import (
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// TestAdaptiveMatchesHex checks that the colours converted once draw exactly as the hex
// colours lipgloss converts on every Render, in every profile, on dark and light.
func TestAdaptiveMatchesHex(t *testing.T) {
	pairs := [][2]string{
		{"#7D56F4", "#A58BFF"}, {"#EE6FF8", "#F25D94"}, {"#02A367", "#04B575"},
		{"#B8860B", "#DBBD70"}, {"#D2304A", "#FF5F87"}, {"#1A1A1A", "#EEEEEE"},
		{"#8A8A8A", "#777777"}, {"#C2C2C2", "#444444"}, {"#EDEDED", "#262626"},
		{"#FFFDF5", "#FFFDF5"}, {"#000000", "#FFFFFF"}, {"#FF0000", "#0000FF"},
	}
	profiles := []termenv.Profile{termenv.TrueColor, termenv.ANSI256, termenv.ANSI, termenv.Ascii}
	for _, p := range profiles {
		for _, dark := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/dark=%v", p.Name(), dark), func(t *testing.T) {
				r := lipgloss.NewRenderer(io.Discard)
				r.SetColorProfile(p)
				r.SetHasDarkBackground(dark)
				for _, c := range pairs {
					hex := lipgloss.AdaptiveColor{Light: c[0], Dark: c[1]}
					want := r.NewStyle().Foreground(hex).Background(hex).Render("x")
					got := r.NewStyle().Foreground(adaptive(c[0], c[1])).Background(adaptive(c[0], c[1])).Render("x")
					if p != termenv.Ascii && !strings.Contains(want, "\x1b[") {
						t.Fatalf("%v: no colour drawn: %q", c, want)
					}
					if got != want {
						t.Errorf("%v dark=%v: got %q, want %q", c, dark, got, want)
					}
				}
			})
		}
	}
}

// BenchmarkDefaultStyles measures building the styles, which converts every colour once.
func BenchmarkDefaultStyles(b *testing.B) {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.ANSI256)
	b.ReportAllocs()
	for b.Loop() {
		_ = DefaultStyles(r)
	}
}
