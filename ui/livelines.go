package ui

import (
	"strings"

	"github.com/yeok/yeok/model"
)

// liveCache keeps what the entry in flight draws from one frame to the next, so that a
// frame costs what it adds, not what the whole answer so far costs: the source lines and
// the meta line, which do not change while the text streams, and the text's lines, wrapped
// and styled as they fill. It belongs to one block at one width and one set of styles.
type liveCache struct {
	width int
	st    *Styles
	text  ink // st.Translation, for the lines of the text

	head      []string // the blank line and the source lines, and the target's label
	headSrc   string   // the source they show
	headFocus bool     // whether the label shows the focus

	raw    string   // the raw text sanitised and wrapped so far
	wrap   *wrapper // its lines
	styled []string // wrap's done lines, indented and styled

	caret string // the caret after the text, drawn once

	meta    string // the meta line
	metaFor liveMeta
	metaOK  bool
}

// liveMeta is what the meta line of an entry in flight shows.
type liveMeta struct {
	from, to model.Language
	phase    phase
}

// renderLive draws the entry in flight at width from its cache, which it keeps.
func (b *block) renderLive(width int, lk look) []string {
	st, c := lk.st, b.lc
	if c == nil || c.width != width || c.st != st {
		c = &liveCache{width: width, st: st, text: newInk(st.Translation), caret: st.Caret.Render("▍")}
		b.lc = c
	}
	inner := max(width-4, 4)
	if c.head == nil || c.headSrc != b.entry.Source || c.headFocus != b.focused {
		c.head, c.headSrc, c.headFocus = b.head(inner, st), b.entry.Source, b.focused
	}
	done, tail := c.body(b.prefix+b.live.text, inner)
	if len(done) == 0 && len(tail) == 1 && tail[0] == "" {
		tail = nil // no text yet
	}
	out := make([]string, 0, len(c.head)+len(done)+len(tail)+4)
	out = append(append(out, c.head...), done...)
	for _, l := range tail {
		out = append(out, c.text.indented(bodyIndent, l))
	}
	if b.live.refusal == "" {
		switch {
		case len(done)+len(tail) == 0:
			out = append(out, bodyIndent+st.Waiting.Render("…"))
		case len(tail) > 0 && cellWidth(tail[len(tail)-1]) < inner:
			out[len(out)-1] += c.caret
		case len(tail) == 0 && cellWidth(c.wrap.done[len(c.wrap.done)-1]) < inner:
			out[len(out)-1] += c.caret
		default:
			out = append(out, bodyIndent+c.caret)
		}
	}
	out = refusalLines(out, b.live.refusal, inner, st)
	key := liveMeta{from: b.entry.From, to: b.entry.To, phase: b.live.phase}
	if !c.metaOK || c.metaFor != key {
		c.meta, c.metaFor, c.metaOK = bodyIndent+b.meta(width-len(bodyIndent)-1, false, lk), key, true
	}
	return append(out, c.meta)
}

// body sanitises and wraps raw at inner. A frame's text goes on from the last frame's, so
// only what it adds is sanitised and wrapped, and only lines not drawn before are styled;
// text that does not go on from it (a retry starting over) is taken afresh. The end of
// the text that may still change meaning (an escape sequence or a rune cut in two) is
// drawn as Sanitize draws it but taken again with the next frame. done are the finished
// lines, styled; tail the lines after them, plain.
func (c *liveCache) body(raw string, inner int) (done, tail []string) {
	if c.wrap == nil || !strings.HasPrefix(raw, c.raw) {
		c.wrap, c.raw, c.styled = newWrapper(inner), "", nil
	}
	rest := raw[len(c.raw):]
	n := model.StableLen(rest)
	c.wrap.feed(model.Sanitize(rest[:n]))
	c.raw = raw[:len(c.raw)+n]
	plain, tail := c.wrap.lines(model.Sanitize(rest[n:]))
	for _, l := range plain[len(c.styled):] {
		c.styled = append(c.styled, c.text.indented(bodyIndent, l))
	}
	return c.styled, tail
}
