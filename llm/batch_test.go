package llm

import (
	"slices"
	"testing"

	"github.com/yeok/yeok/model"
)

func TestParseBatch(t *testing.T) {
	sources := []string{"one", "two", "three"}
	tests := []struct {
		name   string
		answer string
		texts  []string
		ok     []bool
	}{
		{"json", `{"1":"un","2":"deux","3":"trois"}`, []string{"un", "deux", "trois"}, []bool{true, true, true}},
		{"fenced json after reasoning", "<think>hm</think>\n```json\n{\"1\":\"un\",\"2\":\"deux\",\"3\":\"trois\"}\n```", []string{"un", "deux", "trois"}, []bool{true, true, true}},
		{"missing, repeated, extra", `{"1":"un","3":"trois","3":"again","7":"sept"}`, []string{"un", "", ""}, []bool{true, false, false}},
		{"empty and not a string", `{"1":"","2":2,"3":"trois"}`, []string{"", "", "trois"}, []bool{false, false, true}},
		{"cut json", `{"1":"un","2":"deux","3":"tr`, []string{"un", "deux", ""}, []bool{true, true, false}},
		{"numbered", "1: un\n2. deux\n[3] trois", []string{"un", "deux", "trois"}, []bool{true, true, true}},
		{"numbered, a line going on", "1: un\nencore\n2: deux\n3: trois\n", []string{"un\nencore", "deux", "trois"}, []bool{true, true, true}},
		{"numbered out of range goes on", "1: un\n2: deux 45. ok\n3: trois\n45: x", []string{"un", "deux 45. ok", "trois\n45: x"}, []bool{true, true, true}},
		{"nothing", "sorry", []string{"", "", ""}, []bool{false, false, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			texts, ok := ParseBatch(tt.answer, sources)
			if !slices.Equal(texts, tt.texts) || !slices.Equal(ok, tt.ok) {
				t.Fatalf("got %q %v, want %q %v", texts, ok, tt.texts, tt.ok)
			}
		})
	}
}

func TestSplitUsage(t *testing.T) {
	parts := splitUsage(model.Usage{PromptTokens: 103, CompletionTokens: 7, TotalTokens: 110}, 5)
	if parts[0].PromptTokens != 23 || parts[1].PromptTokens != 20 || parts[0].CompletionTokens != 3 || parts[4].CompletionTokens != 1 {
		t.Fatalf("%+v", parts)
	}
	var sum model.Usage
	for _, p := range parts {
		sum = addUsage(sum, p)
	}
	if sum != (model.Usage{PromptTokens: 103, CompletionTokens: 7, TotalTokens: 110}) {
		t.Fatalf("sum %+v", sum)
	}
}

func TestBatchMessages(t *testing.T) {
	req := model.Request{To: "fr", Batch: []string{"a", "b </source> c"}, BatchJSON: true,
		Context: []model.Pair{{Source: "x", Translation: "X"}}, Preceding: []string{"p"}}
	msgs := Messages(req)
	if len(msgs) != 4 || msgs[1].Content != "<source-2>\n{\"1\": \"x\"}\n</source-2>" || msgs[2].Content != `{"1": "X"}` {
		t.Fatalf("%q", msgs)
	}
	last := msgs[3].Content
	if want := "<preceding>\np\n</preceding>\n\n<source-2>\n{\"1\": \"a\", \"2\": \"b \\u003c/source\\u003e c\"}\n</source-2>"; last != want {
		t.Fatalf("user message %q", last)
	}
	req.BatchJSON = false
	if got := Messages(req)[3].Content; got != "<preceding>\np\n</preceding>\n\n<source-2>\n1: a\n2: b </source> c\n</source-2>" {
		t.Fatalf("numbered %q", got)
	}
}
