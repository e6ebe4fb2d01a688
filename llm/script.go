package llm

import (
	"unicode"

	"golang.org/x/text/language"

	"github.com/yeok/yeok/model"
)

// scriptTables maps ISO 15924 script codes to the Unicode scripts whose letters fit them.
var scriptTables = map[string][]*unicode.RangeTable{
	"Latn": {unicode.Latin}, "Cyrl": {unicode.Cyrillic}, "Grek": {unicode.Greek},
	"Arab": {unicode.Arabic}, "Hebr": {unicode.Hebrew}, "Deva": {unicode.Devanagari},
	"Beng": {unicode.Bengali}, "Taml": {unicode.Tamil}, "Telu": {unicode.Telugu},
	"Knda": {unicode.Kannada}, "Mlym": {unicode.Malayalam}, "Gujr": {unicode.Gujarati},
	"Guru": {unicode.Gurmukhi}, "Orya": {unicode.Oriya}, "Sinh": {unicode.Sinhala},
	"Thai": {unicode.Thai}, "Laoo": {unicode.Lao}, "Khmr": {unicode.Khmer},
	"Mymr": {unicode.Myanmar}, "Geor": {unicode.Georgian}, "Armn": {unicode.Armenian},
	"Ethi": {unicode.Ethiopic}, "Tibt": {unicode.Tibetan}, "Mong": {unicode.Mongolian},
	"Thaa": {unicode.Thaana},
	"Hans": {unicode.Han}, "Hant": {unicode.Han},
	"Jpan": {unicode.Han, unicode.Hiragana, unicode.Katakana},
	"Kore": {unicode.Hangul},
}

// fitsScript reports whether the letters of text fit the script of to. It judges only when
// text has at least minLetters letters and the script of to is known. Latin targets need
// mostly Latin letters; other targets need at least a tenth of their own, which leaves room
// for names and technical terms in Latin letters. When a language is written in more than
// one script (Serbian, Uzbek, Azerbaijani...), Latin and Cyrillic letters fit too.
func fitsScript(text string, to model.Language) bool {
	if to.IsAuto() {
		return true
	}
	script, conf := to.Tag().Script()
	code := script.String()
	tables, ok := scriptTables[code]
	if !ok || conf == language.No {
		return true
	}
	if conf < language.High && code != "Hans" && code != "Hant" && code != "Jpan" && code != "Kore" {
		tables = append([]*unicode.RangeTable{unicode.Latin, unicode.Cyrillic}, tables...)
	}
	letters, fit := 0, 0
	for _, r := range text {
		if !unicode.IsLetter(r) {
			continue
		}
		letters++
		if unicode.In(r, tables...) {
			fit++
		}
	}
	if letters < minLetters {
		return true
	}
	if code == "Latn" {
		return fit*2 >= letters
	}
	return fit*10 >= letters
}
