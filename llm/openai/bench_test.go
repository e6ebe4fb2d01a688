package openai

import (
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/yeok/yeok/llm/llmtest"
	"github.com/yeok/yeok/model"
)

// benchDeltas is the length of the benchmark stream.
const benchDeltas = 20000

// benchServer starts a fake server in a process of its own, so that its CPU is in neither
// side of the comparison, serving one stream of benchDeltas deltas shaped like OpenAI's;
// it returns the base URL and the text the stream carries.
func benchServer(b *testing.B) (string, string) {
	b.Helper()
	_, text := llmtest.BenchStream(benchDeltas)
	return llmtest.StartProcess(b, "-deltas", strconv.Itoa(benchDeltas)), text
}

// BenchmarkProviderStream reads the stream through Provider.Stream.
func BenchmarkProviderStream(b *testing.B) {
	base, want := benchServer(b)
	e, err := New(Config{BaseURL: base, APIKey: fakeKey})
	if err != nil {
		b.Fatal(err)
	}
	req := model.Request{Source: "hello", To: model.MustLanguage("ko")}
	deltas := 0
	emit := func(ev model.Event) {
		if ev.Kind == model.EventDelta {
			deltas++
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		deltas = 0
		res := e.Stream(b.Context(), req, emit)
		if res.Status != model.StatusDone || len(res.Text) != len(want) || deltas != benchDeltas {
			b.Fatalf("status %s, %d bytes, %d deltas", res.Status, len(res.Text), deltas)
		}
	}
}

// BenchmarkBareGoOpenAI reads the same stream with a bare go-openai Recv loop that keeps the
// text, the baseline for the engine's overhead.
func BenchmarkBareGoOpenAI(b *testing.B) {
	base, want := benchServer(b)
	cfg := openai.DefaultConfig(fakeKey)
	cfg.BaseURL = base
	client := openai.NewClientWithConfig(cfg)
	req := openai.ChatCompletionRequest{
		Model:         "gpt-4o-mini",
		Messages:      []openai.ChatCompletionMessage{{Role: "user", Content: "hello"}},
		Stream:        true,
		StreamOptions: &openai.StreamOptions{IncludeUsage: true},
	}
	b.ReportAllocs()
	for b.Loop() {
		stream, err := client.CreateChatCompletionStream(b.Context(), req)
		if err != nil {
			b.Fatal(err)
		}
		var text strings.Builder
		deltas := 0
		for {
			resp, err := stream.Recv()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			if len(resp.Choices) > 0 && resp.Choices[0].Delta.Content != "" {
				text.WriteString(resp.Choices[0].Delta.Content)
				deltas++
			}
		}
		_ = stream.Close()
		if text.Len() != len(want) || deltas != benchDeltas {
			b.Fatalf("%d bytes, %d deltas", text.Len(), deltas)
		}
	}
}
