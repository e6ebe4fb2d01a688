package main

import (
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/yeok/yeok/llm/llmtest"
)

// TestServeThousandStreamsAtOnce holds 1,000 streams open through `yeok serve --http` at
// the same time, with only --http-max-streams raised: the upstream answers none of them
// until all 1,000 have reached it, so any other limit (the per-owner rate, which without
// tokens all clients share, connections, descriptors, the accept backlog) that refused or
// held back one of them would fail a request or keep the rest waiting.
func TestServeThousandStreamsAtOnce(t *testing.T) {
	const n = 1000
	var arrived atomic.Int32
	all, abort := make(chan struct{}), make(chan struct{})
	var abortOnce sync.Once
	var first error // the failure that abandoned the round
	stop := func(err error) { abortOnce.Do(func() { first = err; close(abort) }) }
	answer := llmtest.Deltas("안녕", "하세요")
	provider := llmtest.New(t, func(w http.ResponseWriter, r *http.Request) {
		if arrived.Add(1) == n {
			close(all)
		}
		select {
		case <-all:
			answer(w, r)
		case <-abort:
			http.Error(w, "the round was abandoned", http.StatusBadRequest)
		case <-r.Context().Done():
		}
	})
	home := t.TempDir()
	sp := startServe(t, provider, home, "--http", "127.0.0.1:0", "--db", filepath.Join(home, "y.db"),
		"--http-max-streams", fmt.Sprint(n))

	client := &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: n}}
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			errs[i] = oneServedStream(client, "http://"+sp.httpAddr+"/translate", i)
			if errs[i] != nil {
				stop(fmt.Errorf("stream %d: %w", i, errs[i]))
			}
		})
	}
	wg.Wait()
	failed := 0
	for _, err := range errs {
		if err != nil {
			failed++
		}
	}
	if failed > 0 {
		t.Fatalf("%d of %d streams failed, the first: %v", failed, n, first)
	}
}

// oneServedStream posts line i and checks that the whole answer and [DONE] come back.
func oneServedStream(client *http.Client, url string, i int) error {
	body := fmt.Sprintf(`{"lang":"ko","message":"line %d"}`, i)
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Script-Id", fmt.Sprintf("many-%d", i%8))
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	// A slow round (the race detector, a busy machine) may see keepalive comments first.
	const want = "data: 안녕\n\ndata: 하세요\n\ndata: [DONE]\n\n"
	if resp.StatusCode != http.StatusOK || strings.ReplaceAll(string(got), ": keepalive\n\n", "") != want {
		return fmt.Errorf("status %d, body %.200q", resp.StatusCode, got)
	}
	return nil
}
