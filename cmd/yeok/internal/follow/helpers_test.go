package follow

import (
	"context"
	"os"
	"runtime"
	"slices"
	"testing"
	"time"
)

// patience bounds every wait in these tests: generous, so a slow machine never fails them.
const patience = 5 * time.Second

// quiet is how long a test watches for a line that must not arrive. A line arriving later
// would go unnoticed, but nothing here fails because the machine was slow.
const quiet = 60 * time.Millisecond

// testOpts polls fast so tests run quickly.
func testOpts() Options { return Options{Poll: 5 * time.Millisecond} }

// follow starts following path and cancels it when the test ends.
func follow(t *testing.T, path string, opts Options) (<-chan Line, <-chan error, context.CancelFunc) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	lines, errs, err := Lines(ctx, path, opts)
	if err != nil {
		t.Fatalf("Lines(%s): %v", path, err)
	}
	return lines, errs, cancel
}

// receive takes n lines from lines, failing the test if they do not come in time or the
// channel closes first.
func receive(t *testing.T, lines <-chan Line, n int) []Line {
	t.Helper()
	got := make([]Line, 0, n)
	deadline := time.After(patience)
	for len(got) < n {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("lines closed after %d of %d lines: %q", len(got), n, texts(got))
			}
			got = append(got, l)
		case <-deadline:
			t.Fatalf("got %d of %d lines in %v: %q", len(got), n, patience, texts(got))
		}
	}
	return got
}

// receiveTexts takes len(want) lines and checks their texts and numbers, which continue
// from first.
func receiveTexts(t *testing.T, lines <-chan Line, first int, want ...string) {
	t.Helper()
	got := receive(t, lines, len(want))
	if !slices.Equal(texts(got), want) {
		t.Fatalf("texts:\n got %q\nwant %q", texts(got), want)
	}
	for i, l := range got {
		if l.Number != first+i || l.Truncated {
			t.Fatalf("line %d = %+v, want number %d, not truncated", i, l, first+i)
		}
	}
}

// expectNothing fails if a line arrives within quiet.
func expectNothing(t *testing.T, lines <-chan Line) {
	t.Helper()
	select {
	case l, ok := <-lines:
		if ok {
			t.Fatalf("unexpected line %+v", l)
		}
		t.Fatal("lines closed unexpectedly")
	case <-time.After(quiet):
	}
}

// expectClosed drains lines until it closes, failing if that takes longer than patience,
// and returns the error from errs.
func expectClosed(t *testing.T, lines <-chan Line, errs <-chan error) error {
	t.Helper()
	deadline := time.After(patience)
	for {
		select {
		case _, ok := <-lines:
			if !ok {
				select {
				case err := <-errs:
					return err
				case <-deadline:
					t.Fatal("errs not closed after lines closed")
				}
			}
		case <-deadline:
			t.Fatalf("lines not closed within %v", patience)
		}
	}
}

// settleGoroutines fails unless the goroutine count falls back to base in time.
func settleGoroutines(t *testing.T, base int) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines, want %d:\n%s", runtime.NumGoroutine(), base, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// appendFile appends s to path, creating it.
func appendFile(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// writeFile creates or replaces path with s.
func writeFile(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func texts(lines []Line) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l.Text
	}
	return out
}
