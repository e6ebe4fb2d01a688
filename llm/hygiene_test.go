package llm

import (
	"slices"
	"testing"

	"github.com/yeok/yeok/model"
)

var (
	ko = model.MustLanguage("ko")
	en = model.MustLanguage("en")
	ja = model.MustLanguage("ja")
)

func TestTidyPreface(t *testing.T) {
	tests := []struct {
		name, source, answer, clean string
	}{
		{"english", "안녕하세요", "Here is the translation:\n\nHello", "Hello"},
		{"here's with language", "안녕하세요", "Here's the English translation:\nHello", "Hello"},
		{"sure", "안녕하세요", "Sure! Here is the translation into English (en-US):\nHello", "Hello"},
		{"bare", "안녕하세요", "Translation:\nHello", "Hello"},
		{"bold", "안녕하세요", "**Translation:**\nHello", "Hello"},
		{"korean", "Hello", "번역:\n안녕하세요", "안녕하세요"},
		{"korean sentence", "Hello", "다음은 한국어 번역입니다:\n안녕하세요", "안녕하세요"},
		{"japanese", "Hello", "翻訳:\nこんにちは", "こんにちは"},
		{"japanese full-width colon", "Hello", "日本語訳：\nこんにちは", "こんにちは"},
		{"chinese", "Hello", "以下是中文翻译：\n你好", "你好"},
		{"french", "Hello", "Voici la traduction :\nBonjour", "Bonjour"},
		{"full-width latin", "안녕하세요", "Ｔｒａｎｓｌａｔｉｏｎ：\nHello", "Hello"},
		{"nothing after it", "Hello", "번역:", ""},
		{"same line", "안녕하세요", "Translation: Hello", "Hello"},
		{"not a preface", "Note: read this\nnow", "Note:\nread this now", ""},
		{"unknown first line with colon", "안녕", "Ingredients:\nflour", ""},
		{"source has its own header", "Translation:\nfoo", "번역:\nfoo", ""},
		{"preface, then quotes", "안녕하세요", "Translation:\n\"Hello there\"", "Hello there"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Tidy(tt.source, tt.answer, model.Auto, nil).Clean; got != tt.clean {
				t.Errorf("Clean = %q, want %q", got, tt.clean)
			}
		})
	}
}

func TestTidyQuotes(t *testing.T) {
	tests := []struct {
		name, source, answer, clean string
	}{
		{"straight", "안녕하세요", `"Hello"`, "Hello"},
		{"curly", "안녕하세요", "“Hello”", "Hello"},
		{"guillemets", "Hello", "« Bonjour »", "Bonjour"},
		{"corner brackets", "Hello", "「こんにちは」", "こんにちは"},
		{"single", "안녕하세요", "'Hello'", "Hello"},
		{"full-width", "안녕하세요", "＂Hello＂", "Hello"},
		{"surrounding space", "안녕하세요", "  \"Hello\"\n", "Hello"},
		{"source quoted too", `"안녕하세요"`, `"Hello"`, ""},
		{"source in corner brackets", "「안녕」", "“Hello”", ""},
		{"two quotations", "A와 B", `"A" and "B"`, ""},
		{"unbalanced", "안녕하세요", `"Hello`, ""},
		{"only quotes", "안녕하세요", `""`, ""},
		{"mismatched pair", "안녕하세요", "“Hello\"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Tidy(tt.source, tt.answer, model.Auto, nil).Clean; got != tt.clean {
				t.Errorf("Clean = %q, want %q", got, tt.clean)
			}
		})
	}
}

