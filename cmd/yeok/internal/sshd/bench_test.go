package sshd

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/yeok/yeok/llm"
	"github.com/yeok/yeok/llm/llmtest"
	"github.com/yeok/yeok/llm/openai"
	"github.com/yeok/yeok/model"
	"github.com/yeok/yeok/storage"
)

// benchServerEnv makes the test binary run a bare server for BenchmarkConcurrentSessions,
// so the CPU it measures is the server's alone, not the clients' or the upstream's.
const benchServerEnv = "SSHD_BENCH_SERVER"

func TestMain(m *testing.M) {
	if os.Getenv(benchServerEnv) != "" {
		if err := runBenchServer(os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "bench server:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runBenchServer serves until told "stop" on in. It prints "addr ADDR" when listening; on
// "start" it takes its CPU reading, and on "stop" prints "cpu NS WALLNS", the user+system
// CPU time and the wall time since "start".
func runBenchServer(in io.Reader, out io.Writer) error {
	ctx := context.Background()
	dir := os.Getenv("SSHD_BENCH_DIR")
	fps, _ := strconv.Atoi(os.Getenv("SSHD_BENCH_FPS"))
	st, err := storage.Open(ctx, filepath.Join(dir, "yeok.db"), storage.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	p, err := openai.New(openai.Config{BaseURL: os.Getenv("SSHD_BENCH_UPSTREAM"), APIKey: testAPIKey, MaxRetries: -1})
	if err != nil {
		return err
	}
	eng := llm.New(p, st, llm.Options{NoMemory: true})
	srv, err := New(Config{
		HostKeyPath: filepath.Join(dir, "host_key"), AllowAnyKey: true,
		MaxSessions: 100, StreamsPerMinute: -1, FPS: fps, To: model.MustLanguage("ko-KR"),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}, eng, st)
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go func() { _ = srv.Serve(l) }()
	fmt.Fprintf(out, "addr %s\n", l.Addr())
	var cpu0 time.Duration
	var wall0 time.Time
	stopProfile := func() {}
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		switch sc.Text() {
		case "start":
			if path := os.Getenv("SSHD_BENCH_CPUPROFILE"); path != "" {
				f, err := os.Create(path)
				if err != nil {
					return err
				}
				if err := pprof.StartCPUProfile(f); err != nil {
					return err
				}
				stopProfile = func() { pprof.StopCPUProfile(); _ = f.Close() }
			}
			cpu0, wall0 = cpuTime(), time.Now()
			fmt.Fprintln(out, "ok")
		case "stop":
			stopProfile()
			fmt.Fprintf(out, "cpu %d %d\n", cpuTime()-cpu0, time.Since(wall0))
			sctx, cancel := context.WithTimeout(ctx, waitLong)
			defer cancel()
			return srv.Shutdown(sctx)
		}
	}
	return sc.Err()
}

// cpuTime is the user+system CPU time of this process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkConcurrentSessions runs 50 SSH sessions, each streaming a 60 tokens/s answer for
// about 8 s, against a server in its own process. It reports the server's CPU use in cores
// and the delay from the upstream writing a token to that token reaching the client.
// Clients say TERM=xterm-256color, as OpenSSH sends it, so colours are converted to the
// 256-colour palette; the truecolor case (COLORTERM=truecolor) shows what that costs.
func BenchmarkConcurrentSessions(b *testing.B) {
	cases := []struct {
		fps       int
		truecolor bool
	}{{30, false}, {15, false}, {30, true}}
	for _, c := range cases {
		name := fmt.Sprintf("fps=%d/256color", c.fps)
		if c.truecolor {
			name = fmt.Sprintf("fps=%d/truecolor", c.fps)
		}
		b.Run(name, func(b *testing.B) {
			for range b.N {
				runConcurrentSessions(b, 50, 480, time.Second/60, c.fps, c.truecolor)
			}
		})
	}
}

func runConcurrentSessions(b *testing.B, sessions, tokens int, interval time.Duration, fps int, truecolor bool) {
	written := make([][]time.Time, sessions)
	for i := range written {
		written[i] = make([]time.Time, tokens)
	}
	var wmu sync.Mutex
	sessionMarker := regexp.MustCompile(`zz(\d+)zz`)
	sessionOf := func(r *http.Request) int {
		m := sessionMarker.FindSubmatch(llmtest.Recorded(r).Body)
		if m == nil {
			return 0
		}
		n, _ := strconv.Atoi(string(m[1]))
		return n
	}
	h := func(w http.ResponseWriter, r *http.Request) {
		s := sessionOf(r)
		toks := make([]string, tokens)
		for i := range toks {
			toks[i] = fmt.Sprintf("t%02dn%04d ", s, i)
		}
		streamTokens(func(*http.Request) []string { return toks }, interval, func(_ *http.Request, i int) {
			wmu.Lock()
			written[s][i] = time.Now()
			wmu.Unlock()
		})(w, r)
	}
	up := llmtest.New(b, h)

	dir := b.TempDir()
	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), benchServerEnv+"=1", "SSHD_BENCH_DIR="+dir,
		"SSHD_BENCH_UPSTREAM="+up.BaseURL(), fmt.Sprintf("SSHD_BENCH_FPS=%d", fps))
	child.Stderr = os.Stderr
	stdin, _ := child.StdinPipe()
	stdout, _ := child.StdoutPipe()
	if err := child.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = child.Process.Kill(); _ = child.Wait() }()
	lines := bufio.NewScanner(stdout)
	readLine := func(prefix string) string {
		if !lines.Scan() || !strings.HasPrefix(lines.Text(), prefix) {
			b.Fatalf("bench server said %q, want %q", lines.Text(), prefix)
		}
		return strings.TrimPrefix(lines.Text(), prefix)
	}
	addr := readLine("addr ")

	terms := make([]*benchTerm, sessions)
	var wg sync.WaitGroup
	for i := range terms {
		wg.Add(1)
		go func() {
			defer wg.Done()
			terms[i] = openBenchTerm(b, addr, i, tokens, truecolor)
		}()
	}
	wg.Wait()
	for _, tm := range terms {
		tm.waitReady(b)
	}

	b.ResetTimer()
	fmt.Fprintln(stdin, "start")
	readLine("ok")
	for i, tm := range terms {
		_, _ = fmt.Fprintf(tm.stdin, "zz%02dzz\r", i)
	}
	deadline := time.After(time.Duration(tokens)*interval + 15*time.Second)
	for _, tm := range terms {
		select {
		case <-tm.complete:
		case <-deadline:
			b.Fatalf("session %d saw %d of %d tokens", tm.id, tm.lastSeen()+1, tokens)
		}
	}
	fmt.Fprintln(stdin, "stop")
	var cpuNS, wallNS int64
	if _, err := fmt.Sscanf(readLine("cpu "), "%d %d", &cpuNS, &wallNS); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()

	var delays []time.Duration
	wmu.Lock()
	for _, tm := range terms {
		for i, seen := range tm.seenAt() {
			delays = append(delays, seen.Sub(written[tm.id][i]))
		}
	}
	wmu.Unlock()
	slices.Sort(delays)
	pct := func(p float64) float64 {
		return float64(delays[int(p*float64(len(delays)-1))]) / float64(time.Millisecond)
	}
	b.ReportMetric(float64(cpuNS)/float64(wallNS), "server-cores")
	b.ReportMetric(pct(0.5), "p50-delay-ms")
	b.ReportMetric(pct(0.99), "p99-delay-ms")
	b.ReportMetric(pct(1), "max-delay-ms")
	for _, tm := range terms {
		_ = tm.client.Close()
	}
}

