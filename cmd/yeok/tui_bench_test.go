package main

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/yeok/yeok/llm/llmtest"
	"github.com/yeok/yeok/model"
)

// BenchmarkTUIStream20k is one 20,000-token translation through the whole app: a
// tea.Program with the standard renderer (drawing to io.Discard at its default frame rate)
// over ui.New with the real engine and store, the server writing as fast as loopback
// allows. One op runs from Enter until the finished entry is committed; cpu-ms/op is this
// process's CPU time: the server runs in a process of its own.
func BenchmarkTUIStream20k(b *testing.B) {
	body, text := longStream(streamTokens)
	base := streamServer(b, body, 1, 0)
	a := startBenchApp(b, base)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime(b)
	for i := 0; i < b.N; i++ {
		e := a.translate("Please translate the long report.")
		if e.Status != model.StatusDone || len(e.Text) != len(text) {
			b.Fatalf("entry %d: %s, %d bytes of %d (%s)", i, e.Status, len(e.Text), len(text), e.Error)
		}
	}
	reportCPU(b, cpu)
}

// BenchmarkBareReader20k reads the same bytes with no app around them: go-openai's own
// CreateChatCompletionStream and Recv loop (the floor BenchmarkTUIStream20k is held to),
// and openai.Provider.Stream with an emit that only appends (to split the app's cost between
// the engine and the UI).
func BenchmarkBareReader20k(b *testing.B) {
	body, text := longStream(streamTokens)
	base := streamServer(b, body, 1, 0)
	ctx := context.Background()
	b.Run("go-openai", func(b *testing.B) {
		client, req := bareClient(base)
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		cpu := cpuTime(b)
		for b.Loop() {
			got, err := bareRead(ctx, client, req)
			if err != nil || len(got) != len(text) {
				b.Fatalf("read %d bytes of %d: %v", len(got), len(text), err)
			}
		}
		reportCPU(b, cpu)
	})
	b.Run("engine", func(b *testing.B) {
		st := openTUIStore(b, filepath.Join(b.TempDir(), "yeok.db"))
		eng := newTUIEngine(b, base, st)
		req := model.Request{Owner: model.LocalOwner, Source: "Please translate the long report.", To: model.MustLanguage("ko-KR")}
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		cpu := cpuTime(b)
		for b.Loop() {
			var out strings.Builder
			e, err := eng.Translate(ctx, req, func(ev model.Event) {
				if ev.Kind == model.EventDelta {
					out.WriteString(ev.Text)
				}
			})
			if err != nil || e.Status != model.StatusDone || out.Len() != len(text) {
				b.Fatalf("%s, %d bytes of %d: %v", e.Status, out.Len(), len(text), err)
			}
		}
		reportCPU(b, cpu)
	})
}

// BenchmarkTUIStream20kPaced serves the same 20,000 tokens over about two seconds (100
// flushes), so that the app draws some 60 frames while the text grows, as it does with a
// real model. Wall time is the server's pace for both; cpu-ms/op is the cost of drawing.
func BenchmarkTUIStream20kPaced(b *testing.B) {
	const pieces, span = 100, 2 * time.Second
	body, text := longStream(streamTokens)
	base := streamServer(b, body, pieces, span)
	b.Run("app", func(b *testing.B) {
		a := startBenchApp(b, base)
		b.ResetTimer()
		cpu := cpuTime(b)
		for i := 0; i < b.N; i++ {
			if e := a.translate("Please translate the long report."); len(e.Text) != len(text) {
				b.Fatalf("entry %d: %s, %d bytes of %d (%s)", i, e.Status, len(e.Text), len(text), e.Error)
			}
		}
		reportCPU(b, cpu)
	})
	b.Run("bare", func(b *testing.B) {
		client, req := bareClient(base)
		cpu := cpuTime(b)
		for b.Loop() {
			if got, err := bareRead(context.Background(), client, req); err != nil || len(got) != len(text) {
				b.Fatalf("read %d bytes of %d: %v", len(got), len(text), err)
			}
		}
		reportCPU(b, cpu)
	})
}

// BenchmarkTUIStreamTargets is one line through the whole app into one target and into
// three at once, each target's answer the paced 20,000 tokens of BenchmarkTUIStream20kPaced
// (the server in a process of its own). cpu-ms/op is this process's CPU per line;
// frames/s the stream frames the app drew per second of the line, for all targets
// together; ms-first-token the time from Enter until every target has its first token.
func BenchmarkTUIStreamTargets(b *testing.B) {
	const pieces, span = 100, 2 * time.Second
	body, text := longStream(streamTokens)
	base := streamServer(b, body, pieces, span)
	for _, tt := range []struct {
		name string
		more []model.Language
	}{
		{"one", nil},
		{"three", []model.Language{model.MustLanguage("ja-JP"), model.MustLanguage("zh-Hant")}},
	} {
		b.Run(tt.name, func(b *testing.B) {
			a := startBenchApp(b, base, tt.more...)
			n := 1 + len(tt.more)
			b.ResetTimer()
			cpu := cpuTime(b)
			frames := a.frames.Load()
			var wall, first time.Duration
			for i := 0; i < b.N; i++ {
				enter := time.Now()
				es := a.translateInto("Please translate the long report.", n)
				wall += time.Since(enter)
				var last time.Time
				for _, e := range es {
					if len(e.Text) != len(text) {
						b.Fatalf("entry %d: %s, %d bytes of %d (%s)", i, e.Status, len(e.Text), len(text), e.Error)
					}
					if at := e.Created.Add(e.FirstToken); at.After(last) {
						last = at
					}
				}
				first += last.Sub(enter)
			}
			reportCPU(b, cpu)
			b.ReportMetric(float64(a.frames.Load()-frames)/wall.Seconds(), "frames/s")
			b.ReportMetric(float64(first)/1e6/float64(b.N), "ms-first-token")
		})
	}
}

