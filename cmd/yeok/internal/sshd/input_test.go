package sshd

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"
	"unicode/utf8"
)

// readAll drains g with reads of size bytes, as Bubble Tea reads with 256.
func readAll(t *testing.T, g *inputGuard, size int) ([]byte, []int) {
	t.Helper()
	var out []byte
	var sizes []int
	buf := make([]byte, size)
	for {
		n, err := g.Read(buf)
		out = append(out, buf[:n]...)
		if n > 0 {
			sizes = append(sizes, n)
		}
		if err == io.EOF {
			return out, sizes
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

func guardOver(in string, budget int64, pasteCap int) *inputGuard {
	g := newInputGuard(iotest.OneByteReader(strings.NewReader(in)), budget, pasteCap, time.Now())
	g.start()
	return g
}

func TestInputGuardPasteCap(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"typing passes", "hello\r", "hello\r"},
		{"small paste passes", "\x1b[200~abc\x1b[201~x", "\x1b[200~abc\x1b[201~x"},
		{"large paste is cut, end kept", "\x1b[200~" + strings.Repeat("a", 20) + "\x1b[201~z",
			"\x1b[200~" + strings.Repeat("a", 8) + "\x1b[201~z"},
		{"escape inside a paste is content", "\x1b[200~ab\x1b[Acdefg\x1b[201~", "\x1b[200~ab\x1b[Acde\x1b[201~"},
		{"unterminated paste holds at most the cap", "\x1b[200~" + strings.Repeat("b", 1000),
			"\x1b[200~" + strings.Repeat("b", 8)},
		{"a second paste counts afresh", "\x1b[200~123456789\x1b[201~\x1b[200~ab\x1b[201~",
			"\x1b[200~12345678\x1b[201~\x1b[200~ab\x1b[201~"},
		{"partial end marker is content", "\x1b[200~a\x1b[20b\x1b[201~", "\x1b[200~a\x1b[20b\x1b[201~"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := readAll(t, guardOver(tt.in, 0, 8), 256)
			if string(got) != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestInputGuardShortReads(t *testing.T) {
	// Runes of 1 to 4 bytes and mouse reports, more than one read's worth.
	in := strings.Repeat("aé€😀\x1b[<64;10;20M", 100)
	g := newInputGuard(strings.NewReader(in), 0, 1<<20, time.Now())
	g.start()
	got, sizes := readAll(t, g, 256)
	if string(got) != in {
		t.Fatal("bytes changed on the way")
	}
	for i, n := range sizes {
		if n >= 256 {
			t.Fatalf("read %d filled the buffer (%d bytes): Bubble Tea would wait for more", i, n)
		}
	}
	// Every read ends on a rune boundary and outside an escape sequence.
	off := 0
	for _, n := range sizes {
		chunk := got[off : off+n]
		off += n
		if !utf8.Valid(chunk) {
			t.Fatalf("a read split a rune: %q", chunk)
		}
		if i := bytes.LastIndexByte(chunk, 0x1b); i >= 0 && !bytes.Contains(chunk[i:], []byte("M")) {
			t.Fatalf("a read split a mouse report: %q", chunk[i:])
		}
	}
}

func TestInputGuardBudget(t *testing.T) {
	overflowed := make(chan struct{})
	g := newInputGuard(strings.NewReader(strings.Repeat("x", 5000)), 1000, 1<<20, time.Now())
	g.onOverflow = func() { close(overflowed) }
	g.start()
	got, _ := readAll(t, g, 256)
	select {
	case <-overflowed:
	case <-time.After(waitLong):
		t.Fatal("overdrawing the budget was not reported")
	}
	if len(got) > 1000 {
		t.Fatalf("%d bytes passed a budget of 1000", len(got))
	}

	b := newTokenBucket(100, 10, time.Unix(0, 0))
	steps := []struct {
		at   int // seconds
		take float64
		ok   bool
	}{{0, 100, true}, {0, 1, false}, {5, 50, true}, {5, 1, false}, {100, 100, true}}
	for _, s := range steps {
		if got := b.take(s.take, time.Unix(int64(s.at), 0)); got != s.ok {
			t.Fatalf("take %v at %ds = %v, want %v", s.take, s.at, got, s.ok)
		}
	}
}

func TestInputGuardCloseEndsReads(t *testing.T) {
	r, w := io.Pipe()
	defer w.Close()
	g := newInputGuard(r, 0, 1<<20, time.Now())
	g.start()
	done := make(chan error, 1)
	go func() {
		_, err := g.Read(make([]byte, 256))
		done <- err
	}()
	g.close()
	select {
	case err := <-done:
		if err != io.EOF {
			t.Fatalf("Read after close: %v, want EOF", err)
		}
	case <-time.After(waitLong):
		t.Fatal("close did not end a blocked Read")
	}
}

func TestQueryTerminalKeepsTyping(t *testing.T) {
	tests := []struct {
		name   string
		client string
		bg     string
		app    string
	}{
		{"colour and attributes", "\x1b]11;rgb:ffff/ffff/ffff\x07\x1b[?62;22c", "rgb:ffff/ffff/ffff", ""},
		{"typed before the reply", "hi\x1b]11;rgb:0000/0000/0000\x1b\\\x1b[?1;2cthere", "rgb:0000/0000/0000", "hithere"},
		{"attributes only", "\x1b[?62c", "", ""},
		{"no reply at all", "abc", "", "abc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, w := io.Pipe()
			g := newInputGuard(r, 0, 1<<20, time.Now())
			g.start()
			go func() {
				_, _ = io.WriteString(w, tt.client)
				time.Sleep(50 * time.Millisecond)
				_ = w.Close()
			}()
			var out bytes.Buffer
			bg, _ := g.queryTerminal(context.Background(), &out, terminalQuery, 500*time.Millisecond)
			if out.String() != terminalQuery {
				t.Fatalf("query written = %q", out.String())
			}
			if bg != tt.bg {
				t.Fatalf("background = %q, want %q", bg, tt.bg)
			}
			got, _ := readAll(t, g, 256)
			if string(got) != tt.app {
				t.Fatalf("the app gets %q, want %q", got, tt.app)
			}
		})
	}
}

func TestDarkColor(t *testing.T) {
	tests := []struct {
		in       string
		dark, ok bool
	}{
		{"rgb:0000/0000/0000", true, true},
		{"rgb:ffff/ffff/ffff", false, true},
		{"rgb:1e/1e/2e", true, true},
		{"rgb:f/f/e", false, true},
		{"rgba:0/0/0/0", false, false},
		{"rgb:zz/00/00", false, false},
		{"rgb:00/00", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			dark, ok := darkColor(tt.in)
			if dark != tt.dark || ok != tt.ok {
				t.Fatalf("darkColor = %v, %v; want %v, %v", dark, ok, tt.dark, tt.ok)
			}
		})
	}
}
