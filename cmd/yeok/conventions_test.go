package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/yeok/yeok/llm/llmtest"
)

// Global flags work before the command as well as after it.
func TestGlobalFlagsBeforeCommand(t *testing.T) {
	srv := llmtest.New(t, llmtest.Replay(llmtest.Fixture(t, "gpt-4o-mini-stop.sse")))
	db := filepath.Join(t.TempDir(), "b.db")
	p := yeokRun(t, providerEnv(srv), "", "--to", "ko", "--db", db, "translate", "hi")
	if p.code != 0 || p.stdout != "Hello\n" {
		t.Fatalf("yeok --to ko --db B translate hi: code %d stdout %q stderr %q", p.code, p.stdout, p.stderr)
	}
	if got := srv.Requests(); len(got) != 1 || !strings.Contains(allText(got[0]), "Korean") {
		t.Fatalf("--to before the command was not applied: %d requests", len(got))
	}
	for _, args := range [][]string{
		{"--db", db, "db", "check"},
		{"--db=" + db, "db", "check"},
		{"db", "--db", db, "check"},
	} {
		p := yeokRun(t, nil, "", args...)
		if p.code != 0 || p.stdout != db+": ok\n" {
			t.Fatalf("yeok %v: code %d stdout %q stderr %q", args, p.code, p.stdout, p.stderr)
		}
	}
	p = yeokRun(t, nil, "", "--db", db, "translat")
	if p.code != 2 || !strings.HasPrefix(p.stderr, `yeok: unknown command "translat" (commands: translate, history,`) {
		t.Fatalf("a mistyped command after a flag: code %d stderr %q", p.code, p.stderr)
	}
}

func TestVersion(t *testing.T) {
	a := yeokRun(t, nil, "", "--version")
	b := yeokRun(t, nil, "", "version")
	if a.code != 0 || b.code != 0 || a.stdout != b.stdout {
		t.Fatalf("--version %d %q %q, version %d %q %q", a.code, a.stdout, a.stderr, b.code, b.stdout, b.stderr)
	}
	if !regexp.MustCompile(`^yeok \S+.*, go[0-9.]+\n$`).MatchString(a.stdout) {
		t.Fatalf("version line %q", a.stdout)
	}
}

func TestDescribeBuild(t *testing.T) {
	bi := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.2.0"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0f553f305e3c2fa27da688791a39564634ffd96c"},
		{Key: "vcs.time", Value: "2026-12-07T08:27:59Z"},
		{Key: "vcs.modified", Value: "true"},
	}}
	want := "yeok v1.2.0 (commit 0f553f305e3c, 2026-12-07T08:27:59Z, with local changes), go1.26.8"
	if got := describeBuild(bi); got != want {
		t.Errorf("describeBuild = %q, want %q", got, want)
	}
	if got := describeBuild(&debug.BuildInfo{GoVersion: "go1.26.8"}); got != "yeok (devel), go1.26.8" {
		t.Errorf("describeBuild without a version = %q", got)
	}
}

// Usage errors name yeok once and point at the right --help.
func TestUsageErrorsNameYeokOnce(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--bogus"}, "yeok: unknown flag -bogus (see yeok --help)\n"},
		{[]string{"translate", "--bogus"}, "yeok: translate: unknown flag -bogus (see yeok translate --help)\n"},
		{[]string{"--bogus", "history"}, "yeok: history: unknown flag -bogus (see yeok history --help)\n"},
		{[]string{"--context", "x"}, "yeok: invalid value \"x\" for flag -context: want a whole number (see yeok --help)\n"},
	}
	for _, c := range cases {
		p := yeokRun(t, nil, "", c.args...)
		if p.code != 2 || p.stderr != c.want {
			t.Errorf("yeok %v: code %d stderr %q, want %q", c.args, p.code, p.stderr, c.want)
		}
	}
}

// Every command's --help ends with examples, each of which starts with a command yeok has.
func TestHelpExamples(t *testing.T) {
	names := []string{""}
	for _, c := range commands() {
		if !c.hidden {
			names = append(names, c.name)
		}
	}
	for _, name := range names {
		args := []string{"--help"}
		if name != "" {
			args = []string{name, "--help"}
		}
		p := yeokRun(t, nil, "", args...)
		_, ex, ok := strings.Cut(p.stdout, "\nexamples:\n")
		if p.code != 0 || !ok {
			t.Fatalf("yeok %v: code %d, no examples:\n%s", args, p.code, p.stdout)
		}
		if n := strings.Count(ex, "\n  "); n < 1 || !strings.HasPrefix(ex, "  ") {
			t.Errorf("yeok %v: %d examples:\n%s", args, n+1, ex)
		}
		if !strings.Contains(ex, "yeok "+name) {
			t.Errorf("yeok %v: no example uses the command:\n%s", args, ex)
		}
	}
}

