package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yeok/yeok/llm/llmtest"
)

// memoryLines is the length of the input BenchmarkTranslateMemory translates.
const memoryLines = 100_000

// BenchmarkTranslateMemory: a 100,000-line input through the binary against a server in a
// process of its own that answers at once, in batches of 20 and one line at a time, eight
// requests at once. It reports the peak resident memory of the yeok process (maxrss-MB),
// (peak-rss-MB, of which anon-MB is not the mapped binary or database file), which must stay
// flat however long the input: no line's output or events are kept once the line is
// written out, and the database's pages are let go of as the store writes on.
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
			var peak memPeak
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
				sampled := make(chan memPeak)
				go func() { sampled <- sampleMem(cmd.Process.Pid, stop) }()
				buf := make([]byte, 64<<10)
				for {
					n, err := out.Read(buf)
					lines += strings.Count(string(buf[:n]), "\n")
					if err != nil {
						break
					}
				}
				close(stop)
				got := <-sampled
				peak.anon, peak.hwm = max(peak.anon, got.anon), max(peak.hwm, got.hwm)
				if err := cmd.Wait(); err != nil || lines != memoryLines {
					b.Fatalf("translate: %v, %d lines out", err, lines)
				}
			}
			b.ReportMetric(float64(peak.hwm)/1024, "peak-rss-MB")
			b.ReportMetric(float64(peak.anon)/1024, "anon-MB")
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N*memoryLines)*1e6, "µs/line")
		})
	}
}

// memPeak is the most memory a process was seen to hold, in KiB.
type memPeak struct {
	anon int64 // RssAnon: the heap, stacks and runtime
	hwm  int64 // VmHWM: the peak of all resident memory, mapped files included
}

// sampleMem returns the peaks of process pid seen every 100 ms until stop is closed.
// VmHWM is read from the process itself: getrusage's maxrss of a child counts the memory
// of the parent that started it too.
func sampleMem(pid int, stop <-chan struct{}) memPeak {
	var peak memPeak
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		if data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
			for _, l := range strings.Split(string(data), "\n") {
				field, v, _ := strings.Cut(l, ":")
				var kb int64
				_, _ = fmt.Sscanf(strings.TrimSpace(v), "%d", &kb)
				switch field {
				case "RssAnon":
					peak.anon = max(peak.anon, kb)
				case "VmHWM":
					peak.hwm = max(peak.hwm, kb)
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
