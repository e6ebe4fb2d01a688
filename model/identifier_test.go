package model

import (
	"fmt"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// invisibleIDRunes are characters that show as nothing or as a blank, so that "a<it>b"
// looks like "ab" or "a b": each must be refused in an identifier.
var invisibleIDRunes = []rune{
	0x034f,                         // combining grapheme joiner
	0x115f, 0x1160, 0x3164, 0xffa0, // Hangul fillers
	0x17b4, 0x17b5, // Khmer inherent vowels
	0x180b, 0x180f, // Mongolian free variation selectors
	0xfe00, 0xfe0f, 0xe0100, 0xe01ef, // variation selectors
	0x2800,                 // braille pattern blank
	0xfffc,                 // object replacement character
	0x200b, 0x200d, 0x2060, // zero-width space, joiner, word joiner
	0x202e, 0x2066, 0x200f, 0x061c, // bidi controls
	0x00ad, 0xfeff, 0x180e, // soft hyphen, BOM, Mongolian vowel separator
	0xe0041, 0xe0001, // tag characters
	0x00a0, 0x2003, 0x3000, 0x202f, // spaces other than U+0020
	0x2028, 0x2029, // line and paragraph separators
	0x0000, 0x0009, 0x000a, 0x000d, 0x001b, 0x007f, 0x0085, 0x009b, // C0 and C1 controls
	0xe000, 0xf0000, // private use
	0x0378, 0xe0fff, // unassigned
}

func TestCheckIdentifierRefusesInvisible(t *testing.T) {
	for _, r := range invisibleIDRunes {
		for _, s := range []string{"a" + string(r) + "b", string(r) + "ab", "ab" + string(r), string(r)} {
			t.Run(fmt.Sprintf("%U in %+q", r, s), func(t *testing.T) {
				err := CheckIdentifier("script id", s)
				if err == nil {
					t.Fatalf("CheckIdentifier(%+q) accepted it", s)
				}
				msg := err.Error()
				if !strings.HasPrefix(msg, "script id ") || !strings.Contains(msg, fmt.Sprintf("%U", r)) ||
					SanitizeLine(msg) != msg {
					t.Fatalf("CheckIdentifier(%+q) = %q: want one line naming %U", s, msg, r)
				}
			})
		}
	}
}

// Every rune of the classes the rule names is refused, not only the samples above.
func TestCheckIdentifierRefusesWholeClasses(t *testing.T) {
	tables := map[string]*unicode.RangeTable{
		"Cc": unicode.Cc, "Cf": unicode.Cf, "Co": unicode.Co, "Zl": unicode.Zl, "Zp": unicode.Zp,
		"Zs": unicode.Zs, "Other_Default_Ignorable_Code_Point": unicode.Other_Default_Ignorable_Code_Point,
		"Variation_Selector": unicode.Variation_Selector,
	}
	for name, table := range tables {
		t.Run(name, func(t *testing.T) {
			n := 0
			eachRune(table, func(r rune) {
				if r == ' ' || !utf8.ValidRune(r) {
					return
				}
				n++
				if s := "a" + string(r) + "b"; CheckIdentifier("id", s) == nil {
					t.Errorf("%U accepted", r)
				}
			})
			if n == 0 {
				t.Fatal("empty table")
			}
		})
	}
}

func eachRune(table *unicode.RangeTable, fn func(rune)) {
	for _, r16 := range table.R16 {
		for r := rune(r16.Lo); r <= rune(r16.Hi); r += rune(r16.Stride) {
			fn(r)
		}
	}
	for _, r32 := range table.R32 {
		for r := rune(r32.Lo); r <= rune(r32.Hi); r += rune(r32.Stride) {
			fn(r)
		}
	}
}

func TestCheckIdentifier(t *testing.T) {
	tests := []struct {
		name, in, err string
	}{
		{"ascii", "lecture-01", ""},
		{"korean", "강의 01", ""},
		{"accents", "café naïve", ""},
		{"combining accent", "cafe\u0301", ""},
		{"cjk", "講義・第一回", ""},
		{"emoji", "🎓 talk", ""},
		{"emoji with variation selector", "❤\ufe0f", "U+FE0F"},
		{"punctuation", "a/b:c#d?e=f", ""},
		{"limit ascii", strings.Repeat("a", MaxIdentifierLen), ""},
		{"limit korean", strings.Repeat("가", MaxIdentifierLen), ""},
		{"over ascii", strings.Repeat("a", MaxIdentifierLen+1), "129 characters, over the limit of 128"},
		{"over korean", strings.Repeat("가", MaxIdentifierLen+1), "129 characters, over the limit of 128"},
		{"empty", "", "is empty"},
		{"space only", " ", "leading, trailing or doubled spaces"},
		{"leading space", " a", "leading, trailing or doubled spaces"},
		{"trailing space", "a ", "leading, trailing or doubled spaces"},
		{"doubled space", "a  b", "leading, trailing or doubled spaces"},
		{"invalid utf-8", "a\xffb", "not valid UTF-8"},
		{"escape", "a\x1b[2Jb", "(U+001B)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckIdentifier("x-script-id", tt.in)
			switch {
			case tt.err == "" && err != nil:
				t.Fatalf("CheckIdentifier(%+q) = %v, want nil", tt.in, err)
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err) || !strings.HasPrefix(err.Error(), "x-script-id ")):
				t.Fatalf("CheckIdentifier(%+q) = %v, want an x-script-id error saying %q", tt.in, err, tt.err)
			}
		})
	}
}

