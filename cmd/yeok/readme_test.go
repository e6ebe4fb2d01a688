package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/yeok/yeok/llm/llmtest"
	"github.com/yeok/yeok/ui"
)

// readmeShellLines are the command lines of README's sh blocks, continuation lines joined
// and comments dropped.
func readmeShellLines(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	in, cont := false, ""
	for _, l := range strings.Split(string(b), "\n") {
		switch {
		case strings.HasPrefix(l, "```"):
			in = !in && strings.TrimPrefix(l, "```") == "sh"
			continue
		case !in:
			continue
		}
		l = cont + l
		if strings.HasSuffix(l, `\`) {
			cont = strings.TrimSuffix(l, `\`)
			continue
		}
		cont = ""
		if i := strings.Index(l, "  #"); i >= 0 {
			l = l[:i]
		}
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	return lines
}

// yeokWord finds the yeok invocation in a shell line: `yeok ...` or `go run ./cmd/yeok ...`.
var yeokWord = regexp.MustCompile(`(?:^|[\s(|])(?:go run \./cmd/)?yeok(?:\s|$)`)

// yeokArgs are the arguments of the yeok invocation in a shell line, up to a pipe,
// redirection or the end of a substitution; false when the line runs no yeok.
func yeokArgs(line string) ([]string, bool) {
	loc := yeokWord.FindStringIndex(line)
	if loc == nil {
		return nil, false
	}
	rest := line[loc[1]:]
	var args []string
	var word strings.Builder
	inWord := false
	var quote rune
	for _, r := range rest {
		switch {
		case quote != 0 && r == quote:
			quote = 0
			continue
		case quote != 0:
			word.WriteRune(r)
			continue
		case r == '"' || r == '\'':
			quote, inWord = r, true
			continue
		case strings.ContainsRune("|><);", r):
		case r == ' ' || r == '\t':
			if inWord {
				args, inWord = append(args, word.String()), false
				word.Reset()
			}
			continue
		default:
			word.WriteRune(r)
			inWord = true
			continue
		}
		break
	}
	if inWord {
		args = append(args, word.String())
	}
	return args, true
}

// runsForReal says whether a documented line can run as it is against the fake server: it
// neither opens the TUI nor serves nor follows forever, and needs no shell but bash.
func runsForReal(line string, args []string) bool {
	if strings.HasSuffix(line, "| source") { // fish
		return false
	}
	if strings.Contains(line, "postgres://") { // a server this test has not
		return false
	}
	cmd, _ := commandFor(args)
	if cmd == nil {
		return false
	}
	switch cmd.name {
	case "serve", "follow":
		return false
	}
	return true
}

// helpParses checks that a documented yeok invocation names a command and flags yeok has:
// the same arguments with --help print that command's usage and exit 0.
func helpParses(t *testing.T, what string, args []string) {
	t.Helper()
	usage := "usage: yeok [flags]"
	if cmd, _ := commandFor(args); cmd != nil {
		usage = "usage: yeok " + cmd.name
	}
	p := yeokRun(t, nil, "", append(args, "--help")...)
	if p.code != 0 || !strings.HasPrefix(p.stdout, usage) {
		t.Errorf("%s: yeok %s --help: code %d stderr %q", what, strings.Join(args, " "), p.code, p.stderr)
	}
}

// Every command line in README's sh blocks runs: those that translate, list or export run
// in order in one home against the fake server and exit 0; the TUI, servers and followers
// are checked to parse.
func TestReadmeShellBlocksRun(t *testing.T) {
	srv := llmtest.New(t, llmtest.Replay(llmtest.Fixture(t, "gpt-4o-mini-stop.sse")))
	home, work := t.TempDir(), t.TempDir()
	files := map[string]string{
		"transcript.txt": "Good morning.\nToday: entropy.\n",
		"talk.srt":       "1\n00:00:01,000 --> 00:00:03,000\nHello everyone.\n\n2\n00:00:04,000 --> 00:00:06,000\nLet us begin.\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(work, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	env := append([]string{
		"HOME=" + home, "XDG_CONFIG_HOME=" + filepath.Join(home, "config"), "XDG_DATA_HOME=" + filepath.Join(home, "data"),
		"PATH=" + filepath.Dir(yeokBin) + string(os.PathListSeparator) + os.Getenv("PATH"),
		"LANG=C.UTF-8", "GORACE=atexit_sleep_ms=0", probePortsEnv + "=off",
	}, providerEnv(srv)...)
	ran := 0
	for _, line := range readmeShellLines(t) {
		args, ok := yeokArgs(line)
		if !ok {
			continue // go test, ssh, curl: not yeok's to check here
		}
		if !runsForReal(line, args) {
			helpParses(t, "README", args)
			continue
		}
		script := line
		if strings.HasPrefix(line, "source <(") {
			script += " && complete -p yeok" // a failed substitution sources nothing, silently
		}
		cmd := exec.Command("bash", "-o", "pipefail", "-c", script)
		cmd.Dir, cmd.Env = work, env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("README line %q: %v\n%s", line, err, out)
		}
		ran++
	}
	if ran < 5 {
		t.Fatalf("only %d README lines ran", ran)
	}
	if b, err := os.ReadFile(filepath.Join(work, "talk.ko.srt")); err != nil || !strings.Contains(string(b), "00:00:01,000 --> 00:00:03,000") {
		t.Errorf("the documented subtitle export: %v\n%s", err, b)
	}
}

// Every yeok command written inline in README, and every example of every --help, names a
// command and flags yeok has.
func TestReadmeInlineAndHelpExamplesParse(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile("`(yeok [^`]*)`").FindAllStringSubmatch(string(b), -1) {
		if strings.ContainsAny(m[1], "[]|…") {
			continue // a synopsis, not a command line
		}
		args, _ := yeokArgs(m[1])
		helpParses(t, "README", args)
	}
	names := []string{""}
	for _, c := range commands() {
		names = append(names, c.name)
	}
	for _, name := range names {
		for _, ex := range commandExamples(name) {
			args, ok := yeokArgs(ex)
			if !ok {
				t.Errorf("--help of %q: example %q runs no yeok", name, ex)
				continue
			}
			helpParses(t, "example", args)
		}
	}
}

// README's config.toml examples load, and it names every action [keys] takes and every
// colour of [theme].
func TestReadmeConfigExamples(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```toml\n(.*?)```").FindAllStringSubmatch(string(b), -1)
	if len(blocks) < 3 {
		t.Fatalf("%d toml blocks in README", len(blocks))
	}
	db := filepath.Join(t.TempDir(), "y.db")
	for _, m := range blocks {
		p := yeokRun(t, nil, "", "history", "--db", db, "--config", writeConfig(t, m[1]))
		if p.code != 0 {
			t.Errorf("README's config\n%s\ndoes not load: %s", m[1], p.stderr)
		}
	}
	for _, name := range ui.KeyActions() {
		if !strings.Contains(string(b), "`"+name+"`") {
			t.Errorf("README does not name the [keys] action %s", name)
		}
	}
	for _, name := range ui.ThemeColors() {
		if !strings.Contains(string(b), "`"+name+"`") {
			t.Errorf("README does not name the [theme] colour %s", name)
		}
	}
}
