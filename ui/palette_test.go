package ui

import (
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// sgrParams are the parameters of every SGR sequence in s.
func sgrParams(s string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`\x1b\[([0-9;]*)m`).FindAllStringSubmatch(s, -1) {
		out = append(out, strings.Split(m[1], ";")...)
	}
	return out
}

// viewWith draws a fresh app at 80x24 on a renderer for env.
func viewWith(t *testing.T, env Env) string {
	t.Helper()
	cfg := testConfig(t)
	cfg.Renderer = NewRenderer(io.Discard, env)
	log := &callLog{}
	m := sized(newApp(cfg, &fakeTranslator{log: log}, newFakeStore(log)), 80, 24)
	return m.View()
}

// isColour says whether an SGR parameter sets a colour (as opposed to an attribute such as
// bold, faint or italic). 38 and 48 (extended colours) are followed by more parameters.
func isColour(p string) bool {
	return slices.Contains([]string{"30", "31", "32", "33", "34", "35", "36", "37", "38", "39",
		"40", "41", "42", "43", "44", "45", "46", "47", "48", "49",
		"90", "91", "92", "93", "94", "95", "96", "97",
		"100", "101", "102", "103", "104", "105", "106", "107"}, p)
}

func TestNoColorKeepsFaintPlaceholder(t *testing.T) {
	view := viewWith(t, Env{"TERM=xterm-256color", "NO_COLOR=1"})
	for _, p := range sgrParams(view) {
		if isColour(p) {
			t.Fatalf("NO_COLOR drew a colour (SGR %s): %q", p, view)
		}
	}
	// The placeholder's first letter carries the cursor; the rest is drawn faint.
	i := strings.Index(view, "ype to translate")
	if i < 0 {
		t.Fatalf("no placeholder: %q", view)
	}
	before := view[max(i-20, 0):i]
	if !slices.Contains(sgrParams(before), "2") {
		t.Errorf("the placeholder is not faint under NO_COLOR: %q", view[max(i-20, 0):i+20])
	}
}

func TestSixteenColourStatusBarHasNoBackground(t *testing.T) {
	view := viewWith(t, Env{"TERM=xterm"})
	lines := strings.Split(view, "\n")
	status := lines[len(lines)-2]
	if !strings.Contains(status, "idle") {
		t.Fatalf("row %d is not the status bar: %q", len(lines)-2, status)
	}
	// The brand may keep its colours; the bar after it must not paint cells.
	rest := status[strings.Index(status, "auto"):]
	for _, p := range sgrParams(rest) {
		if p == "40" || p == "47" || p == "100" || p == "107" {
			t.Errorf("TERM=xterm paints the status bar black or white (SGR %s): %q", p, rest)
		}
	}
}