// BenchmarkTUIFirstTokenTargets is the time from Enter until every target of a line has
// its first token, through the whole TUI, for one target and for three, against a server
// (a process of its own) that waits 300 ms before the first of 20 tokens, as models do.
func BenchmarkTUIFirstTokenTargets(b *testing.B) {
	base := llmtest.StartProcess(b, "-tokens", "20", "-ttft", "300ms", "-interval", "5ms")
	for _, tt := range []struct {
		name string
		more []model.Language
	}{
		{"one", nil},
		{"three", []model.Language{model.MustLanguage("ja-JP"), model.MustLanguage("zh-Hant")}},
	} {
		b.Run(tt.name, func(b *testing.B) {
			a := startBenchApp(b, base, tt.more...)
			n := 1 + len(tt.more)
			var first time.Duration
			for i := 0; b.Loop(); i++ {
				enter := time.Now()
				es := a.translateInto(fmt.Sprintf("Line %d, please.", i), n)
				var last time.Time
				for _, e := range es {
					if e.Status != model.StatusDone {
						b.Fatalf("entry %d: %s (%s)", i, e.Status, e.Error)
					}
					if at := e.Created.Add(e.FirstToken); at.After(last) {
						last = at
					}
				}
				first += last.Sub(enter)
			}
			b.ReportMetric(float64(first)/1e6/float64(b.N), "ms-first-token")
		})
	}
}

// BenchmarkStartToFirstFrame starts the app on a store holding 100,000 entries in 1,000
// sessions, until the first frame shows the last session's newest entry. in-process: open the
// store, ui.New, Init's load commands, the window size and the first View (target 150 ms),
// with the process's resident memory after it (target 80 MB; this process also built the
// store and runs the benchmarks, so the binary's figure is the cleaner one). binary: the
// real yeok in a pseudo-terminal: ms-first-frame until the help line is on the terminal,
// ms-to-entry until that entry is, and ns/op the whole run from exec to exit after Ctrl+C.
func BenchmarkStartToFirstFrame(b *testing.B) {
	db := filepath.Join(b.TempDir(), "yeok.db")
	largeStore{sessions: 1000, entries: 100_000}.build(b, db)
	const want = "Line 99999 of the lecture" // the newest entry, at the bottom of the pane
	b.Run("in-process", func(b *testing.B) {
		runtime.GC()
		debug.FreeOSMemory()
		var rss float64
		ctx := context.Background()
		for i := 0; i < b.N; i++ {
			view, st, err := startApp(ctx, db, "http://127.0.0.1:9/v1")
			if err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			if i == 0 {
				if rss, err = procStatus("self", "VmRSS"); err != nil {
					b.Fatal(err)
				}
			}
			if err := st.Close(); err != nil {
				b.Fatal(err)
			}
			if !strings.Contains(view, want) || !strings.Contains(view, "── new session") {
				b.Fatalf("first frame lacks the last session:\n%s", view)
			}
			b.StartTimer()
		}
		b.ReportMetric(rss, "MB-rss")
	})
	b.Run("binary", func(b *testing.B) { benchBinaryStart(b, db, want) })
	b.Run("binary-beside-a-writer", func(b *testing.B) {
		// A second process translates line after line into the same file meanwhile.
		srv := llmtest.New(b, llmtest.Deltas("옆 프로세스"))
		writer := exec.Command(yeokBin, "translate", "--lines", "--no-memory", "--to", "ko", "--db", db, "--script", "neighbour")
		writer.Env = append(providerEnv(srv), "HOME="+b.TempDir(), "GORACE=atexit_sleep_ms=0")
		writer.Stdin = strings.NewReader(strings.Repeat("a line from the neighbour\n", 1_000_000))
		if err := writer.Start(); err != nil {
			b.Fatal(err)
		}
		defer func() { _ = writer.Process.Kill(); _ = writer.Wait() }()
		for srv.Count() < 3 {
			<-srv.Finished
		}
		// The neighbour's session is now the newest: its lines are what the TUI shows.
		benchBinaryStart(b, db, "a line from the neighbour")
	})
}

// benchBinaryStart starts the binary on db in a pty until want shows, b.N times, and
// reports the times to the first frame and to the entry, and the memory.
func benchBinaryStart(b *testing.B, db, want string) {
	{
		var first, entry, rss, hwm float64
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			home := b.TempDir()
			b.StartTimer()
			res, err := startBinary(db, home, want)
			if err != nil {
				b.Fatal(err)
			}
			first += float64(res.firstFrame) / 1e6
			entry += float64(res.history) / 1e6
			rss, hwm = max(rss, res.rss), max(hwm, res.hwm)
		}
		b.ReportMetric(first/float64(b.N), "ms-first-frame")
		b.ReportMetric(entry/float64(b.N), "ms-to-entry")
		b.ReportMetric(rss, "MB-rss")
		b.ReportMetric(hwm, "MB-hwm")
	}
}
