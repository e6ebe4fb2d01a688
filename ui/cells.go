package ui

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"golang.org/x/text/width"
)

// Terminals do not agree on how wide text is. tmux and xterm measure each code point on its
// own (wcwidth): combining marks are zero, every other mark is a cell, so Hindi "हिन्दी" is
// five cells there, where grapheme clustering (lipgloss, x/ansi) counts three. Emoji
// sequences go the other way: tmux draws a ZWJ family in two cells that a code-point count
// makes six. yeok takes, for each grapheme cluster, the larger of the two counts, so a line
// is never wider on the screen than yeok thinks, and calls a cluster unsure when the two
// counts differ: a line with an unsure cluster keeps off the pane's last column.

// clusterCells is how many cells the grapheme cluster c takes at most, and whether the
// terminals agree on it.
func clusterCells(c string) (cells int, sure bool) {
	if len(c) == 1 && c[0] >= 0x20 && c[0] < 0x7f {
		return 1, true
	}
	g := ansi.StringWidth(c)
	p := 0
	for _, r := range c {
		p += codePointCells(r)
	}
	return max(g, p), g == p
}

// codePointCells is the width wcwidth gives one code point: zero for controls, combining
// marks, format characters and Hangul medial and final jamo, two for East Asian wide and
// fullwidth characters, one for the rest.
func codePointCells(r rune) int {
	switch {
	case r < 0x20 || (r >= 0x7f && r < 0xa0):
		return 0
	case r < 0x300:
		return 1
	case r >= 0x1160 && r <= 0x11ff, r == 0x200b:
		return 0
	case unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf):
		return 0
	}
	switch width.LookupRune(r).Kind() {
	case width.EastAsianWide, width.EastAsianFullwidth:
		return 2
	}
	return 1
}

// textCells is how many cells plain text (no escape sequences) takes at most, and whether
// the terminals agree on it.
func textCells(s string) (cells int, sure bool) {
	sure = true
	for s != "" {
		if s[0] < utf8.RuneSelf && (len(s) == 1 || s[1] < utf8.RuneSelf) {
			if s[0] >= 0x20 && s[0] < 0x7f {
				cells++
			}
			s = s[1:]
			continue
		}
		c, _ := ansi.FirstGraphemeCluster(s, ansi.GraphemeWidth)
		w, ok := clusterCells(c)
		cells, sure = cells+w, sure && ok
		s = s[len(c):]
	}
	return cells, sure
}

// cellWidth is how many cells plain text takes at most on any terminal yeok knows.
func cellWidth(s string) int {
	w, _ := textCells(s)
	return w
}

// fitLine cuts a drawn line (which may hold escape sequences) so that no terminal shows it
// wider than width cells, and, when the terminals disagree about any of its text, narrower
// than width, so that it never reaches the last column. Escape sequences are all kept, so
// styles still end where they should.
func fitLine(s string, width int) string { return fitCells(s, width, true) }

// cutLine cuts a drawn line to at most width cells, as fitLine does, but lets text of
// uncertain width fill the row: for a line that is not the pane's last column.
func cutLine(s string, width int) string { return fitCells(s, width, false) }

func fitCells(s string, width int, strict bool) string {
	if !needsFit(s, width) {
		return s
	}
	// Most lines with wide or unusual text fit: measured first, they are returned as they
	// are, not copied piece by piece.
	if cells, sure := drawnCells(s); cells <= width && (!strict || sure || cells < width) {
		return s
	}
	return cutCells(s, width, strict)
}

// cutCells is fitCells for a line that may not fit: it copies s piece by piece, leaving
// out the text past the cut.
func cutCells(s string, width int, strict bool) string {
	var (
		b         strings.Builder
		cells     int
		sure      = true
		state     byte
		cut       bool
		keepFirst = -1 // the length of b before the text past width-1 cells
	)
	b.Grow(len(s))
	for rest := s; rest != ""; {
		seq, gw, n, next := ansi.DecodeSequence(rest, state, nil)
		state, rest = next, rest[n:]
		if gw == 0 && !isText(seq) {
			b.WriteString(seq) // an escape sequence or a control: no cell
			continue
		}
		if cut {
			continue
		}
		w, ok := clusterCells(seq)
		if cells+w > width {
			cut = true
			continue
		}
		if keepFirst < 0 && cells+w > width-1 {
			keepFirst = b.Len()
		}
		sure = sure && ok
		b.WriteString(seq)
		cells += w
	}
	out := b.String()
	if strict && !sure && cells >= width && keepFirst >= 0 {
		// Drop the text past width-1 cells, keeping the escape sequences after it.
		out = out[:keepFirst] + keepEscapes(out[keepFirst:])
	}
	return out
}

