package openai

import (
	"encoding/json"
	"strings"
	"testing"
)

// Chunks as OpenAI sends them, taken from the captured streams in testdata/openai.
const (
	benchDeltaChunk  = `{"id":"chatcmpl-D0q8CZXN1uEzngZGkU7FuV92lnXWq","object":"chat.completion.chunk","created":1769092764,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_29330a9688","choices":[{"index":0,"delta":{"content":"Hello"},"logprobs":null,"finish_reason":null}],"obfuscation":"ZGF"}`
	benchFinishChunk = `{"id":"chatcmpl-D0q8CZXN1uEzngZGkU7FuV92lnXWq","object":"chat.completion.chunk","created":1769092764,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_29330a9688","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"obfuscation":"pH"}`
	benchUsageChunk  = `{"id":"chatcmpl-ABfw3Oqj8RD0z6aJiiX37oTjV2HFh","object":"chat.completion.chunk","created":1727346171,"model":"gpt-4o-2024-08-06","system_fingerprint":"fp_7568d46099","choices":[],"usage":{"prompt_tokens":79,"completion_tokens":1,"total_tokens":80,"completion_tokens_details":{"reasoning_tokens":0}}}`
)

// longDeltaChunk is a content chunk of about 2 KB whose text has quotes, newlines, tabs and
// the <, > and & that encoding/json writes as \u escapes, between Korean and ASCII words.
func longDeltaChunk() string {
	text := strings.Repeat("안녕하세요, \"world\".\n\t<b>굵게</b> & 보통 글자. ", 40)
	q, _ := json.Marshal(text)
	return `{"id":"chatcmpl-D0q8CZXN1uEzngZGkU7FuV92lnXWq","object":"chat.completion.chunk","created":1769092764,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_29330a9688","choices":[{"index":0,"delta":{"content":` +
		string(q) + `},"logprobs":null,"finish_reason":null}],"obfuscation":"ZGF"}`
}

// BenchmarkChunkParse decodes one data line into a chunk reused across lines, as a stream
// does.
func BenchmarkChunkParse(b *testing.B) {
	for _, bc := range []struct{ name, raw string }{
		{"delta", benchDeltaChunk},
		{"finish", benchFinishChunk},
		{"usage", benchUsageChunk},
		{"long-escaped", longDeltaChunk()},
	} {
		b.Run(bc.name, func(b *testing.B) {
			raw := []byte(bc.raw)
			var c chunk
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			for b.Loop() {
				if err := c.parse(raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
