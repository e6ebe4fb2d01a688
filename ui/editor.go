package ui

import (
	"strings"
	"unicode"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
)

// editor is the input box: a small multi-line text editor that wraps at its width by
// cells (so wide text never overflows) and grows with its content. The picker's filter
// is the single-line form.
type editor struct {
	value       []rune
	pos         int // cursor, an index into value
	width       int // cells of text per row
	single      bool
	focused     bool
	placeholder string
	prompt      string
	st          *editorStyles // shared by copies: styles never change
	keys        *KeyMap
}

type editorStyles struct {
	text, placeholder, cursor, prompt lipgloss.Style
}

// span is one visual row: value[start:end]; a newline ending the row sits at end.
type span struct{ start, end int }

func newEditor(keys *KeyMap, st editorStyles, placeholder string) editor {
	return editor{keys: keys, st: &st, placeholder: placeholder, focused: true, width: 20}
}

func (e editor) Value() string { return string(e.value) }

func (e *editor) SetValue(s string) {
	e.value = []rune(s)
	e.pos = len(e.value)
}

// empty reports an empty box without building its text.
func (e editor) empty() bool { return len(e.value) == 0 }

func (e *editor) Reset() { e.value, e.pos = nil, 0 }

// rows splits the value into visual rows. A final row filled to the edge gets an empty row
// after it, where the cursor goes.
func (e editor) rows() []span {
	w := max(e.width, 1)
	var rows []span
	start, cw := 0, 0
	for i, r := range e.value {
		if r == '\n' {
			rows = append(rows, span{start, i})
			start, cw = i+1, 0
			continue
		}
		rw := runeCells(r)
		if cw+rw > w && i > start {
			rows = append(rows, span{start, i})
			start, cw = i, 0
		}
		cw += rw
	}
	rows = append(rows, span{start, len(e.value)})
	if cw >= w {
		rows = append(rows, span{len(e.value), len(e.value)})
	}
	return rows
}

// rowCount is how many rows the value takes at the current width.
func (e editor) rowCount() int { return len(e.rows()) }

// cursorRow returns the row holding the cursor.
func (e editor) cursorRow(rows []span) int {
	for k, r := range rows {
		if e.pos < r.start || e.pos > r.end {
			continue
		}
		if e.pos == r.end && k+1 < len(rows) && rows[k+1].start == r.end {
			continue // end of a wrapped row: the cursor shows at the start of the next
		}
		return k
	}
	return len(rows) - 1
}

// update applies an editing key; ok is false when the key is not the editor's.
func (e editor) update(msg tea.KeyMsg) (editor, bool) {
	k := e.keys.Edit
	switch {
	case msg.Type == tea.KeyRunes && !msg.Alt, msg.Type == tea.KeySpace:
		e.insert(msg.Runes)
	case key.Matches(msg, e.keys.Newline) && !e.single:
		e.insert([]rune{'\n'})
	case key.Matches(msg, k.Left):
		e.pos = max(e.pos-1, 0)
	case key.Matches(msg, k.Right):
		e.pos = min(e.pos+1, len(e.value))
	case key.Matches(msg, k.WordLeft):
		e.pos = e.wordStart()
	case key.Matches(msg, k.WordRight):
		e.pos = e.wordEnd()
	case key.Matches(msg, k.LineStart):
		e.pos = e.lineStart()
	case key.Matches(msg, k.LineEnd):
		e.pos = e.lineEnd()
	case key.Matches(msg, k.Up):
		return e, e.moveRow(-1)
	case key.Matches(msg, k.Down):
		return e, e.moveRow(1)
	case key.Matches(msg, k.DeleteBack):
		e.cut(max(e.pos-1, 0), e.pos)
	case key.Matches(msg, k.DeleteForward):
		e.cut(e.pos, min(e.pos+1, len(e.value)))
	case key.Matches(msg, k.DeleteWordBack):
		e.cut(e.wordStart(), e.pos)
	case key.Matches(msg, k.DeleteToStart):
		e.cut(e.lineStart(), e.pos)
	case key.Matches(msg, k.DeleteToEnd):
		e.cut(e.pos, e.lineEnd())
	default:
		return e, false
	}
	return e, true
}

