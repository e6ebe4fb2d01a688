package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	openai "github.com/sashabaranov/go-openai"

	"github.com/yeok/yeok/llm/llmtest"
	"github.com/yeok/yeok/model"
	"github.com/yeok/yeok/storage"
	"github.com/yeok/yeok/ui"
)

// streamTokens is how many content deltas the streaming benchmarks read.
const streamTokens = 20_000

// longStream is a stream of n one-word deltas with a paragraph break every 250, as SSE
// bytes built once, and the text it carries.
func longStream(n int) (body []byte, text string) {
	words := []string{" the", " budget", " for", " the", " next", " quarter", " was", " approved", " by", " everyone", ",", " and"}
	deltas := make([]string, n)
	for i := range deltas {
		deltas[i] = words[i%len(words)]
		if i%250 == 249 {
			deltas[i] = ".\n\n"
		}
	}
	return llmtest.Stream("stop", deltas...), strings.Join(deltas, "")
}

// streamServer serves body to every request from a fake server in a process of its own,
// so that its CPU is in neither side of a comparison, and returns its base URL. With
// pieces > 1 it writes body in that many flushed pieces (cut at event boundaries) spread
// over span; otherwise as fast as loopback allows.
func streamServer(b *testing.B, body []byte, pieces int, span time.Duration) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "answer.sse")
	if err := os.WriteFile(path, body, 0o600); err != nil {
		b.Fatal(err)
	}
	return llmtest.StartProcess(b, "-file", path, "-pieces", strconv.Itoa(pieces), "-span", span.String())
}

// finishSignal is the real store, telling the benchmark when an entry's Finish commit
// has landed.
type finishSignal struct {
	*storage.Store
	finished chan model.Entry
}

// Finish commits e and then reports it.
func (s finishSignal) Finish(ctx context.Context, e model.Entry) (model.Entry, error) {
	out, err := s.Store.Finish(ctx, e)
	if err != nil {
		out = model.Entry{Error: err.Error()}
	}
	s.finished <- out
	return out, err
}

// benchApp is the whole app in a tea.Program without a terminal: no input, the standard
// renderer drawing to io.Discard at its default frame rate.
type benchApp struct {
	p      *tea.Program
	sig    finishSignal
	frames *atomic.Int64 // stream frames the app has drawn
}

// startBenchApp runs the app over a fresh store and an engine talking to baseURL; it is
// stopped when the benchmark ends. more are targets each line goes into besides Korean.
func startBenchApp(b *testing.B, baseURL string, more ...model.Language) *benchApp {
	b.Helper()
	st := openTUIStore(b, filepath.Join(b.TempDir(), "yeok.db"))
	a := &benchApp{sig: finishSignal{Store: st, finished: make(chan model.Entry, 8)}, frames: &atomic.Int64{}}
	ctx, cancel := context.WithCancel(context.Background())
	cfg := tuiConfig(ctx)
	cfg.More = more
	m := frameCounter{Model: ui.New(cfg, newTUIEngine(b, baseURL, a.sig), st), n: a.frames}
	a.p = tea.NewProgram(m, tea.WithContext(ctx), tea.WithInput(nil), tea.WithOutput(io.Discard), tea.WithoutSignalHandler())
	ran := make(chan error, 1)
	go func() {
		_, err := a.p.Run()
		ran <- err
	}()
	b.Cleanup(func() {
		a.p.Quit()
		if err := <-ran; err != nil && !errors.Is(err, tea.ErrProgramKilled) {
			b.Errorf("program: %v", err)
		}
		cancel()
		_ = st.Close()
	})
	a.p.Send(tea.WindowSizeMsg{Width: tuiWidth, Height: tuiHeight})
	return a
}

// translate types source, presses Enter and waits for the finished entry's commit.
func (a *benchApp) translate(source string) model.Entry {
	return a.translateInto(source, 1)[0]
}

// translateInto types source, presses Enter and waits for the commits of the entries of
// its n targets.
func (a *benchApp) translateInto(source string, n int) []model.Entry {
	for _, c := range source {
		a.p.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{c}})
	}
	a.p.Send(tea.KeyMsg{Type: tea.KeyEnter})
	out := make([]model.Entry, n)
	for i := range out {
		out[i] = <-a.sig.finished
	}
	return out
}

// frameCounter counts the stream frames the app is given (the app's own frame messages,
// about 30 a second at most however many streams run), passing everything on.
type frameCounter struct {
	ui.Model
	n *atomic.Int64
}

func (f frameCounter) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if reflect.TypeOf(msg).String() == "ui.frameMsg" {
		f.n.Add(1)
	}
	next, cmd := f.Model.Update(msg)
	f.Model = next.(ui.Model)
	return f, cmd
}

// bareClient is a go-openai client for baseURL and the request the bare reader sends.
func bareClient(baseURL string) (*openai.Client, openai.ChatCompletionRequest) {
	cfg := openai.DefaultConfig(fakeKey)
	cfg.BaseURL = baseURL
	req := openai.ChatCompletionRequest{
		Model: "gpt-4o-mini", Stream: true, Temperature: 0.2,
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: "Translate the text inside <source> tags into Korean."},
			{Role: openai.ChatMessageRoleUser, Content: "<source>Please translate the long report.</source>"},
		},
	}
	return openai.NewClientWithConfig(cfg), req
}

// bareRead is the plainest client loop: Recv until io.EOF, gathering the content.
func bareRead(ctx context.Context, client *openai.Client, req openai.ChatCompletionRequest) (string, error) {
	stream, err := client.CreateChatCompletionStream(ctx, req)
	if err != nil {
		return "", fmt.Errorf("create stream: %w", err)
	}
	defer stream.Close()
	var out strings.Builder
	for {
		resp, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return out.String(), nil
		}
		if err != nil {
			return out.String(), fmt.Errorf("recv: %w", err)
		}
		if len(resp.Choices) > 0 {
			out.WriteString(resp.Choices[0].Delta.Content)
		}
	}
}

// cpuTime is the CPU time (user and system) this process has used so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU adds the CPU time per op since start as a metric.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(cpuTime(b)-start)/float64(b.N)/1e6, "cpu-ms/op")
}