// drawnCells is how many cells a drawn line (which may hold escape sequences) takes at
// most, and whether the terminals agree on it, as fitCells counts them.
func drawnCells(s string) (cells int, sure bool) {
	sure = true
	var state byte
	for rest := s; rest != ""; {
		seq, gw, n, next := ansi.DecodeSequence(rest, state, nil)
		state, rest = next, rest[n:]
		if gw == 0 && !isText(seq) {
			continue
		}
		w, ok := clusterCells(seq)
		cells, sure = cells+w, sure && ok
	}
	return cells, sure
}

// needsFit says whether s could be too wide: a line of printable ASCII and escapes that
// fits by x/ansi's count is the common case and is left alone quickly.
func needsFit(s string, width int) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return true
		}
	}
	return ansi.StringWidth(s) > width
}

// isText says whether a piece DecodeSequence returned is text rather than a sequence.
func isText(seq string) bool {
	r, _ := utf8.DecodeRuneInString(seq)
	return r >= 0x20 && r != 0x7f && !(r >= 0x80 && r < 0xa0)
}

// keepEscapes returns the escape sequences of s without its text.
func keepEscapes(s string) string {
	var b strings.Builder
	var state byte
	for s != "" {
		seq, gw, n, next := ansi.DecodeSequence(s, state, nil)
		state, s = next, s[n:]
		if gw == 0 && !isText(seq) {
			b.WriteString(seq)
		}
	}
	return b.String()
}

// truncateCells cuts plain text to at most w cells as cellWidth counts them, ending it
// with tail when it cut.
func truncateCells(s string, w int, tail string) string {
	if cellWidth(s) <= w {
		return s
	}
	room := w - cellWidth(tail)
	if room < 0 {
		return ""
	}
	cells := 0
	for i := 0; i < len(s); {
		c, _ := ansi.FirstGraphemeCluster(s[i:], ansi.GraphemeWidth)
		cw, _ := clusterCells(c)
		if cells+cw > room {
			return s[:i] + tail
		}
		cells += cw
		i += len(c)
	}
	return s
}

// drawBox draws content inside the border and horizontal padding of st, width cells wide
// in all. It pads each row by the cells the terminal gives it: lipgloss pads by grapheme
// width, which would leave a row of Hindi wider than the box and cut off its right edge.
// While a row holds text of uncertain width the box is a cell narrower, so that its right
// edge keeps off the pane's last column.
func drawBox(r *lipgloss.Renderer, st lipgloss.Style, width int, content string) string {
	lines := strings.Split(content, "\n")
	for _, l := range lines {
		if _, sure := textCells(ansi.Strip(l)); !sure {
			width--
			break
		}
	}
	b := st.GetBorderStyle()
	edge := r.NewStyle().Foreground(st.GetBorderTopForeground())
	left, right := st.GetPaddingLeft(), st.GetPaddingRight()
	inner := max(width-2-left-right, 0)
	out := make([]string, 0, len(lines)+2)
	out = append(out, edge.Render(b.TopLeft+strings.Repeat(b.Top, max(width-2, 0))+b.TopRight))
	for _, l := range lines {
		l = cutLine(l, inner)
		pad := max(inner-cellWidth(ansi.Strip(l)), 0)
		out = append(out, edge.Render(b.Left)+strings.Repeat(" ", left)+l+strings.Repeat(" ", pad+right)+edge.Render(b.Right))
	}
	out = append(out, edge.Render(b.BottomLeft+strings.Repeat(b.Bottom, max(width-2, 0))+b.BottomRight))
	return strings.Join(out, "\n")
}
