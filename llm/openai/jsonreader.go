package openai

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math/bits"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// jsonReader reads JSON text from b at i for the chunk decoder in chunkjson.go. Its methods
// return false when the text is not what they read, not valid JSON, or not certain to be
// read as encoding/json reads it; the decoder then gives up.
type jsonReader struct {
	b []byte
	i int
}

// maxSkipDepth is how deep the decoder follows arrays and objects it skips; encoding/json's
// limit is 10,000, and a deeper chunk than this is decoded by encoding/json.
const maxSkipDepth = 64

// textStop marks the bytes that end a run of a string's text: the quote, the backslash, and
// the control characters JSON allows only escaped.
var textStop = func() (t [256]bool) {
	for c := range ' ' {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

const (
	ones  = 0x0101010101010101 // one in each byte of a word
	highs = 0x8080808080808080 // the top bit of each byte
)

// textRun returns the index of the first byte from i that textStop marks, or len(b), and
// the bytes before it ORed together, whose top bit tells whether any is not ASCII.
//
// It reads eight bytes at a time as a word x, with the tricks of "Bit Twiddling Hacks": in
// x-ones, a byte below 0x80 gets its top bit only if it was zero, and in x-ones*' ' only if
// it was below a space; a byte that had its top bit already is masked out by &^x. So the
// lowest top bit left in stop is that of the first quote (zero after ^'"'), backslash or
// control character; the bits above it may be wrong, as a borrow runs on, and are not used.
func textRun(b []byte, i int) (int, uint64) {
	var seen uint64
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		q := x ^ (ones * '"')
		s := x ^ (ones * '\\')
		if stop := ((q-ones)&^q | (s-ones)&^s | (x-ones*' ')&^x) & highs; stop != 0 {
			n := bits.TrailingZeros64(stop) / 8
			return i + n, seen | x&(1<<(8*n)-1)
		}
		seen |= x
	}
	for ; i < len(b) && !textStop[b[i]]; i++ {
		seen |= uint64(b[i])
	}
	return i, seen
}

// space moves past whitespace.
func (r *jsonReader) space() {
	for r.i < len(r.b) && r.b[r.i] <= ' ' {
		switch r.b[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

// consume moves past c if it is the next byte.
func (r *jsonReader) consume(c byte) bool {
	if r.i < len(r.b) && r.b[r.i] == c {
		r.i++
		return true
	}
	return false
}

// null reports whether the next value starts like null.
func (r *jsonReader) null() bool { return r.i < len(r.b) && r.b[r.i] == 'n' }

// literal moves past the word s.
func (r *jsonReader) literal(s string) bool {
	if len(r.b)-r.i >= len(s) && string(r.b[r.i:r.i+len(s)]) == s {
		r.i += len(s)
		return true
	}
	return false
}

// next moves to the next member or element of an object or array whose opening bracket has
// been read: past the comma before any but the first, or past the closing bracket, when
// more is false.
func (r *jsonReader) next(first bool, closing byte) (more, ok bool) {
	r.space()
	if r.i >= len(r.b) {
		return false, false
	}
	c := r.b[r.i]
	if c == closing {
		r.i++
		return false, true
	}
	if !first {
		if c != ',' {
			return false, false
		}
		r.i++
		r.space()
	}
	return true, true
}

// member moves to the next member of an object the decoder reads and past its key and
// colon, and returns the key, which is ASCII without escapes: any other key might match a
// field in ways only encoding/json knows, so ok is false for it.
func (r *jsonReader) member(first bool) (key []byte, more, ok bool) {
	if more, ok = r.next(first, '}'); !more || !ok {
		return nil, more, ok
	}
	b := r.b
	if r.i >= len(b) || b[r.i] != '"' {
		return nil, false, false
	}
	start := r.i + 1
	i, seen := textRun(b, start)
	if i == len(b) || b[i] != '"' || seen&highs != 0 {
		return nil, false, false
	}
	key = b[start:i]
	r.i = i + 1
	r.space()
	if !r.consume(':') {
		return nil, false, false
	}
	r.space()
	return key, true, true
}

// other skips the value of a key that is none of keys. encoding/json would still fill a
// field with it if the key matched one without regard to case, so then it gives up.
func (r *jsonReader) other(key []byte, keys []string) bool {
	for _, k := range keys {
		if len(k) == len(key) && bytes.EqualFold(key, []byte(k)) {
			return false
		}
	}
	return r.skip(0)
}

// str reads a string into *dst; null leaves *dst as it is, as in encoding/json. With known,
// the values every stream repeats are given as constants, which cost no allocation.
func (r *jsonReader) str(dst *string, known bool) bool {
	if r.null() {
		return r.literal("null")
	}
	b := r.b
	if r.i >= len(b) || b[r.i] != '"' {
		return false
	}
	start := r.i + 1
	i, seen := textRun(b, start)
	if i < len(b) && b[i] == '"' && (seen&highs == 0 || utf8.Valid(b[start:i])) {
		// The common case: no escapes, valid UTF-8, so the bytes are the string.
		r.i = i + 1
		s := b[start:i]
		if known {
			if k, ok := knownValue(s); ok {
				*dst = k
				return true
			}
		}
		*dst = string(s)
		return true
	}
	end, ok := r.stringEnd(i)
	if !ok {
		return false
	}
	r.i = end + 1
	*dst = unquote(b[start:end], utf8.Valid(b[start:end]))
	return true
}

// stringEnd returns the index of the quote that closes the string, from i inside it,
// checking its escapes and that it has no control characters.
func (r *jsonReader) stringEnd(i int) (int, bool) {
	b := r.b
	for {
		i, _ = textRun(b, i)
		if i == len(b) {
			return 0, false
		}
		switch b[i] {
		case '"':
			return i, true
		case '\\':
			if i+1 == len(b) {
				return 0, false
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(b) || hex4(b[i+2:i+6]) < 0 {
					return 0, false
				}
				i += 6
			default:
				return 0, false
			}
		default:
			return 0, false // a control character
		}
	}
}

// hex4 returns the value of four hex digits, or -1.
func hex4(s []byte) rune {
	var r rune
	for _, c := range s[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}

// unquote returns the text of a string's body s, whose escapes stringEnd has checked, the
// way encoding/json does: a \u escape of half a surrogate pair and each byte of invalid
// UTF-8 become U+FFFD. valid tells that s is valid UTF-8, so that no byte needs replacing.
// The text is built in one buffer of the body's length, which it outgrows only with invalid
// UTF-8.
func unquote(s []byte, valid bool) string {
	var out strings.Builder
	out.Grow(len(s))
	for {
		i := bytes.IndexByte(s, '\\')
		if i < 0 {
			writeText(&out, s, valid)
			return out.String()
		}
		writeText(&out, s[:i], valid)
		s = s[i:]
		switch s[1] {
		case 'b':
			out.WriteByte('\b')
		case 'f':
			out.WriteByte('\f')
		case 'n':
			out.WriteByte('\n')
		case 'r':
			out.WriteByte('\r')
		case 't':
			out.WriteByte('\t')
		case 'u':
			rr := hex4(s[2:])
			s = s[6:]
			if utf16.IsSurrogate(rr) {
				// A pair needs the next escape; without it, or with one that is not its
				// other half, DecodeRune gives U+FFFD and the next escape stays.
				next := rune(-1)
				if len(s) >= 6 && s[0] == '\\' && s[1] == 'u' {
					next = hex4(s[2:])
				}
				if rr = utf16.DecodeRune(rr, next); rr != utf8.RuneError {
					s = s[6:]
				}
			}
			out.WriteRune(rr)
			continue
		default: // " \ /
			out.WriteByte(s[1])
		}
		s = s[2:]
	}
}

// writeText writes text without escapes, each byte of invalid UTF-8 in it as U+FFFD.
func writeText(out *strings.Builder, t []byte, valid bool) {
	if valid || utf8.Valid(t) {
		out.Write(t)
		return
	}
	for len(t) > 0 {
		rr, size := utf8.DecodeRune(t)
		out.WriteRune(rr) // RuneError for a byte of invalid UTF-8
		t = t[size:]
	}
}

// raw copies a value as it is, as json.RawMessage does; null is copied as "null".
func (r *jsonReader) raw(dst *json.RawMessage) bool {
	start := r.i
	if !r.skip(0) {
		return false
	}
	*dst = append(json.RawMessage(nil), r.b[start:r.i]...)
	return true
}

// skip moves past one value of any kind, checking that it is valid JSON.
func (r *jsonReader) skip(depth int) bool {
	if r.i >= len(r.b) {
		return false
	}
	switch r.b[r.i] {
	case '"':
		end, ok := r.stringEnd(r.i + 1)
		r.i = end + 1
		return ok
	case '{':
		if depth == maxSkipDepth {
			return false
		}
		r.i++
		for first := true; ; first = false {
			more, ok := r.next(first, '}')
			if !ok || !more {
				return ok
			}
			if r.i >= len(r.b) || r.b[r.i] != '"' {
				return false
			}
			end, ok := r.stringEnd(r.i + 1)
			if !ok {
				return false
			}
			r.i = end + 1
			r.space()
			if !r.consume(':') {
				return false
			}
			r.space()
			if !r.skip(depth + 1) {
				return false
			}
		}
	case '[':
		if depth == maxSkipDepth {
			return false
		}
		r.i++
		for first := true; ; first = false {
			more, ok := r.next(first, ']')
			if !ok || !more {
				return ok
			}
			if !r.skip(depth + 1) {
				return false
			}
		}
	case 't':
		return r.literal("true")
	case 'f':
		return r.literal("false")
	case 'n':
		return r.literal("null")
	}
	return r.number()
}

// number moves past a number, checking JSON's grammar for it.
func (r *jsonReader) number() bool {
	b, i := r.b, r.i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		i = digits(b, i)
	default:
		return false
	}
	if i < len(b) && b[i] == '.' {
		j := digits(b, i+1)
		if j == i+1 {
			return false
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digits(b, i)
		if j == i {
			return false
		}
		i = j
	}
	r.i = i
	return true
}

// digits returns the index after the digits from i.
func digits(b []byte, i int) int {
	for i < len(b) && '0' <= b[i] && b[i] <= '9' {
		i++
	}
	return i
}

// integer reads a plain integer of at most 18 digits into *dst; null leaves *dst as it is.
// encoding/json rejects a fraction or exponent for an int, even 1.0, and a number that
// overflows: the decoder gives up on more digits, and a fraction or exponent is left after
// the digits, where the object's loop finds no comma or brace and gives up.
func (r *jsonReader) integer(dst *int) bool {
	if r.null() {
		return r.literal("null")
	}
	b, i := r.b, r.i
	neg := i < len(b) && b[i] == '-'
	if neg {
		i++
	}
	start := i
	var n int64
	for i < len(b) && '0' <= b[i] && b[i] <= '9' {
		n = n*10 + int64(b[i]-'0')
		i++
	}
	if i == start || i-start > 18 || (b[start] == '0' && i-start > 1) {
		return false
	}
	if neg {
		n = -n
	}
	if int64(int(n)) != n {
		return false
	}
	*dst = int(n)
	r.i = i
	return true
}
