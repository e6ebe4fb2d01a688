package main

import (
	"bufio"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/yeok/yeok/llm/llmtest"
)

// serveProc is a running `yeok serve` with the addresses it printed.
type serveProc struct {
	cmd             *exec.Cmd
	httpAddr        string
	sshAddr         string
	exited          chan error
	mu              sync.Mutex
	stderr          strings.Builder
	stderrCollected chan struct{}
}

// startServe runs `yeok serve args...` against the fake provider, with HOME in home, and
// returns once it has printed the address of each server args ask for. The process is
// killed when the test ends if it is still running.
func startServe(t *testing.T, provider *llmtest.Server, home string, args ...string) *serveProc {
	t.Helper()
	return startServeEnv(t, providerEnv(provider), home, args...)
}

// startServeEnv is startServe with the provider's environment given (a fake server in a
// process of its own, for benchmarks).
func startServeEnv(t testing.TB, env []string, home string, args ...string) *serveProc {
	t.Helper()
	p := &serveProc{exited: make(chan error, 1), stderrCollected: make(chan struct{})}
	p.cmd = exec.Command(yeokBin, append([]string{"serve"}, args...)...)
	p.cmd.Env = append(env, "HOME="+home)
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.exited
	})
	addrs := make(chan [2]string, 2)
	go func() {
		defer close(p.stderrCollected)
		re := regexp.MustCompile(`^yeok: (HTTP API on http://|SSH on )(\S+)`)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.mu.Lock()
			p.stderr.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				addrs <- [2]string{m[1], m[2]}
			}
		}
	}()
	go func() {
		<-p.stderrCollected
		p.exited <- p.cmd.Wait()
	}()
	asks := func(flag string) bool {
		return slices.ContainsFunc(args, func(a string) bool { return a == flag || strings.HasPrefix(a, flag+"=") })
	}
	wantHTTP, wantSSH := asks("--http"), asks("--ssh")
	for (wantHTTP && p.httpAddr == "") || (wantSSH && p.sshAddr == "") {
		select {
		case a := <-addrs:
			if strings.HasPrefix(a[0], "HTTP") {
				p.httpAddr = a[1]
			} else {
				p.sshAddr = a[1]
			}
		case err := <-p.exited:
			p.exited <- err
			t.Fatalf("serve exited with %v before it served:\n%s", err, p.logs())
		case <-time.After(20 * time.Second):
			t.Fatalf("servers did not start:\n%s", p.logs())
		}
	}
	return p
}

// logs returns what the process wrote to stderr so far.
func (p *serveProc) logs() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// terminate sends SIGTERM and waits for the process to exit, failing the test when it
// does not exit cleanly within 15 s.
func (p *serveProc) terminate(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.exited:
		p.exited <- err
		if err != nil {
			t.Fatalf("serve exited with %v:\n%s", err, p.logs())
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("serve did not stop on SIGTERM:\n%s", p.logs())
	}
}
