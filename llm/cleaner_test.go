package llm_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/yeok/yeok/llm/llmtest"
	"github.com/yeok/yeok/model"
)

// cleanCase is one answer through the engine: what is stored and what is shown.
type cleanCase struct {
	name, source, to string
	deltas           []string
	clean            string
	flags            []model.Flag
}

// runClean sends each case through the engine and the fake server and checks the stored
// entry's raw and clean text and flags, and that Show, all of it, is the clean text.
func runClean(t *testing.T, tests []cleanCase) {
	t.Helper()
	handlers := make([]http.HandlerFunc, len(tests))
	for i, tt := range tests {
		handlers[i] = llmtest.Deltas(tt.deltas...)
	}
	r := newRig(t, nil, handlers...)
	for _, tt := range tests {
		req := request(tt.source)
		req.To = model.MustLanguage(tt.to)
		var show strings.Builder
		e, err := r.eng.Translate(t.Context(), req, func(ev model.Event) { show.WriteString(ev.Show) })
		if err != nil {
			t.Fatal(err)
		}
		got := r.stored(t, e.ID)
		raw := strings.Join(tt.deltas, "")
		if got.Text != raw || got.Clean != tt.clean || !slices.Equal(got.Flags, tt.flags) {
			t.Errorf("%s: stored text %q clean %q flags %q; want clean %q flags %q", tt.name, got.Text, got.Clean, got.Flags, tt.clean, tt.flags)
		}
		want := tt.clean
		if want == "" {
			want = raw
		}
		if show.String() != want {
			t.Errorf("%s: shown %q, want %q", tt.name, show.String(), want)
		}
	}
}

func TestTranslateCleansInlinePreface(t *testing.T) {
	runClean(t, []cleanCase{
		{"english", "Good morning", "ko", []string{"Here is the translation: ", "\"좋은 아침", "입니다\""}, "좋은 아침입니다", nil},
		{"english sure", "Good morning", "ko", []string{"Sure! Translation: 좋은 ", "아침입니다"}, "좋은 아침입니다", nil},
		{"korean", "Good morning", "ko", []string{"번역: ", "좋은 아침입니다"}, "좋은 아침입니다", nil},
		{"japanese", "Good morning", "ja", []string{"翻訳：", "「おはようございます」"}, "おはようございます", nil},
		{"spanish", "Good morning", "es", []string{"Traducción: Buenos ", "días"}, "Buenos días", nil},
		{"a real label survives", "Note: the meeting is at 3", "ko", []string{"참고: 회의는 ", "3시입니다"}, "", nil},
	})
}

func TestTranslateRemovesDelimiterEcho(t *testing.T) {
	echo := []model.Flag{model.FlagDelimiterEcho}
	runClean(t, []cleanCase{
		{"both tags", "Good morning", "ko", []string{"<sou", "rce>\n좋은 아침", "입니다\n</sou", "rce>"}, "좋은 아침입니다", echo},
		{"closing tag only", "Good morning", "ko", []string{"좋은 아침입니다", "\n</source>\n"}, "좋은 아침입니다", echo},
		{"numbered", "Good morning\nall", "ko", []string{"<source-2>", "\n좋은 아침\n", "여러분\n", "</source-2>"}, "좋은 아침\n여러분", echo},
		{"long line", "Good morning", "ko", []string{"<source>" + strings.Repeat("가", 40), "</source>"}, strings.Repeat("가", 40), echo},
		{"the source has the tag", "Say </source> now", "ko", []string{"지금 </source>"}, "", nil},
		{"a tag inside is text", "Use <b>", "ko", []string{"<b>를 ", "쓰세요 <"}, "", nil},
	})
}

func TestTranslateFlagsVariantMismatch(t *testing.T) {
	variant := []model.Flag{model.FlagVariantMismatch}
	runClean(t, []cleanCase{
		{"simplified for zh-TW", "We meet tomorrow.", "zh-TW", []string{"我们明天", "开会。"}, "", variant},
		{"traditional for zh-CN", "We meet tomorrow.", "zh-CN", []string{"我們明天", "開會。"}, "", variant},
		{"traditional for zh-Hant", "We meet tomorrow.", "zh-Hant", []string{"我們明天", "開會。"}, "", nil},
		{"simplified for zh-Hans", "We meet tomorrow.", "zh-Hans", []string{"我们明天", "开会。"}, "", nil},
	})
}
