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
	ok := r.object(chunkKeys[:], func(key int) bool {
		switch key {
		case 0:
			return r.str(&c.Object, true)
		case 1:
			return r.str(&c.Message, false)
		case 2:
			return r.raw(&c.Error)
		case 3:
			return r.choices(&c.Choices)
		}
		return r.usage(&c.Usage)
	})
	r.space()
	return ok && r.i == len(r.b)
}

// object reads an object whose known keys are keys, calling field with the index in keys of
// each one it meets to read its value, and stepping over the values of the others. A known
// key met twice, or an unknown one that folds to a known one, gives up.
func (r *jsonReader) object(keys []string, field func(key int) bool) bool {
	if !r.consume('{') {
		return false
	}
	var seen uint8
	for first := true; ; first = false {
		name, more, ok := r.member(first)
		if !ok || !more {
			return ok
		}
		key := -1
		for i, k := range keys {
			if k == string(name) {
				key = i
				break
			}
		}
		if key < 0 {
			ok = r.other(name, keys)
		} else {
			ok = once(&seen, 1<<key) && field(key)
		}
		if !ok {
			return false
		}
	}
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
	return r.object(choiceKeys[:], func(key int) bool {
		switch key {
		case 0:
			return r.integer(&ch.Index)
		case 1:
			return r.delta(&ch.Delta)
		}
		return r.str(&ch.FinishReason, true)
	})
}

// delta reads a choice's delta; null leaves it as it is.
func (r *jsonReader) delta(d *chunkDelta) bool {
	if r.null() {
		return r.literal("null")
	}
	return r.object(deltaKeys[:], func(key int) bool {
		if key == 0 {
			return r.str(&d.Content, false)
		}
		return r.str(&d.Refusal, false)
	})
}

// usage reads the usage object into a new wireUsage; null makes *dst nil.
func (r *jsonReader) usage(dst **wireUsage) bool {
	if r.null() {
		*dst = nil
		return r.literal("null")
	}
	if r.i >= len(r.b) || r.b[r.i] != '{' {
		return false
	}
	u := new(wireUsage)
	*dst = u
	counts := [...]*int{&u.PromptTokens, &u.CompletionTokens, &u.TotalTokens}
	return r.object(usageKeys[:], func(key int) bool { return r.integer(counts[key]) })
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
