package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yeok/yeok/llm/llmtest"
)

// BenchmarkServeStreams is N streams at once through `yeok serve --http` (its own process,
// a race-free build when the benchmarks run without -race), side by side with N at once
// straight against the upstream, a fake server in a third process that waits 200 ms before
// the first of 8 tokens. This process is only the client. One op is a round of each; the
// metrics are the time to the first token, p50 and p99, for both, and their ratios.
func BenchmarkServeStreams(b *testing.B) {
	up := llmtest.StartProcess(b, "-tokens", "8", "-ttft", "200ms", "-interval", "10ms")
	for _, n := range []int{200, 1000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			home := b.TempDir()
			sp := startServeEnv(b, benchServeEnv(up), home, benchServeArgs(filepath.Join(home, "y.db"), n, home)...)
			streamRounds(b, up, n, nil, sp)
		})
	}
}

// BenchmarkServeStreamsPostgres is BenchmarkServeStreams over one PostgreSQL database (a
// server of its own, as the upstream): 1,000 streams at once through one replica, and
// through two replicas, 500 each. YEOK_BENCH_PG_POOL sets each replica's connection pool
// (pool_max_conns in the URL; pgx's default is 4 on two cores).
func BenchmarkServeStreamsPostgres(b *testing.B) {
	up := llmtest.StartProcess(b, "-tokens", "8", "-ttft", "200ms", "-interval", "10ms")
	const n = 1000
	for _, replicas := range []int{1, 2} {
		b.Run(fmt.Sprintf("%d-replicas/%d", replicas, n), func(b *testing.B) {
			url := pgDatabase(b)
			if pool := os.Getenv("YEOK_BENCH_PG_POOL"); pool != "" {
				url += "&pool_max_conns=" + pool
			}
			var servers []*serveProc
			for range replicas {
				home := b.TempDir()
				servers = append(servers, startServeEnv(b, benchServeEnv(up), home, benchServeArgs(url, n, home)...))
			}
			streamRounds(b, up, n, postgresCPU, servers...)
		})
	}
}

// benchServeEnv is the environment of a benchmark's `yeok serve` against the upstream up.
func benchServeEnv(up string) []string {
	return []string{"OPENAI_API_KEY=" + fakeKey, "OPENAI_BASE_URL=" + up, probePortsEnv + "=off"}
}

// benchServeArgs are the flags of a benchmark's `yeok serve` over db for n streams at once.
// The server logs to a file in dir: on stderr, its line for every stream would be read by
// this process, the client, in yeok's rounds only, and not in the upstream's.
func benchServeArgs(db string, n int, dir string) []string {
	return []string{"--http", "127.0.0.1:0", "--db", db, "--no-memory", "--http-max-streams", fmt.Sprint(2 * n), "--http-rate", "0",
		"--log", filepath.Join(dir, "serve.log")}
}

// streamRounds measures rounds of n streams at once straight against the upstream up and
// through yeok, spread evenly over servers, and reports the first-token percentiles of both
// and their ratios, and the CPU time the servers spent per stream in yeok's rounds, and the
// database's when db is not nil (it returns the CPU time the database has used).
func streamRounds(b *testing.B, up string, n int, db func(testing.TB) time.Duration, servers ...*serveProc) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 2 * n, MaxIdleConnsPerHost: 2 * n, MaxConnsPerHost: 0}}
	yeok := func(i int) (time.Duration, error) {
		body := fmt.Sprintf(`{"lang":"ko","message":"line %d of the round"}`, i)
		return firstToken(client, "http://"+servers[i%len(servers)].httpAddr+"/translate", body, map[string]string{"x-script-id": fmt.Sprintf("load-%d", i%8)})
	}
	direct := func(i int) (time.Duration, error) {
		body := fmt.Sprintf(`{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"line %d"}]}`, i)
		return firstToken(client, up+"/chat/completions", body, nil)
	}
	// Warm the connection pools, so every round measures the same thing.
	if _, err := concurrently(n, direct); err != nil {
		b.Fatal(err)
	}
	if _, err := concurrently(n, yeok); err != nil {
		b.Fatal(err)
	}
	serverCPU := func() time.Duration {
		var sum time.Duration
		for _, sp := range servers {
			sum += cpuOf(b, sp.cmd.Process.Pid)
		}
		return sum
	}
	var viaDirect, viaYeok []time.Duration
	var cpu, dbCPU time.Duration
	b.ResetTimer()
	for range b.N {
		d, err := concurrently(n, direct)
		if err != nil {
			b.Fatal(err)
		}
		before := serverCPU()
		var dbBefore time.Duration
		if db != nil {
			dbBefore = db(b)
		}
		y, err := concurrently(n, yeok)
		if err != nil {
			b.Fatal(err)
		}
		cpu += serverCPU() - before
		if db != nil {
			dbCPU += db(b) - dbBefore
		}
		viaDirect, viaYeok = append(viaDirect, d...), append(viaYeok, y...)
	}
	b.StopTimer()
	yp50, yp99 := pct(viaYeok, 50), pct(viaYeok, 99)
	dp50, dp99 := pct(viaDirect, 50), pct(viaDirect, 99)
	b.ReportMetric(msOf(yp50), "yeok-p50-ms")
	b.ReportMetric(msOf(yp99), "yeok-p99-ms")
	b.ReportMetric(msOf(dp50), "direct-p50-ms")
	b.ReportMetric(msOf(dp99), "direct-p99-ms")
	b.ReportMetric(float64(yp50)/float64(dp50), "p50-ratio")
	b.ReportMetric(float64(yp99)/float64(dp99), "p99-ratio")
	b.ReportMetric(float64(cpu)/float64(time.Millisecond)/float64(b.N*n), "server-cpu-ms/stream")
	if db != nil {
		b.ReportMetric(float64(dbCPU)/float64(time.Millisecond)/float64(b.N*n), "db-cpu-ms/stream")
	}
}

// concurrently runs n calls at once and returns their times.
func concurrently(n int, call func(i int) (time.Duration, error)) ([]time.Duration, error) {
	out := make([]time.Duration, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { out[i], errs[i] = call(i) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// firstToken posts body and returns the time until the first SSE data line that carries
// text (yeok's `data: <token>`, or an upstream chunk with content), reading the rest.
func firstToken(client *http.Client, url, body string, headers map[string]string) (time.Duration, error) {
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("%s: status %d", url, resp.StatusCode)
	}
	var first time.Duration
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if first == 0 && strings.HasPrefix(line, "data: ") && line != "data: [DONE]" &&
			(!strings.HasPrefix(line, "data: {") || strings.Contains(line, `"content":"`) && !strings.Contains(line, `"content":""`)) {
			first = time.Since(start)
		}
	}
	if first == 0 {
		return 0, fmt.Errorf("%s: no token", url)
	}
	return first, sc.Err()
}

func pct(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), d...)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	return s[min(max(i-1, 0), len(s)-1)]
}

func msOf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// postgresCPU is the CPU time of every PostgreSQL process on the machine: the benchmarks'
// server and its backends, which live as long as the pools' connections.
func postgresCPU(tb testing.TB) time.Duration {
	tb.Helper()
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		tb.Fatal(err)
	}
	var sum time.Duration
	for _, path := range stats {
		b, err := os.ReadFile(path)
		if err != nil || !bytes.Contains(b, []byte("(postgres)")) {
			continue // gone meanwhile, or not PostgreSQL
		}
		sum += statCPU(b)
	}
	return sum
}
