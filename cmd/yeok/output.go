package main

import (
	"io"
	"os"

	"github.com/mattn/go-isatty"

	"github.com/yeok/yeok/model"
)

// isTerminal reports whether f (stdin, stdout or stderr) is a terminal: where untrusted
// text must be sanitised, or where input is typed.
func isTerminal(f any) bool {
	file, ok := f.(*os.File)
	return ok && (isatty.IsTerminal(file.Fd()) || isatty.IsCygwinTerminal(file.Fd()))
}

// streamWriter writes a translation to stdout as the engine passes it on (Event.Show: a
// preface line the model added is held back and dropped there). On a terminal it sanitises
// the text as a stream: a sequence split across deltas is held back until it is complete, so
// nothing of it reaches the screen. Elsewhere (a file, a pipe) it writes the text as is.
type streamWriter struct {
	w        io.Writer
	sanitise bool
	pending  string
	last     byte
}

// write writes text the engine says may be shown.
func (s *streamWriter) write(text string) error { return s.out(text) }

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

// end writes what the sanitiser still holds and ends the answer's line.
func (s *streamWriter) end() error {
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
