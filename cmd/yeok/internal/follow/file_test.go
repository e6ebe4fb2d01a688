package follow

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// transcript returns n distinct lines, with an empty and a blank one now and then.
func transcript(n int) []string {
	out := make([]string, n)
	for i := range out {
		switch {
		case i%97 == 50:
			out[i] = ""
		case i%89 == 40:
			out[i] = "   "
		default:
			out[i] = fmt.Sprintf("line %03d: 오늘은 %s", i, strings.Repeat("word ", i%13))
		}
	}
	return out
}

func TestFollowAppends(t *testing.T) {
	tests := []struct {
		name  string
		write func(w *os.File, lines []string) error
	}{
		{"one by one", func(w *os.File, lines []string) error {
			for i, l := range lines {
				if _, err := w.WriteString(l + "\n"); err != nil {
					return err
				}
				if i%20 == 0 {
					time.Sleep(time.Millisecond)
				}
			}
			return nil
		}},
		{"bursts", func(w *os.File, lines []string) error {
			for i := 0; i < len(lines); i += 60 {
				burst := strings.Join(lines[i:min(i+60, len(lines))], "\n") + "\n"
				if _, err := w.WriteString(burst); err != nil {
					return err
				}
				time.Sleep(7 * time.Millisecond)
			}
			return nil
		}},
		{"halves with a pause", func(w *os.File, lines []string) error {
			for i, l := range lines {
				text := l + "\r\n"
				if i%25 == 3 {
					half := len(text) / 2
					if _, err := w.WriteString(text[:half]); err != nil {
						return err
					}
					time.Sleep(12 * time.Millisecond) // a few polls see the first half alone
					text = text[half:]
				}
				if _, err := w.WriteString(text); err != nil {
					return err
				}
			}
			return nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "talk.txt")
			writeFile(t, path, "")
			lines, _, _ := follow(t, path, testOpts())
			want := transcript(500)
			w, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			done := make(chan error, 1)
			go func() { done <- tt.write(w, want) }()
			receiveTexts(t, lines, 1, want...)
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			expectNothing(t, lines)
		})
	}
}

func TestFollowStartPosition(t *testing.T) {
	tests := []struct {
		name      string
		existing  string
		fromStart bool
		want      []string
	}{
		{"end skips old lines", "old 1\nold 2\n", false, []string{"ished", "new 1", "new 2"}},
		{"end skips an unfinished old line", "old 1\nunfin", false, []string{"new 1", "new 2"}},
		{"start reads old lines", "old 1\nold 2\n", true, []string{"old 1", "old 2", "ished", "new 1", "new 2"}},
		{"start completes an unfinished line", "old 1\nunfin", true, []string{"old 1", "unfinished", "new 1", "new 2"}},
		{"empty file", "", false, []string{"ished", "new 1", "new 2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "talk.txt")
			writeFile(t, path, tt.existing)
			opts := testOpts()
			opts.FromStart = tt.fromStart
			lines, _, _ := follow(t, path, opts)
			appendFile(t, path, "ished\nnew 1\nnew 2\n")
			receiveTexts(t, lines, 1, tt.want...)
			expectNothing(t, lines)
		})
	}
}

func TestFollowTruncation(t *testing.T) {
	tests := []struct {
		name     string
		tail     string // an unfinished line at the end of the old content
		truncate func(path string) error
	}{
		{"truncate -s 0", "", func(path string) error { return os.Truncate(path, 0) }},
		{"redirect", "", func(path string) error { return os.WriteFile(path, nil, 0o644) }},
		{"unfinished line delivered", "dangling", func(path string) error { return os.Truncate(path, 0) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "talk.txt")
			writeFile(t, path, "")
			lines, _, _ := follow(t, path, testOpts())
			var old []string
			for i := range 10 {
				old = append(old, fmt.Sprintf("an old line that is fairly long, number %02d", i))
			}
			appendFile(t, path, strings.Join(old, "\n")+"\n"+tt.tail)
			receiveTexts(t, lines, 1, old...)
			if err := tt.truncate(path); err != nil {
				t.Fatal(err)
			}
			// Shorter than what was read, so the next poll sees the file shrank.
			appendFile(t, path, "new 1\nnew 2\n")
			next := 11
			if tt.tail != "" {
				receiveTexts(t, lines, next, tt.tail)
				next++
			}
			receiveTexts(t, lines, next, "new 1", "new 2")
			appendFile(t, path, "new 3\nnew 4\n")
			receiveTexts(t, lines, next+2, "new 3", "new 4")
			expectNothing(t, lines)
		})
	}
}

