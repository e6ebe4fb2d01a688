package llm

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/width"

	"github.com/yeok/yeok/model"
)

// minLetters is how many letters an answer needs before its script is judged.
const minLetters = 4

// Check is what output hygiene found in an answer.
type Check struct {
	// Clean is the answer without the preface or wrapping quotes the model added; "" when
	// nothing was removed.
	Clean string
	// Flags are warnings for a person: echo, wrong script, glossary misses.
	Flags []model.Flag
}

// Tidy cleans a finished answer and flags what looks wrong with it. It removes, cautiously:
// a first line that is a known preface ending in a colon ("Here is the translation:",
// "번역:", "翻訳:") when more text follows and the source did not itself start with such a
// line, or such a preface at the very start of the first line with the translation after
// it ("Here is the translation: …", "Sure! Translation: …") when the source does not start
// with one; then quotes wrapping the whole answer when the source was not wrapped in quotes.
// Tags the source was sent between (<source>, </source>, <source-2>...) that the answer
// repeats at its start or end are removed and flagged delimiter-echo. It flags an answer
// that repeats the source (when the source's script does not fit the target, or it is a
// sentence rather than a name), an answer whose letters do not fit the target's script, a
// Chinese answer in the other variant (Simplified for a Traditional target or the reverse,
// see wrongVariant), and every glossary term of the source whose translation the answer
// lacks.
// A reasoning block the answer starts with (<think>…</think>) is removed first; an answer
// that is only reasoning has no clean text and is flagged reasoning-only. A blank answer
// gives an empty Check.
func Tidy(source, answer string, to model.Language, glossary []model.GlossaryTerm) Check {
	if strings.TrimSpace(answer) == "" {
		return Check{}
	}
	text, c, ok := unthink(answer)
	if !ok {
		return c
	}
	if inner, ok := stripDelimiters(source, text); ok {
		text = inner
		c.Flags = append(c.Flags, model.FlagDelimiterEcho)
	}
	if rest, ok := stripPreface(source, text); ok {
		text = rest
	} else if rest, ok := stripInlinePreface(source, text); ok {
		text = rest
	}
	if inner, ok := stripQuotes(source, text); ok {
		text = inner
	}
	if text != answer {
		c.Clean = text
	}
	if isEcho(source, text, to) {
		c.Flags = append(c.Flags, model.FlagEcho)
	}
	if !fitsScript(text, to) {
		c.Flags = append(c.Flags, model.FlagScriptMismatch)
	} else if wrongVariant(text, to) {
		c.Flags = append(c.Flags, model.FlagVariantMismatch)
	}
	for _, t := range GlossaryMisses(text, TermsIn(source, glossary)) {
		c.Flags = append(c.Flags, model.GlossaryMiss(t.Term))
	}
	return c
}

// TidyPartial cleans an answer that did not finish (cancelled, interrupted, failed): only a
// reasoning block it starts with is removed, so that its partial text never shows the
// reasoning. An answer without one gives an empty Check.
func TidyPartial(answer string) Check {
	text, c, ok := unthink(answer)
	if ok && text != answer {
		c.Clean = text
	}
	return c
}

// unthink removes the reasoning block answer starts with. When nothing but reasoning is
// left, ok is false and c is the Check of such an answer.
func unthink(answer string) (text string, c Check, ok bool) {
	text, r := model.SplitReasoning(answer)
	switch r {
	case model.NoReasoning, model.MaybeReasoning:
		return answer, Check{}, true
	}
	if strings.TrimSpace(text) == "" {
		return "", Check{Flags: []model.Flag{model.FlagReasoningOnly}}, false
	}
	return text, Check{}, true
}

// GlossaryMisses returns the terms whose translation does not occur in answer. Matching
// ignores case and full/half width, and a term only matches where a word starts.
func GlossaryMisses(answer string, glossary []model.GlossaryTerm) []model.GlossaryTerm {
	if len(glossary) == 0 {
		return nil
	}
	f := newFolder()
	text := f.fold(answer)
	var out []model.GlossaryTerm
	for _, t := range glossary {
		if tr := f.fold(t.Translation); tr != "" && !containsWord(text, tr) {
			out = append(out, t)
		}
	}
	return out
}