func TestTidyFlags(t *testing.T) {
	tests := []struct {
		name, source, answer string
		to                   model.Language
		glossary             []model.GlossaryTerm
		flags                []model.Flag
	}{
		{"fine", "Hello world", "안녕하세요 세계", ko, nil, nil},
		{"echo in another script", "안녕하세요 세계", "안녕하세요  세계", en, nil, []model.Flag{model.FlagEcho, model.FlagScriptMismatch}},
		{"echo of a sentence", "The cat sat down.", "the cat  sat down.", model.MustLanguage("fr"), nil, []model.Flag{model.FlagEcho}},
		{"echo full-width", "ＡＢＣ ｄｅｆ ｇｈｉ", "ABC def ghi", model.MustLanguage("de"), nil, []model.Flag{model.FlagEcho}},
		{"a name is not an echo", "John Smith", "John Smith", model.MustLanguage("fr"), nil, nil},
		{"short text not judged", "OK", "OK", ko, nil, nil},
		{"english answer for korean", "Bonjour tout le monde", "Hello everyone", ko, nil, []model.Flag{model.FlagScriptMismatch}},
		{"korean with latin terms", "Deploy the GPU cluster on Kubernetes", "Kubernetes에 GPU 클러스터를 배포하세요", ko, nil, nil},
		{"japanese kana", "Hello", "こんにちは", ja, nil, nil},
		{"japanese kanji only", "Tokyo Station", "東京駅", ja, nil, nil},
		{"korean answer for japanese", "Hello there", "안녕하세요 여러분", ja, nil, []model.Flag{model.FlagScriptMismatch}},
		{"chinese", "Hello", "你好世界", model.MustLanguage("zh-Hant"), nil, nil},
		{"russian in latin", "Привет", "Privet mir", model.MustLanguage("ru"), nil, []model.Flag{model.FlagScriptMismatch}},
		{"russian", "Hello world", "Привет мир", model.MustLanguage("ru"), nil, nil},
		{"serbian in latin letters", "Hello world", "Zdravo svete", model.MustLanguage("sr"), nil, nil},
		{"greek", "Hello", "Γειά σου κόσμε", model.MustLanguage("el"), nil, nil},
		{"arabic in latin", "Hello world", "Marhaban bialealam", model.MustLanguage("ar"), nil, []model.Flag{model.FlagScriptMismatch}},
		{"hebrew", "Hello", "שלום עולם", model.MustLanguage("he"), nil, nil},
		{"hindi", "Hello", "नमस्ते दुनिया", model.MustLanguage("hi"), nil, nil},
		{"thai", "Hello", "สวัสดีชาวโลก", model.MustLanguage("th"), nil, nil},
		{"mostly latin for english", "안녕하세요", "Hello 세계", en, nil, nil},
		{"hangul for english", "Bonjour", "안녕하세요 세계", en, nil, []model.Flag{model.FlagScriptMismatch}},
		{"auto target not judged", "Hello", "안녕하세요", model.Auto, nil, nil},
		{"glossary kept", "Deploy a pod", "파드를 배포하세요", ko, []model.GlossaryTerm{{Term: "pod", Translation: "파드"}}, nil},
		{"glossary missed", "Deploy a pod on Kubernetes", "포드를 쿠버네티스에 배포하세요", ko,
			[]model.GlossaryTerm{{Term: "pod", Translation: "파드"}, {Term: "Kubernetes", Translation: "쿠버네티스"}, {Term: "node", Translation: "노드"}},
			[]model.Flag{model.GlossaryMiss("pod")}},
		{"glossary full-width in answer", "Call the API", "ＡＰＩ를 호출하세요", ko, []model.GlossaryTerm{{Term: "API", Translation: "API"}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Tidy(tt.source, tt.answer, tt.to, tt.glossary)
			if !slices.Equal(c.Flags, tt.flags) {
				t.Errorf("flags %q, want %q", c.Flags, tt.flags)
			}
		})
	}
	if c := Tidy("Hello", "  \n", ko, []model.GlossaryTerm{{Term: "Hello", Translation: "안녕"}}); c.Clean != "" || c.Flags != nil {
		t.Errorf("blank answer: %+v", c)
	}
}

func TestGlossaryMatching(t *testing.T) {
	g := []model.GlossaryTerm{
		{Term: "pod", Translation: "파드"},
		{Term: "Kubernetes", Translation: "쿠버네티스"},
		{Term: "ＧＰＵ", Translation: "GPU"},
		{Term: "ログ", Translation: "로그"},
		{Term: "New York", Translation: "뉴욕"},
	}
	in := []struct {
		name, source string
		want         []string
	}{
		{"case folded", "Deploy a POD to KUBERNETES", []string{"pod", "Kubernetes"}},
		{"word start", "A tripod and pods", []string{"pod"}},
		{"inside a word only", "a tripod", nil},
		{"full-width source", "Ｋｕｂｅｒｎｅｔｅｓ runs on the gpu", []string{"Kubernetes", "ＧＰＵ"}},
		{"half-width katakana", "ﾛｸﾞを見る", []string{"ログ"}},
		{"spaces folded", "in new   york", []string{"New York"}},
		{"none", "nothing here", nil},
	}
	for _, tt := range in {
		t.Run("TermsIn/"+tt.name, func(t *testing.T) {
			if got := terms(TermsIn(tt.source, g)); !slices.Equal(got, tt.want) {
				t.Errorf("TermsIn = %q, want %q", got, tt.want)
			}
		})
	}
	misses := []struct {
		name, answer string
		want         []string
	}{
		{"all there", "파드와 쿠버네티스와 GPU와 로그와 뉴욕", nil},
		{"full-width and particles", "ＧＰＵ에서 파드를", []string{"Kubernetes", "ログ", "New York"}},
		{"none there", "아무것도", []string{"pod", "Kubernetes", "ＧＰＵ", "ログ", "New York"}},
	}
	for _, tt := range misses {
		t.Run("GlossaryMisses/"+tt.name, func(t *testing.T) {
			if got := terms(GlossaryMisses(tt.answer, g)); !slices.Equal(got, tt.want) {
				t.Errorf("GlossaryMisses = %q, want %q", got, tt.want)
			}
		})
	}
}

