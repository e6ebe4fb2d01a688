package model

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Redacted is what Redact puts where a secret was.
const Redacted = "[redacted]"

// SecretFragment is the length in bytes of the shortest piece of a secret Redact replaces on
// its own: that much of a key left in a message, say after a hostile escape sequence
// swallowed its first character, gives too much of it away.
const SecretFragment = 8

// redactRounds bounds how often Redact looks again after replacing: a cut can change how
// the escape sequences around it parse, so what is left is checked once more.
const redactRounds = 4

// Redact returns s as SanitizeLine would, with every secret, and every piece of one at least
// SecretFragment bytes long, replaced by Redacted. Secrets are looked for in the text a
// person reads with its whitespace taken out, so a secret split by an escape sequence, a
// control, an invisible character, invalid UTF-8 or a line break is found too: the raw text
// from its first character to its last is replaced, whatever lies in between. Masking before
// sanitising is not enough, since sanitising joins the pieces.
func Redact(s string, secrets []string) string {
	if len(secrets) == 0 {
		return SanitizeLine(s)
	}
	var marks []span
	for range redactRounds {
		spans := secretSpans(s, marks, secrets)
		if len(spans) == 0 {
			return SanitizeLine(s)
		}
		s, marks = replaceSpans(s, marks, spans)
	}
	if len(secretSpans(s, marks, secrets)) > 0 {
		return Redacted
	}
	return SanitizeLine(s)
}

// span is a byte range [start, end) of a string.
type span struct{ start, end int }

// skeleton is the text Sanitize keeps of a string without its whitespace, and for each of
// its bytes the span of the string its rune came from, together with whatever was dropped
// just before it: so no escape sequence is left open before a Redacted put in its place. A
// Redacted already put in is one NUL byte, which no secret's skeleton has, so it is never
// taken for a piece of a secret.
type skeleton struct {
	text  string
	spans []span
}

// skeletonOf builds the skeleton of s, in which marks (sorted) are Redacted put in earlier.
func skeletonOf(s string, marks []span) skeleton {
	var b []byte
	var spans []span
	from := 0 // the end of the last rune kept
	for i := 0; i < len(s); {
		if len(marks) > 0 && marks[0].start == i {
			b = append(b, 0)
			spans = append(spans, marks[0])
			i, from, marks = marks[0].end, marks[0].end, marks[1:]
			continue
		}
		r, next := nextKept(s, i)
		switch {
		case r == dropped:
		case unicode.IsSpace(r):
			from = next
		default:
			b = utf8.AppendRune(b, r)
			for range utf8.RuneLen(r) {
				spans = append(spans, span{from, next})
			}
			from = next
		}
		i = next
	}
	return skeleton{text: string(b), spans: spans}
}

// secretSpans returns the spans of s that show a secret or a piece of one, sorted and
// merged.
func secretSpans(s string, marks []span, secrets []string) []span {
	sk := skeletonOf(s, marks)
	var out []span
	add := func(at, n int) { out = append(out, span{sk.spans[at].start, sk.spans[at+n-1].end}) }
	for _, secret := range secrets {
		want := skeletonOf(secret, nil).text
		switch {
		case want == "":
		case len(want) < SecretFragment:
			for at := 0; ; at++ {
				i := strings.Index(sk.text[at:], want)
				if i < 0 {
					break
				}
				at += i
				add(at, len(want))
			}
		default:
			pieces := make(map[string]bool, len(want))
			for i := 0; i+SecretFragment <= len(want); i++ {
				pieces[want[i:i+SecretFragment]] = true
			}
			for at := 0; at+SecretFragment <= len(sk.text); at++ {
				if pieces[sk.text[at:at+SecretFragment]] {
					add(at, SecretFragment)
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b span) int { return a.start - b.start })
	merged := out[:0]
	for _, sp := range out {
		if n := len(merged); n > 0 && sp.start <= merged[n-1].end {
			merged[n-1].end = max(merged[n-1].end, sp.end)
			continue
		}
		merged = append(merged, sp)
	}
	return merged
}

// replaceSpans replaces each of the sorted, disjoint spans of s with Redacted and returns
// the new text with the spans of all its Redacted, the earlier marks included.
func replaceSpans(s string, marks, spans []span) (string, []span) {
	var b strings.Builder
	var out []span
	last := 0
	put := func(sp span, text string) {
		b.WriteString(s[last:sp.start])
		start := b.Len()
		b.WriteString(text)
		out = append(out, span{start, b.Len()})
		last = sp.end
	}
	for len(marks) > 0 || len(spans) > 0 {
		// A new span can cover earlier marks; it never cuts one, since spans start after a
		// kept rune or a mark and end with a kept rune.
		if len(spans) > 0 && (len(marks) == 0 || spans[0].start <= marks[0].start) {
			sp := spans[0]
			spans = spans[1:]
			for len(marks) > 0 && marks[0].start < sp.end {
				marks = marks[1:]
			}
			put(sp, Redacted)
			continue
		}
		put(marks[0], s[marks[0].start:marks[0].end])
		marks = marks[1:]
	}
	b.WriteString(s[last:])
	return b.String(), out
}
