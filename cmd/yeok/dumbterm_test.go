package main

import (
	"strings"
	"testing"
)

func TestDumbTerminalRefusesTUI(t *testing.T) {
	p := yeokRun(t, []string{"TERM=dumb", "OPENAI_API_KEY=" + fakeKey}, "")
	if p.code != 2 {
		t.Errorf("exit %d, want 2", p.code)
	}
	if p.stdout != "" {
		t.Errorf("stdout %q, want nothing drawn", p.stdout)
	}
	if lines := strings.Split(strings.TrimSuffix(p.stderr, "\n"), "\n"); len(lines) != 1 || !strings.Contains(lines[0], "yeok translate") {
		t.Errorf("stderr %q, want one line pointing at yeok translate", p.stderr)
	}
}
