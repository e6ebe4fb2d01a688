package follow

import (
	"slices"
	"strings"
	"testing"
)

type splitLine struct {
	text      string
	truncated bool
}

func TestSplitter(t *testing.T) {
	tests := []struct {
		name   string
		max    int
		chunks []string
		want   []splitLine // from feeding the chunks
		flush  []splitLine // from flushing after them
	}{
		{name: "plain", max: 10, chunks: []string{"a\nb\n"}, want: []splitLine{{"a", false}, {"b", false}}},
		{name: "crlf stripped", max: 10, chunks: []string{"a\r\nb\r\n"}, want: []splitLine{{"a", false}, {"b", false}}},
		{name: "inner cr kept", max: 10, chunks: []string{"a\rb\n"}, want: []splitLine{{"a\rb", false}}},
		{name: "empty and blank delivered", max: 10, chunks: []string{"\n  \n\t\n"},
			want: []splitLine{{"", false}, {"  ", false}, {"\t", false}}},
		{name: "invalid utf8 kept", max: 10, chunks: []string{"\xff\xfeok\n"}, want: []splitLine{{"\xff\xfeok", false}}},
		{name: "unfinished waits", max: 10, chunks: []string{"a\nb", "c"},
			want: []splitLine{{"a", false}}, flush: []splitLine{{"bc", false}}},
		{name: "unfinished cr dropped on flush", max: 10, chunks: []string{"end\r"}, flush: []splitLine{{"end", false}}},
		{name: "halves joined", max: 10, chunks: []string{"hel", "lo\n"}, want: []splitLine{{"hello", false}}},
		{name: "exactly max", max: 5, chunks: []string{"12345\n"}, want: []splitLine{{"12345", false}}},
		{name: "exactly max crlf", max: 5, chunks: []string{"12345\r\n"}, want: []splitLine{{"12345", false}}},
		{name: "exactly max unfinished", max: 5, chunks: []string{"12345"}, flush: []splitLine{{"12345", false}}},
		{name: "exactly max unfinished cr", max: 5, chunks: []string{"12345\r"}, flush: []splitLine{{"12345", false}}},
		{name: "one over", max: 5, chunks: []string{"123456\n"}, want: []splitLine{{"12345", true}}},
		{name: "long then next", max: 5, chunks: []string{"1234567890abc\nnext\n"},
			want: []splitLine{{"12345", true}, {"next", false}}},
		{name: "long unfinished delivered early", max: 5, chunks: []string{"1234567"}, want: []splitLine{{"12345", true}}},
		{name: "long split over chunks", max: 5, chunks: []string{"12", "3456789\nok\n"},
			want: []splitLine{{"12345", true}, {"ok", false}}},
		{name: "rest of long line skipped across chunks", max: 3, chunks: []string{"abcdef", "ghij", "kl\nmn\n"},
			want: []splitLine{{"abc", true}, {"mn", false}}},
		{name: "cut before split character", max: 4, chunks: []string{"ab한글\n"}, want: []splitLine{{"ab", true}}},
		{name: "cut on character boundary", max: 5, chunks: []string{"ab한글\n"}, want: []splitLine{{"ab한", true}}},
		{name: "invalid bytes cut exactly", max: 3, chunks: []string{"\xff\xff\xff\xff\xff\n"},
			want: []splitLine{{"\xff\xff\xff", true}}},
	}
	for _, tt := range tests {
		for _, mode := range []string{"chunks", "bytewise"} {
			t.Run(tt.name+"/"+mode, func(t *testing.T) {
				chunks := tt.chunks
				if mode == "bytewise" {
					chunks = strings.Split(strings.Join(tt.chunks, ""), "")
				}
				sp := &splitter{max: tt.max}
				var got []splitLine
				emit := func(text []byte, truncated bool) bool {
					got = append(got, splitLine{string(text), truncated})
					return true
				}
				for _, c := range chunks {
					if !sp.feed([]byte(c), emit) {
						t.Fatal("feed stopped")
					}
				}
				if !slices.Equal(got, tt.want) {
					t.Fatalf("fed:\n got %#v\nwant %#v", got, tt.want)
				}
				got = nil
				sp.flush(emit)
				if !slices.Equal(got, tt.flush) {
					t.Fatalf("flushed:\n got %#v\nwant %#v", got, tt.flush)
				}
			})
		}
	}
}

func TestSplitterBoundsUnfinishedLine(t *testing.T) {
	sp := &splitter{max: 100}
	var got []splitLine
	emit := func(text []byte, truncated bool) bool {
		got = append(got, splitLine{string(text), truncated})
		return true
	}
	chunk := []byte(strings.Repeat("x", 1000))
	for range 1000 {
		sp.feed(chunk, emit)
		if len(sp.pending) > sp.max+1 {
			t.Fatalf("pending grew to %d bytes", len(sp.pending))
		}
	}
	sp.feed([]byte("\nnext\n"), emit)
	want := []splitLine{{strings.Repeat("x", 100), true}, {"next", false}}
	if !slices.Equal(got, want) {
		t.Fatalf("got %d lines %#v, want %#v", len(got), got, want)
	}
}

func TestSplitterStopsWhenEmitDoes(t *testing.T) {
	sp := &splitter{max: 10}
	calls := 0
	ok := sp.feed([]byte("a\nb\nc\n"), func([]byte, bool) bool { calls++; return false })
	if ok || calls != 1 {
		t.Fatalf("feed = %v after %d calls, want false after 1", ok, calls)
	}
}
