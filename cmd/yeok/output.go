package main

import (
	"io"
	"os"
	"strings"

	"github.com/mattn/go-isatty"

	"github.com/yeok/yeok/llm"
	"github.com/yeok/yeok/model"
)

// isTerminal reports whether w is a terminal, where untrusted text must be sanitised.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// holdLimit is how much of an answer's first line is held back, at most, to see whether it
// is a preface ("Here is the translation:") before anything is written.
const holdLimit = 80

// streamWriter writes a translation to stdout as its deltas arrive. The start of an answer is
// held back until its first line is complete, so a preface line the model added can be
// dropped; a short answer is written whole, cleaned, when it ends. On a terminal it sanitises
// the text as a stream: a sequence split across deltas is held back until it is complete, so
// nothing of it reaches the screen. Elsewhere (a file, a pipe) it writes the model's text as
// is.
type streamWriter struct {
	w        io.Writer
	sanitise bool
	source   string
	holding  bool
	held     string
	pending  string
	last     byte
}

// begin starts the answer to source.
func (s *streamWriter) begin(source string) {
	s.source, s.holding, s.held = source, true, ""
}

func (s *streamWriter) write(delta string) error {
	if !s.holding {
		return s.out(delta)
	}
	s.held += delta
	nl := strings.IndexByte(s.held, '\n')
	switch {
	case nl >= 0 && strings.TrimSpace(s.held[nl+1:]) != "":
		text := s.held
		if rest, ok := llm.StripPreface(s.source, text); ok {
			text = rest
		}
		s.holding, s.held = false, ""
		return s.out(text)
	case nl < 0 && len(s.held) > holdLimit:
		text := s.held
		s.holding, s.held = false, ""
		return s.out(text)
	}
	return nil
}

// out writes text, sanitised as a stream when the writer is a terminal.
func (s *streamWriter) out(text string) error {
	if !s.sanitise {
		return s.emit(text)
	}
	s.pending += text
	n := model.StableLen(s.pending)
	clean := model.Sanitize(s.pending[:n])
	s.pending = s.pending[n:]
	return s.emit(clean)
}

// end writes what is still held back of e's answer and ends the line. An answer held back
// whole is written as hygiene cleaned it.
func (s *streamWriter) end(e model.Entry) error {
	if s.holding {
		s.holding = false
		text := e.Clean
		if text == "" {
			text = e.Text
		}
		if err := s.out(text); err != nil {
			return err
		}
	}
	if s.pending != "" {
		if err := s.emit(model.Sanitize(s.pending)); err != nil {
			return err
		}
		s.pending = ""
	}
	if s.last != '\n' && s.last != 0 {
		if err := s.emit("\n"); err != nil {
			return err
		}
	}
	s.last = 0
	return nil
}

func (s *streamWriter) emit(text string) error {
	if text == "" {
		return nil
	}
	s.last = text[len(text)-1]
	_, err := io.WriteString(s.w, text)
	return err
}

// safeText sanitises text bound for w when w is a terminal.
func safeText(w io.Writer, text string) string {
	if isTerminal(w) {
		return model.Sanitize(text)
	}
	return text
}
