package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/yeok/yeok/llm/llmtest"
)

// memoryLines is the length of the input BenchmarkTranslateMemory translates.
const memoryLines = 100_000

// BenchmarkTranslateMemory: a 100,000-line input through the binary against a server in a
// process of its own that answers at once, in batches of 20 and one line at a time, eight
// requests at once. It reports the peak resident memory of the yeok process (maxrss-MB),
// which must stay flat however long the input: no line's output or events are kept once
// the line is written out.
//
//	go test ./cmd/yeok -run '^$' -bench TranslateMemory -benchtime 1x
func BenchmarkTranslateMemory(b *testing.B) {
	url := llmtest.StartProcess(b, "-tokens", "3")
	dir := b.TempDir()
	input := filepath.Join(dir, "long.txt")
	var in strings.Builder
	for i := 1; i <= memoryLines; i++ {
		fmt.Fprintf(&in, "This is line %d of a very long transcript.\n", i)
	}
	if err := os.WriteFile(input, []byte(in.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	for _, batch := range []int{20, 0} {
		b.Run(fmt.Sprintf("batch=%d,parallel=8", batch), func(b *testing.B) {
			var peak, anon int64
			for b.Loop() {
				db := filepath.Join(b.TempDir(), "y.db")
				cmd := exec.Command(yeokBin, "translate", "--lines", "--no-memory", "--parallel", "8", "--batch", fmt.Sprint(batch),
					"--to", "ko", "--db", db, "--script", "long", input)
				cmd.Env = benchEnv(dir, url)
				lines := 0
				out, err := cmd.StdoutPipe()
				if err != nil {
					b.Fatal(err)
				}
				if err := cmd.Start(); err != nil {
					b.Fatal(err)
				}
				stop := make(chan struct{})
				sampled := make(chan int64)
				go func() { sampled <- sampleAnon(cmd.Process.Pid, stop) }()
				buf := make([]byte, 64<<10)
				for {
					n, err := out.Read(buf)
					lines += strings.Count(string(buf[:n]), "\n")
					if err != nil {
						break
					}
				}
				close(stop)
				anon = max(anon, <-sampled)
				if err := cmd.Wait(); err != nil || lines != memoryLines {
					b.Fatalf("translate: %v, %d lines out", err, lines)
				}
				if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
					peak = max(peak, ru.Maxrss) // KiB on Linux
				}
			}
			b.ReportMetric(float64(peak)/1024, "maxrss-MB")
			b.ReportMetric(float64(anon)/1024, "anon-MB")
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N*memoryLines)*1e6, "µs/line")
		})
	}
}

// sampleAnon returns the largest RssAnon (KiB) of process pid seen every 100 ms until stop
// is closed.
func sampleAnon(pid int, stop <-chan struct{}) int64 {
	var peak int64
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		if data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
			for _, l := range strings.Split(string(data), "\n") {
				if v, ok := strings.CutPrefix(l, "RssAnon:"); ok {
					var kb int64
					_, _ = fmt.Sscanf(strings.TrimSpace(v), "%d", &kb)
					peak = max(peak, kb)
				}
			}
		}
		select {
		case <-stop:
			return peak
		case <-t.C:
		}
	}
}
