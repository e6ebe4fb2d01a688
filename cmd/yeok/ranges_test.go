package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// rangeCase is one numeric or duration setting: the lowest and highest values it takes and
// the nearest ones it refuses on each side ("" when that side is open).
type rangeCase struct {
	cmd, flag    string
	lo, hi       string
	below, above string
	want         string // the range as the message words it
}

var rangeCases = []rangeCase{
	{"translate", "max-input", "1", "1048576", "0", "1048577", "between 1 and 1048576"},
	{"translate", "max-retries", "0", "10", "-1", "11", "between 0 and 10"},
	{"translate", "context", "0", "50", "-1", "51", "between 0 and 50"},
	{"translate", "max-targets", "1", "32", "0", "33", "between 1 and 32"},
	{"translate", "idle-timeout", "100ms", "1h", "99ms", "1h0m0.001s", "between 100ms and 1h"},
	{"translate", "first-token-timeout", "100ms", "1h", "99.999999ms", "1h1m", "between 100ms and 1h"},
	{"serve", "http-max-streams", "1", "100000", "0", "100001", "between 1 and 100000"},
	{"serve", "http-rate", "0", "1000000", "-1", "1000001", "between 0 and 1000000"},
	{"serve", "ssh-idle-timeout", "1s", "24h", "999ms", "24h0m1s", "between 1s and 24h"},
	{"serve", "ssh-max-session", "1s", "168h", "0s", "169h", "between 1s and 168h"},
	{"serve", "ssh-max-sessions", "1", "10000", "0", "10001", "between 1 and 10000"},
	{"serve", "ssh-max-sessions-per-key", "1", "10000", "0", "10001", "between 1 and 10000"},
	{"serve", "ssh-streams-per-minute", "1", "10000", "0", "10001", "between 1 and 10000"},
	{"serve", "ssh-max-input-bytes", "1024", "67108864", "1023", "67108865", "between 1024 and 67108864"},
	{"serve", "fps", "1", "120", "0", "121", "between 1 and 120"},
	{"history", "limit", "0", "", "-1", "", "0 or more"},
}

// accepted reports whether a run of cmd went past its settings: to the missing provider
// (translate), the missing --ssh/--http (serve) or the empty history.
func accepted(p proc, cmd string) bool {
	switch cmd {
	case "translate":
		return p.code == 1 && strings.Contains(p.stderr, "no provider configured")
	case "serve":
		return p.code == 2 && strings.Contains(p.stderr, "say what to serve")
	default:
		return p.code == 0
	}
}

func rangeArgs(cmd, flag, value string) []string {
	args := []string{cmd, "--" + flag + "=" + value}
	if cmd == "translate" {
		args = append(args, "x") // one byte, within the smallest --max-input
	}
	return args
}

// TestFlagRanges: every numeric and duration flag takes the values of its range and refuses
// the ones just outside it with exit status 2 and one line naming the flag and the range.
func TestFlagRanges(t *testing.T) {
	for _, rc := range rangeCases {
		t.Run(rc.flag, func(t *testing.T) {
			t.Parallel()
			for _, v := range []string{rc.lo, rc.hi} {
				if v == "" {
					continue
				}
				if p := yeokRun(t, nil, "", rangeArgs(rc.cmd, rc.flag, v)...); !accepted(p, rc.cmd) {
					t.Errorf("--%s=%s refused: exit %d %q", rc.flag, v, p.code, p.stderr)
				}
			}
			for _, v := range []string{rc.below, rc.above} {
				if v == "" {
					continue
				}
				p := yeokRun(t, nil, "", rangeArgs(rc.cmd, rc.flag, v)...)
				want := fmt.Sprintf("yeok: --%s must be %s, got %s\n", rc.flag, rc.want, v)
				if p.code != 2 || p.stderr != want {
					t.Errorf("--%s=%s: exit %d %q, want 2 %q", rc.flag, v, p.code, p.stderr, want)
				}
			}
		})
	}
}

// TestFlagRangesReported: the out-of-range values issue 11 found accepted, each on a
// command that takes it.
func TestFlagRangesReported(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--ssh", "--fps", "0"}, "--fps must be between 1 and 120, got 0"},
		{[]string{"serve", "--ssh", "--ssh-max-sessions", "0"}, "--ssh-max-sessions must be between 1 and 10000, got 0"},
		{[]string{"serve", "--ssh", "--ssh-idle-timeout", "-1s"}, "--ssh-idle-timeout must be between 1s and 24h, got -1s"},
		{[]string{"serve", "--http", "--http-max-streams", "-1"}, "--http-max-streams must be between 1 and 100000, got -1"},
		{[]string{"translate", "--idle-timeout", "-5s", "hi"}, "--idle-timeout must be between 100ms and 1h, got -5s"},
		{[]string{"translate", "--first-token-timeout", "0", "hi"}, "--first-token-timeout must be between 100ms and 1h, got 0s"},
		{[]string{"translate", "--max-input", "-1", "hi"}, "--max-input must be between 1 and 1048576, got -1"},
		{[]string{"translate", "--max-input", "0", "hi"}, "--max-input must be between 1 and 1048576, got 0"},
		{[]string{"translate", "--max-retries", "1000", "hi"}, "--max-retries must be between 0 and 10, got 1000"},
		{[]string{"export", "--script", "s", "--max-retries", "1000"}, "--max-retries must be between 0 and 10, got 1000"},
		{[]string{"follow", "-", "--context", "51"}, "--context must be between 0 and 50, got 51"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Parallel()
			p := yeokRun(t, nil, "", tt.args...)
			if p.code != 2 || p.stderr != "yeok: "+tt.want+"\n" {
				t.Fatalf("exit %d %q, want 2 and %q", p.code, p.stderr, tt.want)
			}
		})
	}
}