// insert adds typed or pasted runes at the cursor: CRLF and CR become newlines (spaces
// on one line), tabs become spaces, other controls are dropped.
func (e *editor) insert(rs []rune) {
	s := strings.ReplaceAll(string(rs), "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	clean := make([]rune, 0, len(s))
	for _, r := range s {
		switch {
		case r == '\n' && e.single:
			clean = append(clean, ' ')
		case r == '\n':
			clean = append(clean, r)
		case r == '\t':
			clean = append(clean, ' ', ' ', ' ', ' ')
		case unicode.IsControl(r):
		default:
			clean = append(clean, r)
		}
	}
	e.value = append(e.value[:e.pos], append(clean, e.value[e.pos:]...)...)
	e.pos += len(clean)
}

func (e *editor) cut(from, to int) {
	if from >= to {
		return
	}
	e.value = append(e.value[:from], e.value[to:]...)
	e.pos = from
}

func (e editor) lineStart() int {
	i := e.pos
	for i > 0 && e.value[i-1] != '\n' {
		i--
	}
	return i
}

func (e editor) lineEnd() int {
	i := e.pos
	for i < len(e.value) && e.value[i] != '\n' {
		i++
	}
	return i
}

func (e editor) wordStart() int {
	i := e.pos
	for i > 0 && unicode.IsSpace(e.value[i-1]) {
		i--
	}
	for i > 0 && !unicode.IsSpace(e.value[i-1]) {
		i--
	}
	return i
}

func (e editor) wordEnd() int {
	i := e.pos
	for i < len(e.value) && unicode.IsSpace(e.value[i]) {
		i++
	}
	for i < len(e.value) && !unicode.IsSpace(e.value[i]) {
		i++
	}
	return i
}

// moveRow moves the cursor one visual row up or down, keeping its column; false at the
// first or last row.
func (e *editor) moveRow(d int) bool {
	rows := e.rows()
	k := e.cursorRow(rows)
	if k+d < 0 || k+d >= len(rows) {
		return false
	}
	col := cells(e.value[rows[k].start:e.pos])
	r := rows[k+d]
	i, w := r.start, 0
	for i < r.end && w+runeCells(e.value[i]) <= col {
		w += runeCells(e.value[i])
		i++
	}
	e.pos = i
	return true
}

// view draws height rows, scrolled so that the cursor's row shows.
func (e editor) view(height int) string {
	height = max(height, 1)
	if len(e.value) == 0 && e.placeholder != "" {
		return e.placeholderView(height)
	}
	rows := e.rows()
	k := e.cursorRow(rows)
	top := max(k-height+1, 0)
	out := make([]string, 0, height)
	for i := top; i < top+height; i++ {
		line := ""
		if i < len(rows) {
			line = e.rowView(rows[i], i == k)
		}
		if i == top && e.prompt != "" {
			line = e.st.prompt.Render(e.prompt) + line
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

func (e editor) rowView(r span, hasCursor bool) string {
	if !hasCursor || !e.focused {
		return e.st.text.Render(string(e.value[r.start:r.end]))
	}
	under, after := " ", ""
	if e.pos < r.end {
		under, after = string(e.value[e.pos]), string(e.value[e.pos+1:r.end])
	}
	return e.st.text.Render(string(e.value[r.start:e.pos])) + e.st.cursor.Render(under) + e.st.text.Render(after)
}

// placeholderView shows the placeholder, dimmed, with the cursor on its first character.
func (e editor) placeholderView(height int) string {
	p := []rune(ansi.Truncate(e.placeholder, max(e.width-1, 1), "…"))
	line := e.st.prompt.Render(e.prompt)
	if e.focused {
		line += e.st.cursor.Inherit(e.st.placeholder).Render(string(p[:1])) + e.st.placeholder.Render(string(p[1:]))
	} else {
		line += e.st.placeholder.Render(string(p))
	}
	return line + strings.Repeat("\n", height-1)
}

// runeCells and cells count as tmux and xterm do, a code point at a time, so that a row
// of Hindi fills the box as the terminal draws it.
func runeCells(r rune) int { return codePointCells(r) }

func cells(rs []rune) int {
	n := 0
	for _, r := range rs {
		n += codePointCells(r)
	}
	return n
}