func terms(g []model.GlossaryTerm) []string {
	var out []string
	for _, t := range g {
		out = append(out, t.Term)
	}
	return out
}

func TestTidyReasoning(t *testing.T) {
	tests := []struct {
		name, answer, clean string
		flags               []model.Flag
	}{
		{"block removed", "<think>hmm</think>\n\n안녕하세요", "안녕하세요", nil},
		{"then a preface", "<think>hmm</think>\nTranslation:\n\"안녕하세요\"", "안녕하세요", nil},
		{"only reasoning", "<think>hmm</think>\n", "", []model.Flag{model.FlagReasoningOnly}},
		{"unterminated", "<think>hmm, the user", "", []model.Flag{model.FlagReasoningOnly}},
		{"a tag later is text", "안녕 <think>", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Tidy("Hello", tt.answer, ko, nil)
			if c.Clean != tt.clean || !slices.Equal(c.Flags, tt.flags) {
				t.Errorf("Tidy = %q %q, want %q %q", c.Clean, c.Flags, tt.clean, tt.flags)
			}
		})
	}
	if c := TidyPartial("<think>a</think> 안녕"); c.Clean != "안녕" || c.Flags != nil {
		t.Errorf("TidyPartial = %+v", c)
	}
	if c := TidyPartial("안녕"); c.Clean != "" || c.Flags != nil {
		t.Errorf("TidyPartial without reasoning = %+v", c)
	}
}

func TestTidyInlinePreface(t *testing.T) {
	tests := []struct {
		name, source, answer, clean string
	}{
		{"english with quotes", "Good morning", `Here is the translation: "좋은 아침입니다"`, "좋은 아침입니다"},
		{"english sure", "Good morning", "Sure! Translation: 좋은 아침입니다", "좋은 아침입니다"},
		{"english bold", "Good morning", "**Translation:** 좋은 아침입니다", "좋은 아침입니다"},
		{"english, more lines", "Good morning\nall", "Here's the Korean translation: 좋은 아침\n여러분", "좋은 아침\n여러분"},
		{"korean", "Good morning", "번역: 좋은 아침입니다", "좋은 아침입니다"},
		{"korean sentence", "Good morning", "다음은 한국어 번역입니다: 「좋은 아침입니다」", "좋은 아침입니다"},
		{"japanese full-width colon", "Good morning", "翻訳：おはようございます", "おはようございます"},
		{"japanese with quotes", "Good morning", "日本語訳：「おはようございます」", "おはようございます"},
		{"chinese", "Good morning", "翻译：早上好", "早上好"},
		{"spanish", "Good morning", "Traducción: Buenos días", "Buenos días"},
		{"french", "Good morning", "Voici la traduction : « Bonjour »", "Bonjour"},
		{"vietnamese", "Good morning", "Bản dịch: Chào buổi sáng", "Chào buổi sáng"},
		{"turkish", "Good morning", "Çeviri: Günaydın", "Günaydın"},
		{"a real label", "Note: the meeting is at 3", "참고: 회의는 3시입니다", ""},
		{"a real label in english", "참고: 회의는 3시입니다", "Note: the meeting is at 3", ""},
		{"the source has the label", "Translation: a hard job", "번역: 어려운 일", ""},
		{"colon later", "Good morning", "좋은 아침: 인사", ""},
		{"time", "It is 3:30", "3:30입니다", ""},
		{"nothing after it", "Hello", "번역:   ", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Tidy(tt.source, tt.answer, model.Auto, nil).Clean; got != tt.clean {
				t.Errorf("Clean = %q, want %q", got, tt.clean)
			}
		})
	}
}

func TestTidyDelimiterEcho(t *testing.T) {
	echo := []model.Flag{model.FlagDelimiterEcho}
	tests := []struct {
		name, source, answer, clean string
		flags                       []model.Flag
	}{
		{"both", "Hello", "<source>\n안녕하세요\n</source>", "안녕하세요", echo},
		{"same line", "Hello", "<source>안녕하세요</source>", "안녕하세요", echo},
		{"upper case numbered", "Hello", "<SOURCE-3>\n안녕하세요", "안녕하세요", echo},
		{"then a preface", "Hello", "<source>\nTranslation: \"안녕하세요\"\n</source>", "안녕하세요", echo},
		{"only tags", "Hello", "<source>\n</source>", "", []model.Flag{model.FlagScriptMismatch}},
		{"source has a tag", "</source> is a tag", "</source>는 태그입니다", "", nil},
		{"inside is text", "Hello", "안녕 <source> 하세요", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Tidy(tt.source, tt.answer, ko, nil)
			if c.Clean != tt.clean || !slices.Equal(c.Flags, tt.flags) {
				t.Errorf("Tidy = %q %q, want %q %q", c.Clean, c.Flags, tt.clean, tt.flags)
			}
		})
	}
}