func TestFollowRotation(t *testing.T) {
	numbered := func(from, to int) []string {
		var out []string
		for i := from; i <= to; i++ {
			out = append(out, fmt.Sprintf("line %d", i))
		}
		return out
	}
	block := func(lines []string) string { return strings.Join(lines, "\n") + "\n" }
	tests := []struct {
		name   string
		rotate func(t *testing.T, path string, old *os.File)
		want   []string
	}{
		{"rename, old file written after", func(t *testing.T, path string, old *os.File) {
			if err := os.Rename(path, path+".1"); err != nil {
				t.Fatal(err)
			}
			// The writer still holds the old file: what it writes before the new file
			// exists is read before switching.
			if _, err := old.WriteString(block(numbered(51, 60)) + "unfinished"); err != nil {
				t.Fatal(err)
			}
			writeFile(t, path, block(numbered(61, 100)))
		}, append(append(numbered(1, 60), "unfinished"), numbered(61, 100)...)},
		{"remove and recreate", func(t *testing.T, path string, _ *os.File) {
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
			writeFile(t, path, block(numbered(51, 100)))
		}, numbered(1, 100)},
		{"remove, missing a while, recreate", func(t *testing.T, path string, _ *os.File) {
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
			time.Sleep(50 * time.Millisecond)
			writeFile(t, path, block(numbered(51, 100)))
		}, numbered(1, 100)},
		{"replaced by rename over it", func(t *testing.T, path string, _ *os.File) {
			writeFile(t, path+".tmp", block(numbered(51, 100)))
			if err := os.Rename(path+".tmp", path); err != nil {
				t.Fatal(err)
			}
		}, numbered(1, 100)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "talk.txt")
			writeFile(t, path, "")
			lines, _, _ := follow(t, path, testOpts())
			old, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer old.Close()
			// Written just before rotating: the follower has likely not read them yet.
			if _, err := old.WriteString(block(numbered(1, 50))); err != nil {
				t.Fatal(err)
			}
			tt.rotate(t, path, old)
			receiveTexts(t, lines, 1, tt.want...)
			// The new file is followed from here on.
			appendFile(t, path, "after\n")
			receiveTexts(t, lines, len(tt.want)+1, "after")
			expectNothing(t, lines)
		})
	}
}

func TestFollowRotatesRepeatedly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "talk.txt")
	writeFile(t, path, "")
	lines, _, _ := follow(t, path, testOpts())
	n := 0
	for round := range 5 {
		appendFile(t, path, fmt.Sprintf("round %d a\nround %d b\n", round, round))
		receiveTexts(t, lines, n+1, fmt.Sprintf("round %d a", round), fmt.Sprintf("round %d b", round))
		n += 2
		if err := os.Rename(path, fmt.Sprintf("%s.%d", path, round)); err != nil {
			t.Fatal(err)
		}
	}
	expectNothing(t, lines)
}

func TestFollowMissingAtStart(t *testing.T) {
	for _, fromStart := range []bool{false, true} {
		t.Run(fmt.Sprintf("FromStart=%v", fromStart), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "later.txt")
			opts := testOpts()
			opts.FromStart = fromStart
			lines, _, _ := follow(t, path, opts)
			expectNothing(t, lines)
			// Everything in a file that appears is new, whatever FromStart says.
			writeFile(t, path, "first\nsecond\n")
			receiveTexts(t, lines, 1, "first", "second")
		})
	}
}

func TestFollowStartErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name     string
		path     string
		notExist bool
	}{
		{"directory missing", filepath.Join(dir, "nope", "talk.txt"), true},
		{"path is a directory", dir, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines, errs, err := Lines(context.Background(), tt.path, testOpts())
			if err == nil || lines != nil || errs != nil {
				t.Fatalf("Lines = %v, %v, %v; want only an error", lines, errs, err)
			}
			if !strings.Contains(err.Error(), tt.path) {
				t.Errorf("error %q does not name the path", err)
			}
			if errors.Is(err, fs.ErrNotExist) != tt.notExist {
				t.Errorf("errors.Is(%v, fs.ErrNotExist) != %v", err, tt.notExist)
			}
		})
	}
}

func TestFollowLongLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "talk.txt")
	writeFile(t, path, "")
	opts := testOpts()
	opts.MaxLine = 10
	lines, _, _ := follow(t, path, opts)
	// No newline yet: the cut line still comes, without waiting for it.
	appendFile(t, path, "0123456789ABCDE")
	got := receive(t, lines, 1)[0]
	if want := (Line{Text: "0123456789", Number: 1, Truncated: true}); got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	appendFile(t, path, "FGHIJ\nshort\n")
	receiveTexts(t, lines, 2, "short")
	expectNothing(t, lines)
}
