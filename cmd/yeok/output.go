package main

import (
	"io"
	"os"

	"github.com/mattn/go-isatty"

	"github.com/yeok/yeok/model"
)

// isTerminal reports whether w is a terminal, where untrusted text must be sanitised.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// streamWriter writes a translation to stdout as its deltas arrive. On a terminal it
// sanitises the text as a stream: a sequence split across deltas is held back until it is
// complete, so nothing of it reaches the screen. Elsewhere (a file, a pipe) it writes the
// model's raw text, as the store keeps it.
type streamWriter struct {
	w        io.Writer
	sanitise bool
	pending  string
	last     byte
}

func (s *streamWriter) write(delta string) error {
	if !s.sanitise {
		return s.emit(delta)
	}
	s.pending += delta
	n := model.StableLen(s.pending)
	out := model.Sanitize(s.pending[:n])
	s.pending = s.pending[n:]
	return s.emit(out)
}

// end flushes what is held back and ends the line.
func (s *streamWriter) end() error {
	if s.pending != "" {
		if err := s.emit(model.Sanitize(s.pending)); err != nil {
			return err
		}
		s.pending = ""
	}
	if s.last != '\n' {
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
