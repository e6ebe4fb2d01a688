package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/yeok/yeok/model"
)

// source is one text to translate, with the subtitle time span it came from, if any.
type source struct {
	text string
	cue  *model.Cue
}

// srtTiming matches a cue's timing line: "00:01:02,500 --> 00:01:04,000".
var srtTiming = regexp.MustCompile(`^\s*(\d+):(\d{2}):(\d{2})[,.](\d{1,3})\s*-->\s*(\d+):(\d{2}):(\d{2})[,.](\d{1,3})`)

// looksLikeSRT reports whether text starts like a SubRip file.
func looksLikeSRT(text string) bool {
	lines := strings.SplitN(strings.TrimLeft(strings.TrimPrefix(text, "\ufeff"), "\r\n"), "\n", 3)
	return len(lines) >= 2 && srtTiming.MatchString(strings.TrimSpace(lines[1]))
}

// parseSRT reads SubRip cues; each cue's text lines become one source with its times.
func parseSRT(text string) ([]source, error) {
	text = strings.ReplaceAll(strings.TrimPrefix(text, "\ufeff"), "\r\n", "\n")
	var out []source
	for n, block := range strings.Split(strings.TrimSpace(text), "\n\n") {
		lines := strings.Split(strings.Trim(block, "\n"), "\n")
		if len(lines) == 1 && strings.TrimSpace(lines[0]) == "" {
			continue
		}
		i := 0
		if !srtTiming.MatchString(lines[0]) {
			i = 1 // the cue number
		}
		if i >= len(lines) {
			return nil, fmt.Errorf("cue %d: no timing line", n+1)
		}
		m := srtTiming.FindStringSubmatch(lines[i])
		if m == nil {
			return nil, fmt.Errorf("cue %d: bad timing line %q", n+1, model.SanitizeLine(lines[i]))
		}
		body := strings.TrimSpace(strings.Join(lines[i+1:], "\n"))
		if body == "" {
			continue
		}
		out = append(out, source{text: body, cue: &model.Cue{Start: srtTime(m[1:5]), End: srtTime(m[5:9])}})
	}
	return out, nil
}

func srtTime(p []string) time.Duration {
	h, _ := strconv.Atoi(p[0])
	m, _ := strconv.Atoi(p[1])
	s, _ := strconv.Atoi(p[2])
	ms, _ := strconv.Atoi((p[3] + "00")[:3])
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second + time.Duration(ms)*time.Millisecond
}
