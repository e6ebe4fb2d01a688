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
