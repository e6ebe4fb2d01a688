package ui

import (
	"slices"
	"strings"
)

// scrollback is the transcript pane. Each block caches its wrapped lines per width, and the
// view walks back from the bottom (or from the anchor, when scrolled up) only as far as the
// pane is tall, so drawing costs O(visible lines) however long the history is.
//
// The scroll position is an anchor: the block and line shown on the pane's last row. While
// follow is set the anchor is the end of the transcript and new text keeps it in view.
type scrollback struct {
	blocks     []*block
	lastEntry  int // index of the newest entry block, -1 when none
	width      int
	height     int
	follow     bool
	anchor     int
	anchorLine int
	look       look
}

func newScrollback(lk look) *scrollback {
	return &scrollback{follow: true, lastEntry: -1, look: lk}
}

// add appends a block at the bottom.
func (s *scrollback) add(b *block) {
	s.blocks = append(s.blocks, b)
	if b.kind == blockEntry {
		s.lastEntry = len(s.blocks) - 1
	}
}

// insert puts a block at index i, moving the ones from i down, and keeps the view where
// it was.
func (s *scrollback) insert(i int, b *block) {
	i = min(max(i, 0), len(s.blocks))
	s.blocks = append(s.blocks, nil)
	copy(s.blocks[i+1:], s.blocks[i:])
	s.blocks[i] = b
	if b.kind == blockEntry && i > s.lastEntry {
		s.lastEntry = i
	} else if s.lastEntry >= i {
		s.lastEntry++
	}
	if !s.follow && s.anchor >= i {
		s.anchor++
	}
}

// indexOf returns the index of b, or -1.
func (s *scrollback) indexOf(b *block) int {
	for i := len(s.blocks) - 1; i >= 0; i-- {
		if s.blocks[i] == b {
			return i
		}
	}
	return -1
}

// lastGroup returns the newest line that is not queued: its one block, or for a line sent
// into several targets the newest block of each target (a retried target's newest try),
// in the order they stand. nil when there is none.
func (s *scrollback) lastGroup() []*block {
	i := s.lastEntry
	for i >= 0 && (s.blocks[i].kind != blockEntry || s.blocks[i].queued) {
		i--
	}
	if i < 0 {
		return nil
	}
	g := s.blocks[i].entry.Group
	if g == 0 {
		return []*block{s.blocks[i]}
	}
	var out []*block
	seen := map[string]bool{}
	for j := i; j >= 0 && i-j < 200; j-- {
		b := s.blocks[j]
		if b.kind != blockEntry || b.queued {
			continue
		}
		if b.entry.Group != g {
			break
		}
		if to := string(b.entry.To); !seen[to] {
			seen[to] = true
			out = append(out, b)
		}
	}
	for l, r := 0, len(out)-1; l < r; l, r = l+1, r-1 {
		out[l], out[r] = out[r], out[l]
	}
	return out
}

// reset replaces the whole transcript and scrolls to its end.
func (s *scrollback) reset(blocks []*block) {
	s.blocks, s.lastEntry, s.follow = nil, -1, true
	for _, b := range blocks {
		s.add(b)
	}
}

// last returns the newest entry block, or nil.
func (s *scrollback) last() *block {
	if s.lastEntry < 0 {
		return nil
	}
	return s.blocks[s.lastEntry]
}

// empty reports whether there is nothing to show.
func (s *scrollback) empty() bool { return len(s.blocks) == 0 }

func (s *scrollback) linesOf(i int) []string {
	return s.blocks[i].lines(s.width, i == s.lastEntry, s.look)
}

// position returns the block and line on the pane's last row.
func (s *scrollback) position() (int, int) {
	if s.follow || s.anchor >= len(s.blocks) {
		i := len(s.blocks) - 1
		return i, len(s.linesOf(i)) - 1
	}
	return s.anchor, min(s.anchorLine, len(s.linesOf(s.anchor))-1)
}

// setSize re-wraps for a new size, keeping the anchored text in view (and the bottom in
// view when following).
func (s *scrollback) setSize(width, height int) {
	if width != s.width && !s.follow && s.anchor < len(s.blocks) && s.width > 0 {
		before := len(s.linesOf(s.anchor))
		s.width = width
		after := len(s.linesOf(s.anchor))
		s.anchorLine = min(s.anchorLine*after/max(before, 1), after-1)
	}
	s.width, s.height = width, height
	if !s.follow {
		s.clampTop()
	}
}

// scrollUp moves the view n lines towards older text.
func (s *scrollback) scrollUp(n int) {
	if len(s.blocks) == 0 || n <= 0 {
		return
	}
	i, line := s.position()
	for n > 0 {
		if line >= n {
			line -= n
			break
		}
		n -= line + 1
		if i == 0 {
			line = 0
			break
		}
		i--
		line = len(s.linesOf(i)) - 1
	}
	s.follow, s.anchor, s.anchorLine = false, i, line
	s.clampTop()
}

// scrollDown moves the view n lines towards newer text, following again at the end.
func (s *scrollback) scrollDown(n int) {
	if s.follow || n <= 0 {
		return
	}
	i, line := s.position()
	for n > 0 {
		count := len(s.linesOf(i))
		if line+n < count {
			line += n
			break
		}
		if i == len(s.blocks)-1 {
			s.follow = true
			return
		}
		n -= count - line
		i++
		line = 0
	}
	s.anchor, s.anchorLine = i, line
	if i == len(s.blocks)-1 && line == len(s.linesOf(i))-1 {
		s.follow = true
	}
}

// clampTop keeps the pane full: an anchor so near the top that rows would stay empty
// above the first line moves down. It looks back at most height lines.
func (s *scrollback) clampTop() {
	i, line := s.position()
	have := line + 1
	for j := i - 1; j >= 0 && have < s.height; j-- {
		have += len(s.linesOf(j))
	}
	if have < s.height {
		s.scrollDown(s.height - have)
	}
}

// view draws the visible window, bottom-aligned.
func (s *scrollback) view() string { return strings.Join(s.appendRows(nil), "\n") }

// appendRows appends the visible window's s.height rows to dst, bottom-aligned.
func (s *scrollback) appendRows(dst []string) []string {
	if s.height <= 0 {
		return append(dst, "") // as an empty view is one empty line
	}
	start := len(dst)
	dst = slices.Grow(dst, s.height)[:start+s.height]
	rows := dst[start:]
	clear(rows)
	if len(s.blocks) > 0 {
		n := s.height
		i, line := s.position()
		for i >= 0 && n > 0 {
			ls := s.linesOf(i)
			if line < 0 || line >= len(ls) {
				line = len(ls) - 1
			}
			for ; line >= 0 && n > 0; line-- {
				n--
				rows[n] = ls[line]
			}
			i, line = i-1, -1
		}
	}
	return dst
}
