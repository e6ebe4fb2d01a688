package main

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// settingRange is the documented range of a numeric or duration setting. README's table of
// settings says the same; TestRangesInREADME holds the two together.
type settingRange struct {
	flag string // without the dashes
	key  string // its config.toml key, "" when it has none
	min  int64
	max  int64 // with open, unused
	open bool  // no upper bound
	dur  bool  // min and max are time.Durations
}

// settingRanges lists every numeric and duration flag of every command.
func settingRanges() []settingRange {
	return []settingRange{
		{flag: "max-input", key: "max_input", min: 1, max: 1 << 20},
		{flag: "max-retries", key: "max_retries", min: 0, max: 10},
		{flag: "context", key: "context", min: 0, max: 50},
		{flag: "max-targets", key: "max_targets", min: 1, max: 32},
		{flag: "idle-timeout", key: "idle_timeout", min: int64(100 * time.Millisecond), max: int64(time.Hour), dur: true},
		{flag: "first-token-timeout", key: "first_token_timeout", min: int64(100 * time.Millisecond), max: int64(time.Hour), dur: true},
		{flag: "db-timeout", key: "db_timeout", min: int64(100 * time.Millisecond), max: int64(10 * time.Minute), dur: true},
		{flag: "db-lease", key: "db_lease", min: int64(time.Second), max: int64(time.Hour), dur: true},
		{flag: "limit", min: 0, open: true},
		{flag: "http-max-streams", min: 1, max: 100_000},
		{flag: "http-rate", min: 0, max: 1_000_000},
		{flag: "ssh-idle-timeout", min: int64(time.Second), max: int64(24 * time.Hour), dur: true},
		{flag: "ssh-max-session", min: int64(time.Second), max: int64(7 * 24 * time.Hour), dur: true},
		{flag: "ssh-max-sessions", min: 1, max: 10_000},
		{flag: "ssh-max-sessions-per-key", min: 1, max: 10_000},
		{flag: "ssh-streams-per-minute", min: 1, max: 10_000},
		{flag: "ssh-max-input-bytes", min: 1 << 10, max: 64 << 20},
		{flag: "fps", min: 1, max: 120},
	}
}

// rangeOf finds the range of a flag (by flag name) or of a config key (by key).
func rangeOf(match func(settingRange) bool) (settingRange, bool) {
	for _, r := range settingRanges() {
		if match(r) {
			return r, true
		}
	}
	return settingRange{}, false
}

func (r settingRange) contains(v int64) bool { return v >= r.min && (r.open || v <= r.max) }

func (r settingRange) format(v int64) string {
	if r.dur {
		return shortDuration(time.Duration(v))
	}
	return strconv.FormatInt(v, 10)
}

// words says the range as a refusal does: "between 1 and 120", "0 or more".
func (r settingRange) words() string {
	if r.open {
		return r.format(r.min) + " or more"
	}
	return "between " + r.format(r.min) + " and " + r.format(r.max)
}

// short says the range as --help and README do: "1 to 120", "0 or more".
func (r settingRange) short() string {
	if r.open {
		return r.format(r.min) + " or more"
	}
	return r.format(r.min) + " to " + r.format(r.max)
}

// shortDuration writes d without the zero units time.Duration.String keeps: 1h, not 1h0m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// checkFlagRanges refuses the first flag given outside its range: yeok never quietly
// swaps a value it was given for one it likes better.
func checkFlagRanges(fs *flag.FlagSet) error {
	var err error
	fs.Visit(func(f *flag.Flag) {
		r, ok := rangeOf(func(r settingRange) bool { return r.flag == f.Name })
		if !ok || err != nil {
			return
		}
		v, isInt := flagInt(f.Value)
		switch {
		case !isInt:
			err = usageErrorf("--%s must be %s, got %s", f.Name, r.words(), f.Value.String())
		case !r.contains(v):
			err = usageErrorf("--%s must be %s, got %s", f.Name, r.words(), r.format(v))
		}
	})
	return err
}

// flagInt reads an int, int64 or duration flag's value.
func flagInt(v flag.Value) (int64, bool) {
	g, ok := v.(flag.Getter)
	if !ok {
		return 0, false
	}
	switch n := g.Get().(type) {
	case int:
		return int64(n), true
	case int64:
		return n, true
	case time.Duration:
		return int64(n), true
	}
	return 0, false
}

// checkConfigRange refuses a config file value outside the range of its key.
func checkConfigRange(path, key string, v int64) error {
	r, ok := rangeOf(func(r settingRange) bool { return r.key == key })
	if !ok || r.contains(v) {
		return nil
	}
	return usageErrorf("config %s: %s must be %s, got %s", path, key, r.words(), r.format(v))
}

// rangeUsage adds a flag's range to its help line, before the default the flag package
// appends and before a default the usage states itself.
func rangeUsage(f *flag.Flag) string {
	r, ok := rangeOf(func(r settingRange) bool { return r.flag == f.Name })
	if !ok {
		return f.Usage
	}
	if i := strings.Index(f.Usage, " (default "); i >= 0 {
		return f.Usage[:i] + ", " + r.short() + f.Usage[i:]
	}
	return fmt.Sprintf("%s, %s", f.Usage, r.short())
}
