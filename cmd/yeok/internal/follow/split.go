package follow

import (
	"bytes"
	"unicode/utf8"
)

// emitFunc receives one line's text (without its terminator) and whether it was cut at
// MaxLine. The slice is only valid during the call. It returns false when following has
// ended and no more lines are wanted.
type emitFunc func(text []byte, truncated bool) bool

// splitter turns a byte stream fed in arbitrary chunks into lines. It keeps at most
// max+1 bytes of an unfinished line, so a line without a newline never grows memory
// without bound: once it is known to be longer than max it is emitted cut, and the rest of
// it, up to its newline, is skipped.
type splitter struct {
	max      int
	pending  []byte // the unfinished line so far, at most max+1 bytes
	skipping bool   // the rest of a line already emitted cut is being discarded
}

// feed splits p into lines, calling emit for each complete one. It returns false as soon
// as emit does.
func (s *splitter) feed(p []byte, emit emitFunc) bool {
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if s.skipping {
			if i < 0 {
				return true
			}
			s.skipping = false
			p = p[i+1:]
			continue
		}
		if i < 0 {
			return s.hold(p, emit)
		}
		line := p[:i]
		p = p[i+1:]
		if len(s.pending) > 0 {
			s.pending = append(s.pending, line...)
			line = s.pending
		}
		text, truncated := trimCR(line), false
		if len(text) > s.max {
			text, truncated = cut(text, s.max), true
		}
		ok := emit(text, truncated)
		s.pending = s.pending[:0]
		if !ok {
			return false
		}
	}
	return true
}

// hold keeps p, which holds no newline, as part of the unfinished line. When the line is
// now known to be longer than max it is emitted cut at once rather than waiting for a
// newline that may be far away.
func (s *splitter) hold(p []byte, emit emitFunc) bool {
	room := s.max + 2 - len(s.pending)
	if room > len(p) {
		room = len(p)
	}
	s.pending = append(s.pending, p[:room]...)
	if !s.tooLong() {
		return true
	}
	text := cut(s.pending, s.max)
	ok := emit(text, true)
	s.pending = s.pending[:0]
	s.skipping = true
	return ok
}

// tooLong reports whether the unfinished line is certainly longer than max. A line of
// exactly max bytes followed by a '\r' may still end in "\r\n", so it is not yet too long.
func (s *splitter) tooLong() bool {
	n := len(s.pending)
	return n > s.max+1 || (n == s.max+1 && s.pending[s.max] != '\r')
}

// flush ends the unfinished line, because its input ended (a pipe closed, or the file it
// came from was truncated or replaced, so no newline will ever complete it there). A line
// already emitted cut is not emitted again.
func (s *splitter) flush(emit emitFunc) bool {
	text := trimCR(s.pending)
	skipping := s.skipping
	s.pending = s.pending[:0]
	s.skipping = false
	if skipping || len(text) == 0 {
		return true
	}
	truncated := false
	if len(text) > s.max {
		text, truncated = cut(text, s.max), true
	}
	return emit(text, truncated)
}

// trimCR drops one trailing '\r', so "\r\n" endings give the same text as "\n".
func trimCR(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\r' {
		return b[:n-1]
	}
	return b
}

// cut shortens b, which is longer than max, to at most max bytes. It cuts before a UTF-8
// character that the max-th byte would split, so a cut line stays valid text when the line
// was; bytes that are not valid UTF-8 are cut exactly at max.
func cut(b []byte, max int) []byte {
	start := max
	for start > 0 && start > max-utf8.UTFMax && !utf8.RuneStart(b[start]) {
		start--
	}
	if start == max || !utf8.RuneStart(b[start]) {
		return b[:max]
	}
	rest := b[start:]
	if !utf8.FullRune(rest) {
		return b[:start] // a character cut short by the end of what arrived so far
	}
	if r, size := utf8.DecodeRune(rest); r != utf8.RuneError && start+size > max {
		return b[:start]
	}
	return b[:max]
}
