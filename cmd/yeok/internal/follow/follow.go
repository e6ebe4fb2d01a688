// Package follow turns a growing transcript file, or a pipe, into an ordered stream of
// complete lines, the way `tail -F` does, for `yeok follow`.
//
// A file is polled (os.Stat and reads, no file-system notifications), so it works the same
// on every platform and file system. Following survives truncation (the file shrinks below
// what was read: reading starts again at its beginning) and rotation (the path names a
// different file, by rename or by remove-and-recreate: the old file is read to its end,
// then the new one from its beginning).
//
// Choices made here, which callers rely on:
//   - Empty and whitespace-only lines are delivered, and counted in Line.Number; the caller
//     decides whether to skip them. Text is otherwise delivered as it is: no trimming, and
//     bytes that are not valid UTF-8 are kept.
//   - A path that does not exist yet is waited for (a transcript tool may start after
//     yeok); when it appears it is read from its beginning. A path whose directory does not
//     exist, or that names a directory, is an error at once.
//   - Only lines ended by '\n' are delivered from a file; an unfinished last line waits for
//     its newline. When a file is truncated or replaced, its unfinished last line is
//     delivered as it is, since nothing will complete it there any more. A pipe's last
//     unfinished line is delivered when the pipe ends.
//   - A line longer than MaxLine is delivered cut, with Truncated set, as soon as it is
//     known to be too long; the rest of it is skipped.
//
// Limits of polling: a file truncated and then written past the old read offset within one
// poll interval cannot be told from a file that grew, and writes still made to a rotated
// file after the new file has been picked up are not seen.
package follow

import (
	"context"
	"time"
)

// Defaults used for the zero values of Options.
const (
	DefaultPoll    = 100 * time.Millisecond
	DefaultMaxLine = 64 << 10
)

// Options tune a follower. The zero value is ready to use.
type Options struct {
	// Poll is how often a file is checked for new data, truncation and rotation
	// (default DefaultPoll). Pipes are not polled: their lines arrive as they are written.
	Poll time.Duration
	// FromStart delivers the lines already in the file first. By default following starts
	// at the file's current end, like tail -f, skipping any unfinished line there.
	FromStart bool
	// MaxLine is the longest line, in bytes, delivered whole (default DefaultMaxLine).
	MaxLine int
}

func (o Options) withDefaults() Options {
	if o.Poll <= 0 {
		o.Poll = DefaultPoll
	}
	if o.MaxLine <= 0 {
		o.MaxLine = DefaultMaxLine
	}
	return o
}

// Line is one line of the followed input.
type Line struct {
	// Text is the line without its trailing "\n" or "\r\n".
	Text string
	// Number counts the lines delivered by this follower, from 1, empty ones included.
	Number int
	// Truncated reports that the line was longer than Options.MaxLine and Text holds only
	// its first MaxLine bytes (fewer when that would split a UTF-8 character).
	Truncated bool
}

// sender delivers lines in order, numbering them, and gives up when ctx ends.
type sender struct {
	ctx context.Context
	out chan<- Line
	n   int
}

func (s *sender) send(text []byte, truncated bool) bool {
	if s.ctx.Err() != nil {
		return false
	}
	line := Line{Text: string(text), Number: s.n + 1, Truncated: truncated}
	select {
	case s.out <- line:
		s.n++
		return true
	case <-s.ctx.Done():
		return false
	}
}

// finish ends a follower: err, if any, is put on errs, then errs and lines are closed, so
// a caller that has seen lines close can read errs without blocking.
func finish(lines chan<- Line, errs chan<- error, err error) {
	if err != nil {
		errs <- err
	}
	close(errs)
	close(lines)
}
