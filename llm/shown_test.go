package llm

import (
	"strings"
	"testing"

	"github.com/yeok/yeok/model"
)

func TestShownDropsPreface(t *testing.T) {
	tests := []struct {
		name   string
		deltas []string
		entry  model.Entry
		cont   string
		want   string
	}{
		{"preface", []string{"Here is the ", "translation:\n", "\n안녕", "하세요\n둘째 줄"}, model.Entry{}, "", "안녕하세요\n둘째 줄"},
		{"short answer shown clean", []string{"\"안녕", "\""}, model.Entry{Text: "\"안녕\"", Clean: "안녕"}, "", "안녕"},
		{"no preface", []string{"첫 줄\n", "둘째"}, model.Entry{}, "", "첫 줄\n둘째"},
		{"long first line streams", []string{strings.Repeat("가", 30), strings.Repeat("나", 30)}, model.Entry{}, "",
			strings.Repeat("가", 30) + strings.Repeat("나", 30)},
		{"a continuation is not held", []string{"Here is the translation:\n", "x"}, model.Entry{}, "앞부분", "Here is the translation:\nx"},
		{"inline preface", []string{"Translation: ", "안녕", "하세요\n둘째 줄"}, model.Entry{}, "", "안녕하세요\n둘째 줄"},
		{"inline preface, long line", []string{"번역: ", strings.Repeat("가", 40)}, model.Entry{}, "", strings.Repeat("가", 40)},
		{"inline preface and quotes held whole", []string{"Here is the translation: \"", strings.Repeat("가", 40), "\n나\""},
			model.Entry{Text: "Here is the translation: \"" + strings.Repeat("가", 40) + "\n나\"", Clean: strings.Repeat("가", 40) + "\n나"}, "",
			strings.Repeat("가", 40) + "\n나"},
		{"short inline preface shown clean", []string{"번역: \"안녕\""}, model.Entry{Text: "번역: \"안녕\"", Clean: "안녕"}, "", "안녕"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newShown(model.Request{Source: "Hello\nsecond line", Continue: tt.cont})
			var out strings.Builder
			for _, d := range tt.deltas {
				out.WriteString(s.delta(d))
			}
			if tt.entry.Text == "" {
				tt.entry.Text = strings.Join(tt.deltas, "")
			}
			out.WriteString(s.end(tt.entry))
			if out.String() != tt.want {
				t.Fatalf("shown %q, want %q", out.String(), tt.want)
			}
		})
	}
}

// TestShownNeverShowsReasoning feeds answers that start with a reasoning block cut into
// three deltas at every pair of byte positions, and byte by byte: what is shown, with what
// the end adds, is the answer without the reasoning, every time.
func TestShownNeverShowsReasoning(t *testing.T) {
	tests := []struct {
		name, answer, want string
	}{
		{"whole", "<think>사용자가 인사를 번역하래</think>\n\n좋은 아침입니다", "좋은 아침입니다"},
		{"leading space", "\n<think>hmm\n</think>Good morning", "Good morning"},
		{"long answer streams", "<think>x</think>\n" + strings.Repeat("가", 40) + "\n둘째 줄", strings.Repeat("가", 40) + "\n둘째 줄"},
		{"preface after reasoning", "<think>x</think>Here is the translation:\n안녕\n하세요", "안녕\n하세요"},
		{"unterminated", "<think>I should translate 안녕 as hello, but", ""},
		{"only reasoning", "<think>nothing to say</think>\n", ""},
		{"no reasoning", "<thinking is hard", "<thinking is hard"},
		{"a tag later is text", "안녕 <think>", "안녕 <think>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := model.Request{Source: "Hello", To: ko}
			entry := model.Entry{Text: tt.answer, Status: model.StatusDone}
			c := Tidy(req.Source, tt.answer, req.To, nil)
			entry.Clean = c.Clean
			play := func(deltas []string) string {
				s := newShown(req)
				var out strings.Builder
				for _, d := range deltas {
					out.WriteString(s.delta(d))
				}
				out.WriteString(s.end(entry))
				return out.String()
			}
			a := tt.answer
			for i := 0; i <= len(a); i++ {
				for j := i; j <= len(a); j++ {
					if got := play([]string{a[:i], a[i:j], a[j:]}); got != tt.want {
						t.Fatalf("split at %d, %d: shown %q, want %q", i, j, got, tt.want)
					}
				}
			}
			bytes := make([]string, len(a))
			for i := 0; i < len(a); i++ {
				bytes[i] = a[i : i+1]
			}
			if got := play(bytes); got != tt.want {
				t.Fatalf("byte by byte: shown %q, want %q", got, tt.want)
			}
		})
	}
}

// TestShownDropsDelimiterEcho cuts an answer wrapped in the source tags into three deltas
// at every pair of byte positions: the tags are never shown.
func TestShownDropsDelimiterEcho(t *testing.T) {
	req := model.Request{Source: "Good morning\nall", To: ko}
	for _, a := range []string{"<source>\n좋은 아침\n여러분\n</source>\n", "좋은 아침\n여러분 </source-2>"} {
		c := Tidy(req.Source, a, ko, nil)
		entry := model.Entry{Text: a, Clean: c.Clean, Status: model.StatusDone}
		for i := 0; i <= len(a); i++ {
			for j := i; j <= len(a); j++ {
				s := newShown(req)
				got := s.delta(a[:i]) + s.delta(a[i:j]) + s.delta(a[j:]) + s.end(entry)
				if got != "좋은 아침\n여러분" {
					t.Fatalf("%q cut at %d, %d: shown %q", a, i, j, got)
				}
			}
		}
	}
}