// TermsIn returns the glossary terms that occur in source, matched as GlossaryMisses does.
func TermsIn(source string, glossary []model.GlossaryTerm) []model.GlossaryTerm {
	f := newFolder()
	text := f.fold(source)
	var out []model.GlossaryTerm
	for _, t := range glossary {
		if term := f.fold(t.Term); term != "" && containsWord(text, term) {
			out = append(out, t)
		}
	}
	return out
}

// folder folds text for matching: full-width forms to their usual width (half-width kana
// to full width, voiced marks composed), case folded, runs of white space made one space.
type folder struct{ caser cases.Caser }

func newFolder() folder { return folder{caser: cases.Fold()} }

func (f folder) fold(s string) string {
	return strings.Join(strings.Fields(f.caser.String(norm.NFC.String(width.Fold.String(s)))), " ")
}

// containsWord reports whether sub occurs in s where a word starts: after a non-letter, or
// anywhere when sub starts with a letter of a script written without spaces (Han, kana,
// Thai...) or Hangul, whose words take particles.
func containsWord(s, sub string) bool {
	first, _ := utf8.DecodeRuneInString(sub)
	for i := 0; i <= len(s)-len(sub); {
		j := strings.Index(s[i:], sub)
		if j < 0 {
			return false
		}
		at := i + j
		prev, _ := utf8.DecodeLastRuneInString(s[:at])
		if at == 0 || !isWordRune(prev) || !spacedScript(first) {
			return true
		}
		_, size := utf8.DecodeRuneInString(s[at:])
		i = at + size
	}
	return false
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// spacedScript reports whether r belongs to a script that separates words with spaces.
func spacedScript(r rune) bool {
	return !unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul,
		unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar)
}

// isEcho reports an answer that only repeats the source. Since the source language may be
// unknown, a repeat counts when the source's script does not fit the target (it cannot be
// in the target language already) or when it has at least three words, which a name or a
// product rarely has.
func isEcho(source, answer string, to model.Language) bool {
	// Folding can shrink text to a third (full-width letters are three bytes, their usual
	// forms one); an answer longer than that cannot fold to the source, and a long answer
	// is not folded for nothing.
	if len(answer) > 3*len(source)+16 || len(source) > 3*len(answer)+16 {
		return false
	}
	f := newFolder()
	s := f.fold(source)
	if s != f.fold(answer) || countLetters(s) < minLetters {
		return false
	}
	return !fitsScript(source, to) || len(strings.Fields(s)) >= 3
}

func countLetters(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			n++
		}
	}
	return n
}

// stripPreface removes a first line that only announces the translation.
func stripPreface(source, answer string) (string, bool) {
	text := strings.TrimLeft(answer, " \t\r\n")
	nl := strings.IndexByte(text, '\n')
	if nl < 0 {
		return "", false
	}
	rest := strings.TrimLeft(text[nl+1:], " \t\r\n")
	if rest == "" || !isPreface(text[:nl]) || headerLine(source) {
		return "", false
	}
	return rest, true
}

// The tags the prompt puts around the source (see tagFor), as the answer may repeat them at
// its start and its end.
var (
	openDelimiter  = regexp.MustCompile(`(?i)^\s*<source(?:-\d+)?>[ \t]*(?:\r?\n)?`)
	closeDelimiter = regexp.MustCompile(`(?i)(?:\r?\n)?[ \t]*</source(?:-\d+)?>\s*$`)
)

// stripDelimiters removes the source tags the answer repeats at its start or end, unless the
// source has such a tag itself (the answer's may be its translation) or nothing else is left.
func stripDelimiters(source, answer string) (string, bool) {
	if hasDelimiter(source) {
		return "", false
	}
	text := openDelimiter.ReplaceAllString(answer, "")
	text = closeDelimiter.ReplaceAllString(text, "")
	if text == answer || strings.TrimSpace(text) == "" {
		return "", false
	}
	return text, true
}

