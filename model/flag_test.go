package model

import (
	"slices"
	"testing"
)

func TestDescribeFlags(t *testing.T) {
	ko := MustLanguage("ko")
	tests := []struct {
		flags []Flag
		want  []string
	}{
		{nil, nil},
		{[]Flag{FlagEcho}, []string{"the answer repeats the source"}},
		{[]Flag{FlagScriptMismatch}, []string{"the answer is not written in the script of " + ko.String()}},
		{[]Flag{GlossaryMiss("GPU"), FlagEcho, GlossaryMiss("at\x1b[2Jtention")},
			[]string{`glossary terms "GPU", "attention" not used`, "the answer repeats the source"}},
		{[]Flag{GlossaryMiss("GPU")}, []string{`glossary term "GPU" not used`}},
		{[]Flag{"new-\u202eflag"}, []string{"new-flag"}},
		{[]Flag{FlagReasoningOnly}, []string{"the model sent only its reasoning, no translation"}},
		{[]Flag{FlagDelimiterEcho}, []string{"the answer repeated the tags around the source; they were removed"}},
	}
	for _, tt := range tests {
		if got := DescribeFlags(tt.flags, ko); !slices.Equal(got, tt.want) {
			t.Errorf("DescribeFlags(%q) = %q, want %q", tt.flags, got, tt.want)
		}
	}
	if got := MissedTerms([]Flag{GlossaryMiss(" "), GlossaryMiss("a"), FlagEcho}); !slices.Equal(got, []string{"a"}) {
		t.Errorf("MissedTerms = %q", got)
	}
}

func TestEntryProblem(t *testing.T) {
	tests := []struct {
		e    Entry
		want string
	}{
		{Entry{ID: 9, Status: StatusFailed, Error: "401: check OPENAI_API_KEY"}, "failed: 401: check OPENAI_API_KEY"},
		{Entry{Status: StatusFailed, Error: "no\x1b[2J store"}, "failed: no store"},
		{Entry{ID: 3, Status: StatusTruncated}, "truncated: the answer hit the model's length limit"},
		{Entry{ID: 4, Status: StatusRefused, Refusal: "I'm\x1b]0;x\x07 sorry"}, "refused: I'm sorry"},
		{Entry{ID: 5, Status: StatusRefused}, "refused by the model"},
		{Entry{ID: 6, Status: StatusCancelled}, "cancelled"},
	}
	for _, tt := range tests {
		if got := tt.e.Problem(); got != tt.want {
			t.Errorf("Problem() = %q, want %q", got, tt.want)
		}
	}
}

func TestDescribeVariantMismatch(t *testing.T) {
	tests := map[Language]string{
		"zh-TW":   "the answer is written in Simplified Chinese characters, not the Traditional ones of zh-TW",
		"zh-Hant": "the answer is written in Simplified Chinese characters, not the Traditional ones of zh-Hant",
		"zh-CN":   "the answer is written in Traditional Chinese characters, not the Simplified ones of zh-CN",
	}
	for to, want := range tests {
		if got := DescribeFlags([]Flag{FlagVariantMismatch}, MustLanguage(string(to))); !slices.Equal(got, []string{want}) {
			t.Errorf("%s: %q, want %q", to, got, want)
		}
	}
}

func TestSplitReasoning(t *testing.T) {
	tests := []struct {
		text, answer string
		r            Reasoning
	}{
		{"", "", MaybeReasoning},
		{" \n", "", MaybeReasoning},
		{"<thi", "", MaybeReasoning},
		{"<think>", "", InReasoning},
		{"\n<think>I should", "", InReasoning},
		{"<think>hmm</think>", "", AfterReasoning},
		{"<think>hmm</think>\n\n안녕하세요", "안녕하세요", AfterReasoning},
		{"<think>a <think> b</think>안녕", "안녕", AfterReasoning},
		{"안녕하세요", "안녕하세요", NoReasoning},
		{"<b>bold</b>", "<b>bold</b>", NoReasoning},
		{"<thinking is hard", "<thinking is hard", NoReasoning},
		{"a <think>b</think>", "a <think>b</think>", NoReasoning},
	}
	for _, tt := range tests {
		answer, r := SplitReasoning(tt.text)
		if answer != tt.answer || r != tt.r {
			t.Errorf("SplitReasoning(%q) = %q, %d; want %q, %d", tt.text, answer, r, tt.answer, tt.r)
		}
	}
}
