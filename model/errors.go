package model

import (
	"errors"
	"fmt"
	"time"
	"unicode/utf8"
)

// Sentinel errors shared by every package; compare with errors.Is.
var (
	// ErrNotFound: no such session, script or entry for this owner.
	ErrNotFound = errors.New("not found")
	// ErrEmptyInput: nothing to translate.
	ErrEmptyInput = errors.New("empty input")
	// ErrInputTooLarge: a source text over the configured limit.
	ErrInputTooLarge = errors.New("input too large")
	// ErrInvalidUTF8: a source text that is not valid UTF-8.
	ErrInvalidUTF8 = errors.New("input is not valid UTF-8")
	// ErrNoProvider: neither an API key nor a base URL is configured.
	ErrNoProvider = errors.New("no provider configured")
	// ErrStoreLocked: another process holds the database file.
	ErrStoreLocked = errors.New("database is in use by another process")
	// ErrStoreCorrupt: the database file is damaged.
	ErrStoreCorrupt = errors.New("database file is damaged")
)

// DefaultMaxInput is the default limit on one source text, in bytes.
const DefaultMaxInput = 32 << 10

// InputError says why a source text was refused, in words a person can act on.
type InputError struct {
	Err   error
	Size  int
	Limit int
}

func (e *InputError) Error() string {
	if errors.Is(e.Err, ErrInputTooLarge) {
		return fmt.Sprintf("input is %s, over the limit of %s", ByteSize(e.Size), ByteSize(e.Limit))
	}
	return e.Err.Error()
}

// Unwrap lets errors.Is match the sentinel.
func (e *InputError) Unwrap() error { return e.Err }

// CheckSource refuses empty, over-long (limit in bytes; <= 0 means DefaultMaxInput) and
// invalid UTF-8 source text. Whitespace alone counts as empty.
func CheckSource(s string, limit int) error {
	if limit <= 0 {
		limit = DefaultMaxInput
	}
	if !utf8.ValidString(s) {
		return &InputError{Err: ErrInvalidUTF8}
	}
	empty := true
	for _, r := range s {
		if r != ' ' && r != '\t' && r != '\n' && r != '\r' {
			empty = false
			break
		}
	}
	if empty {
		return &InputError{Err: ErrEmptyInput}
	}
	if len(s) > limit {
		return &InputError{Err: ErrInputTooLarge, Size: len(s), Limit: limit}
	}
	return nil
}

// ByteSize formats n bytes for a person: "512 B", "32 KiB", "1.5 MiB".
func ByteSize(n int) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		if n%(1<<10) == 0 {
			return fmt.Sprintf("%d KiB", n>>10)
		}
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	default:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
}

// ErrorClass groups stream failures by what a person can do about them.
type ErrorClass string

// The error classes.
const (
	ClassConfig       ErrorClass = "config"        // no key or base URL: set one
	ClassAuth         ErrorClass = "auth"          // 401/403: fix the key
	ClassNotFound     ErrorClass = "not_found"     // 404: fix the model or base URL
	ClassBadRequest   ErrorClass = "bad_request"   // 400/422: the request itself is wrong
	ClassRateLimit    ErrorClass = "rate_limit"    // 429 rate: wait
	ClassQuota        ErrorClass = "quota"         // 429 insufficient_quota: add credit
	ClassServer       ErrorClass = "server"        // 5xx: the server failed
	ClassUnreachable  ErrorClass = "unreachable"   // connection refused, DNS: check the URL
	ClassInterrupted  ErrorClass = "interrupted"   // closed mid-answer without a finish
	ClassStalled      ErrorClass = "stalled"       // no chunk within the idle timeout
	ClassNotStreaming ErrorClass = "not_streaming" // the server answered without streaming
	ClassUpstream     ErrorClass = "upstream"      // an error sent inside the stream
	ClassCancelled    ErrorClass = "cancelled"     // stopped by the person or the client
	ClassInternal     ErrorClass = "internal"      // a bug in yeok, recovered
)

// Fatal reports classes that would fail every further request the same way, so that a
// batch stops at the first of them.
func (c ErrorClass) Fatal() bool {
	switch c {
	case ClassAuth, ClassNotFound, ClassQuota, ClassUnreachable, ClassConfig, ClassCancelled:
		return true
	}
	return false
}

// Error is a stream failure: a class, one sanitised line for a person, and the cause for logs.
type Error struct {
	Class   ErrorClass `json:"class"`
	Message string     `json:"message"`
	// Status is the HTTP status, when there was one.
	Status int `json:"http_status,omitempty"`
	// RetryAfter is the wait the server asked for, when it asked.
	RetryAfter time.Duration `json:"-"`
	Cause      error         `json:"-"`
}

func (e *Error) Error() string { return e.Message }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Cause }

// StatusForError maps an error class to the status of the entry it ends.
func StatusForError(c ErrorClass) Status {
	switch c {
	case ClassCancelled:
		return StatusCancelled
	case ClassInterrupted, ClassStalled:
		return StatusInterrupted
	default:
		return StatusFailed
	}
}