// completeBash loads `yeok completion bash` into bash and returns what it offers for the
// words, the last being the one under the cursor.
func completeBash(t *testing.T, home string, words ...string) []string {
	t.Helper()
	script := `source <(yeok completion bash) || exit 3
COMP_WORDS=(yeok "$@"); COMP_CWORD=$#; _yeok; printf '%s\n' "${COMPREPLY[@]}"`
	cmd := exec.Command("bash", append([]string{"-c", script, "bash"}, words...)...)
	cmd.Env = []string{
		"HOME=" + home, "XDG_CONFIG_HOME=" + filepath.Join(home, "config"), "XDG_DATA_HOME=" + filepath.Join(home, "data"),
		"PATH=" + filepath.Dir(yeokBin) + string(os.PathListSeparator) + os.Getenv("PATH"), "GORACE=atexit_sleep_ms=0",
	}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("bash completion for %q: %v", words, err)
	}
	return strings.Fields(string(out))
}

func TestCompletionBash(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	p := yeokRun(t, nil, "", "completion", "bash")
	check := exec.Command("bash", "-n")
	check.Stdin = strings.NewReader(p.stdout)
	if out, err := check.CombinedOutput(); p.code != 0 || err != nil {
		t.Fatalf("bash -n: %v %s (code %d)", err, out, p.code)
	}

	srv := llmtest.New(t, llmtest.Replay(llmtest.Fixture(t, "gpt-4o-mini-stop.sse")))
	home := t.TempDir()
	db := filepath.Join(home, "data", "yeok", "yeok.db")
	if p := yeokRun(t, providerEnv(srv), "", "translate", "--db", db, "--to", "ko", "--script", "lecture-01", "hi"); p.code != 0 {
		t.Fatalf("translate: %s", p.stderr)
	}
	other := filepath.Join(home, "other.db")
	if p := yeokRun(t, providerEnv(srv), "", "translate", "--db", other, "--to", "ko", "--script", "talk", "hi"); p.code != 0 {
		t.Fatalf("translate: %s", p.stderr)
	}
	cases := []struct {
		words []string
		want  string
	}{
		{[]string{"tr"}, "translate"},
		{[]string{"--to", "ko", "h"}, "history"},
		{[]string{"--to", "ko-K"}, "ko-KR"},
		{[]string{"--to", "=", "ja-"}, "ja-JP"},
		{[]string{"translate", "--li"}, "--lines"},
		{[]string{"export", "--format", "s"}, "srt"},
		{[]string{"export", "--script", ""}, "lecture-01"},
		{[]string{"--db", other, "export", "--script", ""}, "talk"},
		{[]string{"db", "c"}, "check compact copy"},
		{[]string{"completion", ""}, "bash fish zsh"},
		{[]string{"serve", "--ssh-max-sessions-"}, "--ssh-max-sessions-per-key"},
		{[]string{"follow", "--db", ""}, ""}, // a file name: bash's own completion
	}
	for _, c := range cases {
		if got := strings.Join(completeBash(t, home, c.words...), " "); got != c.want {
			t.Errorf("yeok %s<TAB> offers %q, want %q", strings.Join(c.words, " "), got, c.want)
		}
	}
}

func TestCompletionOtherShells(t *testing.T) {
	for _, sh := range []string{"zsh", "fish"} {
		p := yeokRun(t, nil, "", "completion", sh)
		if p.code != 0 || !strings.Contains(p.stdout, "yeok "+completeCommand) {
			t.Fatalf("completion %s: code %d %q", sh, p.code, p.stdout)
		}
		if _, err := exec.LookPath(sh); err != nil {
			continue // the script's syntax is checked where the shell is installed
		}
		check := exec.Command(sh, "-n")
		check.Stdin = strings.NewReader(p.stdout)
		if out, err := check.CombinedOutput(); err != nil {
			t.Errorf("%s -n: %v %s", sh, err, out)
		}
	}
	if p := yeokRun(t, nil, "", "completion", "tcsh"); p.code != 2 || p.stderr != "yeok: completion: unknown shell \"tcsh\": say bash, zsh or fish\n" {
		t.Errorf("completion tcsh: code %d %q", p.code, p.stderr)
	}
}
