package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/yeok/yeok/llm/llmtest"
)

// benchLines is the length of the transcript BenchmarkTranslateParallel translates unless
// YEOK_BENCH_LINES says otherwise (300 is the length of a lecture's transcript).
func benchLines(b *testing.B) int {
	if v := os.Getenv("YEOK_BENCH_LINES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			b.Fatalf("YEOK_BENCH_LINES=%q: want a number of lines", v)
		}
		return n
	}
	return 60
}

// BenchmarkTranslateParallel: a transcript of benchLines lines through the binary against
// a server in a process of its own that answers like a model (400 ms to the first token,
// then 20 tokens a line at 60 a second, a batch's lines one after another), one line after
// another, eight at once, and in batches of 20 four and eight at once. A request's answer
// streams at 60 tokens a second however many lines it holds, so against one line after
// another N requests at once save at most a factor of N on the streaming, and a batch
// saves the first-token waits of all its lines but one. Each reports the seconds a line,
// how many times faster than one line after another it ran (x-faster, against the last
// parallel=1 run) and the prompt tokens of a run as the store holds them.
//
//	go test ./cmd/yeok -run '^$' -bench TranslateParallel -benchtime 1x -count 3
//	YEOK_BENCH_LINES=300 go test ./cmd/yeok -run '^$' -bench TranslateParallel -benchtime 1x -timeout 30m
func BenchmarkTranslateParallel(b *testing.B) {
	lines := benchLines(b)
	url := llmtest.StartProcess(b, "-tokens", "20", "-ttft", "400ms", "-interval", "16ms")
	dir := b.TempDir()
	input := filepath.Join(dir, "talk.txt")
	var in strings.Builder
	for i := 1; i <= lines; i++ {
		fmt.Fprintf(&in, "This is line %d of the lecture.\n", i)
	}
	if err := os.WriteFile(input, []byte(in.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	var sequential float64 // seconds a line of the last parallel=1 run
	for _, run := range []struct{ parallel, batch int }{{1, 0}, {8, 0}, {4, 20}, {8, 20}} {
		name := fmt.Sprintf("parallel=%d", run.parallel)
		if run.batch > 0 {
			name = fmt.Sprintf("batch=%d,parallel=%d", run.batch, run.parallel)
		}
		b.Run(name, func(b *testing.B) {
			db := filepath.Join(b.TempDir(), "y.db")
			for b.Loop() {
				cmd := exec.Command(yeokBin, "translate", "--lines", "--no-memory", "--parallel", fmt.Sprint(run.parallel),
					"--batch", fmt.Sprint(run.batch), "--to", "ko", "--db", db, "--script", "bench", input)
				cmd.Env = benchEnv(dir, url)
				out, err := cmd.Output()
				if err != nil || strings.Count(string(out), "\n") != lines {
					b.Fatalf("translate: %v, %d lines out", err, strings.Count(string(out), "\n"))
				}
			}
			perLine := b.Elapsed().Seconds() / float64(b.N*lines)
			if run.parallel == 1 && run.batch == 0 {
				sequential = perLine
			}
			b.ReportMetric(perLine, "s/line")
			if sequential > 0 {
				b.ReportMetric(sequential/perLine, "x-faster")
			}
			b.ReportMetric(float64(promptTokens(b, dir, db))/float64(b.N), "prompt-tokens/run")
		})
	}
}

// benchEnv is the environment of a benchmark's yeok: a home in dir and the server at url.
func benchEnv(dir, url string) []string {
	return []string{"HOME=" + dir, "XDG_CONFIG_HOME=" + filepath.Join(dir, "config"), "XDG_DATA_HOME=" + filepath.Join(dir, "data"),
		"PATH=" + os.Getenv("PATH"), "GORACE=atexit_sleep_ms=0", probePortsEnv + "=off",
		"OPENAI_API_KEY=" + fakeKey, "OPENAI_BASE_URL=" + url}
}

// promptTokens is the prompt tokens of every entry of the script "bench" in db, read
// back with yeok history.
func promptTokens(b *testing.B, dir, db string) int {
	cmd := exec.Command(yeokBin, "history", "--db", db, "--script", "bench", "--json", "--limit", "0")
	cmd.Env = benchEnv(dir, "")
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("history: %v", err)
	}
	total := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var n int
		if _, after, ok := strings.Cut(line, `"prompt_tokens":`); ok {
			_, _ = fmt.Sscanf(after, "%d", &n)
		}
		total += n
	}
	return total
}
