package ui

import (
	"io"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

func TestThemedStylesUseTheThemeColours(t *testing.T) {
	theme := Theme{"accent": {Light: "#0055AA", Dark: "#FF8800"}}
	for _, tt := range []struct {
		dark bool
		want string
	}{{true, "38;2;255;136;0"}, {false, "38;2;0;85;170"}} {
		r := lipgloss.NewRenderer(io.Discard)
		r.SetColorProfile(termenv.TrueColor)
		r.SetHasDarkBackground(tt.dark)
		if got := ThemedStyles(r, theme).Caret.Render("x"); !strings.Contains(got, tt.want) {
			t.Errorf("dark %v: caret %q, want colour %s", tt.dark, got, tt.want)
		}
		if got := DefaultStyles(r).Caret.Render("x"); strings.Contains(got, tt.want) {
			t.Errorf("dark %v: the default caret took the theme's colour", tt.dark)
		}
	}
}

func TestThemeCheck(t *testing.T) {
	tests := []struct {
		theme   Theme
		wantErr string
	}{
		{Theme{"accent": {"#000000", "#FFFFFF"}, "bar": {"#EDEDED", "#101010"}}, ""},
		{Theme{"purple": {"#000000", "#000000"}}, `unknown colour "purple" (colours: accent, pink,`},
		{Theme{"red": {"red", "red"}}, `red: "red" is not a colour like "#7D56F4"`},
	}
	for _, tt := range tests {
		err := tt.theme.Check()
		if (err == nil) != (tt.wantErr == "") || (err != nil && !strings.HasPrefix(err.Error(), tt.wantErr)) {
			t.Errorf("Check(%v) = %v, want %q", tt.theme, err, tt.wantErr)
		}
	}
}
