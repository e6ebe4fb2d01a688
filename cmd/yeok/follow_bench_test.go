package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/yeok/yeok/cmd/yeok/internal/follow"
	"github.com/yeok/yeok/llm"
	"github.com/yeok/yeok/llm/llmtest"
	"github.com/yeok/yeok/llm/openai"
	"github.com/yeok/yeok/model"
	"github.com/yeok/yeok/storage"
)

// BenchmarkFollow20PerSecond follows a file that receives 20 lines a second (for 60 s, or
// YEOK_FOLLOW_SECONDS) against a fast local server, and reports the time from a line landing
// in the file to its first translated token. Every line must come out, once, in order.
func BenchmarkFollow20PerSecond(b *testing.B) {
	seconds := 60
	if s, err := strconv.Atoi(os.Getenv("YEOK_FOLLOW_SECONDS")); err == nil && s > 0 {
		seconds = s
	}
	total := 20 * seconds
	srv := llmtest.New(b, numberedAnswer())
	dir := b.TempDir()
	st, err := storage.Open(b.Context(), filepath.Join(dir, "y.db"), storage.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	eng, err := openai.New(openai.Config{BaseURL: srv.BaseURL(), APIKey: fakeKey})
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		path := filepath.Join(dir, fmt.Sprintf("live-%d.txt", i))
		if err := os.WriteFile(path, nil, 0o644); err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(b.Context())
		lines, _, err := follow.Lines(ctx, path, follow.Options{Poll: followPoll})
		if err != nil {
			b.Fatal(err)
		}
		var mu sync.Mutex
		written := make([]time.Time, total+1)
		var latencies []time.Duration
		fl := &follower{
			engine: llm.New(eng, st, llm.Options{NoMemory: true}),
			out:    newEventPrinter(io.Discard, false),
			errw:   io.Discard,
			req:    model.Request{Owner: model.LocalOwner, ScriptID: fmt.Sprintf("bench-%d", i), To: "ko", Model: "m"},
			onFirst: func(n int, at time.Time) {
				mu.Lock()
				latencies = append(latencies, at.Sub(written[n]))
				mu.Unlock()
			},
		}
		go func() {
			f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				b.Error(err)
				return
			}
			defer f.Close()
			tick := time.NewTicker(50 * time.Millisecond)
			defer tick.Stop()
			for n := 1; n <= total; n++ {
				<-tick.C
				mu.Lock()
				written[n] = time.Now()
				mu.Unlock()
				fmt.Fprintf(f, "spoken line %d\n", n)
			}
		}()
		done := make(chan error, 1)
		go func() { done <- fl.run(ctx, lines) }()
		deadline := time.After(time.Duration(seconds)*time.Second + 30*time.Second)
		for fl.translatedSoFar() < total {
			select {
			case <-deadline:
				b.Fatalf("only %d of %d lines translated", fl.translatedSoFar(), total)
			case <-time.After(20 * time.Millisecond):
			}
		}
		cancel()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		entries, err := st.Entries(b.Context(), model.LocalOwner, model.EntryQuery{ScriptID: fl.req.ScriptID, Oldest: true})
		if err != nil {
			b.Fatal(err)
		}
		if len(entries) != total {
			b.Fatalf("%d entries, want %d", len(entries), total)
		}
		for n, e := range entries {
			if want := fmt.Sprintf("spoken line %d", n+1); e.Source != want || e.Display() != fmt.Sprintf("번역 %d", n+1) {
				b.Fatalf("entry %d: %q → %q", n, e.Source, e.Display())
			}
		}
		sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
		b.ReportMetric(float64(latencies[len(latencies)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(latencies[len(latencies)*99/100].Microseconds())/1000, "p99-ms")
		b.ReportMetric(float64(latencies[len(latencies)-1].Microseconds())/1000, "max-ms")
		b.ReportMetric(float64(total), "lines")
	}
}
