package sshd

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"runtime/trace"
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
// "start" it takes its CPU reading, and on "stop" prints "cpu NS WALLNS SCHEDNS PAUSENS":
// the user+system CPU time and the wall time since "start", and the 99th percentiles of
// how long its runnable goroutines waited to run and of its GC pauses since then. On
// "mem" it prints "mem RSS HEAP GOROUTINES": its resident set (VmRSS) and, after a
// collection, the bytes of heap and stacks in use, in bytes, and how many goroutines run
// (with SSHD_BENCH_MEMPROFILE set, it writes a heap profile there first). With
// SSHD_BENCH_CPUPROFILE set it writes a CPU profile from "start" to "stop"; with
// SSHD_BENCH_TRACE set, an execution trace of the first 3 s after "start".
func runBenchServer(in io.Reader, out io.Writer) error {
	ctx := context.Background()
	dir := os.Getenv("SSHD_BENCH_DIR")
	fps, _ := strconv.Atoi(os.Getenv("SSHD_BENCH_FPS"))
	maxSessions, _ := strconv.Atoi(os.Getenv("SSHD_BENCH_MAX"))
	if os.Getenv("SSHD_BENCH_MEMPROFILE") != "" {
		runtime.MemProfileRate = 1 // every allocation, for a profile per session
	}
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
		MaxSessions: max(maxSessions, 100), StreamsPerMinute: -1, FPS: fps, To: model.MustLanguage("ko-KR"),
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
	var sched0 schedSample
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
			if path := os.Getenv("SSHD_BENCH_TRACE"); path != "" {
				f, err := os.Create(path)
				if err != nil {
					return err
				}
				if err := trace.Start(f); err != nil {
					return err
				}
				time.AfterFunc(3*time.Second, func() { trace.Stop(); _ = f.Close() })
			}
			cpu0, wall0, sched0 = cpuTime(), time.Now(), readSched()
			fmt.Fprintln(out, "ok")
		case "mem":
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if path := os.Getenv("SSHD_BENCH_MEMPROFILE"); path != "" {
				f, err := os.Create(path)
				if err != nil {
					return err
				}
				err = pprof.WriteHeapProfile(f)
				if cerr := f.Close(); err == nil {
					err = cerr
				}
				if err != nil {
					return err
				}
			}
			fmt.Fprintf(out, "mem %d %d %d\n", residentBytes(), ms.HeapInuse+ms.StackInuse, runtime.NumGoroutine())
		case "stop":
			stopProfile()
			sched := readSched().since(sched0)
			fmt.Fprintf(out, "cpu %d %d %d %d\n", cpuTime()-cpu0, time.Since(wall0), sched.latency(0.99), sched.pause(0.99))
			sctx, cancel := context.WithTimeout(ctx, waitLong)
			defer cancel()
			return srv.Shutdown(sctx)
		}
	}
	return sc.Err()
}

