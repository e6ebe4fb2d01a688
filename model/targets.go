package model

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// DefaultMaxTargets is how many target languages one line may go into at once, unless a
// front door is configured otherwise.
const DefaultMaxTargets = 8

// ErrTooManyTargets is wrapped by the error ParseTargets gives for a list over its limit.
var ErrTooManyTargets = errors.New("too many target languages")

// ParseTargets reads the target languages of a line from values as flags and config files
// give them: each value one tag or several separated by commas ("ko-KR,ja-JP"). Each is
// parsed as ParseLanguage does; duplicates collapse to the first; the order is kept. It
// refuses an empty list, "auto" (a target must be named), an invalid tag (the error names
// it) and more than limit targets (limit <= 0 means DefaultMaxTargets).
func ParseTargets(values []string, limit int) ([]Language, error) {
	if limit <= 0 {
		limit = DefaultMaxTargets
	}
	var out []Language
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			l, err := ParseLanguage(part)
			if err != nil {
				return nil, err
			}
			if l.IsAuto() {
				return nil, fmt.Errorf("%q cannot be a target: name the language to translate into", part)
			}
			if !containsLanguage(out, l) {
				out = append(out, l)
			}
		}
	}
	switch {
	case len(out) == 0:
		return nil, errors.New("no target language given")
	case len(out) > limit:
		return nil, fmt.Errorf("%w: %d given, at most %d", ErrTooManyTargets, len(out), limit)
	}
	return out, nil
}

// JoinTargets writes targets as one flag value, "ko-KR,ja-JP".
func JoinTargets(targets []Language) string {
	parts := make([]string, len(targets))
	for i, t := range targets {
		parts[i] = t.String()
	}
	return strings.Join(parts, ",")
}

func containsLanguage(list []Language, l Language) bool {
	for _, x := range list {
		if x == l {
			return true
		}
	}
	return false
}

// NewGroup returns a new request id for the entries of one line sent into several targets:
// random, non-zero, and below 2^53 so that JSON readers keep it exact.
func NewGroup() uint64 {
	var b [8]byte
	for {
		_, _ = rand.Read(b[:])
		if g := binary.BigEndian.Uint64(b[:]) >> 11; g != 0 {
			return g
		}
	}
}
