package model

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Sanitize makes untrusted text (model output, server error bodies, other owners' data) safe
// to draw on a terminal. It removes whole escape sequences (CSI, OSC, DCS, SOS, PM, APC, in
// their 7-bit ESC forms and their 8-bit C1 forms), then keeps only newlines, tabs (turned into
// spaces) and graphic runes, dropping C0/C1 controls, carriage returns, bidi overrides and
// isolates, zero-width characters and invalid UTF-8.
//
// Apply it to the whole accumulated text when drawing, never to single deltas: a sequence can
// be split across two of them.
func Sanitize(s string) string {
	if isPlain(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		var r rune
		r, i = nextKept(s, i)
		switch r {
		case dropped:
		case '\t':
			b.WriteString("    ")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// dropped is what nextKept returns for text Sanitize removes.
const dropped rune = -1

// nextKept reads the rune or escape sequence at s[i] and returns the rune Sanitize keeps of
// it (a newline, a tab or a graphic rune) or dropped, and the index after it. Sanitize and
// Redact both walk text with it, so they agree on what a person sees.
func nextKept(s string, i int) (rune, int) {
	r, size := utf8.DecodeRuneInString(s[i:])
	switch {
	case r == 0x1b:
		return dropped, i + escapeLen(s[i:])
	case r == 0x9b: // 8-bit CSI
		return dropped, i + size + csiBodyLen(s[i+size:])
	case r == 0x90 || r == 0x98 || r == 0x9d || r == 0x9e || r == 0x9f: // DCS SOS OSC PM APC
		return dropped, i + size + stringBodyLen(s[i+size:])
	case r == utf8.RuneError && size <= 1, invisible(r):
		return dropped, i + size
	case r == '\n' || r == '\t' || unicode.IsGraphic(r):
		return r, i + size
	}
	return dropped, i + size
}

// SanitizeLine is Sanitize for text that must fit on one line, such as an error cause: runs
// of whitespace, newlines included, become one space.
func SanitizeLine(s string) string {
	return strings.Join(strings.Fields(Sanitize(s)), " ")
}

// isPlain reports whether s is printable ASCII and newlines only, the common case.
func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 0x20 && c != '\n') || c >= 0x7f {
			return false
		}
	}
	return true
}

// invisible reports bidi controls and zero-width runes that IsGraphic would let through or
// that reorder what a person sees.
func invisible(r rune) bool {
	switch {
	case r >= 0x200b && r <= 0x200f: // zero-width space, joiners, LRM, RLM
		return true
	case r >= 0x202a && r <= 0x202e: // bidi embeddings and overrides
		return true
	case r >= 0x2060 && r <= 0x206f: // word joiner, invisible operators, bidi isolates
		return true
	case r == 0xfeff || r == 0x061c || r == 0x180e || r == 0x00ad:
		return true
	}
	return false
}

// escapeLen returns the length of the escape sequence at the start of s (s[0] is ESC),
// unterminated sequences running to the end of s.
func escapeLen(s string) int {
	if len(s) < 2 {
		return len(s)
	}
	switch s[1] {
	case '[':
		return 2 + csiBodyLen(s[2:])
	case ']', 'P', 'X', '^', '_':
		return 2 + stringBodyLen(s[2:])
	}
	// Two-character sequences (ESC 7, ESC c, ...) and nF sequences (ESC ( B ...): skip
	// intermediates 0x20-0x2f and one final byte.
	n := 1
	for n < len(s) && s[n] >= 0x20 && s[n] <= 0x2f {
		n++
	}
	if n < len(s) && s[n] >= 0x30 && s[n] <= 0x7e {
		n++
	}
	return n
}

// csiBodyLen returns the length of a CSI's parameters, intermediates and final byte.
func csiBodyLen(s string) int {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 0x40 && c <= 0x7e:
			return i + 1
		case c >= 0x20 && c <= 0x3f:
		default:
			// Not part of a CSI (a control, a non-ASCII byte): the sequence is broken; end it
			// here and let the caller judge the byte on its own.
			return i
		}
	}
	return len(s)
}

// stringBodyLen returns the length of an OSC/DCS/SOS/PM/APC payload up to and including its
// terminator: BEL, ESC \ or the 8-bit ST (U+009C).
func stringBodyLen(s string) int {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == 0x07 || r == 0x9c:
			return i + size
		case r == 0x1b:
			if i+1 < len(s) && s[i+1] == '\\' {
				return i + 2
			}
			return i // a new sequence starts: the unterminated one ends here
		}
		i += size
	}
	return len(s)
}

// StableLen returns the length of the longest prefix of s that Sanitize would treat the same
// whatever text follows: it stops before an escape sequence or a UTF-8 rune that may still be
// incomplete at the end of s. A writer that streams deltas to a terminal sanitises s[:n],
// keeps s[n:] and prepends it to the next delta.
func StableLen(s string) int {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 && !utf8.FullRuneInString(s[i:]) {
			return i
		}
		n := 0
		switch {
		case r == 0x1b:
			n = escapeLen(s[i:])
		case r == 0x9b:
			n = size + csiBodyLen(s[i+size:])
		case r == 0x90 || r == 0x98 || r == 0x9d || r == 0x9e || r == 0x9f:
			n = size + stringBodyLen(s[i+size:])
		default:
			i += size
			continue
		}
		if i+n >= len(s) {
			return i
		}
		i += n
	}
	return len(s)
}
