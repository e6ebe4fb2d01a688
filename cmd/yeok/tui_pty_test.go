package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/creack/pty"
)

// Terminal queries the app makes at start, and the answers of a dark terminal.
var (
	queryBackground  = []byte("\x1b]11;?")
	answerBackground = []byte("\x1b]11;rgb:0000/0000/0000\x1b\\")
	queryCursor      = []byte("\x1b[6n")
	answerCursor     = []byte("\x1b[1;1R")
)

// ptyStart is one start of the real binary in a terminal.
type ptyStart struct {
	firstFrame time.Duration // until the help line is drawn
	history    time.Duration // until the last session's marker is drawn
	rss, hwm   float64       // MiB, read when the history is on screen
}

// startBinary runs yeok on db in a 100x30 pseudo-terminal whose home is home, answers
// its terminal queries, waits until the screen shows want, reads its memory, and quits it
// with Ctrl+C.
func startBinary(db, home, want string) (ptyStart, error) {
	// The provider is never called: nothing is sent.
	return startBinaryEnv(db, home, want, "OPENAI_API_KEY="+fakeKey, "OPENAI_BASE_URL=http://127.0.0.1:9/v1")
}

// startBinaryEnv is startBinary with env added to the process's environment.
func startBinaryEnv(db, home, want string, env ...string) (ptyStart, error) {
	var res ptyStart
	cmd := exec.Command(yeokBin, "--db", db)
	cmd.Env = append([]string{
		"HOME=" + home,
		"XDG_CONFIG_HOME=" + filepath.Join(home, "config"),
		"XDG_DATA_HOME=" + filepath.Join(home, "data"),
		"PATH=" + os.Getenv("PATH"),
		"LANG=C.UTF-8",
		"TERM=xterm-256color",
		probePortsEnv + "=off",
	}, env...)
	start := time.Now()
	term, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: tuiHeight, Cols: tuiWidth})
	if err != nil {
		return res, fmt.Errorf("start in a pty: %w", err)
	}
	defer term.Close()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	chunks := make(chan []byte, 64)
	go func() {
		defer close(chunks)
		for {
			buf := make([]byte, 32<<10)
			n, err := term.Read(buf)
			if n > 0 {
				chunks <- buf[:n]
			}
			if err != nil {
				return
			}
		}
	}()

	var out []byte
	answered := map[string]int{}
	timeout := time.After(30 * time.Second)
	for res.history == 0 {
		select {
		case b, ok := <-chunks:
			if !ok {
				return res, fmt.Errorf("the terminal closed before %q showed: %q", want, tail(out))
			}
			out = append(out, b...)
		case <-timeout:
			_ = cmd.Process.Kill()
			return res, fmt.Errorf("%q never showed: %q", want, tail(out))
		}
		for _, q := range [][2][]byte{{queryBackground, answerBackground}, {queryCursor, answerCursor}} {
			for n := bytes.Count(out, q[0]); answered[string(q[0])] < n; answered[string(q[0])]++ {
				if _, err := term.Write(q[1]); err != nil {
					return res, fmt.Errorf("answer a terminal query: %w", err)
				}
			}
		}
		if res.firstFrame == 0 && bytes.Contains(out, []byte("ctrl+t")) {
			res.firstFrame = time.Since(start)
		}
		if bytes.Contains(out, []byte(want)) {
			res.history = time.Since(start)
		}
	}
	pid := strconv.Itoa(cmd.Process.Pid)
	if res.rss, err = procStatus(pid, "VmRSS"); err == nil {
		res.hwm, err = procStatus(pid, "VmHWM")
	}
	if err != nil {
		_ = cmd.Process.Kill()
		return res, err
	}
	if _, err := term.Write([]byte{0x03}); err != nil {
		return res, fmt.Errorf("press ctrl+c: %w", err)
	}
	go func() { // keep the terminal drained until the process is gone
		for range chunks {
		}
	}()
	select {
	case err := <-exited:
		if err != nil {
			return res, fmt.Errorf("yeok exited: %w", err)
		}
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		return res, fmt.Errorf("yeok did not quit on ctrl+c")
	}
	return res, nil
}

// tail is the end of a terminal transcript, for error messages.
func tail(b []byte) []byte {
	return b[max(len(b)-600, 0):]
}