// benchTerm is one benchmark client: it notes when each of its tokens first shows.
type benchTerm struct {
	id       int
	client   *gossh.Client
	stdin    io.Writer
	ready    chan struct{}
	complete chan struct{}

	mu   sync.Mutex
	seen []time.Time
	last int
}

func openBenchTerm(b *testing.B, addr string, id, tokens int, truecolor bool) *benchTerm {
	client, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{
		User: "bench", Auth: []gossh.AuthMethod{gossh.PublicKeys(newKey(b))},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: waitLong,
	})
	if err != nil {
		b.Error(err)
		return nil
	}
	sess, err := client.NewSession()
	if err != nil {
		b.Error(err)
		return nil
	}
	tm := &benchTerm{id: id, client: client, ready: make(chan struct{}), complete: make(chan struct{}),
		seen: make([]time.Time, tokens), last: -1}
	if truecolor {
		_ = sess.Setenv("COLORTERM", "truecolor")
	}
	_ = sess.RequestPty("xterm-256color", 30, 100, gossh.TerminalModes{})
	tm.stdin, _ = sess.StdinPipe()
	stdout, _ := sess.StdoutPipe()
	if err := sess.Shell(); err != nil {
		b.Error(err)
		return nil
	}
	_, _ = io.WriteString(tm.stdin, terminalReply)
	go tm.read(stdout, tokens)
	return tm
}

func (tm *benchTerm) read(r io.Reader, tokens int) {
	tokenMark := regexp.MustCompile(`t(\d\d)n(\d{4})`)
	buf := make([]byte, 32<<10)
	var carry []byte
	isReady := false
	for {
		n, err := r.Read(buf)
		now := time.Now()
		data := append(carry, buf[:n]...)
		if !isReady && bytes.Contains(data, []byte("ko-KR")) {
			isReady = true
			close(tm.ready)
		}
		top := -1
		for _, m := range tokenMark.FindAllSubmatch(data, -1) {
			if s, _ := strconv.Atoi(string(m[1])); s == tm.id {
				k, _ := strconv.Atoi(string(m[2]))
				top = max(top, k)
			}
		}
		tm.mu.Lock()
		for k := tm.last + 1; k <= top; k++ {
			tm.seen[k] = now
		}
		if top > tm.last {
			tm.last = top
			if top == tokens-1 {
				close(tm.complete)
			}
		}
		tm.mu.Unlock()
		if len(data) > 16 {
			carry = append([]byte(nil), data[len(data)-16:]...)
		} else {
			carry = append([]byte(nil), data...)
		}
		if err != nil {
			return
		}
	}
}

func (tm *benchTerm) waitReady(b *testing.B) {
	if tm == nil {
		b.FailNow()
	}
	select {
	case <-tm.ready:
	case <-time.After(3 * waitLong):
		b.Fatalf("session %d never drew the app", tm.id)
	}
}

func (tm *benchTerm) lastSeen() int {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.last
}

func (tm *benchTerm) seenAt() []time.Time {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return slices.Clone(tm.seen)
}
