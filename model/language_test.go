package model

import (
	"errors"
	"strings"
	"testing"
)

func TestParseLanguage(t *testing.T) {
	tests := []struct {
		in   string
		want Language
	}{
		{"ko-KR", "ko-KR"},
		{"ko_kr", "ko-KR"},
		{"EN-us", "en-US"},
		{"zh-Hant", "zh-Hant"},
		{"pt-BR", "pt-BR"},
		{"auto", Auto},
		{"", Auto},
		{"Korean", "ko"},
		{"kor", "ko"},
		{"한국어", "ko"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseLanguage(tt.in)
			if err != nil {
				t.Fatalf("ParseLanguage(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Fatalf("ParseLanguage(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseLanguageInvalid(t *testing.T) {
	for _, in := range []string{"xx", "kore", "klingonese", "en-", "123", "qqq"} {
		t.Run(in, func(t *testing.T) {
			_, err := ParseLanguage(in)
			if !errors.Is(err, ErrInvalidLanguage) {
				t.Fatalf("ParseLanguage(%q) err = %v, want ErrInvalidLanguage", in, err)
			}
			var le *LanguageError
			if !errors.As(err, &le) || len(le.Nearest) == 0 {
				t.Fatalf("no suggestions in %v", err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error spans lines: %q", err)
			}
		})
	}
	_, err := ParseLanguage("korea")
	if !strings.Contains(err.Error(), "ko") {
		t.Fatalf("suggestions for korea miss ko: %v", err)
	}
}

func TestLanguageLabel(t *testing.T) {
	got := MustLanguage("ko-KR").Label()
	if !strings.HasPrefix(got, "Korean") || !strings.Contains(got, "한국어") || !strings.HasSuffix(got, "(ko-KR)") {
		t.Fatalf("Label = %q", got)
	}
	for _, l := range CommonLanguages {
		if p, err := ParseLanguage(string(l)); err != nil || p != l {
			t.Errorf("common language %q does not round-trip: %q %v", l, p, err)
		}
	}
}

// TestParseLanguageNames holds that every name a picker shows for a language (its English
// name, its self name, "Language (Region)" in English and in the language itself, and the
// whole label) is accepted wherever a language is read.
func TestParseLanguageNames(t *testing.T) {
	tests := []struct {
		in   string
		want Language
	}{
		{"Brazilian Portuguese", "pt-BR"},
		{"brazilian portuguese", "pt-BR"},
		{"Portuguese (Brazil)", "pt-BR"},
		{"português (Brasil)", "pt-BR"},
		{"European Portuguese", "pt-PT"},
		{"American English", "en-US"},
		{"Korean (South Korea)", "ko-KR"},
		{"Simplified Chinese", "zh-Hans"},
		{"Chinese (Taiwan)", "zh-TW"},
		{"Latin American Spanish", "es-419"},
		{"español de España", "es-ES"},
		{"Canadian French", "fr-CA"},
		{"Brazilian Portuguese — português (pt-BR)", "pt-BR"},
		{"日本語", "ja"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseLanguage(tt.in)
			if err != nil || got != tt.want {
				t.Fatalf("ParseLanguage(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
	for _, l := range CommonLanguages {
		for _, name := range l.Names() {
			got, err := ParseLanguage(name)
			if err != nil {
				t.Errorf("%s: the name %q is refused: %v", l, name, err)
				continue
			}
			if got.Base() != l.Base() {
				t.Errorf("%s: the name %q gives %s", l, name, got)
			}
		}
	}
}
