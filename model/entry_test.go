package model

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckSource(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		limit int
		want  error
	}{
		{"ok", "hello", 0, nil},
		{"empty", "", 0, ErrEmptyInput},
		{"blank", " \n\t ", 0, ErrEmptyInput},
		{"large", strings.Repeat("a", 11), 10, ErrInputTooLarge},
		{"invalid", "a\xffb", 0, ErrInvalidUTF8},
		{"default limit", strings.Repeat("a", DefaultMaxInput+1), 0, ErrInputTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckSource(tt.in, tt.limit)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("CheckSource = %v, want %v", err, tt.want)
			}
		})
	}
	err := CheckSource(strings.Repeat("a", 40000), 0)
	if got := err.Error(); got != "input is 39.1 KiB, over the limit of 32 KiB" {
		t.Fatalf("message = %q", got)
	}
}

func TestStatusForFinish(t *testing.T) {
	tests := []struct {
		reason  string
		refused bool
		want    Status
	}{
		{"stop", false, StatusDone},
		{"length", false, StatusTruncated},
		{"content_filter", false, StatusRefused},
		{"stop", true, StatusRefused},
		{"", false, StatusInterrupted},
	}
	for _, tt := range tests {
		if got := StatusForFinish(tt.reason, tt.refused); got != tt.want {
			t.Errorf("StatusForFinish(%q, %v) = %s, want %s", tt.reason, tt.refused, got, tt.want)
		}
	}
	if StatusPending.Final() || !StatusDone.Final() || StatusDone.Retryable() || !StatusTruncated.Retryable() {
		t.Fatal("status predicates wrong")
	}
}

func TestTitle(t *testing.T) {
	if got := Title("  hello world\nsecond", 8); got != "hello w…" {
		t.Fatalf("Title = %q", got)
	}
}
