package model

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxIdentifierLen is the longest identifier, in characters (runes): a script id given to
// the CLI or the API, a glossary term. 128 keeps one in a terminal line next to its labels
// and is what the API always allowed for ASCII ids.
const MaxIdentifierLen = 128

// CheckIdentifier is the one rule for names a person types and later reads back: script ids
// in the CLI (--script) and the API (x-script-id), and glossary terms. An identifier is 1 to
// MaxIdentifierLen characters of valid UTF-8 with no leading, trailing or doubled spaces and
// nothing that shows as nothing: no control, format or other Default_Ignorable_Code_Point
// character, variation selector, Hangul filler, braille blank, object replacement character,
// space other than U+0020, private-use or unassigned code point. So two ids that look the
// same are the same, and an accepted one is unchanged by SanitizeLine.
//
// what names the identifier in the error, which is one line naming the character at fault:
// "x-script-id contains a control, invisible or non-printing character (U+3164)".
func CheckIdentifier(what, s string) error {
	switch n := utf8.RuneCountInString(s); {
	case s == "":
		return fmt.Errorf("%s is empty", what)
	case !utf8.ValidString(s):
		return fmt.Errorf("%s is not valid UTF-8", what)
	case n > MaxIdentifierLen:
		return fmt.Errorf("%s is %d characters, over the limit of %d", what, n, MaxIdentifierLen)
	}
	for _, r := range s {
		if hiddenRune(r) {
			return fmt.Errorf("%s contains a control, invisible or non-printing character (%U)", what, r)
		}
	}
	if s[0] == ' ' || s[len(s)-1] == ' ' || strings.Contains(s, "  ") {
		return fmt.Errorf("%s has leading, trailing or doubled spaces", what)
	}
	return nil
}

// hiddenRune reports a rune an identifier may not hold. unicode.IsPrint keeps letters, marks,
// numbers, punctuation, symbols and the ASCII space, which leaves out controls, format
// characters (Cf), other spaces, private use and unassigned code points. What it lets
// through that shows as nothing or as a blank is refused by name: the rest of
// Default_Ignorable_Code_Point (Other_Default_Ignorable_Code_Point, which holds U+034F, the
// Hangul fillers U+115F, U+1160, U+3164 and U+FFA0, and U+17B4/U+17B5), variation selectors
// (U+180B-U+180F, U+FE00-U+FE0F, U+E0100-U+E01EF), the braille blank U+2800 and the object
// replacement character U+FFFC. Default_Ignorable_Code_Point is Other_DI, Cf and
// Variation_Selector less a few exceptions, so all of it is refused.
func hiddenRune(r rune) bool {
	return !unicode.IsPrint(r) ||
		unicode.In(r, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector) ||
		r == '\u2800' || r == '\ufffc'
}

// CheckGlossaryTerm checks one glossary entry: the term is an identifier (CheckIdentifier);
// the translation is one line of printable text.
func CheckGlossaryTerm(t GlossaryTerm) error {
	if err := CheckIdentifier("glossary term", t.Term); err != nil {
		return err
	}
	if t.Translation == "" {
		return fmt.Errorf("the translation of glossary term %q is empty", t.Term)
	}
	if SanitizeLine(t.Translation) != t.Translation {
		return fmt.Errorf("the translation of glossary term %q is not one line of printable text", t.Term)
	}
	return nil
}
