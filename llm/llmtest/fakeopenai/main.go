// Command fakeopenai serves the test kit's fake OpenAI-compatible server in a process of its
// own, so that a benchmark that compares yeok with a bare client keeps the server's CPU out
// of both sides. It prints its base URL on the first line of stdout and serves until stdin
// closes or it gets SIGTERM.
//
//	fakeopenai -deltas 20000               one answer of 20,000 deltas, served from memory
//	fakeopenai -tokens 200 -interval 16ms  an answer paced like a model (-ttft for the wait)
//	fakeopenai -file a.sse -pieces 100 -span 2s  an SSE body in flushed pieces over a span
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/yeok/yeok/llm/llmtest"
)

func main() {
	deltas := flag.Int("deltas", 0, "serve one answer of this many deltas from memory")
	tokens := flag.Int("tokens", 0, "serve a paced answer of this many tokens")
	ttft := flag.Duration("ttft", 0, "wait before the first token of a paced answer")
	interval := flag.Duration("interval", 0, "wait between the tokens of a paced answer")
	file := flag.String("file", "", "serve this SSE body")
	pieces := flag.Int("pieces", 1, "with -file: flushed pieces")
	span := flag.Duration("span", 0, "with -file: the time the pieces are spread over")
	flag.Parse()

	var h http.HandlerFunc
	switch {
	case *deltas > 0:
		body, _ := llmtest.BenchStream(*deltas)
		h = func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "text/event-stream")
			_, _ = w.Write(body)
		}
	case *file != "":
		body, err := os.ReadFile(*file)
		if err != nil {
			fmt.Fprintln(os.Stderr, "fakeopenai:", err)
			os.Exit(1)
		}
		pieced := llmtest.Pieces(body, *pieces, *span)
		h = func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			pieced(w, r)
		}
	case *tokens > 0:
		// A batch of lines gets as many tokens for each of its lines.
		h = llmtest.Record(llmtest.PacedModel(*tokens, *ttft, *interval))
	default:
		fmt.Fprintln(os.Stderr, "fakeopenai: give -deltas, -tokens or -file")
		os.Exit(2)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "fakeopenai:", err)
		os.Exit(1)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	fmt.Printf("http://%s/v1\n", ln.Addr())

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		stop()
	}()
	<-ctx.Done()
	_ = srv.Close()
}