// hasDelimiter reports whether text has a source tag of its own.
func hasDelimiter(text string) bool {
	l := strings.ToLower(text)
	return strings.Contains(l, "<source") || strings.Contains(l, "</source")
}

// stripInlinePreface removes a known preface and its colon at the very start of the answer
// when the translation follows on the same line ("Here is the translation: …", "번역: …",
// "翻訳：…"), unless the source starts with such a label too, as "Translation: …" would.
// Only a known phrase counts: "Note: the meeting is at 3" keeps its label.
func stripInlinePreface(source, answer string) (string, bool) {
	text := strings.TrimLeft(answer, " \t\r\n")
	label, rest, ok := cutLabel(text)
	if !ok || !isPreface(label) {
		return "", false
	}
	if l, _, ok := cutLabel(strings.TrimLeft(source, " \t\r\n")); ok && isPreface(l) {
		return "", false
	}
	// Markdown emphasis around the preface ("**Translation:** …") goes with it.
	if mark := strings.TrimRight(label[:len(label)-len(strings.TrimLeft(label, "*_"))], " "); mark != "" {
		rest = strings.TrimPrefix(rest, mark)
	}
	return strings.TrimLeft(rest, " \t"), true
}

// cutLabel splits the first line of text at its first colon (or full-width colon) into the
// label up to and including the colon and the rest of the text, when text goes on after it
// on the same line.
func cutLabel(text string) (label, rest string, ok bool) {
	line, _, _ := strings.Cut(text, "\n")
	i := strings.IndexAny(line, ":：")
	if i < 0 {
		return "", "", false
	}
	_, size := utf8.DecodeRuneInString(line[i:])
	if strings.Trim(line[i+size:], " \t\r*_") == "" {
		return "", "", false
	}
	return text[:i+size], text[i+size:], true
}

// headerLine reports whether the source starts with a line ending in a colon, in which case
// a first line ending in a colon may well be its translation.
func headerLine(source string) bool {
	line, _, _ := strings.Cut(strings.TrimLeft(source, " \t\r\n"), "\n")
	line = strings.TrimRight(line, " \t\r*_")
	return strings.HasSuffix(line, ":") || strings.HasSuffix(line, "：")
}

// parenthesised matches "(ko-KR)" and such inside a preface.
var parenthesised = regexp.MustCompile(`\s*[(（][^)）]*[)）]`)

// prefacePatterns match a normalised preface line: folded, without its colon, markdown or
// parenthesised parts.
var prefacePatterns = []*regexp.Regexp{
	regexp.MustCompile(`^(?:(?:sure|okay|ok|certainly|of course|alright)[,!.]?\s+)?(?:here(?:'s|’s| is| are)\s+)?` +
		`(?:the\s+|your\s+|my\s+|a\s+)?(?:[\p{L}-]+\s+)?(?:translation|translated text|translated version)` +
		`(?:\s+(?:of|for)\s+(?:the|your|this)\s+(?:text|sentence|line|passage))?` +
		`(?:\s+(?:in|into|to)\s+[\p{L}-]+)?(?:\s+result)?(?:\s+(?:is|would be))?$`),
	regexp.MustCompile(`^(?:다음은\s*)?(?:\p{Hangul}+\s+)?번역(?:문|본|된 문장|된 텍스트|\s*결과)?(?:입니다|은|는|하면)?$`),
	regexp.MustCompile(`^(?:以下(?:は|が)\s*)?(?:[\p{Han}\p{Katakana}ー]{1,6}語)?(?:翻訳|訳文|翻訳文|翻訳結果|訳)(?:です|になります)?$`),
	regexp.MustCompile(`^(?:以下是\s*)?(?:\p{Han}{1,4}[文语語]\s*)?(?:翻译|译文|翻譯|譯文)(?:结果|結果)?(?:如下)?$`),
	regexp.MustCompile(`^(?:voici\s+)?(?:la\s+|une\s+)?traduction(?:\s+(?:en|vers l['’])\s*\p{L}+)?$`),
	regexp.MustCompile(`^(?:hier ist\s+)?(?:die\s+)?(?:\p{L}+\s+)?übersetzung(?:\s+(?:auf|ins|in)\s+\p{L}+)?$`),
	regexp.MustCompile(`^(?:aquí (?:está|tienes)\s+)?(?:la\s+)?traducción(?:\s+(?:al|en)\s+\p{L}+)?$`),
	regexp.MustCompile(`^(?:aqui está\s+)?(?:a\s+)?tradução(?:\s+(?:para|em)\s+(?:o\s+)?\p{L}+)?$`),
	regexp.MustCompile(`^(?:ecco\s+)?(?:la\s+)?traduzione(?:\s+in\s+\p{L}+)?$`),
	regexp.MustCompile(`^(?:вот\s+)?перевод(?:\s+на\s+\p{L}+(?:\s+язык)?)?$`),
	// The word for "translation" alone, in the other languages yeok lists.
	regexp.MustCompile(`^(?:переклад|превод|prevod|prijevod|tłumaczenie|překlad|preklad|vertaling|översättning|` +
		`oversættelse|oversettelse|käännös|fordítás|traducere|μετάφραση|çeviri|תרגום|الترجمة|ترجمة|ترجمه|ترجمہ|` +
		`अनुवाद|भाषांतर|অনুবাদ|மொழிபெயர்ப்பு|అనువాదం|คำแปล|bản dịch|terjemahan|salin|pagsasalin|tafsiri|ትርጉም|` +
		`თარგმანი|թարգմանություն|аударма|tarjima|орчуулга|ការបកប្រែ|ການແປ|ဘာသာပြန်|පරිවර්තනය|vertimas|tulkojums|` +
		`tõlge|þýðing|aistriúchán|cyfieithiad|traducció|itzulpena|tradución|ukuhumusha|translatio|traduko)$`),
}

