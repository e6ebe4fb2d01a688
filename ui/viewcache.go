package ui

import (
	"slices"
	"strconv"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/lipgloss"
	"github.com/yeok/yeok/model"
)

// viewCache keeps the drawn parts of the screen that a stream's frames leave as they are:
// the input box, the help, the status bar's left part and the small pieces of its right
// part. Each part is kept with every input it was drawn from and drawn again when one of
// them changes, so View stays a function of the model whatever is cached. The model holds
// it by pointer, since Bubble Tea copies the model on every Update; like the model, it is
// used from one goroutine.
type viewCache struct {
	input  inputCache
	help   helpCache
	status statusCache
	state  stateCache
	follow followCache
	pieces [maxPieces]piece
	next   int // the slot the next new piece takes
	fit    fitCache
}

// fitCache keeps the last frame's lines as fitLine left them, for a pane width: most lines
// of a frame are the previous frame's, and measuring a line's clusters costs far more than
// finding it. A line is looked for at the row it is drawn on and a few rows either side
// (the scrollback scrolls a row or two as a stream wraps); comparing strings costs less
// than hashing them, and a frame allocates no map. The slices of the frame before last
// are kept to put the next frame's lines in.
type fitCache struct {
	width  int
	rows   []string // the last frame's lines, as drawn
	fitted []string // the same, as fitLine left them

	spareRows, spareFitted []string // the frame before last's, to be written over
}

// fitReach is how many rows up or down a line is looked for in the last frame.
const fitReach = 4

// fit returns line i of a frame as fitLine leaves it, from the last frame when it had
// that line within fitReach rows.
func (f *fitCache) fit(l string, i, width int) string {
	for d := 0; d <= fitReach; d++ {
		if j := i - d; j >= 0 && j < len(f.rows) && f.rows[j] == l {
			return f.fitted[j]
		}
		if j := i + d; d > 0 && j < len(f.rows) && f.rows[j] == l {
			return f.fitted[j]
		}
	}
	return fitLine(l, width)
}

// frameBuffer returns an empty slice to put a frame's lines in, for fitLines. It holds
// no line of the last frame, which fitLines compares the new one with.
func (c *viewCache) frameBuffer() []string {
	clear(c.fit.spareRows)
	return c.fit.spareRows[:0]
}

// fitLines cuts every line of a drawn frame to the pane's width with fitLine: the last
// guard that none is wider on the screen than the pane, whichever script it shows. Lines
// of the previous frame are found, not measured again. fitLines keeps lines until the
// frame after next, and returns a slice it keeps as long.
func (c *viewCache) fitLines(lines []string, width int) []string {
	f := &c.fit
	if f.width != width {
		f.rows, f.fitted = f.rows[:0], f.fitted[:0]
	}
	clear(f.spareFitted)
	fitted := f.spareFitted[:0]
	for i, l := range lines {
		fitted = append(fitted, f.fit(l, i, width))
	}
	f.spareRows, f.rows = f.rows, lines
	f.spareFitted, f.fitted = f.fitted, fitted
	f.width = width
	return fitted
}

func newViewCache() *viewCache { return &viewCache{} }

// piece is a short text drawn in one style.
type piece struct {
	style     *lipgloss.Style
	text, out string
}

// maxPieces is how many pieces are kept (a spinner's frames, a few states); past it, the
// oldest is dropped and drawn again when needed.
const maxPieces = 32

// render is style.Render(text), drawn once. style must point into the model's Styles,
// which do not change.
func (c *viewCache) render(style *lipgloss.Style, text string) string {
	for i := range c.pieces {
		if p := &c.pieces[i]; p.style == style && p.text == text {
			return p.out
		}
	}
	out := style.Render(text)
	c.pieces[c.next] = piece{style: style, text: text, out: out}
	c.next = (c.next + 1) % maxPieces
	return out
}

// inputCache is the drawn input box and what it was drawn from.
type inputCache struct {
	ok    bool
	key   inputKey
	value []rune
	out   string
}

type inputKey struct {
	st                  *Styles
	width, height       int
	blurred             bool
	pos, inner          int
	focused             bool
	placeholder, prompt string
}

// inputView draws the input box.
func (m Model) inputView() string {
	c, e := &m.vc.input, m.input
	k := inputKey{
		st: m.styles, width: m.width, height: m.inputHeight, blurred: m.panel != panelChat,
		pos: e.pos, inner: e.width, focused: e.focused, placeholder: e.placeholder, prompt: e.prompt,
	}
	if c.ok && c.key == k && slices.Equal(c.value, e.value) {
		return c.out
	}
	box := m.styles.InputFocused
	if k.blurred {
		box = m.styles.InputBlurred
	}
	c.out = drawBox(m.cfg.Renderer, box, m.width, e.view(m.inputHeight))
	c.ok, c.key, c.value = true, k, append(c.value[:0], e.value...)
	return c.out
}

// helpCache is the help's lines and what they were drawn from: the width, whether the
// full help shows, and every binding's keys, description and state, written out in key.
type helpCache struct {
	ok      bool
	st      *Styles
	key     string
	scratch []byte
	lines   []string
}

// helpLines is the help of whatever has the focus, one string a row, cut to the width.
// The caller must not change the slice.
func (m Model) helpLines() []string {
	c, keys := &m.vc.help, m.helpKeys()
	b := c.scratch[:0]
	b = strconv.AppendInt(b, int64(m.width), 10)
	b = strconv.AppendBool(b, m.helpAll)
	if m.helpAll {
		for _, g := range keys.FullHelp() {
			b = appendBindings(append(b, '\n'), g)
		}
	} else {
		b = appendBindings(b, keys.ShortHelp())
	}
	c.scratch = b
	if c.ok && c.st == m.styles && c.key == string(b) {
		return c.lines
	}
	c.lines = m.drawHelpLines(keys)
	c.ok, c.st, c.key = true, m.styles, string(b)
	return c.lines
}

// appendBindings writes out what the help draws of bindings.
func appendBindings(b []byte, bindings []key.Binding) []byte {
	for _, kb := range bindings {
		h := kb.Help()
		b = strconv.AppendBool(append(b, 0), kb.Enabled())
		b = append(append(append(append(b, 0), h.Key...), 0), h.Desc...)
	}
	return b
}

// statusCache is the status bar's left part, brand to the gap before the state, and
// what it was drawn from.
type statusCache struct {
	ok     bool
	key    statusKey
	left   string
	leftW  int
	state  string // the state the line was last drawn with
	line   string
	lineOK bool
}

type statusKey struct {
	st                *Styles
	width, stateW     int
	from, to          model.Language
	modelName, script string
	flash             string
	flashErr          bool
}

// followCache is the follow progress line and what it was drawn from.
type followCache struct {
	ok   bool
	key  followKey
	line string
}

type followKey struct {
	st                               *Styles
	width                            int
	name                             string
	ended                            bool
	seen, translated, queued, failed int
}
