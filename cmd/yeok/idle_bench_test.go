package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/yeok/yeok/llm/llmtest"
)

// idleSpan is how long the idle benchmarks measure: YEOK_IDLE_SECONDS, 60 by default.
func idleSpan() time.Duration {
	if s, err := strconv.Atoi(os.Getenv("YEOK_IDLE_SECONDS")); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	return 60 * time.Second
}

// idleSettle is how long the idle benchmarks let a program finish starting before they
// measure. (A benchmark cannot wait for the program to stop waking: Bubble Tea's own
// renderer never does.)
const idleSettle = 3 * time.Second

// measureIdle waits idleSettle, then reports the CPU use of process pid over idleSpan as a
// percentage of one core (from /proc/PID/stat) and its wakeups a second.
func measureIdle(b *testing.B, pid int) {
	time.Sleep(idleSettle)
	span := idleSpan()
	b.ResetTimer()
	for range b.N {
		cpu0, wake0, t0 := cpuOf(b, pid), wakeups(b, pid), time.Now()
		time.Sleep(span)
		cpu, wake, wall := cpuOf(b, pid)-cpu0, wakeups(b, pid)-wake0, time.Since(t0)
		b.ReportMetric(100*cpu.Seconds()/wall.Seconds(), "cpu-%/core")
		b.ReportMetric(float64(wake)/wall.Seconds(), "wakeups/s")
	}
}

// BenchmarkIdleTUI runs the TUI in a 100×30 pseudo-terminal, waits until it has drawn and
// settled, and measures it left alone for YEOK_IDLE_SECONDS (60 by default).
func BenchmarkIdleTUI(b *testing.B) {
	home := b.TempDir()
	cmd := exec.Command(yeokBin, "--db", filepath.Join(home, "yeok.db"))
	cmd.Env = []string{
		"HOME=" + home, "XDG_CONFIG_HOME=" + filepath.Join(home, "config"),
		"XDG_DATA_HOME=" + filepath.Join(home, "data"), "PATH=" + os.Getenv("PATH"),
		"LANG=C.UTF-8", "TERM=xterm-256color", probePortsEnv + "=off",
		"OPENAI_API_KEY=" + fakeKey, "OPENAI_BASE_URL=http://127.0.0.1:9/v1",
	}
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: tuiHeight, Cols: tuiWidth})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait(); _ = ptmx.Close() }()
	drawn := make(chan struct{})
	go func() { // the terminal: answer the queries, note the first frame, drain the rest
		var out []byte
		var once sync.Once
		answered := map[string]int{}
		buf := make([]byte, 32<<10)
		for {
			n, err := ptmx.Read(buf)
			if len(out) < 1<<20 {
				out = append(out, buf[:n]...)
				for _, q := range [][2][]byte{{queryBackground, answerBackground}, {queryCursor, answerCursor}} {
					for k := bytes.Count(out, q[0]); answered[string(q[0])] < k; answered[string(q[0])]++ {
						_, _ = ptmx.Write(q[1])
					}
				}
				if bytes.Contains(out, []byte("ctrl+t")) {
					once.Do(func() { close(drawn) })
				}
			}
			if err != nil {
				return
			}
		}
	}()
	select {
	case <-drawn:
	case <-time.After(30 * time.Second):
		b.Fatal("the TUI never drew its first frame")
	}
	measureIdle(b, cmd.Process.Pid)
}

// BenchmarkIdleSSH connects OpenSSH's client to `yeok serve --ssh` (in a process of its
// own) and measures the server with the session left alone for YEOK_IDLE_SECONDS.
func BenchmarkIdleSSH(b *testing.B) {
	provider := llmtest.New(b, llmtest.Replay(llmtest.Fixture(b, "gpt-4o-mini-stop.sse")))
	srv, ssh := startSSHClient(b, providerEnv(provider))
	ssh.waitFor(b, "to translate")
	measureIdle(b, srv.cmd.Process.Pid)
}
