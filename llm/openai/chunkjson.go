package openai

// A stream carries one chunk per token or so, and decoding each with encoding/json costs its
// reflection and a string for every field it keeps, "chat.completion.chunk" included. The
// decoder in this file reads the fields of chunk straight from the bytes with jsonReader
// (jsonreader.go) and steps over the rest without keeping it, so a content chunk costs one
// string, the content's.
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

// choice reads one element of choices into ch, which is zero.
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
