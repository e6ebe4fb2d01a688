package follow

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestCancelClosesAndLeaksNothing(t *testing.T) {
	tests := []struct {
		name string
		// start begins following and may write input; it returns the channels.
		start func(t *testing.T, ctx context.Context) (<-chan Line, <-chan error)
	}{
		{"file, idle", func(t *testing.T, ctx context.Context) (<-chan Line, <-chan error) {
			path := filepath.Join(t.TempDir(), "talk.txt")
			writeFile(t, path, "")
			return mustLines(t, ctx, path, testOpts())
		}},
		{"file, sender blocked", func(t *testing.T, ctx context.Context) (<-chan Line, <-chan error) {
			path := filepath.Join(t.TempDir(), "talk.txt")
			writeFile(t, path, strings.Repeat("unread\n", 1000))
			opts := testOpts()
			opts.FromStart = true
			lines, errs := mustLines(t, ctx, path, opts)
			receive(t, lines, 1) // the follower is now reading; nobody takes the rest
			return lines, errs
		}},
		{"file missing", func(t *testing.T, ctx context.Context) (<-chan Line, <-chan error) {
			return mustLines(t, ctx, filepath.Join(t.TempDir(), "later.txt"), testOpts())
		}},
		{"pipe, read blocked", func(t *testing.T, ctx context.Context) (<-chan Line, <-chan error) {
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { r.Close(); w.Close() })
			if _, err := w.WriteString("a\n"); err != nil {
				t.Fatal(err)
			}
			lines, errs := LinesFrom(ctx, r, testOpts())
			receive(t, lines, 1)
			time.Sleep(20 * time.Millisecond) // let the reader block in its next read
			return lines, errs
		}},
		{"pipe, sender blocked", func(t *testing.T, ctx context.Context) (<-chan Line, <-chan error) {
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { r.Close(); w.Close() })
			if _, err := w.WriteString("a\nb\nc\n"); err != nil {
				t.Fatal(err)
			}
			lines, errs := LinesFrom(ctx, r, testOpts())
			receive(t, lines, 1)
			return lines, errs
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := runtime.NumGoroutine()
			ctx, cancel := context.WithCancel(context.Background())
			lines, errs := tt.start(t, ctx)
			cancel()
			if err := expectClosed(t, lines, errs); err != nil {
				t.Fatalf("errs = %v, want nil after cancel", err)
			}
			settleGoroutines(t, base)
		})
	}
}

func mustLines(t *testing.T, ctx context.Context, path string, opts Options) (<-chan Line, <-chan error) {
	t.Helper()
	lines, errs, err := Lines(ctx, path, opts)
	if err != nil {
		t.Fatal(err)
	}
	return lines, errs
}