// residentBytes is this process's resident set size (VmRSS), 0 where /proc has none.
func residentBytes() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(v, "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// benchSessions is how many sessions a benchmark opens: YEOK_BENCH_SESSIONS, or def.
func benchSessions(def int) int {
	if n, err := strconv.Atoi(os.Getenv("YEOK_BENCH_SESSIONS")); err == nil && n > 0 {
		return n
	}
	return def
}

// cpuTime is the user+system CPU time of this process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkConcurrentSessions runs 50 SSH sessions (YEOK_BENCH_SESSIONS), each streaming a
// 60 tokens/s answer for about 8 s, against a server in its own process. It reports the
// server's CPU use in cores and the delay from the upstream writing a token to that token
// reaching the client (with SSHD_BENCH_DELAYS set, every token's delay is written to that
// file), and how long runnable goroutines waited for a CPU in either process.
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
				runConcurrentSessions(b, benchSessions(50), 480, time.Second/60, c.fps, c.truecolor)
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
			toks[i] = fmt.Sprintf("t%03dn%04d ", s, i)
		}
		streamTokens(func(*http.Request) []string { return toks }, interval, func(_ *http.Request, i int) {
			wmu.Lock()
			written[s][i] = time.Now()
			wmu.Unlock()
		})(w, r)
	}
	up := llmtest.New(b, h)
	srv := startBenchServer(b, up.BaseURL(), fps, sessions)
	stdin, readLine := srv.stdin, srv.readLine
	terms := openBenchTerms(b, srv.addr, sessions, tokens, truecolor)

	b.ResetTimer()
	fmt.Fprintln(stdin, "start")
	readLine("ok")
	benchCPU0, benchWall0, benchSched0 := cpuTime(), time.Now(), readSched()
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
	benchCores := (cpuTime() - benchCPU0).Seconds() / time.Since(benchWall0).Seconds()
	benchSched := readSched().since(benchSched0)
	fmt.Fprintln(stdin, "stop")
	var cpuNS, wallNS, schedNS, pauseNS int64
	if _, err := fmt.Sscanf(readLine("cpu "), "%d %d %d %d", &cpuNS, &wallNS, &schedNS, &pauseNS); err != nil {
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
	if path := os.Getenv("SSHD_BENCH_DELAYS"); path != "" {
		dumpDelays(b, path, terms, written, benchWall0)
	}
	slices.Sort(delays)
	pct := func(p float64) float64 {
		return float64(delays[int(p*float64(len(delays)-1))]) / float64(time.Millisecond)
	}
	b.ReportMetric(float64(cpuNS)/float64(wallNS), "server-cores")
	// The server's CPU time in all: on a busy machine the run takes longer and the cores
	// figure drops, while the work done stays about the same.
	b.ReportMetric(float64(cpuNS)/1e9, "server-cpu-s")
	// The clients and the upstream share the machine with the server.
	b.ReportMetric(benchCores, "clients+upstream-cores")
	b.ReportMetric(pct(0.5), "p50-delay-ms")
	b.ReportMetric(pct(0.99), "p99-delay-ms")
	b.ReportMetric(pct(1), "max-delay-ms")
	// How long runnable goroutines waited for a CPU: the share of the delay that is the
	// machine being busy, in the server and in the clients' process.
	b.ReportMetric(float64(schedNS)/1e6, "server-sched-p99-ms")
	b.ReportMetric(float64(pauseNS)/1e6, "server-gcpause-p99-ms")
	b.ReportMetric(benchSched.latency(0.99).Seconds()*1e3, "clients-sched-p99-ms")
	for _, tm := range terms {
		_ = tm.client.Close()
	}
}

// benchServer is the server of a benchmark, in a process of its own.
type benchServer struct {
	addr     string
	stdin    io.Writer
	readLine func(prefix string) string
}

// startBenchServer starts the test binary as a bare server for up to sessions sessions,
// streaming from upstream; it is killed when the benchmark ends.
func startBenchServer(b *testing.B, upstream string, fps, sessions int) *benchServer {
	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), benchServerEnv+"=1", "SSHD_BENCH_DIR="+b.TempDir(),
		"SSHD_BENCH_UPSTREAM="+upstream, fmt.Sprintf("SSHD_BENCH_FPS=%d", fps),
		fmt.Sprintf("SSHD_BENCH_MAX=%d", sessions))
	child.Stderr = os.Stderr
	stdin, _ := child.StdinPipe()
	stdout, _ := child.StdoutPipe()
	if err := child.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = child.Process.Kill(); _ = child.Wait() })
	lines := bufio.NewScanner(stdout)
	srv := &benchServer{stdin: stdin}
	srv.readLine = func(prefix string) string {
		if !lines.Scan() || !strings.HasPrefix(lines.Text(), prefix) {
			b.Fatalf("bench server said %q, want %q", lines.Text(), prefix)
		}
		return strings.TrimPrefix(lines.Text(), prefix)
	}
	srv.addr = srv.readLine("addr ")
	return srv
}

// mem asks the server for its memory: resident set and heap+stacks in bytes, goroutines.
func (s *benchServer) mem(b *testing.B) (rss, heap, goroutines int64) {
	fmt.Fprintln(s.stdin, "mem")
	if _, err := fmt.Sscanf(s.readLine("mem "), "%d %d %d", &rss, &heap, &goroutines); err != nil {
		b.Fatal(err)
	}
	return rss, heap, goroutines
}

// openBenchTerms connects n clients, 16 at a time, and waits until each shows the app.
func openBenchTerms(b *testing.B, addr string, n, tokens int, truecolor bool) []*benchTerm {
	terms := make([]*benchTerm, n)
	var wg sync.WaitGroup
	slots := make(chan struct{}, 16)
	for i := range terms {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			terms[i] = openBenchTerm(b, addr, i, tokens, truecolor)
		}()
	}
	wg.Wait()
	for _, tm := range terms {
		tm.waitReady(b)
	}
	return terms
}

