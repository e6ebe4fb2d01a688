package ui

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

func TestWrapText(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		width int
		want  []string
	}{
		{"fits", "hello world", 20, []string{"hello world"}},
		{"words", "the quick brown fox jumps", 10, []string{"the quick", "brown fox", "jumps"}},
		{"long word", "abcdefghijklmnop", 6, []string{"abcdef", "ghijkl", "mnop"}},
		{"word then long", "ab abcdefghij", 6, []string{"ab", "abcdef", "ghij"}},
		{"newlines", "one\n\ntwo", 10, []string{"one", "", "two"}},
		{"korean words", "안녕하세요 여러분 반갑습니다", 12, []string{"안녕하세요", "여러분", "반갑습니다"}},
		{"chinese", "感谢大家今天参加会议", 8, []string{"感谢大家", "今天参加", "会议"}},
		{"wide at odd edge", "感谢大家", 5, []string{"感谢", "大家"}},
		{"space at edge", "abcde fgh", 5, []string{"abcde", "fgh"}},
		{"leading indent kept", "  indented", 20, []string{"  indented"}},
		{"emoji", "ok 👍👍👍", 4, []string{"ok", "👍👍", "👍"}},
		{"chinese breaks between characters, not only at spaces", "这是 GPT 模型的翻译结果，我们今天讨论下个季度的预算。", 12,
			[]string{"这是 GPT 模", "型的翻译结", "果，我们今天", "讨论下个季度", "的预算。"}},
		{"no line starts with closing punctuation or ends with an opening bracket", "今日は晴れです。明日も「晴れ」でしょう。", 8,
			[]string{"今日は晴", "れです。", "明日も", "「晴れ」", "でしょ", "う。"}},
		{"no line starts with a prolonged sound mark", "コーヒーを飲みました。", 7, []string{"コー", "ヒーを", "飲みま", "した。"}},
		{"digits stay together beside han", "价格是100元。", 4, []string{"价格", "是", "100", "元。"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := wrapText(tt.in, tt.width)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Fatalf("wrapText(%q, %d) = %q, want %q", tt.in, tt.width, got, tt.want)
			}
		})
	}
}

// TestWrapTextKeepsEverything checks on random mixed text that no line is too wide and
// that only spaces at breaks are lost.
func TestWrapTextKeepsEverything(t *testing.T) {
	pieces := []string{"a", "word", " ", " ", "한국어", "感谢", "é", "👍", "longerwordhere", "\n", "ｆｕｌｌ", "。", "「", "ー", "です"}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 500 {
		var b strings.Builder
		for range rng.IntN(40) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		in, width := b.String(), 2+rng.IntN(30)
		lines := wrapText(in, width)
		for _, l := range lines {
			if w := ansi.StringWidth(l); w > width {
				t.Fatalf("case %d: line %q is %d wide, limit %d (input %q)", i, l, w, width, in)
			}
		}
		strip := func(s string) string { return strings.Join(strings.Fields(s), "") }
		if strip(strings.Join(lines, "")) != strip(in) {
			t.Fatalf("case %d: text changed by wrapping at %d:\n in  %q\n out %q", i, width, in, lines)
		}
	}
}

// TestWrapperPiecesMatchWrapText checks that text fed to the wrapper in random pieces
// (a stream's deltas, cut anywhere between runes, even inside a grapheme cluster) wraps
// exactly as wrapText wraps the whole, after every piece.
func TestWrapperPiecesMatchWrapText(t *testing.T) {
	pieces := []string{
		"a", "word", " ", "  ", "한국어", "感谢", "e", "\u0301", "👍", "👩", "\u200d", "💻",
		"🇰", "🇷", "\u1112", "\u1161", "\u11ab", "longerwordhere", "\n", "ｆｕｌｌ", ".",
		"。", "「", "」", "ー", "です", "会议",
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 400 {
		var b strings.Builder
		for range rng.IntN(60) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		in, width := b.String(), 2+rng.IntN(30)
		w := newWrapper(width)
		runes := []rune(in)
		for at := 0; at < len(runes); {
			n := min(1+rng.IntN(8), len(runes)-at)
			w.feed(string(runes[at : at+n]))
			at += n
			done, tail := w.lines("")
			got := append(append([]string(nil), done...), tail...)
			want := wrapText(string(runes[:at]), width)
			if strings.Join(got, "|") != strings.Join(want, "|") {
				t.Fatalf("case %d at %d of %q, width %d:\n got  %q\n want %q", i, at, in, width, got, want)
			}
		}
	}
}
