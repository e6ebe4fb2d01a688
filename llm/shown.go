package llm

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/yeok/yeok/model"
)

// holdLimit is how much of an answer's first line is held back, at most, to see whether it
// is a preface ("Here is the translation:") before any of it is shown.
const holdLimit = 80

// shown decides what of an answer a person may see as it streams, for front doors that
// write text as it comes (pipe mode, follow). A reasoning block the answer starts with
// (<think>…</think>, however its tags are split across deltas) is never shown. The start of
// the answer after it is held back until its first line is complete, so that a preface
// line the model added is never shown; an answer held back whole is shown as hygiene
// cleaned it, when it ends. Events carry the result in Event.Show. Sanitising is the front
// door's, which knows whether it writes to a terminal.
type shown struct {
	source  string
	think   thinkState
	head    string // the start of the answer while undecided; the reasoning's last bytes inside it
	holding bool
	held    string
	// whole holds the answer back to its end: it starts with a preface and a quote, which
	// hygiene removes with its closing quote only once the answer is complete.
	whole bool
	// tail is the end of the answer shown so far, held back because it may be the start
	// of a closing source tag the model repeated (see stripDelimiters).
	tail string
}

// thinkState is where a stream stands with respect to a leading reasoning block.
type thinkState int

const (
	thinkUnsure thinkState = iota // the answer so far may still open a reasoning block
	thinkInside                   // inside the block: nothing is shown
	thinkAfter                    // the block closed: white space after it is dropped
	thinkPast                     // past any reasoning: the answer flows
	thinkNone                     // the answer had no reasoning block
)

func newShown(req model.Request) *shown {
	// A continuation goes on from text already shown: it has no preface or reasoning to drop.
	s := &shown{source: req.Source, holding: req.Continue == ""}
	if req.Continue != "" {
		s.think = thinkNone
	}
	return s
}

// delta takes a piece of the answer and returns what can be shown now.
func (s *shown) delta(text string) string {
	text = s.unthink(text)
	if s.holding && text != "" {
		text = s.hold(text)
	}
	if s.holding || text == "" {
		return ""
	}
	return s.flow(text)
}

// hold holds back the start of the answer, and returns it, without a preface or an opening
// source tag, once its first line is complete.
func (s *shown) hold(text string) string {
	s.held += text
	if loc := openDelimiter.FindStringIndex(s.held); loc != nil && loc[1] < len(s.held) && !hasDelimiter(s.source) {
		// A repeated tag, and text after it: what follows is the answer's start.
		s.held = s.held[loc[1]:]
	}
	if s.whole {
		return ""
	}
	nl := strings.IndexByte(s.held, '\n')
	switch {
	case nl >= 0 && strings.TrimSpace(s.held[nl+1:]) != "":
		out := s.held
		if rest, ok := stripPreface(s.source, out); ok {
			out = rest
		} else if out, ok = s.inline(out); !ok {
			return ""
		}
		s.holding, s.held = false, ""
		return out
	case nl < 0 && len(s.held) > holdLimit:
		out, ok := s.inline(s.held)
		if !ok {
			return ""
		}
		s.holding, s.held = false, ""
		return out
	}
	return ""
}

// closingPrefix matches text that is, or may grow into, a closing source tag.
var closingPrefix = regexp.MustCompile(`(?i)^<(?:/(?:s(?:o(?:u(?:r(?:c(?:e(?:-\d*)?>?)?)?)?)?)?)?)?$`)

// flow passes on the answer after its start, holding back an end that may be a closing
// source tag the model repeated, with the white space around it, and white space at the
// end, which may come before such a tag.
func (s *shown) flow(text string) string {
	if hasDelimiter(s.source) {
		return text
	}
	buf := s.tail + text
	end := len(strings.TrimRight(buf, " \t\r\n"))
	if i := strings.LastIndexByte(buf[:end], '<'); i >= 0 && closingPrefix.MatchString(buf[i:end]) {
		end = len(strings.TrimRight(buf[:i], " \t\r\n"))
	}
	s.tail = buf[end:]
	return buf[:end]
}

// inline drops a preface at the start of the first line ("Translation: …") from held text
// about to be shown. When a quote follows it, ok is false and the whole answer is held
// back, to be shown cleaned when it ends.
func (s *shown) inline(text string) (out string, ok bool) {
	rest, found := stripInlinePreface(s.source, text)
	if !found {
		return text, true
	}
	if r, _ := utf8.DecodeRuneInString(rest); quotePairs[r] != 0 {
		s.whole = true
		return "", false
	}
	return rest, true
}

// unthink passes on what of text is not reasoning: a reasoning block at the start of the
// answer, and the white space after it, are dropped. Only a few bytes are kept while inside
// the block, enough to find its closing tag cut across deltas.
func (s *shown) unthink(text string) string {
	switch s.think {
	case thinkPast, thinkNone:
		return text
	case thinkUnsure:
		s.head += text
		_, r := model.SplitReasoning(s.head)
		switch r {
		case model.MaybeReasoning:
			return ""
		case model.NoReasoning:
			out := s.head
			s.think, s.head = thinkNone, ""
			return out
		}
		i := strings.Index(s.head, model.ReasoningOpen)
		text, s.head, s.think = s.head[i+len(model.ReasoningOpen):], "", thinkInside
		fallthrough
	case thinkInside:
		buf := s.head + text
		i := strings.Index(buf, model.ReasoningClose)
		if i < 0 {
			s.head = buf[max(0, len(buf)-len(model.ReasoningClose)+1):]
			return ""
		}
		text, s.head, s.think = buf[i+len(model.ReasoningClose):], "", thinkAfter
		fallthrough
	default: // thinkAfter
		text = strings.TrimLeft(text, " \t\r\n")
		if text != "" {
			s.think = thinkPast
		}
		return text
	}
}

// end returns what is still held back of the finished entry e: all of it, cleaned, when
// the answer never got past holding. Of an answer that started with reasoning only the
// clean text is ever shown, never the raw.
func (s *shown) end(e model.Entry) string {
	if !s.holding {
		tail := s.tail
		s.tail = ""
		if closeDelimiter.MatchString(tail) && !hasDelimiter(s.source) {
			return ""
		}
		return tail
	}
	s.holding = false
	switch {
	case e.Clean != "":
		return e.Clean
	case s.think == thinkNone || s.think == thinkUnsure && strings.TrimSpace(s.head) != "":
		return e.Text
	}
	return ""
}