// BenchmarkIdleSessions connects 500 SSH sessions (YEOK_BENCH_SESSIONS) to a server in
// its own process, leaves them idle for YEOK_IDLE_SECONDS (60 by default), and reports the
// server's CPU in cores over that span, its resident set in total, and what each session
// adds to the resident set and to the heap and stacks in use.
func BenchmarkIdleSessions(b *testing.B) {
	n := benchSessions(500)
	span := 60 * time.Second
	if s, err := strconv.Atoi(os.Getenv("YEOK_IDLE_SECONDS")); err == nil && s > 0 {
		span = time.Duration(s) * time.Second
	}
	for range b.N {
		up := llmtest.New(b, func(w http.ResponseWriter, r *http.Request) { http.Error(w, "not used", 500) })
		srv := startBenchServer(b, up.BaseURL(), 0, n)
		rss0, heap0, _ := srv.mem(b)
		terms := openBenchTerms(b, srv.addr, n, 0, false)
		fmt.Fprintln(srv.stdin, "start")
		srv.readLine("ok")
		time.Sleep(span)
		rss, heap, goroutines := srv.mem(b)
		fmt.Fprintln(srv.stdin, "stop")
		var cpuNS, wallNS, schedNS, pauseNS int64
		if _, err := fmt.Sscanf(srv.readLine("cpu "), "%d %d %d %d", &cpuNS, &wallNS, &schedNS, &pauseNS); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(cpuNS)/float64(wallNS), "server-cores")
		b.ReportMetric(float64(rss)/(1<<20), "server-rss-MB")
		b.ReportMetric(float64(rss-rss0)/float64(n)/(1<<10), "rss-KB/session")
		b.ReportMetric(float64(heap-heap0)/float64(n)/(1<<10), "heap-KB/session")
		b.ReportMetric(float64(goroutines)/float64(n), "goroutines/session")
		for _, tm := range terms {
			_ = tm.client.Close()
		}
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
	// Each token of this session is "tSSSnKKKK ": a plain search for its prefix costs the
	// client far less CPU than a regular expression, which the server would feel.
	mark := fmt.Appendf(nil, "t%03dn", tm.id)
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
		for rest := data; ; {
			i := bytes.Index(rest, mark)
			if i < 0 || i+len(mark)+4 > len(rest) {
				break
			}
			if k, err := strconv.Atoi(string(rest[i+len(mark) : i+len(mark)+4])); err == nil {
				top = max(top, k)
			}
			rest = rest[i+len(mark):]
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

// dumpDelays writes one line a token: session, token, when it was written upstream and
// its delay to the client, in milliseconds since the measurement began.
func dumpDelays(b *testing.B, path string, terms []*benchTerm, written [][]time.Time, t0 time.Time) {
	var buf bytes.Buffer
	for _, tm := range terms {
		for i, seen := range tm.seenAt() {
			w := written[tm.id][i]
			fmt.Fprintf(&buf, "%d %d %.3f %.3f\n", tm.id, i, float64(w.Sub(t0))/1e6, float64(seen.Sub(w))/1e6)
		}
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
}

// schedSample is a reading of the runtime's histograms of scheduling latency (how long
// runnable goroutines waited to run) and of GC pauses.
type schedSample struct{ sched, pauses *metrics.Float64Histogram }

func readSched() schedSample {
	m := []metrics.Sample{{Name: "/sched/latencies:seconds"}, {Name: "/sched/pauses/total/gc:seconds"}}
	metrics.Read(m)
	return schedSample{m[0].Value.Float64Histogram(), m[1].Value.Float64Histogram()}
}

// since is the difference of two readings.
func (s schedSample) since(before schedSample) schedSample {
	sub := func(a, b *metrics.Float64Histogram) *metrics.Float64Histogram {
		d := &metrics.Float64Histogram{Buckets: a.Buckets, Counts: slices.Clone(a.Counts)}
		for i := range d.Counts {
			d.Counts[i] -= b.Counts[i]
		}
		return d
	}
	return schedSample{sub(s.sched, before.sched), sub(s.pauses, before.pauses)}
}

func (s schedSample) latency(p float64) time.Duration { return histPercentile(s.sched, p) }
func (s schedSample) pause(p float64) time.Duration   { return histPercentile(s.pauses, p) }

// histPercentile is the upper bound of the bucket holding the p-th share of h's counts.
func histPercentile(h *metrics.Float64Histogram, p float64) time.Duration {
	var total uint64
	for _, c := range h.Counts {
		total += c
	}
	if total == 0 {
		return 0
	}
	want := uint64(p * float64(total))
	var sum uint64
	for i, c := range h.Counts {
		sum += c
		if sum > want {
			upper := h.Buckets[i+1]
			if math.IsInf(upper, 1) {
				upper = h.Buckets[i]
			}
			return time.Duration(upper * float64(time.Second))
		}
	}
	return 0
}
