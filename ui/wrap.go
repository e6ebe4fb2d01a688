package ui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// wrapText breaks sanitised text (no escape sequences) into lines no wider than width cells
// as cellWidth counts them.
// It breaks at the last space that fits; a run without spaces (Chinese, Japanese, a long URL)
// breaks at the edge, between grapheme clusters, so nothing is ever cut off. A space at a
// break is dropped; every other character survives. Newlines in s always break.
func wrapText(s string, width int) []string {
	width = max(width, 2)
	paras := strings.Split(s, "\n")
	out := make([]string, 0, len(paras))
	for _, p := range paras {
		if cellWidth(p) <= width {
			out = append(out, strings.TrimRight(p, " "))
			continue
		}
		w := newWrapper(width)
		w.clusters(p, true)
		w.endParagraph()
		out = append(out, w.done...)
	}
	return out
}

// wrapper wraps text that arrives in pieces, as a stream's does, into the lines wrapText
// gives for the whole: feeding it the text in any number of pieces ends in the same lines.
// Lines already broken cannot change as text is appended, so each piece costs only its own
// length, not the length of everything before it.
type wrapper struct {
	width int
	done  []string // the lines no later text can change
	// pending is the text's last grapheme cluster, held until the next piece shows where
	// it ends (a combining mark or a joiner may still follow).
	pending   string
	line      []byte // the line being filled
	lineW     int    // its width in cells
	lastSpace int    // byte offset in line of its last space, or -1
	widthAt   int    // the width of line up to lastSpace
	broken    bool   // a break happened in this paragraph
}

func newWrapper(width int) *wrapper {
	return &wrapper{width: max(width, 2), lastSpace: -1}
}

// feed appends s to the text.
func (w *wrapper) feed(s string) {
	s, w.pending = w.pending+s, ""
	for {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			w.clusters(s, false)
			return
		}
		w.clusters(s[:i], true)
		w.endParagraph()
		s = s[i+1:]
	}
}

// lines returns the lines of the text followed by extra, which is not kept: done, which
// later text leaves as they are (and which the caller must not change), and tail, the
// lines after them as the text stands now.
func (w *wrapper) lines(extra string) (done, tail []string) {
	t := *w
	t.done, t.pending = nil, ""
	t.line = append([]byte(nil), w.line...)
	t.feed(w.pending + extra)
	t.clusters(t.pending, true)
	t.endParagraph()
	return w.done, t.done
}

// clusters adds the grapheme clusters of s, a piece of one paragraph; unless final, the
// last is held back in pending.
func (w *wrapper) clusters(s string, final bool) {
	for rest := s; rest != ""; {
		cluster, _ := ansi.FirstGraphemeCluster(rest, ansi.GraphemeWidth)
		if !final && len(cluster) == len(rest) {
			w.pending = rest
			return
		}
		rest = rest[len(cluster):]
		cw, _ := clusterCells(cluster)
		w.add(cluster, cw)
	}
}

// add places one grapheme cluster of width cw.
func (w *wrapper) add(cluster string, cw int) {
	if cluster == " " {
		switch {
		case w.lineW+1 > w.width:
			w.flush() // the space falls on the break: drop it
		case len(w.line) == 0 && w.broken:
			// no leading space on a continuation line
		default:
			w.lastSpace, w.widthAt = len(w.line), w.lineW
			w.line = append(w.line, ' ')
			w.lineW++
		}
		return
	}
	if w.lineW+cw <= w.width {
		w.line = append(w.line, cluster...)
		w.lineW += cw
		return
	}
	if w.lastSpace >= 0 {
		// Break at the last space; the word after it moves down.
		w.done = append(w.done, strings.TrimRight(string(w.line[:w.lastSpace]), " "))
		w.broken = true
		w.line = append(w.line[:0], w.line[w.lastSpace+1:]...)
		w.lineW -= w.widthAt + 1
		w.lastSpace = -1
		if w.lineW+cw <= w.width {
			w.line = append(w.line, cluster...)
			w.lineW += cw
			return
		}
	}
	if w.lineW > 0 {
		w.flush()
	}
	w.line = append(w.line, cluster...)
	w.lineW = cw
}

// flush ends the line being filled.
func (w *wrapper) flush() {
	w.done = append(w.done, strings.TrimRight(string(w.line), " "))
	w.line = w.line[:0]
	w.lineW, w.lastSpace, w.broken = 0, -1, true
}

// endParagraph ends a paragraph: one that never broke is one line, even an empty one.
func (w *wrapper) endParagraph() {
	if !w.broken || len(w.line) > 0 {
		w.flush()
	}
	w.lineW, w.lastSpace, w.broken = 0, -1, false
}
