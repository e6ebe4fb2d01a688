package llm

import (
	"strings"

	"github.com/yeok/yeok/model"
)

// holdLimit is how much of an answer's first line is held back, at most, to see whether it
// is a preface ("Here is the translation:") before any of it is shown.
const holdLimit = 80

// shown decides what of an answer a person may see as it streams, for front doors that
// write text as it comes (pipe mode, follow): the start of an answer is held back until its
// first line is complete, so that a preface line the model added is never shown; an answer
// held back whole is shown as hygiene cleaned it, when it ends. Events carry the result in
// Event.Show. Sanitising is the front door's, which knows whether it writes to a terminal.
type shown struct {
	source  string
	holding bool
	held    string
}

func newShown(req model.Request) *shown {
	// A continuation goes on from text already shown: it has no preface to drop.
	return &shown{source: req.Source, holding: req.Continue == ""}
}

// delta takes a piece of the answer and returns what can be shown now.
func (s *shown) delta(text string) string {
	if !s.holding {
		return text
	}
	s.held += text
	nl := strings.IndexByte(s.held, '\n')
	switch {
	case nl >= 0 && strings.TrimSpace(s.held[nl+1:]) != "":
		out := s.held
		if rest, ok := stripPreface(s.source, out); ok {
			out = rest
		}
		s.holding, s.held = false, ""
		return out
	case nl < 0 && len(s.held) > holdLimit:
		out := s.held
		s.holding, s.held = false, ""
		return out
	}
	return ""
}

// end returns what is still held back of the finished entry e: all of it, cleaned, when
// the answer never got past holding.
func (s *shown) end(e model.Entry) string {
	if !s.holding {
		return ""
	}
	s.holding = false
	if e.Clean != "" {
		return e.Clean
	}
	return e.Text
}
