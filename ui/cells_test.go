package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// scriptSamples are words in scripts whose width terminals measure differently from
// grapheme clustering. tmux is the cells tmux 3.3a moved its cursor by after printing the
// word (printf, then #{cursor_x}); yeok must never count fewer.
var scriptSamples = []struct {
	name, text string
	tmux       int
}{
	{"Devanagari", "हिन्दी", 5},
	{"Bengali", "বাংলা", 5},
	{"Tamil", "தமிழ்", 4},
	{"Thai", "ภาษาไทย", 7},
	{"Arabic", "العربية", 7},
	{"Hebrew", "עברית", 5},
	{"ZWJ family", "👨‍👩‍👧", 2},
	{"skin tone", "👍🏽", 4},
	{"flag", "🇰🇷", 2},
	{"emoji VS16", "❤️", 1},
	{"Hangul", "한국어", 6},
	{"Han", "日本語", 6},
}

func TestTextCellsNeverUnderTmux(t *testing.T) {
	for _, tc := range scriptSamples {
		t.Run(tc.name, func(t *testing.T) {
			if got := cellWidth(tc.text); got < tc.tmux {
				t.Errorf("cellWidth(%q) = %d, tmux draws %d cells", tc.text, got, tc.tmux)
			}
		})
	}
}

func TestTextCellsSure(t *testing.T) {
	for _, tc := range []struct {
		text  string
		cells int
		sure  bool
	}{
		{"plain ascii", 11, true},
		{"한국어 text", 11, true},
		{"हिन्दी", 5, false},
		{"👨‍👩‍👧", 6, false},
		{"🇰🇷", 2, true},
	} {
		if w, ok := textCells(tc.text); w != tc.cells || ok != tc.sure {
			t.Errorf("textCells(%q) = %d, %v; want %d, %v", tc.text, w, ok, tc.cells, tc.sure)
		}
	}
}

func TestFitLine(t *testing.T) {
	hindi := strings.Repeat("हिन्दी ", 4) // 4×6 = 24 cells by wcwidth, 16 by graphemes
	for _, tc := range []struct {
		name, line string
		width      int
		want       string
	}{
		{"ascii that fits", "\x1b[1mhello\x1b[0m", 5, "\x1b[1mhello\x1b[0m"},
		{"ascii too wide", "\x1b[1mhello world\x1b[0m", 5, "\x1b[1mhello\x1b[0m"},
		{"sure text may fill the row", "한국어", 6, "한국어"},
		{"unsure text keeps off the last column", "हिन्दी", 5, "हि"},
		{"unsure text measured by code points", hindi, 20, "हिन्दी हिन्दी हिन्दी "},
		{"escapes after the cut are kept", "\x1b[31m" + hindi + "\x1b[0m", 12, "\x1b[31mहिन्दी हिन्दी\x1b[0m"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := fitLine(tc.line, tc.width)
			if got != tc.want {
				t.Errorf("fitLine(%q, %d) = %q, want %q", tc.line, tc.width, got, tc.want)
			}
			if w := cellWidth(ansi.Strip(got)); w > tc.width {
				t.Errorf("fitted line is %d cells, more than %d", w, tc.width)
			}
		})
	}
}

// TestFitCellsReturnsAFittingLineAsItIs holds fitCells, which returns a line that fits
// without copying it, against copying every line piece by piece, for lines of every kind
// of text at widths around theirs.
func TestFitCellsReturnsAFittingLineAsItIs(t *testing.T) {
	lines := []string{
		"plain ascii line", "\x1b[38;5;252mstyled\x1b[0m text", "한국어 넓은 글자", "\x1b[1m한국어\x1b[0m · 넓은",
		"हिन्दी पाठ", "👩‍👩‍👧 family", "⠋ streaming 60 tok/s", "│ box │", "e\u0301 combining", "\x1b]8;;http://x\x07link\x1b]8;;\x07",
	}
	for _, l := range lines {
		for width := 1; width <= 30; width++ {
			for _, strict := range []bool{true, false} {
				if got, want := fitCells(l, width, strict), cutCells(l, width, strict); needsFit(l, width) && got != want {
					t.Errorf("fitCells(%q, %d, %v) = %q, want %q", l, width, strict, got, want)
				}
			}
		}
	}
}
