package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// yeokBin is the yeok binary built once for the process tests.
var yeokBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "yeok-bin")
	if err != nil {
		panic(err)
	}
	yeokBin = filepath.Join(dir, "yeok")
	args := []string{"build", "-o", yeokBin}
	if raceEnabled {
		args = append(args, "-race")
	}
	build := exec.Command("go", append(args, ".")...)
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		panic("build yeok: " + err.Error())
	}
	code := m.Run()
	stopPostgres()
	os.RemoveAll(dir)
	os.Exit(code)
}

// proc is the outcome of one run of the yeok binary.
type proc struct {
	stdout, stderr string
	code           int
}

// yeokRun runs the binary with a clean environment (HOME and XDG dirs in a temp dir) plus env.
func yeokRun(t *testing.T, env []string, stdin string, args ...string) proc {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, yeokBin, args...)
	home := t.TempDir()
	cmd.Env = append([]string{
		"HOME=" + home,
		"XDG_CONFIG_HOME=" + filepath.Join(home, "config"),
		"XDG_DATA_HOME=" + filepath.Join(home, "data"),
		"PATH=" + os.Getenv("PATH"),
		"LANG=C.UTF-8",
		// A binary built with -race sleeps a second at exit by default.
		"GORACE=atexit_sleep_ms=0",
		// Whatever listens on this machine's usual model-server ports stays out of tests.
		probePortsEnv + "=off",
	}, env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run yeok: %v", err)
	}
	return proc{stdout: out.String(), stderr: errb.String(), code: code}
}
