package model

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// Language is a canonical BCP 47 tag such as "ko-KR", "en-US" or "zh-Hant". The zero value
// means "auto": the source language is left to the model to detect. Only ParseLanguage and
// the entries of CommonLanguages produce valid non-zero values.
type Language string

// Auto is the source language the model detects by itself.
const Auto Language = ""

// ErrInvalidLanguage reports a language tag that is not a valid, known BCP 47 tag.
var ErrInvalidLanguage = errors.New("invalid language tag")

// LanguageError is returned by ParseLanguage; it carries the nearest valid tags so that
// the message a person reads can suggest them.
type LanguageError struct {
	Input   string
	Nearest []Language
}

func (e *LanguageError) Error() string {
	msg := fmt.Sprintf("invalid language tag %q", e.Input)
	if len(e.Nearest) > 0 {
		names := make([]string, len(e.Nearest))
		for i, l := range e.Nearest {
			names[i] = string(l)
		}
		msg += " (nearest: " + strings.Join(names, ", ") + ")"
	}
	return msg
}

// Unwrap lets errors.Is match ErrInvalidLanguage.
func (e *LanguageError) Unwrap() error { return ErrInvalidLanguage }

// ParseLanguage validates s as a BCP 47 tag and returns its canonical form. "auto" and the
// empty string give Auto. An English or native language name ("korean", "한국어") is
// accepted when it names exactly one common language.
func ParseLanguage(s string) (Language, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "auto") {
		return Auto, nil
	}
	tag, err := language.Parse(strings.ReplaceAll(s, "_", "-"))
	if err == nil {
		base, conf := tag.Base()
		if conf != language.No && display.English.Languages().Name(base) != "" {
			return Language(tag.String()), nil
		}
	}
	if l, ok := languageByName(s); ok {
		return l, nil
	}
	return Auto, &LanguageError{Input: s, Nearest: SuggestLanguages(s, 3)}
}

// MustLanguage is ParseLanguage for tags known to be valid, such as constants in tests.
func MustLanguage(s string) Language {
	l, err := ParseLanguage(s)
	if err != nil {
		panic(err)
	}
	return l
}

// IsAuto reports whether l is the auto-detected source language.
func (l Language) IsAuto() bool { return l == Auto }

// Tag returns the x/text tag of l; Auto gives language.Und.
func (l Language) Tag() language.Tag {
	if l == Auto {
		return language.Und
	}
	t, err := language.Parse(string(l))
	if err != nil {
		return language.Und
	}
	return t
}

// String returns the tag, or "auto".
func (l Language) String() string {
	if l == Auto {
		return "auto"
	}
	return string(l)
}

// EnglishName names l in English ("Korean (South Korea)"); Auto gives "Auto-detect".
func (l Language) EnglishName() string {
	if l == Auto {
		return "Auto-detect"
	}
	if n := display.English.Tags().Name(l.Tag()); n != "" {
		return n
	}
	return string(l)
}

// SelfName names l in itself ("한국어 (대한민국)"), or "" when x/text has no such name.
func (l Language) SelfName() string {
	if l == Auto {
		return ""
	}
	return display.Self.Name(l.Tag())
}

// Label is the name a picker shows: "Korean — 한국어 (ko-KR)".
func (l Language) Label() string {
	if l == Auto {
		return "Auto-detect (auto)"
	}
	en, self := l.EnglishName(), l.SelfName()
	if self == "" || self == en {
		return fmt.Sprintf("%s (%s)", en, l)
	}
	return fmt.Sprintf("%s — %s (%s)", en, self, l)
}

// Base returns the bare language subtag ("ko" for "ko-KR"), which hygiene checks use.
func (l Language) Base() string {
	if l == Auto {
		return ""
	}
	b, _ := l.Tag().Base()
	return b.String()
}

// CommonLanguages are the targets a picker offers before anything is typed. Any other valid
// tag can still be typed by hand.
var CommonLanguages = []Language{
	"en", "en-US", "en-GB", "ko", "ko-KR", "ja", "ja-JP", "zh-Hans", "zh-Hant", "zh-CN", "zh-TW",
	"es", "es-ES", "es-419", "fr", "fr-FR", "fr-CA", "de", "it", "pt-BR", "pt-PT", "ru", "uk",
	"pl", "nl", "sv", "da", "nb", "fi", "cs", "sk", "hu", "ro", "bg", "el", "tr", "he", "ar",
	"fa", "hi", "bn", "ur", "ta", "te", "mr", "th", "vi", "id", "ms", "fil", "sw", "am", "ka",
	"hy", "kk", "uz", "mn", "km", "lo", "my", "ne", "si", "hr", "sr", "sl", "lt", "lv", "et",
	"is", "ga", "cy", "ca", "eu", "gl", "af", "zu", "la", "eo",
}

// Names are the names a picker shows for l and a person may type back: the English name,
// the self name, "Language (Region)" in English and in the language itself, and the label.
func (l Language) Names() []string {
	if l == Auto {
		return nil
	}
	tag := l.Tag()
	base, _ := tag.Base()
	baseTag := language.Make(base.String())
	names := []string{l.EnglishName(), l.SelfName(), l.Label()}
	add := func(lang, part string) {
		if lang != "" && part != "" {
			names = append(names, lang+" ("+part+")")
		}
	}
	enLang, selfLang := display.English.Languages().Name(base), display.Self.Name(baseTag)
	if r, conf := tag.Region(); conf == language.Exact {
		add(enLang, display.English.Regions().Name(r))
		add(selfLang, display.Regions(baseTag).Name(r))
	}
	if sc, conf := tag.Script(); conf == language.Exact {
		add(enLang, display.English.Scripts().Name(sc))
		add(selfLang, display.Scripts(baseTag).Name(sc))
	}
	return slices.DeleteFunc(names, func(n string) bool { return n == "" })
}

// languageByName finds the common language a name names. A name several of them share
// ("한국어" is the self name of ko and ko-KR) gives the one with the fewest subtags, as long
// as they are one language.
func languageByName(s string) (Language, bool) {
	var found []Language
	for _, l := range CommonLanguages {
		if slices.ContainsFunc(l.Names(), func(n string) bool { return strings.EqualFold(n, s) }) {
			found = append(found, l)
		}
	}
	if len(found) == 0 {
		return Auto, false
	}
	best := found[0]
	for _, l := range found[1:] {
		if l.Base() != best.Base() {
			return Auto, false
		}
		if len(l) < len(best) {
			best = l
		}
	}
	return best, true
}

// SuggestLanguages returns up to n common languages whose tag or names are nearest to s,
// for the "did you mean" part of an error.
func SuggestLanguages(s string, n int) []Language {
	q := strings.ToLower(strings.TrimSpace(s))
	if q == "" || n <= 0 {
		return nil
	}
	type scored struct {
		l Language
		d int
	}
	var all []scored
	for _, l := range CommonLanguages {
		best := -1
		for _, cand := range []string{string(l), l.EnglishName(), l.SelfName()} {
			c := strings.ToLower(cand)
			if c == "" {
				continue
			}
			d := editDistance(q, c)
			if strings.HasPrefix(c, q) || strings.HasPrefix(q, c) {
				d = min(d, 1)
			}
			if best < 0 || d < best {
				best = d
			}
		}
		all = append(all, scored{l, best})
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].d < all[j].d })
	out := make([]Language, 0, n)
	for _, c := range all[:min(n, len(all))] {
		out = append(out, c.l)
	}
	return out
}

// editDistance is the Levenshtein distance over runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
