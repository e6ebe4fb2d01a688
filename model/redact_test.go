package model

import (
	"strings"
	"testing"

	"github.com/yeok/yeok/model/sanitizetest"
)

// canaryKey is the secret the redaction tests split.
const canaryKey = "sk-secret-canary-0123456789"

// A secret split by anything Sanitize drops or folds is replaced whole, never shown in
// pieces: cleaning after masking would join them again.
func TestRedactSplitSecret(t *testing.T) {
	for _, name := range sanitizetest.Names() {
		t.Run(name, func(t *testing.T) {
			in := "401: key1=" + sanitizetest.Split(canaryKey, sanitizetest.Separators[name]) + " is wrong"
			got := Redact(in, []string{canaryKey})
			if piece := sanitizetest.Leak(got, canaryKey, SecretFragment); piece != "" {
				t.Fatalf("Redact(%q) = %q shows %q", in, got, piece)
			}
			if want := "401: key1=" + Redacted + " is wrong"; got != want {
				t.Fatalf("Redact(%q) = %q, want %q", in, got, want)
			}
		})
	}
}

func TestRedact(t *testing.T) {
	tests := []struct {
		name, in, want string
		secrets        []string
	}{
		{"no secret", "a\x1b[31m b\n c", "a b c", []string{canaryKey}},
		{"no secrets given", "a " + canaryKey, "a " + canaryKey, nil},
		{"twice", canaryKey + " and " + canaryKey, Redacted + " and " + Redacted, []string{canaryKey}},
		{"two secrets", "k=" + canaryKey + " p=hunter2hunter2", "k=" + Redacted + " p=" + Redacted, []string{canaryKey, "hunter2hunter2"}},
		{"first character swallowed", "\x1b[1" + canaryKey + " x", Redacted + " x", []string{canaryKey}},
		{"a piece of it", "key …" + canaryKey[9:20] + "…", "key …" + Redacted + "…", []string{canaryKey}},
		{"short secret whole only", "pw=abc ab", "pw=" + Redacted + " ab", []string{"abc"}},
		{"secret with an escape", "k=" + canaryKey, "k=" + Redacted, []string{"sk-secret\x1b[0m-canary-0123456789"}},
		{"piece shorter than a fragment kept", "sk-secr", "sk-secr", []string{canaryKey}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Redact(tt.in, tt.secrets); got != tt.want {
				t.Fatalf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// checkRedacted fails when out, Redact's answer for in, is not one safe line or shows a piece
// of secret.
func checkRedacted(t *testing.T, in, secret, out string) {
	t.Helper()
	assertSafe(t, in, out)
	if SanitizeLine(out) != out {
		t.Fatalf("Redact(%q) = %q is not one clean line", in, out)
	}
	shown := strings.ReplaceAll(strings.Join(strings.Fields(out), ""), Redacted, "\x00")
	if want := skeletonOf(secret, nil).text; len(want) >= SecretFragment {
		if piece := sanitizetest.Leak(shown, want, SecretFragment); piece != "" {
			t.Fatalf("Redact(%q) = %q shows %q of the secret", in, out, piece)
		}
	} else if want != "" && strings.Contains(shown, want) {
		t.Fatalf("Redact(%q) = %q shows the secret", in, out)
	}
}

func FuzzRedact(f *testing.F) {
	for _, name := range sanitizetest.Names() {
		f.Add("key1="+sanitizetest.Split(canaryKey, sanitizetest.Separators[name])+"…", canaryKey)
	}
	for _, s := range hostile {
		f.Add(s, canaryKey)
	}
	f.Add("\x1b[1"+canaryKey, canaryKey)
	f.Add("aaaaaaaaaaaaa", "aaaaaaaaa")
	f.Add("x [redacted]", "redacted]x")
	f.Fuzz(func(t *testing.T, in, secret string) {
		out := Redact(in, []string{secret})
		checkRedacted(t, in, secret, out)
		if len(secretSpans(in, nil, []string{secret})) == 0 && out != SanitizeLine(in) {
			t.Fatalf("Redact(%q) = %q changed text without the secret (SanitizeLine %q)", in, out, SanitizeLine(in))
		}
	})
}
