package openai

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/yeok/yeok/llm/llmtest"
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

// parseStd is parse as it was before the decoder: the reset and json.Unmarshal.
func parseStd(c *chunk, raw []byte) error {
	c.reset()
	return json.Unmarshal(raw, c)
}

// fixtureLines returns every data line of the captured streams.
func fixtureLines(t testing.TB) [][]byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(llmtest.FixtureDir(), "*.sse"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no captured streams in %s: %v", llmtest.FixtureDir(), err)
	}
	var lines [][]byte
	for _, f := range files {
		for line := range bytes.Lines(llmtest.Fixture(t, filepath.Base(f))) {
			if data, ok := bytes.CutPrefix(bytes.TrimRight(line, "\r\n"), []byte("data:")); ok {
				lines = append(lines, bytes.TrimPrefix(data, []byte(" ")))
			}
		}
	}
	return lines
}

// chunkCase is a line and whether the decoder reads it itself (fast) rather than leaving it
// to encoding/json.
type chunkCase struct {
	name string
	raw  string
	fast bool
}

func nest(open, close string, n int) string {
	return `{"a":` + strings.Repeat(open, n) + strings.Repeat(close, n) + `}`
}

// chunkCases are lines written to reach each rule of encoding/json the decoder keeps or
// leaves to it.
var chunkCases = []chunkCase{
	// Shapes servers send.
	{"empty object", `{}`, true},
	{"whitespace everywhere", " \t\r\n{ \"object\" : \"chat.completion.chunk\" ,\n\"choices\" : [ { \"index\" : 0 , \"delta\" : { \"content\" : \"x\" } } ] } \r\n", true},
	{"no choices", `{"choices":[]}`, true},
	{"null choices", `{"choices":null}`, true},
	{"null choice", `{"choices":[null,{"index":1}]}`, true},
	{"nulls in a choice", `{"choices":[{"index":null,"delta":null,"finish_reason":null}]}`, true},
	{"null strings", `{"object":null,"message":null,"choices":[{"delta":{"content":null,"refusal":null}}]}`, true},
	{"refusal", `{"choices":[{"index":0,"delta":{"content":null,"refusal":"no"},"finish_reason":"content_filter"}]}`, true},
	{"three choices", `{"choices":[{"index":0,"delta":{"content":"a"}},{"index":1,"delta":{"content":"b"},"finish_reason":"tool_calls"},{"index":2}]}`, true},
	{"negative index", `{"choices":[{"index":-3},{"index":-0}]}`, true},
	{"largest index read", `{"choices":[{"index":999999999999999999},{"index":-999999999999999999}]}`, true},
	{"null usage", `{"usage":null}`, true},
	{"empty usage", `{"usage":{}}`, true},
	{"usage with details", `{"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":null}}}`, true},
	{"null usage fields", `{"usage":{"prompt_tokens":null,"completion_tokens":null,"total_tokens":null}}`, true},
	{"OpenAI error", `{"error":{"message":"bad","type":"x","param":null,"code":"y"}}`, true},
	{"Ollama error", `{"error":"model \"x\" not found"}`, true},
	{"vLLM error", `{"object":"error","message":"The model does not exist.","type":"NotFoundError","param":null,"code":404}`, true},
	{"null error", `{"error":null}`, true},
	{"error kept with its spaces", `{"error": [ 1, 2.5e-3 , true,false, null, {"a" : []} ] }`, true},
	{"number error", `{"error":-1.5E+3}`, true},
	{"unknown values of every kind", `{"a":{"b":[1,-0,0.5,1e10,1E+2,-1.5e-7,"x\"y",true,false,null,{},[]],"c":{}},"d":[],"e":"\u00e9\ud83d"}`, true},
	{"unknown keys in upper case", `{"ID":"x","Model":"y","choices":[{"Logprobs":null,"delta":{"Role":"assistant"}}],"usage":{"Cached":1}}`, true},
	{"unknown key with escapes", `{"i\"d":"x","\u00e9":1,"choices":[{"delta":{"r\\ole":1}}]}`, false},
	{"skipped nesting at the limit", nest("[", "]", maxSkipDepth), true},

	// Strings.
	{"escapes", `{"choices":[{"delta":{"content":"a\"b\\c\/d\be\ff\ng\rh\ti"}}]}`, true},
	{"unicode escapes", `{"choices":[{"delta":{"content":"\u00e9\u4E2D\u0000\u001f x"}}]}`, true},
	{"surrogate pair", `{"choices":[{"delta":{"content":"\ud83d\ude00!"}}]}`, true},
	{"high surrogate then letter", `{"choices":[{"delta":{"content":"\ud83d x"}}]}`, true},
	{"high surrogate then escape", `{"choices":[{"delta":{"content":"\ud83d\u0041"}}]}`, true},
	{"high surrogate then newline", `{"choices":[{"delta":{"content":"\ud83d\n"}}]}`, true},
	{"two high surrogates", `{"choices":[{"delta":{"content":"\ud83d\ud83d\ude00"}}]}`, true},
	{"low surrogate alone", `{"choices":[{"delta":{"content":"\ude00\ud83d"}}]}`, true},
	{"high surrogate at the end", `{"choices":[{"delta":{"refusal":"\uD83D"}}]}`, true},
	{"invalid UTF-8", "{\"choices\":[{\"delta\":{\"content\":\"a\xffb\xc3\"}}]}", true},
	{"invalid UTF-8 with escapes", "{\"message\":\"\xed\xa0\x80\\n\xc0\xaf\"}", true},
	{"valid UTF-8 and U+FFFD", "{\"message\":\"€ \xef\xbf\xbd 한국어\"}", true},
	{"invalid UTF-8 in skipped value", "{\"model\":\"\xff\",\"choices\":[]}", true},
	{"known finish reasons", `{"object":"chat.completion.chunk","choices":[{"finish_reason":"stop"},{"finish_reason":"length"},{"finish_reason":"stop\n"}]}`, true},
	{"escaped known value", `{"object":"chat.completion.chun\u006b"}`, true},

	// Left to encoding/json: not JSON.
	{"empty", ``, false},
	{"spaces", "  \n", false},
	{"null", `null`, false},
	{"array", `[]`, false},
	{"string", `"x"`, false},
	{"number", `1`, false},
	{"unclosed", `{`, false},
	{"key without value", `{"a"}`, false},
	{"missing value", `{"a":}`, false},
	{"trailing comma", `{"a":1,}`, false},
	{"leading comma", `{,"a":1}`, false},
	{"missing comma", `{"a":1 "b":2}`, false},
	{"text after", `{"a":1}x`, false},
	{"second value", `{}{}`, false},
	{"byte order mark", "\xef\xbb\xbf{}", false},
	{"leading zero", `{"a":01}`, false},
	{"lone minus", `{"a":-}`, false},
	{"fraction without digits", `{"a":1.}`, false},
	{"exponent without digits", `{"a":1e}`, false},
	{"leading point", `{"a":.5}`, false},
	{"plus sign", `{"a":+1}`, false},
	{"short literal", `{"a":tru}`, false},
	{"long literal", `{"a":nulll}`, false},
	{"control character", "{\"a\":\"\x01\"}", false},
	{"control character in content", "{\"choices\":[{\"delta\":{\"content\":\"a\tb\"}}]}", false},
	{"unknown escape", `{"a":"\q"}`, false},
	{"apostrophe escape", `{"choices":[{"delta":{"content":"\'"}}]}`, false},
	{"short unicode escape", `{"a":"\u12G4"}`, false},
	{"unterminated string", `{"message":"abc`, false},
	{"escape at the end", `{"message":"abc\`, false},
	{"array trailing comma", `{"a":[1,]}`, false},
	{"array leading comma", `{"a":[,1]}`, false},
	{"array missing comma", `{"choices":[{} {}]}`, false},
	{"key without colon", `{"a":{"b" 1}}`, false},
	{"number key", `{"a":{1:2}}`, false},
	{"colon in array", `{"a":[1:2]}`, false},
	{"deep nesting", nest("[", "]", 10001), false},
	{"short null choices", `{"choices":n`, false},
	{"null choices then not JSON", `{"choices":null,"a":}`, false},

	// Left to encoding/json: wrong types and numbers an int does not take.
	{"fraction index", `{"choices":[{"index":1.0}]}`, false},
	{"exponent index", `{"choices":[{"index":1e0}]}`, false},
	{"string index", `{"choices":[{"index":"1"}]}`, false},
	{"overflowing index", `{"choices":[{"index":99999999999999999999}]}`, false},
	{"19-digit index", `{"choices":[{"index":9223372036854775807}]}`, false},
	{"object choices", `{"choices":{}}`, false},
	{"string choices", `{"choices":"x"}`, false},
	{"number choice", `{"choices":[{"index":0},1]}`, false},
	{"string delta", `{"choices":[{"delta":"x"}]}`, false},
	{"number content", `{"choices":[{"delta":{"content":1}}]}`, false},
	{"array usage", `{"usage":[]}`, false},
	{"bool tokens", `{"usage":{"total_tokens":true}}`, false},
	{"number object", `{"object":1}`, false},
	{"number message after null object", `{"object":null,"message":5}`, false},

	// Left to encoding/json: keys it matches without regard to case, and repeated keys.
	{"folded key", `{"Object":"x"}`, false},
	{"folded choices", `{"CHOICES":[]}`, false},
	{"folded choice keys", `{"choices":[{"Index":2,"Delta":{"Content":"x"}}]}`, false},
	{"folded usage key", `{"usage":{"Total_Tokens":3}}`, false},
	{"long s", `{"meſſage":"x"}`, false},
	{"Kelvin sign", `{"usage":{"prompt_to` + "\u212a" + `ens":5}}`, false},
	{"escaped key", `{"obj\u0065ct":"x"}`, false},
	{"escaped delta key", `{"choices":[{"delta":{"cont\u0065nt":"x"}}]}`, false},
	{"repeated object", `{"object":"a","object":"b"}`, false},
	{"repeated choices", `{"choices":[{"index":1,"finish_reason":"x"}],"choices":[{"index":2}]}`, false},
	{"repeated usage", `{"usage":{"prompt_tokens":1},"usage":{"total_tokens":2}}`, false},
	{"repeated delta", `{"choices":[{"delta":{"content":"a"},"delta":{"refusal":"b"}}]}`, false},
	{"repeated content", `{"choices":[{"delta":{"content":"a","content":null}}]}`, false},
	{"repeated error", `{"error":1,"error":2}`, false},
	{"skipped nesting past the limit", nest("[", "]", maxSkipDepth+1), false},
	{"skipped objects past the limit", `{"a":` + strings.Repeat(`{"b":`, maxSkipDepth+1) + `1` + strings.Repeat(`}`, maxSkipDepth+1) + `}`, false},
}

// checkParse decodes raw into a fresh chunk with parse and with json.Unmarshal and fails
// unless the chunks and errors are the same. raw is overwritten after parse, so that a
// string still pointing into it shows up as a difference.
func checkParse(t *testing.T, raw []byte) {
	t.Helper()
	var want chunk
	wantErr := json.Unmarshal(raw, &want)
	line := bytes.Clone(raw)
	var got chunk
	gotErr := got.parse(line)
	for i := range line {
		line[i] = 'x'
	}
	if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(gotErr, wantErr) {
		t.Errorf("parse(%q)\n got %+v, %v\nwant %+v, %v", raw, got, gotErr, want, wantErr)
	}
}

func TestChunkParse(t *testing.T) {
	for i, raw := range fixtureLines(t) {
		t.Run(fmt.Sprintf("fixture %d", i), func(t *testing.T) {
			checkParse(t, raw)
			var c chunk
			if fast := c.decode(raw); fast != (raw[0] == '{') {
				t.Errorf("decode(%q) = %v: a captured chunk should be read without encoding/json", raw, fast)
			}
		})
	}
	for _, tc := range chunkCases {
		t.Run(tc.name, func(t *testing.T) {
			checkParse(t, []byte(tc.raw))
			var c chunk
			if fast := c.decode([]byte(tc.raw)); fast != tc.fast {
				t.Errorf("decode(%q) = %v, want %v", tc.raw, fast, tc.fast)
			}
		})
	}
}

// threeChoices is a chunk that leaves storage for three choices behind it.
const threeChoices = `{"choices":[{"index":0,"delta":{"content":"a"}},{"index":1,"delta":{"refusal":"b"},"finish_reason":"stop"},{"index":2}],"usage":{"total_tokens":1}}`

// checkParseAfter decodes before and then raw into one chunk with parse and into another
// with parseStd, and fails unless the chunks and errors are the same after raw.
func checkParseAfter(t *testing.T, before, raw []byte) {
	t.Helper()
	var got, want chunk
	_ = got.parse(before)
	_ = parseStd(&want, before)
	gotErr := got.parse(raw)
	wantErr := parseStd(&want, raw)
	if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(gotErr, wantErr) {
		t.Errorf("parse(%q) after %q\n got %+v, %v\nwant %+v, %v", raw, before, got, gotErr, want, wantErr)
	}
}

// TestChunkParseReused decodes lines into a chunk that held another before, as in a stream,
// and holds it against the same lines decoded by parseStd, so that nothing of a line is left
// over into the next and the choices' storage is kept or dropped as encoding/json does.
func TestChunkParseReused(t *testing.T) {
	lines := fixtureLines(t)
	for _, tc := range chunkCases {
		lines = append(lines, []byte(tc.raw))
	}
	for i, raw := range lines {
		checkParseAfter(t, []byte(threeChoices), raw)
		if i > 0 {
			checkParseAfter(t, lines[i-1], raw)
		}
	}
}

// TestChunkParseAllocs holds the decoder to its purpose: a content chunk costs the content's
// string, a finish chunk nothing, a usage chunk its usage.
func TestChunkParseAllocs(t *testing.T) {
	for _, tc := range []struct {
		name string
		raw  string
		want float64
	}{
		{"delta", benchDeltaChunk, 1},
		{"finish", benchFinishChunk, 0},
		{"usage", benchUsageChunk, 1},
		{"long-escaped", longDeltaChunk(), 1},
	} {
		raw := []byte(tc.raw)
		var c chunk
		if err := c.parse(raw); err != nil {
			t.Fatal(err)
		}
		if got := testing.AllocsPerRun(100, func() { _ = c.parse(raw) }); got != tc.want {
			t.Errorf("%s: %v allocations, want %v", tc.name, got, tc.want)
		}
	}
}

// FuzzChunkParse holds parse against json.Unmarshal for any line, into a fresh chunk and
// into one that held a chunk of three choices before.
func FuzzChunkParse(f *testing.F) {
	for _, raw := range fixtureLines(f) {
		f.Add(raw)
	}
	for _, tc := range chunkCases {
		f.Add([]byte(tc.raw))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		checkParse(t, raw)
		checkParseAfter(t, []byte(threeChoices), raw)
	})
}

// TestTextRun holds textRun, which reads eight bytes at a time, against a loop over single
// bytes, with each byte value at each place of a word and of the bytes after the last word,
// followed by ASCII or not.
func TestTextRun(t *testing.T) {
	naive := func(b []byte, i int) (int, uint64) {
		var seen uint64
		for ; i < len(b) && !textStop[b[i]]; i++ {
			seen |= uint64(b[i])
		}
		return i, seen
	}
	for _, fill := range []byte{'a', 0xc3, 0x7f, ' '} {
		for size := 0; size <= 20; size++ {
			for at := 0; at < size; at++ {
				for c := range 512 {
					b := bytes.Repeat([]byte{fill}, size)
					b[at] = byte(c)
					if c > 255 {
						// Bytes that are not ASCII after it, to count only up to a stop.
						for i := at + 1; i < size; i++ {
							b[i] = 0xff
						}
					}
					for start := range min(size, 3) + 1 {
						gotEnd, gotSeen := textRun(b, start)
						wantEnd, wantSeen := naive(b, start)
						if gotEnd != wantEnd || gotSeen&highs != 0 != (wantSeen&0x80 != 0) {
							t.Fatalf("textRun(%q, %d) = %d, %#x; want %d, %#x", b, start, gotEnd, gotSeen, wantEnd, wantSeen)
						}
					}
				}
			}
		}
	}
}
