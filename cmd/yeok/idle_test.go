package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
	gossh "golang.org/x/crypto/ssh"

	"github.com/yeok/yeok/llm/llmtest"
)

// An idle program wakes only for the Go runtime's own rare chores (a forced collection
// every two minutes): over a few seconds it should not wake at all. Bubble Tea's own
// renderer woke 60 times a second locally (30 over SSH), several switches each.
const (
	idleWindow      = 3 * time.Second
	idleMostWakeups = 3
)

// wakeups is how many times the threads of process pid have been switched in so far.
func wakeups(tb testing.TB, pid int) int {
	tb.Helper()
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/status", pid))
	if err != nil || len(tasks) == 0 {
		tb.Fatalf("no threads of process %d: %v", pid, err)
	}
	n := 0
	for _, path := range tasks {
		b, err := os.ReadFile(path)
		if err != nil {
			continue // the thread ended
		}
		for _, line := range strings.Split(string(b), "\n") {
			if name, v, ok := strings.Cut(line, ":"); ok && strings.HasSuffix(name, "ctxt_switches") {
				k, _ := strconv.Atoi(strings.TrimSpace(v))
				n += k
			}
		}
	}
	return n
}

// cpuOf is the user+system CPU time of process pid from /proc/PID/stat.
func cpuOf(tb testing.TB, pid int) time.Duration {
	tb.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		tb.Fatal(err)
	}
	return statCPU(b)
}

// statCPU is the user+system CPU time in a /proc/PID/stat line.
func statCPU(b []byte) time.Duration {
	// The command name in parentheses may hold spaces: the fields follow its last ")".
	fields := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / clockTicks
}

// clockTicks is the kernel's USER_HZ, the unit of /proc/PID/stat times, on Linux.
const clockTicks = 100

// settle waits until process pid goes a whole second without waking, which a program
// still starting up (or one that never rests) does not; it fails after 20 s.
func settle(tb testing.TB, pid int, what string) {
	tb.Helper()
	deadline := time.Now().Add(20 * time.Second)
	last := -1
	for time.Now().Before(deadline) {
		before := wakeups(tb, pid)
		time.Sleep(time.Second)
		if last = wakeups(tb, pid) - before; last == 0 {
			return
		}
	}
	tb.Fatalf("%s never went a second without waking: %d wakeups in the last second", what, last)
}

// assertIdle checks that process pid, settled, does not wake over idleWindow.
func assertIdle(t *testing.T, pid int, what string) {
	t.Helper()
	settle(t, pid, what)
	before := wakeups(t, pid)
	time.Sleep(idleWindow)
	if n := wakeups(t, pid) - before; n > idleMostWakeups {
		t.Errorf("%s woke %d times in %v of idle, want at most %d", what, n, idleWindow, idleMostWakeups)
	}
}

// panePID is the process id of the program in the tmux pane.
func (p *tmuxPane) panePID() int {
	p.t.Helper()
	pid, err := strconv.Atoi(strings.TrimSpace(p.tmux("display-message", "-p", "-t", "yeok", "#{pane_pid}")))
	if err != nil {
		p.t.Fatal(err)
	}
	return pid
}

// TestTmuxIdleTUIDoesNotWake runs the TUI in a terminal and leaves it alone: once
// started it must not wake at all (no frame timer, spinner, clock or cursor blink), and
// it still answers a key afterwards.
func TestTmuxIdleTUIDoesNotWake(t *testing.T) {
	p := startTmux(t, 100, 30, nil)
	assertIdle(t, p.panePID(), "the idle TUI")
	p.literal("still here")
	p.waitFor("the typed text", func(rows []string) bool { return strings.Contains(strings.Join(rows, "\n"), "still here") })
}

// TestSSHIdleSessionDoesNotWake connects OpenSSH's client to `yeok serve --ssh` and leaves
// the session alone: the server must not wake at all.
func TestSSHIdleSessionDoesNotWake(t *testing.T) {
	provider := llmtest.New(t, llmtest.Replay(llmtest.Fixture(t, "gpt-4o-mini-stop.sse")))
	srv, ssh := startSSHClient(t, providerEnv(provider))
	ssh.waitFor(t, "to translate")
	assertIdle(t, srv.cmd.Process.Pid, "the server with an idle session")
	ssh.send(t, "still here")
	ssh.waitFor(t, "still here")
}

// sshTerm is OpenSSH's client in a pseudo-terminal, answering the app's colour query.
type sshTerm struct {
	ptmx *os.File
	mu   sync.Mutex
	out  bytes.Buffer
	cmd  *exec.Cmd
}

// startSSHClient starts `yeok serve --ssh` with env and connects OpenSSH's client to it
// in a 100×30 pseudo-terminal.
func startSSHClient(tb testing.TB, env []string) (*serveProc, *sshTerm) {
	tb.Helper()
	const sshBinary = "/usr/bin/ssh"
	if _, err := os.Stat(sshBinary); err != nil {
		tb.Fatalf("%s is missing (%v): install openssh-client", sshBinary, err)
	}
	dir := tb.TempDir()
	srv := startServeEnv(tb, env, dir, "--ssh", "127.0.0.1:0", "--allow-any-key",
		"--db", filepath.Join(dir, "y.db"), "--to", "ko", "--host-key", filepath.Join(dir, "host_key"))
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	block, err := gossh.MarshalPrivateKey(priv, "")
	if err != nil {
		tb.Fatal(err)
	}
	keyPath := filepath.Join(dir, "id_ed25519")
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(block), 0o600); err != nil {
		tb.Fatal(err)
	}
	host, port, _ := strings.Cut(srv.sshAddr, ":")
	st := &sshTerm{}
	st.cmd = exec.Command(sshBinary, "-tt", "-p", port, "-i", keyPath, "-F", "/dev/null",
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
		"-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR",
		"someone@"+host)
	st.cmd.Env = append(os.Environ(), "TERM=xterm-256color")
	st.ptmx, err = pty.StartWithSize(st.cmd, &pty.Winsize{Rows: 30, Cols: 100})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_ = st.cmd.Process.Kill()
		_ = st.cmd.Wait()
		_ = st.ptmx.Close()
	})
	go func() {
		buf := make([]byte, 4096)
		answered := false
		for {
			n, err := st.ptmx.Read(buf)
			st.mu.Lock()
			st.out.Write(buf[:n])
			ask := !answered && bytes.Contains(st.out.Bytes(), []byte("\x1b]11;?"))
			st.mu.Unlock()
			if ask {
				answered = true
				_, _ = io.WriteString(st.ptmx, "\x1b]11;rgb:0000/0000/0000\x07\x1b[?62;22c")
			}
			if err != nil {
				return
			}
		}
	}()
	return srv, st
}

func (st *sshTerm) send(tb testing.TB, s string) {
	tb.Helper()
	if _, err := io.WriteString(st.ptmx, s); err != nil {
		tb.Fatal(err)
	}
}

// waitFor waits until the client's terminal has shown want.
func (st *sshTerm) waitFor(tb testing.TB, want string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		st.mu.Lock()
		ok := strings.Contains(st.out.String(), want)
		st.mu.Unlock()
		if ok {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	tb.Fatalf("the SSH client never showed %q; it shows %q", want, tail(st.out.Bytes()))
}
