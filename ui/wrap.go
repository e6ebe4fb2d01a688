package ui

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// wrapText breaks sanitised text (no escape sequences) into lines no wider than width cells
// as cellWidth counts them.
// It breaks at the last opportunity that fits: a space, or, in Chinese and Japanese, a
// place between two characters that the Unicode line-breaking rules (UAX #14) allow, so
// never before closing punctuation or a small kana nor after an opening bracket. A run
// with no opportunity (a long URL) breaks at the edge, between grapheme clusters, so
// nothing is ever cut off. A space at a break is dropped; every other character survives.
// Newlines in s always break.
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
	pending string
	line    []byte // the line being filled
	lineW   int    // its width in cells
	brk     int    // byte offset in line of its last break opportunity, or -1
	brkSkip int    // how many bytes at brk a break drops: 1 for a space, else 0
	widthAt int    // the width of line up to brk
	prev    string // the last cluster added to this paragraph
	broken  bool   // a break happened in this paragraph
}

func newWrapper(width int) *wrapper {
	return &wrapper{width: max(width, 2), brk: -1}
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
	prev := w.prev
	w.prev = cluster
	if cluster == " " {
		switch {
		case w.lineW+1 > w.width:
			w.flush() // the space falls on the break: drop it
		case len(w.line) == 0 && w.broken:
			// no leading space on a continuation line
		default:
			w.brk, w.brkSkip, w.widthAt = len(w.line), 1, w.lineW
			w.line = append(w.line, ' ')
			w.lineW++
		}
		return
	}
	if len(w.line) > 0 && ideographicBreak(prev, cluster) {
		w.brk, w.brkSkip, w.widthAt = len(w.line), 0, w.lineW
	}
	if w.lineW+cw <= w.width {
		w.line = append(w.line, cluster...)
		w.lineW += cw
		return
	}
	if w.brk >= 0 {
		// Break at the last opportunity; what follows it moves down.
		w.done = append(w.done, strings.TrimRight(string(w.line[:w.brk]), " "))
		w.broken = true
		w.line = append(w.line[:0], w.line[w.brk+w.brkSkip:]...)
		w.lineW -= w.widthAt + w.brkSkip
		w.brk = -1
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
	w.lineW, w.brk, w.broken = 0, -1, true
}

// endParagraph ends a paragraph: one that never broke is one line, even an empty one.
func (w *wrapper) endParagraph() {
	if !w.broken || len(w.line) > 0 {
		w.flush()
	}
	w.lineW, w.brk, w.broken, w.prev = 0, -1, false, ""
}

// ideographicBreak says whether a line may break between the clusters a and b because one
// of them is a Chinese or Japanese character (UAX #14 classes ID, and CJ taken as NS, as
// strict line breaking does): not before closing punctuation, a small kana or a
// prolonged sound mark, and not after an opening bracket. Korean breaks at spaces, as it
// is written.
func ideographicBreak(a, b string) bool {
	if a == "" || (a[0] < utf8.RuneSelf && b[0] < utf8.RuneSelf) {
		return false
	}
	ra, _ := utf8.DecodeRuneInString(a)
	rb, _ := utf8.DecodeRuneInString(b)
	if !ideographic(ra) && !ideographic(rb) {
		return false
	}
	return !strings.ContainsRune(noBreakBefore, rb) && !strings.ContainsRune(noBreakAfter, ra)
}

// ideographic says whether r is a Han character, kana or fullwidth punctuation, which a
// line may break around.
func ideographic(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana) ||
		(r >= 0x3000 && r <= 0x303f) || (r >= 0xff01 && r <= 0xff60)
}

// Characters a line may not start with (closing punctuation, small kana, iteration and
// prolonged sound marks, ASCII punctuation) or end with (opening brackets).
const (
	noBreakBefore = "、。，．：；！？）」』】〕〉》〙〗〛］｝・ー～々〻ゝゞヽヾぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ…‥" +
		".,:;!?)]}%\"'’”"
	noBreakAfter = "（「『【〔〈《〘〖〚［｛([{\"'‘“"
)