// TestConfigRanges: a config.toml key takes the same range as its flag, and the refusal
// names the file and the key.
func TestConfigRanges(t *testing.T) {
	tests := []struct {
		key          string
		lo, hi       string
		below, above string
		want         string
	}{
		{"max_input", "1", "1048576", "0", "1048577", "between 1 and 1048576"},
		{"max_retries", "0", "10", "-1", "1000", "between 0 and 10"},
		{"context", "0", "50", "-1", "51", "between 0 and 50"},
		{"max_targets", "1", "32", "0", "33", "between 1 and 32"},
		{"idle_timeout", `"100ms"`, `"1h"`, `"-5s"`, `"2h"`, "between 100ms and 1h"},
		{"first_token_timeout", `"100ms"`, `"1h"`, `"0s"`, `"1h1m"`, "between 100ms and 1h"},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			t.Parallel()
			for i, v := range []string{tt.lo, tt.hi, tt.below, tt.above} {
				path := filepath.Join(dir, fmt.Sprintf("%s-%d.toml", tt.key, i))
				if err := os.WriteFile(path, []byte(tt.key+" = "+v+"\n"), 0o600); err != nil {
					t.Fatal(err)
				}
				p := yeokRun(t, nil, "", "translate", "--config", path, "x")
				if i < 2 {
					if !accepted(p, "translate") {
						t.Errorf("%s = %s refused: exit %d %q", tt.key, v, p.code, p.stderr)
					}
					continue
				}
				want := fmt.Sprintf("yeok: config %s: %s must be %s, got %s\n", path, tt.key, tt.want, strings.Trim(v, `"`))
				if p.code != 2 || p.stderr != want {
					t.Errorf("%s = %s: exit %d %q, want 2 %q", tt.key, v, p.code, p.stderr, want)
				}
			}
		})
	}
}

// TestServeTokensDistinct: two token names with one secret would make their owners one
// client; yeok refuses them without printing the secret.
func TestServeTokensDistinct(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--token", "alice=s3cret-one", "--token", "bob=s3cret-one"}, `--token: "alice" and "bob" have the same secret; give each its own`},
		{[]string{"--token", "alice=s3cret-one", "--token", "alice=s3cret-two"}, `--token: the name "alice" is given twice`},
		{[]string{"--token", "s3cret-one"}, "--token wants NAME=SECRET"},
		{[]string{"--token", "a\u3164b=s3cret-one"}, "--token name contains a control, invisible or non-printing character (U+3164)"},
		{[]string{"--token", "a:b=s3cret-one"}, `--token: the name "a:b" must be printable, without spaces or ':'`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			p := yeokRun(t, nil, "", append([]string{"serve", "--http", "127.0.0.1:0"}, tt.args...)...)
			if p.code != 2 || p.stderr != "yeok: "+tt.want+"\n" {
				t.Fatalf("exit %d %q, want 2 and %q", p.code, p.stderr, tt.want)
			}
			if strings.Contains(p.stderr, "s3cret") {
				t.Fatal("the secret is on stderr")
			}
		})
	}
}

// helpFlag is a flag line of --help: "  -fps int" and the usage under it.
var helpFlag = regexp.MustCompile(`(?m)^  -([a-z-]+) (int|uint|float|duration|N|D)\n\s+(.*)$`)

// TestFlagRangesInHelp: every numeric and duration flag of every command says its range
// in --help.
func TestFlagRangesInHelp(t *testing.T) {
	for _, cmd := range []string{"", "translate", "history", "follow", "export", "db", "glossary", "serve"} {
		args := []string{"--help"}
		if cmd != "" {
			args = []string{cmd, "--help"}
		}
		p := yeokRun(t, nil, "", args...)
		if p.code != 0 {
			t.Fatalf("%s --help: exit %d %q", cmd, p.code, p.stderr)
		}
		for _, m := range helpFlag.FindAllStringSubmatch(p.stdout, -1) {
			if m[1] == "session" {
				continue // a session number, not a quantity
			}
			if !regexp.MustCompile(`\d+\S* to \d|\d+ or more`).MatchString(m[3]) {
				t.Errorf("yeok %s --help: -%s says no range: %q", cmd, m[1], m[3])
			}
		}
	}
}

// TestRangesInREADME: README's table of ranges says what the code enforces.
func TestRangesInREADME(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, rc := range rangeCases {
		lo, hi := rc.lo, rc.hi
		text := lo + " to " + hi
		if hi == "" {
			text = lo + " or more"
		}
		row := regexp.MustCompile("(?m)^\\| `--" + regexp.QuoteMeta(rc.flag) + " [A-Z]+`[^\n]*\\| " + regexp.QuoteMeta(text) + " \\|")
		if !row.Match(readme) {
			t.Errorf("README has no row for --%s with the range %s", rc.flag, text)
		}
	}
}
