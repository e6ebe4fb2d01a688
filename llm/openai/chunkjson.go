package openai

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// A stream carries one chunk per token or so, and decoding each with encoding/json costs its
// reflection and a string for every field it keeps, "chat.completion.chunk" included. The
// decoder in this file reads the fields of chunk straight from the bytes and steps over the
// rest without keeping it, so a content chunk costs one string, the content's.
//
// It must give exactly what json.Unmarshal gives, errors included, so it only decodes what it
// is sure of and gives up on anything else, and parse then decodes the line again with
// json.Unmarshal. It gives up on text that is not JSON (so the error is encoding/json's own),
// on a value of the wrong type, on a number that is not a plain integer (encoding/json
// rejects 1.0 for an int), on a known key given twice (encoding/json keeps the last value,
// merged into the first when both are objects), on a key that matches a field only without
// regard to case or that is written with escapes or non-ASCII characters (encoding/json
// matches keys case-insensitively, with Unicode folding), and on values nested deeper than
// maxSkipDepth.

// maxSkipDepth is how deep the decoder follows arrays and objects it skips; encoding/json's
// limit is 10,000, and a deeper chunk than this is decoded by encoding/json.
const maxSkipDepth = 64

// The keys of each object the decoder reads, to tell a key that folds to one of them.
var (
	chunkKeys  = [...]string{"object", "message", "error", "choices", "usage"}
	choiceKeys = [...]string{"index", "delta", "finish_reason"}
	deltaKeys  = [...]string{"content", "refusal"}
	usageKeys  = [...]string{"prompt_tokens", "completion_tokens", "total_tokens"}
)

// decode decodes raw into c, which parse has just reset, and reports whether it could. When
// it could not, c may hold part of raw and must be reset again.
func (c *chunk) decode(raw []byte) bool {
	r := jsonReader{b: raw}
	r.space()
	if !r.consume('{') {
		return false
	}
	var seen uint8
	for first := true; ; first = false {
		key, more, ok := r.member(first)
		if !ok {
			return false
		}
		if !more {
			break
		}
		switch string(key) {
		case "object":
			ok = once(&seen, 1) && r.str(&c.Object, true)
		case "message":
			ok = once(&seen, 2) && r.str(&c.Message, false)
		case "error":
			ok = once(&seen, 4) && r.raw(&c.Error)
		case "choices":
			ok = once(&seen, 8) && r.choices(&c.Choices)
		case "usage":
			ok = once(&seen, 16) && r.usage(&c.Usage)
		default:
			ok = r.other(key, chunkKeys[:])
		}
		if !ok {
			return false
		}
	}
	r.space()
	return r.i == len(r.b)
}

// once sets bit in seen and reports whether it was clear: whether a key is met for the first
// time in its object.
func once(seen *uint8, bit uint8) bool {
	if *seen&bit != 0 {
		return false
	}
	*seen |= bit
	return true
}

// choices reads the choices array into *dst, reusing its storage as encoding/json does: the
// elements up to its capacity are zero (parse cleared them), so appending one gives a zero
// choice to fill.
func (r *jsonReader) choices(dst *[]chunkChoice) bool {
	if r.null() {
		*dst = nil
		return r.literal("null")
	}
	if !r.consume('[') {
		return false
	}
	choices := (*dst)[:0]
	for first := true; ; first = false {
		more, ok := r.next(first, ']')
		if !ok {
			return false
		}
		if !more {
			break
		}
		choices = append(choices, chunkChoice{})
		if r.null() {
			// A null element is a zero choice, as in encoding/json.
			ok = r.literal("null")
		} else {
			ok = r.choice(&choices[len(choices)-1])
		}
		if !ok {
			return false
		}
	}
	if choices == nil {
		choices = []chunkChoice{} // encoding/json gives an empty slice, not nil, for []
	}
	*dst = choices
	return true
}

func (r *jsonReader) choice(ch *chunkChoice) bool {
	if !r.consume('{') {
		return false
	}
	var seen uint8
	for first := true; ; first = false {
		key, more, ok := r.member(first)
		if !ok || !more {
			return ok
		}
		switch string(key) {
		case "index":
			ok = once(&seen, 1) && r.integer(&ch.Index)
		case "delta":
			ok = once(&seen, 2) && r.delta(&ch.Delta)
		case "finish_reason":
			ok = once(&seen, 4) && r.str(&ch.FinishReason, true)
		default:
			ok = r.other(key, choiceKeys[:])
		}
		if !ok {
			return false
		}
	}
}

