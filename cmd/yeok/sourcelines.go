package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"

	"github.com/yeok/yeok/model"
)

// sourceLines is what a batch sends, one source a line: texts held in memory (stdin, the
// arguments, SubRip cues, a script's lines), or the non-empty lines of one text file read
// with --lines, kept as spans of the file and read again when a line is sent, so that a
// long transcript costs 8 bytes a line while it is translated, however long its lines.
type sourceLines struct {
	held []source

	file  *os.File // the file whose lines spans are, or nil
	name  string
	size  int64
	mtime time.Time
	spans []lineSpan
}

// lineSpan is where a line lies in its file: its first byte and its length, without the
// line's end.
type lineSpan struct{ off, n uint32 }

func heldLines(s []source) *sourceLines { return &sourceLines{held: s} }

func (s *sourceLines) len() int {
	if s.file != nil {
		return len(s.spans)
	}
	return len(s.held)
}

// errChanged is a line read again from a file that changed since it was read first.
var errChanged = errors.New("the file changed while its lines were being translated")

// at is line i. A line of a file is read again, and refused if the file has changed.
func (s *sourceLines) at(i int) (source, error) {
	got, err := s.run(i, i+1)
	if err != nil {
		return source{}, err
	}
	return got[0], nil
}

// run is lines from to to, not included. The lines of a file lie in it in order, so they
// are read again in one read, and refused if the file has changed.
func (s *sourceLines) run(from, to int) ([]source, error) {
	if s.file == nil {
		return s.held[from:to], nil
	}
	fi, err := s.file.Stat()
	if err == nil && (fi.Size() != s.size || !fi.ModTime().Equal(s.mtime)) {
		err = errChanged
	}
	first, last := s.spans[from], s.spans[to-1]
	b := make([]byte, last.off+last.n-first.off)
	if err == nil {
		_, err = s.file.ReadAt(b, int64(first.off))
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", s.name, withoutPath(err))
	}
	text := string(b)
	out := make([]source, 0, to-from)
	for _, sp := range s.spans[from:to] {
		at := sp.off - first.off
		out = append(out, source{text: text[at : at+sp.n]})
	}
	return out, nil
}

// text is line i's text for a report, empty when it cannot be read.
func (s *sourceLines) text(i int) string {
	src, _ := s.at(i)
	return src.text
}

func (s *sourceLines) close() {
	if s.file != nil {
		_ = s.file.Close()
	}
}

// fileLines reads the lines of the text file path, as input.sources does for --lines, but
// keeps only where each lies. ok is false for a file this does not serve (SubRip, too
// large for the spans); the caller reads it whole then.
func fileLines(path string, lines linesMode, limit int) (_ *sourceLines, ok bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, true, fmt.Errorf("read %s: %w", path, withoutPath(err))
	}
	fi, err := f.Stat()
	if err != nil || fi.Size() >= math.MaxUint32 {
		f.Close()
		return nil, err != nil, err
	}
	r := bufio.NewReaderSize(f, 64<<10)
	head, _ := r.Peek(4 << 10)
	if lines != linesPlain && isSubRip(path, string(head)) {
		f.Close()
		return nil, false, nil
	}
	s := &sourceLines{file: f, name: path, size: fi.Size(), mtime: fi.ModTime()}
	var off uint32
	for n := 1; ; n++ {
		l, err := r.ReadString('\n')
		if err != nil && err != io.EOF {
			f.Close()
			return nil, true, fmt.Errorf("read %s: %w", path, withoutPath(err))
		}
		start := off
		off += uint32(len(l))
		l = strings.TrimRight(strings.TrimSuffix(l, "\n"), "\r")
		if strings.TrimSpace(l) != "" {
			if cerr := model.CheckSource(l, limit); cerr != nil {
				f.Close()
				return nil, true, usageErrorf("%s:%d: %v", path, n, cerr)
			}
			s.spans = append(s.spans, lineSpan{off: start, n: uint32(len(l))})
		}
		if err == io.EOF {
			break
		}
	}
	if int64(off) != fi.Size() {
		f.Close()
		return nil, true, fmt.Errorf("read %s: %w", path, errChanged)
	}
	return s, true, nil
}
