package openai

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/yeok/yeok/model"
)

// benchDeltas is the length of the benchmark stream.
const benchDeltas = 20000

// benchServer serves one pre-built stream of benchDeltas deltas, shaped like OpenAI's, from
// memory, and returns its base URL and the text it carries.
func benchServer(b *testing.B) (string, string) {
	b.Helper()
	var body bytes.Buffer
	var text strings.Builder
	head := `{"id":"chatcmpl-D0q8CZXN1uEzngZGkU7FuV92lnXWq","object":"chat.completion.chunk","created":1769092764,` +
		`"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_29330a9688","choices":[{"index":0,"delta":`
	fmt.Fprintf(&body, "data: %s{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":null}],\"obfuscation\":\"iPgRzm\"}\n\n", head)
	for i := range benchDeltas {
		piece := fmt.Sprintf(" 단어%d", i%97)
		text.WriteString(piece)
		content, _ := json.Marshal(piece)
		fmt.Fprintf(&body, "data: %s{\"content\":%s},\"logprobs\":null,\"finish_reason\":null}],\"obfuscation\":\"ZGF\"}\n\n", head, content)
	}
	fmt.Fprintf(&body, "data: %s{},\"logprobs\":null,\"finish_reason\":\"stop\"}],\"obfuscation\":\"pH\"}\n\n", head)
	body.WriteString(`data: {"id":"chatcmpl-D0q8","object":"chat.completion.chunk","created":1769092764,"model":"gpt-4o-mini","choices":[],` +
		`"usage":{"prompt_tokens":79,"completion_tokens":20000,"total_tokens":20079}}` + "\n\n")
	body.WriteString("data: [DONE]\n\n")
	payload := body.Bytes()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = w.Write(payload)
	}))
	b.Cleanup(srv.Close)
	return srv.URL + "/v1", text.String()
}

// BenchmarkEngineStream reads the stream through Provider.Stream.
func BenchmarkEngineStream(b *testing.B) {
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
