package ui

import (
	"fmt"
	"math"
	"testing"
	"time"
)

// TestRateAndWaitTextsMatchPrintf holds the allocation-free rate and wait texts against
// the fmt verbs they replace, at the edges where rounding and the precision change.
func TestRateAndWaitTextsMatchPrintf(t *testing.T) {
	rates := []float64{0.04, 0.05, 0.15, 0.25, 1, 9.94, 9.95, 9.949999, 9.99, 9.999, 10, 10.5, 11.5, 59.5, 60.49, 99.5, 1234.5, math.Nextafter(10, 0)}
	for i := range 500 {
		rates = append(rates, float64(i)*0.137)
	}
	for _, r := range rates {
		want := fmt.Sprintf("%.0f tok/s", r)
		if r < 10 {
			want = fmt.Sprintf("%.1f tok/s", r)
		}
		if got := formatRate(r); got != want {
			t.Errorf("formatRate(%v) = %q, want %q", r, got, want)
		}
	}
	for _, d := range []time.Duration{0, 999 * time.Millisecond, 3 * time.Second, 59*time.Second + 999*time.Millisecond, time.Minute, 65 * time.Second} {
		want := shortDuration(d)
		if d < time.Minute {
			want = fmt.Sprintf("%ds", int(d.Seconds()))
		}
		if got := wholeSeconds(d); got != want {
			t.Errorf("wholeSeconds(%v) = %q, want %q", d, got, want)
		}
	}
}
