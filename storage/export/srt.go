package export

import (
	"bufio"
	"fmt"
	"strings"
	"time"

	"github.com/yeok/yeok/model"
)

// minCue is the shortest time a subtitle stays on screen.
const minCue = time.Second

// srtEncoder writes numbered subtitle cues with the translations. An entry imported from an
// SRT file keeps its cue; others are timed from their creation relative to the first entry,
// lasting as long as their answer took, or until the next entry starts, and at least minCue.
// Such cues never overlap: one whose entry came less than minCue after the previous starts
// when that one ends.
type srtEncoder struct {
	first   time.Time
	started bool
	n       int
	// lastEnd is when the previous timed (not imported) cue ends.
	lastEnd time.Duration
}

func (s *srtEncoder) header(*bufio.Writer, Meta) error { return nil }
func (s *srtEncoder) footer(*bufio.Writer) error       { return nil }

func (s *srtEncoder) entry(w *bufio.Writer, e model.Entry, next *model.Entry) error {
	if !s.started {
		s.first, s.started = e.Created, true
	}
	text := subtitleText(e.Display())
	if text == "" {
		return nil // a cue needs text; an empty one would end the file for many players
	}
	start, end := s.span(e, next)
	s.n++
	_, err := fmt.Fprintf(w, "%d\n%s --> %s\n%s\n\n", s.n, srtTime(start), srtTime(end), text)
	return err
}

// span is when entry e shows.
func (s *srtEncoder) span(e model.Entry, next *model.Entry) (start, end time.Duration) {
	if e.Cue != nil {
		return e.Cue.Start, max(e.Cue.End, e.Cue.Start)
	}
	start = max(e.Created.Sub(s.first), s.lastEnd, 0)
	nextStart := time.Duration(-1)
	if next != nil && next.Cue == nil {
		nextStart = next.Created.Sub(s.first)
	}
	switch {
	case e.Duration > 0:
		end = start + e.Duration
	case nextStart >= 0:
		end = nextStart
	}
	end = max(end, start+minCue)
	if nextStart >= start+minCue && nextStart < end {
		end = nextStart // a long answer gives way to the next line
	}
	s.lastEnd = end
	return start, end
}

// subtitleText drops the blank lines that would end a cue early.
func subtitleText(s string) string {
	var lines []string
	for _, line := range strings.Split(strings.ReplaceAll(s, "\r", ""), "\n") {
		if strings.TrimSpace(line) != "" {
			lines = append(lines, line)
		}
	}
	return strings.Join(lines, "\n")
}

// srtTime formats d as HH:MM:SS,mmm.
func srtTime(d time.Duration) string {
	ms := d.Milliseconds()
	return fmt.Sprintf("%02d:%02d:%02d,%03d", ms/3_600_000, ms/60_000%60, ms/1000%60, ms%1000)
}
