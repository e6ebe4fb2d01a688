package model

import (
	"errors"
	"strings"
	"testing"
)

func TestParseTargets(t *testing.T) {
	tests := []struct {
		in      []string
		want    string
		wantErr string
	}{
		{in: []string{"ko-KR"}, want: "ko-KR"},
		{in: []string{"ko-KR,ja-JP,zh-Hant"}, want: "ko-KR,ja-JP,zh-Hant"},
		{in: []string{"ko-KR", "ja-JP"}, want: "ko-KR,ja-JP"},
		{in: []string{"ko-KR, ja-JP", "ko-KR"}, want: "ko-KR,ja-JP"},
		{in: []string{"korean,Japanese"}, want: "ko,ja"},
		{in: []string{"ko,xx-nope"}, wantErr: "xx-nope"},
		{in: []string{"auto"}, wantErr: "cannot be a target"},
		{in: []string{""}, wantErr: "no target"},
		{in: []string{"ko,ja,zh,fr,de,es,it,pt,nl"}, wantErr: "too many target languages: 9 given, at most 8"},
	}
	for _, tt := range tests {
		got, err := ParseTargets(tt.in, 0)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseTargets(%q) error %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || JoinTargets(got) != tt.want {
			t.Errorf("ParseTargets(%q) = %v, %v; want %s", tt.in, got, err, tt.want)
		}
	}
	if _, err := ParseTargets([]string{"ko,ja,fr"}, 2); !errors.Is(err, ErrTooManyTargets) {
		t.Errorf("a limit of 2: %v", err)
	}
}

func TestNewGroup(t *testing.T) {
	seen := map[uint64]bool{}
	for range 1000 {
		g := NewGroup()
		if g == 0 || g >= 1<<53 || seen[g] {
			t.Fatalf("group %d", g)
		}
		seen[g] = true
	}
}
