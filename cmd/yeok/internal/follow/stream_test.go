package follow

import (
	"context"
	"errors"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

func TestLinesFromPipe(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	lines, errs := LinesFrom(ctx, r, testOpts())
	write := func(s string) {
		t.Helper()
		if _, err := w.WriteString(s); err != nil {
			t.Fatal(err)
		}
	}
	write("first\n")
	receiveTexts(t, lines, 1, "first")
	write("par")
	expectNothing(t, lines) // an unfinished line waits for its newline
	write("tial\r\n\n")
	receiveTexts(t, lines, 2, "partial", "")
	write("last, unfinished")
	expectNothing(t, lines)
	w.Close() // the pipe ends: its last line is delivered and the channel closes
	receiveTexts(t, lines, 4, "last, unfinished")
	if err := expectClosed(t, lines, errs); err != nil {
		t.Fatalf("errs = %v, want nil when the pipe ends", err)
	}
}

func TestLinesFromReader(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  []string
	}{
		{"empty", "", nil},
		{"unfinished last line", "a\nb", []string{"a", "b"}},
		{"empty lines kept", "\n\n", []string{"", ""}},
		{"crlf", "a\r\nb\r\n", []string{"a", "b"}},
		{"invalid utf8 kept", "x\xffy\n\xc3\n", []string{"x\xffy", "\xc3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// One byte per read, so lines come together across reads too.
			lines, errs := LinesFrom(context.Background(), iotest.OneByteReader(strings.NewReader(tt.input)), testOpts())
			var got []string
			for l := range lines {
				if l.Number != len(got)+1 {
					t.Fatalf("line %+v, want number %d", l, len(got)+1)
				}
				got = append(got, l.Text)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
			if err := <-errs; err != nil {
				t.Fatalf("errs = %v", err)
			}
		})
	}
}

func TestLinesFromReadError(t *testing.T) {
	cause := errors.New("device unplugged")
	r := io.MultiReader(strings.NewReader("whole\npart"), iotest.ErrReader(cause))
	lines, errs := LinesFrom(context.Background(), r, testOpts())
	receiveTexts(t, lines, 1, "whole", "part")
	if err := expectClosed(t, lines, errs); !errors.Is(err, cause) {
		t.Fatalf("errs = %v, want %v", err, cause)
	}
}
