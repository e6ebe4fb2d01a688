package openai

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// retryAfter reads how long the server asked to wait: retry-after-ms (milliseconds), else
// retry-after (seconds, or an HTTP date relative to now). ok is false when neither header
// gives a positive wait.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	if h == nil {
		return 0, false
	}
	if v := strings.TrimSpace(h.Get("retry-after-ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 && ms < 1e12 {
			return time.Duration(ms * float64(time.Millisecond)), true
		}
	}
	v := strings.TrimSpace(h.Get("retry-after"))
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s > 0 && s < 1e9 {
			return time.Duration(s * float64(time.Second)), true
		}
		return 0, false
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d, true
		}
	}
	return 0, false
}

// backoff is the wait before retry n (0 for the first retry): the server's retry-after when
// it gave one (callers have already refused asks over MaxRetryAfter), else backoffBase x 2^n
// capped at maxBackoff, less up to 25% jitter so that many clients do not retry in step.
func (e *Provider) backoff(n int, asked time.Duration) time.Duration {
	if asked > 0 {
		return asked
	}
	d := e.backoffBase
	for i := 0; i < n && d < e.maxBackoff; i++ {
		d *= 2
	}
	d = min(d, e.maxBackoff)
	return time.Duration(float64(d) * (1 - 0.25*rand.Float64()))
}

// sleep waits d or until ctx ends, and reports whether the full wait passed.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
