package api

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yeok/yeok/llm/llmtest"
	"github.com/yeok/yeok/llm/openai"
)

// streams is how many /translate streams run at once in the load test and benchmark.
const streams = 200

// loadClient is an HTTP client that keeps a connection per concurrent stream.
func loadClient() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConns: 2 * streams, MaxIdleConnsPerHost: 2 * streams}}
}

// shortAnswer is a short stream like the captured fixtures, answered at once.
var shortAnswer = llmtest.Stream("stop", "안녕하세요,", " 좋은", " 아침입니다.")

// oneStream posts body to url and returns the time to the first byte of the body and the
// whole body.
func oneStream(client *http.Client, url, body string, headers map[string]string) (time.Duration, string, error) {
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	if _, err := br.Peek(1); err != nil {
		return 0, "", fmt.Errorf("status %d: no body: %w", resp.StatusCode, err)
	}
	ttfb := time.Since(start)
	rest, err := io.ReadAll(br)
	if err != nil {
		return ttfb, "", err
	}
	if resp.StatusCode != http.StatusOK {
		return ttfb, "", fmt.Errorf("status %d: %s", resp.StatusCode, rest)
	}
	return ttfb, string(rest), nil
}

// round runs n streams at once through call and returns their times to first byte.
func round(n int, call func(i int) (time.Duration, error)) ([]time.Duration, error) {
	ttfb := make([]time.Duration, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { ttfb[i], errs[i] = call(i) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return ttfb, nil
}

// yeokRound runs one round of streams through the API and checks every client rebuilt the
// whole translation.
func yeokRound(e *env, client *http.Client) ([]time.Duration, error) {
	return round(streams, func(i int) (time.Duration, error) {
		ttfb, body, err := oneStream(client, e.srv.URL+"/translate", hello,
			map[string]string{"x-script-id": fmt.Sprintf("load-%d", i%8)})
		if err != nil {
			return 0, err
		}
		events, err := newSSEClient(strings.NewReader(body)).All()
		if err != nil {
			return 0, err
		}
		if got := rebuild(events); got.Text != "안녕하세요, 좋은 아침입니다." || !got.Done {
			return 0, fmt.Errorf("stream %d rebuilt %+v", i, got)
		}
		return ttfb, nil
	})
}

// directRound runs one round of streams straight against the upstream.
func directRound(e *env, client *http.Client) ([]time.Duration, error) {
	return round(streams, func(int) (time.Duration, error) {
		ttfb, body, err := oneStream(client, e.up.BaseURL()+"/chat/completions",
			`{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"Good morning"}]}`, nil)
		if err == nil && !strings.HasSuffix(body, "data: [DONE]\n\n") {
			err = fmt.Errorf("direct stream did not end with [DONE]")
		}
		return ttfb, err
	})
}

func TestConcurrentStreamsAllComplete(t *testing.T) {
	e := newEnv(t, Config{RatePerMinute: -1}, llmtest.Replay(shortAnswer))
	if _, err := yeokRound(e, loadClient()); err != nil {
		t.Fatal(err)
	}
	total := 0
	for i := range 8 {
		list := e.scriptEntries(t, "local", fmt.Sprintf("load-%d", i))
		for _, en := range list {
			if !en.Status.OK() {
				t.Errorf("entry %d is %s", en.ID, en.Status)
			}
		}
		total += len(list)
	}
	if total != streams {
		t.Errorf("%d entries stored, want %d", total, streams)
	}
}

// BenchmarkConcurrent200 runs b.N rounds of 200 concurrent /translate streams against a
// local upstream that answers at once, and as many straight against that upstream, and
// reports the time to first byte of both (p50, p99) and the p99 yeok adds. With
// "default-transport" the engine talks upstream as cmd/yeok sets it up (Go's default
// transport, two idle connections per host); "pooled" gives it a connection per stream.
func BenchmarkConcurrent200(b *testing.B) {
	for _, bc := range []struct {
		name string
		opt  envOption
	}{
		{"default-transport", func(*openai.Config) {}},
		{"pooled", func(c *openai.Config) { c.HTTPClient = loadClient() }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			e := newEnv(b, Config{RatePerMinute: -1}, llmtest.Replay(shortAnswer), bc.opt)
			client := loadClient()
			// Warm up the connection pools, so every round measures the same thing.
			if _, err := directRound(e, client); err != nil {
				b.Fatal(err)
			}
			if _, err := yeokRound(e, client); err != nil {
				b.Fatal(err)
			}
			var direct, through []time.Duration
			b.ResetTimer()
			for range b.N {
				d, err := directRound(e, client)
				if err != nil {
					b.Fatal(err)
				}
				y, err := yeokRound(e, client)
				if err != nil {
					b.Fatal(err)
				}
				direct, through = append(direct, d...), append(through, y...)
			}
			b.StopTimer()
			dp50, dp99 := percentile(direct, 50), percentile(direct, 99)
			yp50, yp99 := percentile(through, 50), percentile(through, 99)
			b.ReportMetric(ms(yp50), "yeok-p50-ms")
			b.ReportMetric(ms(yp99), "yeok-p99-ms")
			b.ReportMetric(ms(dp50), "direct-p50-ms")
			b.ReportMetric(ms(dp99), "direct-p99-ms")
			b.ReportMetric(ms(yp99-dp99), "added-p99-ms")
		})
	}
}

func percentile(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	return s[min(max(i-1, 0), len(s)-1)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// BenchmarkSingleStream is one /translate stream at a time, for the time to first byte
// yeok adds when nothing else is running: mostly the commit that logs the entry as pending
// before the request leaves.
func BenchmarkSingleStream(b *testing.B) {
	e := newEnv(b, Config{RatePerMinute: -1}, llmtest.Replay(shortAnswer))
	client := loadClient()
	url := e.srv.URL + "/translate"
	headers := map[string]string{"x-script-id": "single"}
	direct := `{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"Good morning"}]}`
	var viaYeok, viaDirect []time.Duration
	b.ResetTimer()
	for range b.N {
		d, _, err := oneStream(client, e.up.BaseURL()+"/chat/completions", direct, nil)
		if err != nil {
			b.Fatal(err)
		}
		y, _, err := oneStream(client, url, hello, headers)
		if err != nil {
			b.Fatal(err)
		}
		viaDirect, viaYeok = append(viaDirect, d), append(viaYeok, y)
	}
	b.StopTimer()
	b.ReportMetric(ms(percentile(viaYeok, 50)), "yeok-p50-ms")
	b.ReportMetric(ms(percentile(viaDirect, 50)), "direct-p50-ms")
	b.ReportMetric(ms(percentile(viaYeok, 50)-percentile(viaDirect, 50)), "added-p50-ms")
}
