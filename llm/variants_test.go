package llm

import (
	"slices"
	"testing"
	"unicode"

	"github.com/yeok/yeok/model"
)

func TestVariantTables(t *testing.T) {
	for _, r := range "们发为这说国时书门开关" {
		if !unicode.Is(simplifiedOnly, r) || unicode.Is(traditionalOnly, r) {
			t.Errorf("%c is not Simplified only", r)
		}
	}
	for _, r := range "們發為這說國時書門開關" {
		if !unicode.Is(traditionalOnly, r) || unicode.Is(simplifiedOnly, r) {
			t.Errorf("%c is not Traditional only", r)
		}
	}
	for _, r := range "的是人台后里我你好中文" {
		if unicode.Is(traditionalOnly, r) || unicode.Is(simplifiedOnly, r) {
			t.Errorf("%c is written the same in both, yet counted as one", r)
		}
	}
}

func TestTidyVariant(t *testing.T) {
	variant := []model.Flag{model.FlagVariantMismatch}
	const (
		simplified  = "我们明天开会讨论这个问题。"
		traditional = "我們明天開會討論這個問題。"
	)
	tests := []struct {
		name, answer, to string
		flags            []model.Flag
	}{
		{"simplified for zh-TW", simplified, "zh-TW", variant},
		{"simplified for zh-Hant", simplified, "zh-Hant", variant},
		{"simplified for zh-HK", simplified, "zh-HK", variant},
		{"traditional for zh-CN", traditional, "zh-CN", variant},
		{"traditional for zh-Hans", traditional, "zh-Hans", variant},
		{"traditional for zh-TW", traditional, "zh-TW", nil},
		{"simplified for zh-CN", simplified, "zh-CN", nil},
		{"shared characters only", "你好，我是中文的人。", "zh-TW", nil},
		{"a name or two", "我們在东京見面，請問", "zh-TW", nil},
		{"plain zh is not judged", traditional, "zh", nil},
		{"japanese is not judged", "東京で会議を開きます", "ja", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Tidy("We will meet tomorrow to discuss this.", tt.answer, model.MustLanguage(tt.to), nil)
			if !slices.Equal(c.Flags, tt.flags) {
				t.Errorf("flags %q, want %q", c.Flags, tt.flags)
			}
		})
	}
}
