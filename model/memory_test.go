package model

import "testing"

func TestNormalizeSource(t *testing.T) {
	tests := []struct{ in, want string }{
		{"  Good   Morning!\n", "good morning!"},
		{"ＡＢＣ　１２３", "abc 123"},
		{"ｶﾀｶﾅ", "カタカナ"},
		{"Hello", "hello"},
	}
	for _, tt := range tests {
		if got := NormalizeSource(tt.in); got != tt.want {
			t.Errorf("NormalizeSource(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSimilarity(t *testing.T) {
	if s := Similarity("please send me the report by friday.", "please send me the reports by friday."); s < NearMatch || s >= 1 {
		t.Errorf("near sentences: %v", s)
	}
	if s := Similarity("the meeting starts at three", "lunch is served in the hall"); s >= NearMatch {
		t.Errorf("different sentences: %v", s)
	}
	if s := Similarity("same", "same"); s != 1 {
		t.Errorf("same text: %v", s)
	}
	if s := Similarity("short", "a much longer sentence than short"); s >= NearMatch {
		t.Errorf("lengths apart: %v", s)
	}
	r := Recollection{Entry: Entry{ID: 3}, Similarity: 0.9}
	if r.Exact() || !r.Near() || (Recollection{}).Near() {
		t.Error("Recollection kinds")
	}
}
