// Package sanitizetest holds samples of the text model.Sanitize drops, for tests of code
// that must see through it, such as redacting a secret that a hostile server splits.
package sanitizetest

import (
	"maps"
	"slices"
	"strings"
)

// Separators are samples of every kind of text Sanitize drops, by name: escape sequences in
// their 7-bit and 8-bit forms, C0 and C1 controls, bidi controls, zero-width and other
// invisible characters, and invalid UTF-8. The last few are whitespace, which SanitizeLine
// folds into one space. Each sample is complete: it does not swallow what follows it.
var Separators = map[string]string{
	"csi":                "\x1b[0m",
	"csi 8-bit":          "\u009b0m",
	"osc bel":            "\x1b]0;title\x07",
	"osc st":             "\x1b]8;;http://x\x1b\\",
	"osc 8-bit":          "\u009d0;title\u009c",
	"dcs":                "\x1bPq#0\x1b\\",
	"dcs 8-bit":          "\u0090q#0\u009c",
	"sos":                "\x1bXx\x1b\\",
	"sos 8-bit":          "\u0098x\u009c",
	"pm":                 "\x1b^x\x1b\\",
	"pm 8-bit":           "\u009ex\u009c",
	"apc":                "\x1b_Gf=1\x1b\\",
	"apc 8-bit":          "\u009fGf=1\u009c",
	"esc two-char":       "\x1b7",
	"esc nF":             "\x1b(B",
	"nul":                "\x00",
	"bell":               "\x07",
	"backspace":          "\x08",
	"del":                "\x7f",
	"c1 control":         "\u0084",
	"next line":          "\u0085",
	"cr":                 "\r",
	"bidi override":      "\u202e",
	"bidi isolate":       "\u2066",
	"bidi mark":          "\u200f",
	"arabic letter mark": "\u061c",
	"zero-width space":   "\u200b",
	"zero-width joiner":  "\u200d",
	"word joiner":        "\u2060",
	"byte order mark":    "\ufeff",
	"soft hyphen":        "\u00ad",
	"mongolian vowel":    "\u180e",
	"tag character":      "\U000e0041",
	"line separator":     "\u2028",
	"private use":        "\ue000",
	"unassigned":         "\u0378",
	"invalid utf-8":      "\xff",
	"truncated utf-8":    "\xe2\x80",
	"encoded surrogate":  "\xed\xa0\x80",
	"newline":            "\n",
	"tab":                "\t",
	"no-break space":     "\u00a0",
}

// Names returns the names of Separators, sorted, for stable test order.
func Names() []string {
	return slices.Sorted(maps.Keys(Separators))
}

// Split returns secret with sep put after its first byte, in its middle and before its last
// byte, so that no piece of it longer than half is left whole.
func Split(secret, sep string) string {
	if len(secret) < 4 {
		return secret[:1] + sep + secret[1:]
	}
	a, b, c := 1, len(secret)/2, len(secret)-1
	return secret[:a] + sep + secret[a:b] + sep + secret[b:c] + sep + secret[c:]
}

// Leak returns the first piece of secret at least minLen bytes long that text contains, or
// "" when there is none. A secret shorter than minLen leaks only whole.
func Leak(text, secret string, minLen int) string {
	if len(secret) < minLen {
		if strings.Contains(text, secret) {
			return secret
		}
		return ""
	}
	for i := 0; i+minLen <= len(secret); i++ {
		if piece := secret[i : i+minLen]; strings.Contains(text, piece) {
			return piece
		}
	}
	return ""
}