// delta reads a choice's delta; null leaves it as it is.
func (r *jsonReader) delta(d *chunkDelta) bool {
	if r.null() {
		return r.literal("null")
	}
	if !r.consume('{') {
		return false
	}
	var seen uint8
	for first := true; ; first = false {
		key, more, ok := r.member(first)
		if !ok || !more {
			return ok
		}
		switch string(key) {
		case "content":
			ok = once(&seen, 1) && r.str(&d.Content, false)
		case "refusal":
			ok = once(&seen, 2) && r.str(&d.Refusal, false)
		default:
			ok = r.other(key, deltaKeys[:])
		}
		if !ok {
			return false
		}
	}
}

// usage reads the usage object into a new wireUsage; null makes *dst nil.
func (r *jsonReader) usage(dst **wireUsage) bool {
	if r.null() {
		*dst = nil
		return r.literal("null")
	}
	if !r.consume('{') {
		return false
	}
	u := new(wireUsage)
	*dst = u
	var seen uint8
	for first := true; ; first = false {
		key, more, ok := r.member(first)
		if !ok || !more {
			return ok
		}
		switch string(key) {
		case "prompt_tokens":
			ok = once(&seen, 1) && r.integer(&u.PromptTokens)
		case "completion_tokens":
			ok = once(&seen, 2) && r.integer(&u.CompletionTokens)
		case "total_tokens":
			ok = once(&seen, 4) && r.integer(&u.TotalTokens)
		default:
			ok = r.other(key, usageKeys[:])
		}
		if !ok {
			return false
		}
	}
}

// jsonReader reads JSON text from b at i. Its methods return false when the text is not
// what they read or not valid JSON; the decoder then gives up.
type jsonReader struct {
	b     []byte
	i     int
	upper bool // the last key read by member has an upper-case letter
}

// space moves past whitespace.
func (r *jsonReader) space() {
	for r.i < len(r.b) {
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
	r.upper = false
	for i := start; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			key = b[start:i]
			r.i = i + 1
			r.space()
			if !r.consume(':') {
				return nil, false, false
			}
			r.space()
			return key, true, true
		case c == '\\' || c < ' ' || c >= utf8.RuneSelf:
			return nil, false, false
		case 'A' <= c && c <= 'Z':
			r.upper = true
		}
	}
	return nil, false, false
}

// other skips the value of a key that is none of keys. encoding/json would still fill a
// field with it if the key matched one without regard to case, so then it gives up.
func (r *jsonReader) other(key []byte, keys []string) bool {
	if r.upper {
		for _, k := range keys {
			if bytes.EqualFold(key, []byte(k)) {
				return false
			}
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
	i := start
	var high byte // the bits of every byte, to tell whether any is not ASCII
	for i < len(b) {
		c := b[i]
		if c == '"' || c == '\\' || c < ' ' {
			break
		}
		high |= c
		i++
	}
	if i < len(b) && b[i] == '"' && (high < utf8.RuneSelf || utf8.Valid(b[start:i])) {
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
	*dst = unquote(b[start:end])
	return true
}

// knownValue returns the constant for the object and finish reason values servers send.
func knownValue(s []byte) (string, bool) {
	switch string(s) {
	case "chat.completion.chunk":
		return "chat.completion.chunk", true
	case "stop":
		return "stop", true
	case "length":
		return "length", true
	case "content_filter":
		return "content_filter", true
	case "tool_calls":
		return "tool_calls", true
	case "error":
		return "error", true
	}
	return "", false
}

// stringEnd returns the index of the quote that closes the string, from i inside it,
// checking its escapes and that it has no control characters.
func (r *jsonReader) stringEnd(i int) (int, bool) {
	b := r.b
	for i < len(b) {
		switch c := b[i]; {
		case c == '"':
			return i, true
		case c < ' ':
			return 0, false
		case c == '\\':
			if i+1 >= len(b) {
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
			i++
		}
	}
	return 0, false
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
// UTF-8 become U+FFFD. The text is built in one buffer of the body's length, which it
// outgrows only with invalid UTF-8.
func unquote(s []byte) string {
	var out strings.Builder
	out.Grow(len(s))
	done := 0 // s[:done] is written
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf && c != '\\' {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			rr, size := utf8.DecodeRune(s[i:])
			if rr != utf8.RuneError || size != 1 {
				i += size
				continue
			}
			out.Write(s[done:i])
			out.WriteRune(utf8.RuneError)
			i++
			done = i
			continue
		}
		out.Write(s[done:i])
		switch s[i+1] {
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
			rr := hex4(s[i+2:])
			i += 6
			if utf16.IsSurrogate(rr) {
				// A pair needs the next escape; without it, or with one that is not its
				// other half, DecodeRune gives U+FFFD and the next escape stays.
				next := rune(-1)
				if i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
					next = hex4(s[i+2:])
				}
				if rr = utf16.DecodeRune(rr, next); rr != utf8.RuneError {
					i += 6
				}
			}
			out.WriteRune(rr)
			done = i
			continue
		default: // " \ /
			out.WriteByte(s[i+1])
		}
		i += 2
		done = i
	}
	out.Write(s[done:])
	return out.String()
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
