package sshd

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// Reasons a session cannot start.
var (
	errServerFull = errors.New("server full")
	errKeyFull    = errors.New("too many sessions for this key")
)

// streamWindow is the span StreamsPerMinute counts over.
const streamWindow = time.Minute

// limiter counts sessions, in total and per key, and the streams each key started in the
// last minute. Keys without sessions or recent streams are forgotten, so a server open to
// any key does not grow without bound.
type limiter struct {
	maxTotal, maxPerKey, perMinute int // <= 0: no limit

	mu    sync.Mutex
	total int
	keys  map[string]*keyUsage
}

type keyUsage struct {
	sessions int
	starts   []time.Time // stream starts within the last streamWindow, oldest first
}

func newLimiter(maxTotal, maxPerKey, perMinute int) *limiter {
	return &limiter{maxTotal: maxTotal, maxPerKey: maxPerKey, perMinute: perMinute, keys: map[string]*keyUsage{}}
}

// acquire takes a session slot for key, or says which limit is in the way.
func (l *limiter) acquire(key string, now time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pruneLocked(now)
	if l.maxTotal > 0 && l.total >= l.maxTotal {
		return fmt.Errorf("%w: %d sessions open", errServerFull, l.total)
	}
	u := l.keys[key]
	if u == nil {
		u = &keyUsage{}
		l.keys[key] = u
	}
	if l.maxPerKey > 0 && u.sessions >= l.maxPerKey {
		return fmt.Errorf("%w: %d open", errKeyFull, u.sessions)
	}
	u.sessions++
	l.total++
	return nil
}

// release gives back a session slot of key.
func (l *limiter) release(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if u := l.keys[key]; u != nil && u.sessions > 0 {
		u.sessions--
		l.total--
	}
	l.pruneLocked(now)
}

// allowStream records a stream start for key, or returns how long until one is allowed.
func (l *limiter) allowStream(key string, now time.Time) (bool, time.Duration) {
	if l.perMinute <= 0 {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	u := l.keys[key]
	if u == nil {
		u = &keyUsage{}
		l.keys[key] = u
	}
	u.expire(now)
	if len(u.starts) >= l.perMinute {
		return false, u.starts[len(u.starts)-l.perMinute].Add(streamWindow).Sub(now)
	}
	u.starts = append(u.starts, now)
	return true, 0
}

// pruneLocked forgets keys with no session and no stream in the window.
func (l *limiter) pruneLocked(now time.Time) {
	for k, u := range l.keys {
		u.expire(now)
		if u.sessions == 0 && len(u.starts) == 0 {
			delete(l.keys, k)
		}
	}
}

// expire drops stream starts older than the window.
func (u *keyUsage) expire(now time.Time) {
	i := 0
	for i < len(u.starts) && now.Sub(u.starts[i]) >= streamWindow {
		i++
	}
	if i > 0 {
		u.starts = append(u.starts[:0], u.starts[i:]...)
	}
}
