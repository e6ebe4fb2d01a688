package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yeok/yeok/llm/llmtest"
)

// benchLines is the length of the transcript BenchmarkTranslateParallel translates.
const benchLines = 60

// BenchmarkTranslateParallel: a transcript of benchLines lines through the binary against
// a server in a process of its own that answers like a model (400 ms to the first token,
// then 20 tokens at 60 a second), one line after another and eight at once.
//
//	go test ./cmd/yeok -run '^$' -bench TranslateParallel -benchtime 1x -count 3
func BenchmarkTranslateParallel(b *testing.B) {
	url := llmtest.StartProcess(b, "-tokens", "20", "-ttft", "400ms", "-interval", "16ms")
	dir := b.TempDir()
	input := filepath.Join(dir, "talk.txt")
	var in strings.Builder
	for i := 1; i <= benchLines; i++ {
		fmt.Fprintf(&in, "This is line %d of the lecture.\n", i)
	}
	if err := os.WriteFile(input, []byte(in.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	for _, parallel := range []int{1, 8} {
		b.Run(fmt.Sprintf("parallel=%d", parallel), func(b *testing.B) {
			db := filepath.Join(b.TempDir(), "y.db")
			for b.Loop() {
				cmd := exec.Command(yeokBin, "translate", "--lines", "--no-memory", "--parallel", fmt.Sprint(parallel), "--to", "ko",
					"--db", db, "--script", "bench", input)
				cmd.Env = []string{"HOME=" + dir, "XDG_CONFIG_HOME=" + filepath.Join(dir, "config"), "XDG_DATA_HOME=" + filepath.Join(dir, "data"),
					"PATH=" + os.Getenv("PATH"), "GORACE=atexit_sleep_ms=0", probePortsEnv + "=off",
					"OPENAI_API_KEY=" + fakeKey, "OPENAI_BASE_URL=" + url}
				out, err := cmd.Output()
				if err != nil || strings.Count(string(out), "\n") != benchLines {
					b.Fatalf("translate: %v, %d lines out", err, strings.Count(string(out), "\n"))
				}
			}
			b.ReportMetric(float64(b.Elapsed().Seconds())/float64(b.N*benchLines), "s/line")
		})
	}
}
