package main

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yeok/yeok/model"
)

// source is one text to translate, with the subtitle time span it came from, if any.
type source struct {
	text string
	cue  *model.Cue
}

// srtTiming matches a cue's timing line: "00:01:02,500 --> 00:01:04,000", perhaps followed
// by position coordinates.
var srtTiming = regexp.MustCompile(`^\s*(\d+):([0-5]\d):([0-5]\d)[,.](\d{1,3})\s*-->\s*(\d+):([0-5]\d):([0-5]\d)[,.](\d{1,3})(\s|$)`)

// srtCueNumber matches the line that numbers a cue.
var srtCueNumber = regexp.MustCompile(`^\s*\d+\s*$`)

// isSubRip reports whether an input named name holds SubRip subtitles: a .srt file, or
// text that starts with a cue number over a line with an arrow, however broken its times.
func isSubRip(name, text string) bool {
	if strings.EqualFold(filepath.Ext(name), ".srt") {
		return true
	}
	lines := strings.SplitN(strings.TrimLeft(strings.TrimPrefix(text, "\ufeff"), "\r\n"), "\n", 3)
	return len(lines) >= 2 && srtCueNumber.MatchString(lines[0]) && strings.Contains(lines[1], "-->")
}

// srtError is a subtitle file refused at a line: "talk.srt:6: malformed timestamp …".
func srtError(name string, line int, format string, args ...any) error {
	return usageErrorf("%s:%d: %s", name, line, fmt.Sprintf(format, args...))
}

// parseSRT reads the SubRip cues of the input named name; each cue's text lines become one
// source with its times. A cue without a well-formed timing line is an error naming the
// line, so a broken file is never taken for plain lines.
func parseSRT(name, text string) ([]source, error) {
	lines := strings.Split(strings.TrimPrefix(text, "\ufeff"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, "\r")
	}
	var out []source
	for i := 0; i < len(lines); {
		if strings.TrimSpace(lines[i]) == "" {
			i++
			continue
		}
		timing := i
		if !strings.Contains(lines[i], "-->") {
			if !srtCueNumber.MatchString(lines[i]) {
				return nil, srtError(name, i+1, "want a cue number or a timing line, got %s", quoteLine(lines[i]))
			}
			number := strings.TrimSpace(lines[i])
			timing = i + 1
			if timing >= len(lines) || strings.TrimSpace(lines[timing]) == "" {
				return nil, srtError(name, i+1, "cue %s has no timing line", number)
			}
			if !strings.Contains(lines[timing], "-->") {
				return nil, srtError(name, timing+1, "want a timing line for cue %s, got %s", number, quoteLine(lines[timing]))
			}
		}
		m := srtTiming.FindStringSubmatch(lines[timing])
		if m == nil {
			return nil, srtError(name, timing+1, "malformed timestamp %s", quoteLine(lines[timing]))
		}
		end := timing + 1
		for end < len(lines) && strings.TrimSpace(lines[end]) != "" {
			end++
		}
		if body := strings.TrimSpace(strings.Join(lines[timing+1:end], "\n")); body != "" {
			out = append(out, source{text: body, cue: &model.Cue{Start: srtTime(m[1:5]), End: srtTime(m[5:9])}})
		}
		i = end
	}
	return out, nil
}

// quoteLine quotes a line of the input for a message: sanitised, and cut at 60 characters.
func quoteLine(s string) string {
	s = model.SanitizeLine(strings.TrimSpace(s))
	if utf8.RuneCountInString(s) > 60 {
		s = string([]rune(s)[:59]) + "…"
	}
	return strconv.Quote(s)
}

func srtTime(p []string) time.Duration {
	h, _ := strconv.Atoi(p[0])
	m, _ := strconv.Atoi(p[1])
	s, _ := strconv.Atoi(p[2])
	ms, _ := strconv.Atoi((p[3] + "00")[:3])
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second + time.Duration(ms)*time.Millisecond
}
