package llm

import (
	"unicode"

	"golang.org/x/text/language"

	"github.com/yeok/yeok/model"
)

//go:generate go run ./internal/variantgen -st opencc/STCharacters.txt -ts opencc/TSCharacters.txt -o variants_table.go

// minVariant is how many characters of the other Chinese variant an answer needs before it
// is flagged: a name or two written the other way is no reason.
const minVariant = 3

// wrongVariant reports a Chinese answer written in the other variant than its target asks
// for: Simplified characters for zh-Hant, zh-TW or zh-HK, Traditional ones for zh-Hans or
// zh-CN. It counts the characters written only in Simplified and only in Traditional
// (OpenCC's tables; characters written the same in both count for neither) and flags at
// least minVariant of the wrong kind that outnumber the right kind. A target that names
// neither a script nor a region ("zh") is not judged.
func wrongVariant(text string, to model.Language) bool {
	if to.IsAuto() {
		return false
	}
	tag := to.Tag()
	if base, _ := tag.Base(); base.String() != "zh" {
		return false
	}
	script, sc := tag.Script()
	if _, rc := tag.Region(); sc != language.Exact && rc != language.Exact {
		return false
	}
	right, wrong := traditionalOnly, simplifiedOnly
	switch script.String() {
	case "Hans":
		right, wrong = wrong, right
	case "Hant":
	default:
		return false
	}
	nRight, nWrong := 0, 0
	for _, r := range text {
		switch {
		case r < 0x3400:
		case unicode.Is(wrong, r):
			nWrong++
		case unicode.Is(right, r):
			nRight++
		}
	}
	return nWrong >= minVariant && nWrong > nRight
}
