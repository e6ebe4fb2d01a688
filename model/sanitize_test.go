package model

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/yeok/yeok/model/sanitizetest"
)

// hostile payloads of fault row 16, each with visible text around it.
var hostile = map[string]string{
	"osc52":      "a\x1b]52;c;ZXZpbA==\x07b",
	"osc0":       "a\x1b]0;pwned\x1b\\b",
	"osc8":       "a\x1b]8;;http://x\x1b\\b\x1b]8;;\x1b\\",
	"csi2J":      "a\x1b[2Jb",
	"c1csi":      "a\u009b2Jb",
	"cr":         "a\rb",
	"bidi":       "a\u202eb",
	"zw":         "a\u200bb",
	"dcs":        "a\x1bPq#0;2;0;0;0\x1b\\b",
	"apc":        "a\x1b_Gf=100;AAAA\x1b\\b",
	"c1osc":      "a\u009d0;x\u009cb",
	"bell":       "a\x07b",
	"nul":        "a\x00b",
	"invalid":    "a\xffb",
	"unterm":     "ab\x1b]52;c;",
	"esc-alone":  "ab\x1b",
	"split-rune": "a한\x1b[1mb글",
}

func TestSanitizeHostile(t *testing.T) {
	for name, in := range hostile {
		t.Run(name, func(t *testing.T) {
			got := Sanitize(in)
			if !strings.HasPrefix(got, "a") || !strings.Contains(got, "b") {
				t.Fatalf("visible text lost: %q -> %q", in, got)
			}
			assertSafe(t, in, got)
		})
	}
}

func TestSanitizeKeeps(t *testing.T) {
	tests := map[string]string{
		"plain":   "Hello, world\nline two",
		"korean":  "안녕하세요 세계",
		"accents": "café naïve Ünïcödé",
		"tab":     "a\tb",
		"emoji":   "ok 👍",
	}
	want := map[string]string{"tab": "a    b"}
	for name, in := range tests {
		got := Sanitize(in)
		w, ok := want[name]
		if !ok {
			w = in
		}
		if got != w {
			t.Errorf("%s: Sanitize(%q) = %q, want %q", name, in, got, w)
		}
	}
}

func TestSanitizeSplitAcrossDeltas(t *testing.T) {
	deltas := []string{"Hel", "lo \x1b]5", "2;c;ZXZp", "bA==\x07wor", "ld\x1b[", "2J!"}
	got := Sanitize(strings.Join(deltas, ""))
	if got != "Hello world!" {
		t.Fatalf("got %q", got)
	}
}

func TestSanitizeLine(t *testing.T) {
	if got := SanitizeLine("  a\n\n b\t c \x1b[31m"); got != "a b c" {
		t.Fatalf("got %q", got)
	}
}

func assertSafe(t *testing.T, in, got string) {
	t.Helper()
	if !utf8.ValidString(got) {
		t.Fatalf("invalid UTF-8 out of %q: %q", in, got)
	}
	for _, r := range got {
		if r == '\n' {
			continue
		}
		if r == 0x1b || r < 0x20 || (r >= 0x7f && r <= 0x9f) || invisible(r) || !unicode.IsGraphic(r) {
			t.Fatalf("unsafe rune %U survived: %q -> %q", r, in, got)
		}
	}
}

func FuzzSanitize(f *testing.F) {
	for _, s := range hostile {
		f.Add(s)
	}
	f.Add("plain text")
	for _, name := range sanitizetest.Names() {
		f.Add("key1=" + sanitizetest.Split(canaryKey, sanitizetest.Separators[name]) + "…")
	}
	f.Fuzz(func(t *testing.T, in string) {
		got := Sanitize(in)
		assertSafe(t, in, got)
		checkRedacted(t, in, canaryKey, Redact(in, []string{canaryKey}))
		if again := Sanitize(got); again != got {
			t.Fatalf("not idempotent: %q -> %q -> %q", in, got, again)
		}
		if streamed := streamBytes(in); streamed != got {
			t.Fatalf("streamed byte by byte %q, whole %q", streamed, got)
		}
	})
}

func TestStableLenStreaming(t *testing.T) {
	for name, in := range hostile {
		t.Run(name, func(t *testing.T) {
			if got, want := streamBytes(in), Sanitize(in); got != want {
				t.Fatalf("streamed %q, whole %q", got, want)
			}
		})
	}
}

// streamBytes sanitises in as a stream split after every byte, the worst split there is.
func streamBytes(in string) string {
	var out strings.Builder
	pending := ""
	for i := 0; i < len(in); i++ {
		pending += in[i : i+1]
		n := StableLen(pending)
		out.WriteString(Sanitize(pending[:n]))
		pending = pending[n:]
	}
	out.WriteString(Sanitize(pending))
	return out.String()
}