func TestCheckGlossaryTerm(t *testing.T) {
	tests := []struct {
		term GlossaryTerm
		err  string
	}{
		{GlossaryTerm{"GPU", "그래픽 처리 장치"}, ""},
		{GlossaryTerm{"a\u3164b", "x"}, "glossary term contains a control, invisible or non-printing character (U+3164)"},
		{GlossaryTerm{"", "x"}, "glossary term is empty"},
		{GlossaryTerm{"GPU", ""}, "is empty"},
		{GlossaryTerm{"GPU", "a\nb"}, "not one line"},
	}
	for _, tt := range tests {
		err := CheckGlossaryTerm(tt.term)
		if (tt.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("CheckGlossaryTerm(%+q) = %v, want %q", tt.term, err, tt.err)
		}
	}
}

// shownAsNothing reports runes that show as nothing or as a blank other than U+0020, from
// Unicode's own tables rather than the rule under test.
func shownAsNothing(r rune) bool {
	switch r {
	case 0x115f, 0x1160, 0x3164, 0xffa0, 0x2800, 0xfffc:
		return true
	}
	return r != ' ' && (unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co, unicode.Cs, unicode.Z,
		unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector) ||
		!unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S))
}

func FuzzCheckIdentifier(f *testing.F) {
	for _, r := range invisibleIDRunes {
		f.Add("a" + string(r) + "b")
	}
	for _, s := range []string{"lecture-01", "강의 01", "a  b", " a", "", strings.Repeat("가", 129), "❤\ufe0f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := CheckIdentifier("id", s)
		if err != nil {
			if msg := err.Error(); !strings.HasPrefix(msg, "id ") || SanitizeLine(msg) != msg {
				t.Fatalf("CheckIdentifier(%+q) = %q: want one clean line about the id", s, msg)
			}
			return
		}
		if SanitizeLine(s) != s {
			t.Fatalf("accepted %+q, which SanitizeLine changes to %+q", s, SanitizeLine(s))
		}
		if n := utf8.RuneCountInString(s); n == 0 || n > MaxIdentifierLen {
			t.Fatalf("accepted %+q of %d characters", s, n)
		}
		for _, r := range s {
			if shownAsNothing(r) {
				t.Fatalf("accepted %+q holding %U", s, r)
			}
		}
		if strings.HasPrefix(s, " ") || strings.HasSuffix(s, " ") || strings.Contains(s, "  ") {
			t.Fatalf("accepted %+q with stray spaces", s)
		}
	})
}
