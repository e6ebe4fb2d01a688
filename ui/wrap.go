package ui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// wrapText breaks sanitised text (no escape sequences) into lines no wider than width cells.
// It breaks at the last space that fits; a run without spaces (Chinese, Japanese, a long URL)
// breaks at the edge, between grapheme clusters, so nothing is ever cut off. A space at a
// break is dropped; every other character survives. Newlines in s always break.
func wrapText(s string, width int) []string {
	width = max(width, 2)
	paras := strings.Split(s, "\n")
	out := make([]string, 0, len(paras))
	for _, p := range paras {
		out = wrapParagraph(out, p, width)
	}
	return out
}

// wrapParagraph appends the wrapped lines of one paragraph (no newlines) to out.
func wrapParagraph(out []string, p string, width int) []string {
	if ansi.StringWidth(p) <= width {
		return append(out, strings.TrimRight(p, " "))
	}
	var (
		line      strings.Builder
		lineW     int
		lastSpace = -1 // byte offset in line of the last space, or -1
		widthAt   int  // width of line up to lastSpace
		broken    bool // a break happened in this paragraph
	)
	flush := func() {
		out = append(out, strings.TrimRight(line.String(), " "))
		line.Reset()
		lineW, lastSpace, broken = 0, -1, true
	}
	for rest := p; rest != ""; {
		cluster, w := ansi.FirstGraphemeCluster(rest, ansi.GraphemeWidth)
		rest = rest[len(cluster):]
		if cluster == " " {
			if lineW+1 > width {
				flush() // the space falls on the break: drop it
				continue
			}
			if line.Len() == 0 && broken {
				continue // no leading space on a continuation line
			}
			lastSpace, widthAt = line.Len(), lineW
			line.WriteByte(' ')
			lineW++
			continue
		}
		if lineW+w <= width {
			line.WriteString(cluster)
			lineW += w
			continue
		}
		if lastSpace >= 0 {
			// Break at the last space; the word after it moves down.
			cur := line.String()
			head, tail := cur[:lastSpace], cur[lastSpace+1:]
			out = append(out, strings.TrimRight(head, " "))
			broken = true
			line.Reset()
			line.WriteString(tail)
			lineW -= widthAt + 1
			lastSpace = -1
			if lineW+w <= width {
				line.WriteString(cluster)
				lineW += w
				continue
			}
		}
		if lineW > 0 {
			flush()
		}
		line.WriteString(cluster)
		lineW = w
	}
	if line.Len() > 0 {
		flush()
	}
	return out
}
