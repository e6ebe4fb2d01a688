package ui

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Theme replaces colours of the palette by name. Each has a colour for light terminal
// backgrounds and one for dark; which is drawn follows the terminal's background.
type Theme map[string]ThemeColor

// ThemeColor is one palette colour as "#RRGGBB" for light and dark backgrounds.
type ThemeColor struct{ Light, Dark string }

// ThemeColors are the palette's names, as config.toml's [theme] takes them.
func ThemeColors() []string {
	return []string{"accent", "pink", "green", "yellow", "red", "text", "subtle", "faint", "cream", "bar"}
}

var hexColor = regexp.MustCompile(`^#[0-9A-Fa-f]{6}$`)

// Check refuses a name the palette does not have or a colour that is not #RRGGBB.
func (t Theme) Check() error {
	names := make([]string, 0, len(t))
	for name := range t {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if !slices.Contains(ThemeColors(), name) {
			return fmt.Errorf("unknown colour %q (colours: %s)", name, strings.Join(ThemeColors(), ", "))
		}
		for _, v := range []string{t[name].Light, t[name].Dark} {
			if !hexColor.MatchString(v) {
				return fmt.Errorf("%s: %q is not a colour like \"#7D56F4\"", name, v)
			}
		}
	}
	return nil
}

// pick is the palette colour name: the theme's, else light and dark as built in.
func (t Theme) pick(name, light, dark string) (string, string) {
	if c, ok := t[name]; ok {
		return c.Light, c.Dark
	}
	return light, dark
}