// isPreface reports whether line is a known preface ending in a colon.
func isPreface(line string) bool {
	line = strings.Trim(strings.TrimSpace(line), "*_#> `")
	if !strings.HasSuffix(line, ":") && !strings.HasSuffix(line, "：") {
		return false
	}
	line = strings.TrimSuffix(strings.TrimSuffix(line, ":"), "：")
	line = parenthesised.ReplaceAllString(line, "")
	line = newFolder().fold(strings.Trim(line, "*_ "))
	for _, p := range prefacePatterns {
		if p.MatchString(line) {
			return true
		}
	}
	return false
}

// quotePairs maps opening quotes to their closing ones.
var quotePairs = map[rune]rune{
	'"': '"', '“': '”', '„': '“', '«': '»', '「': '」', '『': '』', '\'': '\'', '‘': '’', '＂': '＂',
}

// stripQuotes removes quotes that wrap the whole answer when the source was not wrapped in
// any, and when they are not quoting only its start and end ("a" and "b").
func stripQuotes(source, answer string) (string, bool) {
	src := strings.TrimSpace(source)
	if r, _ := utf8.DecodeRuneInString(src); quotePairs[r] != 0 {
		return "", false
	}
	text := strings.TrimSpace(answer)
	open, n := utf8.DecodeRuneInString(text)
	closing, ok := quotePairs[open]
	if !ok {
		return "", false
	}
	last, m := utf8.DecodeLastRuneInString(text)
	if last != closing || len(text) <= n+m {
		return "", false
	}
	inner := text[n : len(text)-m]
	if strings.ContainsRune(inner, open) || strings.ContainsRune(inner, closing) || strings.TrimSpace(inner) == "" {
		return "", false
	}
	return strings.TrimSpace(inner), true
}

// missedNotes tells the model, for a retry, which terms the last answer missed and how the
// glossary translates them. A term the glossary no longer has is left out: the notes are a
// hint, not a reason to fail the retry.
func missedNotes(missed []string, glossary []model.GlossaryTerm) []string {
	var notes []string
	for _, term := range missed {
		for _, t := range glossary {
			if strings.EqualFold(t.Term, term) {
				notes = append(notes, fmt.Sprintf("The glossary requires %q to be translated as %q; the last answer did not use it.", term, t.Translation))
				break
			}
		}
	}
	return notes
}
