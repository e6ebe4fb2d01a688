package follow

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// benchLine is a typical line of a lecture transcript.
const benchLine = "and so the second law tells us that entropy of an isolated system never decreases\n"

// BenchmarkLatency measures the time from a line landing in the input to its delivery.
// For files each line is written at a random point of the poll cycle, as a speech-to-text
// tool's lines are; the wait before writing is not timed. ns/op is the mean latency;
// p50-ms and p99-ms are its percentiles.
func BenchmarkLatency(b *testing.B) {
	for _, poll := range []time.Duration{DefaultPoll, 10 * time.Millisecond} {
		b.Run(fmt.Sprintf("file/poll=%v", poll), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "talk.txt")
			if err := os.WriteFile(path, nil, 0o644); err != nil {
				b.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			lines, _, err := Lines(ctx, path, Options{Poll: poll})
			if err != nil {
				b.Fatal(err)
			}
			w, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				b.Fatal(err)
			}
			defer w.Close()
			measureLatency(b, lines, w, poll)
		})
	}
	b.Run("pipe", func(b *testing.B) {
		r, w, err := os.Pipe()
		if err != nil {
			b.Fatal(err)
		}
		defer r.Close()
		defer w.Close()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		lines, _ := LinesFrom(ctx, r, Options{})
		measureLatency(b, lines, w, 0)
	})
}

// measureLatency writes b.N lines to w, each after a random pause shorter than jitter,
// and reports how long each took to come out of lines.
func measureLatency(b *testing.B, lines <-chan Line, w *os.File, jitter time.Duration) {
	latencies := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		if jitter > 0 {
			b.StopTimer()
			time.Sleep(rand.N(jitter))
			b.StartTimer()
		}
		start := time.Now()
		if _, err := w.WriteString(benchLine); err != nil {
			b.Fatal(err)
		}
		if l := <-lines; l.Text != strings.TrimSuffix(benchLine, "\n") {
			b.Fatalf("got %q", l.Text)
		}
		latencies = append(latencies, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(latencies)
	at := func(q float64) float64 {
		return float64(latencies[int(q*float64(len(latencies)-1))]) / float64(time.Millisecond)
	}
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
}

// BenchmarkFromStart reads a 10,000-line transcript already in a file.
func BenchmarkFromStart(b *testing.B) {
	const n = 10000
	path := filepath.Join(b.TempDir(), "talk.txt")
	if err := os.WriteFile(path, []byte(strings.Repeat(benchLine, n)), 0o644); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(n * len(benchLine)))
	for b.Loop() {
		ctx, cancel := context.WithCancel(context.Background())
		lines, _, err := Lines(ctx, path, Options{FromStart: true})
		if err != nil {
			b.Fatal(err)
		}
		for range n {
			<-lines
		}
		cancel()
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "lines/s")
}

// BenchmarkSplitter splits transcript text fed in 32 KiB chunks.
func BenchmarkSplitter(b *testing.B) {
	text := []byte(strings.Repeat(benchLine, chunkSize/len(benchLine)+1))[:chunkSize]
	b.SetBytes(int64(len(text)))
	sp := &splitter{max: DefaultMaxLine}
	emit := func([]byte, bool) bool { return true }
	for b.Loop() {
		sp.feed(text, emit)
	}
}
