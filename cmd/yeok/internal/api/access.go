package api

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/yeok/yeok/model"
)

// caller is who a request comes from.
type caller struct {
	owner model.Owner
	// name is the token name with authentication, else the client's IP address.
	name string
}

// authenticate finds the caller of r. Without tokens every caller is model.LocalOwner and
// named by its IP address; with tokens the bearer secret must match one of them. Every
// token is compared, in constant time over hashes, so neither which token matched nor how
// long it is shows in the timing.
func (s *Server) authenticate(r *http.Request) (caller, bool) {
	if len(s.tokens) == 0 {
		return caller{owner: model.LocalOwner, name: clientIP(r)}, true
	}
	auth := r.Header.Get("Authorization")
	scheme, secret, ok := strings.Cut(auth, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		secret = ""
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(secret)))
	found := -1
	for i := range s.tokens {
		if subtle.ConstantTimeCompare(sum[:], s.tokens[i].hash[:]) == 1 {
			found = i
		}
	}
	if found < 0 || secret == "" {
		return caller{}, false
	}
	return caller{owner: s.tokens[found].owner, name: s.tokens[found].name}, true
}

// admit authenticates r and charges it to its owner's rate; on refusal it writes the error
// and returns false.
func (s *Server) admit(w http.ResponseWriter, r *http.Request) (caller, bool) {
	c, ok := s.authenticate(r)
	if !ok {
		s.log.Info("http refused", "reason", "unauthorized", "remote", clientIP(r), "path", r.URL.Path)
		w.Header().Set("WWW-Authenticate", `Bearer realm="yeok"`)
		writeError(w, http.StatusUnauthorized, "unauthorized", "missing or wrong bearer token")
		return caller{}, false
	}
	if !s.charge(w, r, c, 1) {
		return caller{}, false
	}
	return c, true
}

// charge takes n requests of c's rate (a request into several targets is one per target);
// on refusal it writes the error and returns false.
func (s *Server) charge(w http.ResponseWriter, r *http.Request, c caller, n int) bool {
	wait, ok := s.rate.allowN(c.owner, n)
	if ok {
		return true
	}
	s.log.Info("http refused", "reason", "rate", "owner", string(c.owner), "remote", clientIP(r))
	w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
	writeError(w, http.StatusTooManyRequests, "rate_limited",
		fmt.Sprintf("over %d requests a minute; try again in %s", s.cfg.RatePerMinute, wait.Round(time.Second)))
	return false
}

// clientIP is the address of the connection's peer. Forwarding headers are not trusted:
// behind a proxy every client shares the proxy's address.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// rateLimiter is a token bucket per owner: a burst of perMinute requests, refilled at
// perMinute a minute.
type rateLimiter struct {
	perMinute int
	now       func() time.Time
	mu        sync.Mutex
	buckets   map[model.Owner]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newRateLimiter(perMinute int, now func() time.Time) *rateLimiter {
	return &rateLimiter{perMinute: perMinute, now: now, buckets: map[model.Owner]*bucket{}}
}

// allowN takes n tokens of owner's bucket, or none and says how long until n are there.
func (l *rateLimiter) allowN(owner model.Owner, n int) (time.Duration, bool) {
	if l.perMinute < 0 || n <= 0 {
		return 0, true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	capacity := float64(l.perMinute)
	perSecond := capacity / 60
	b, ok := l.buckets[owner]
	if !ok {
		b = &bucket{tokens: capacity, last: now}
		l.buckets[owner] = b
	}
	if elapsed := now.Sub(b.last).Seconds(); elapsed > 0 {
		b.tokens = math.Min(capacity, b.tokens+elapsed*perSecond)
	}
	b.last = now
	if b.tokens >= float64(n) {
		b.tokens -= float64(n)
		return 0, true
	}
	if float64(n) > capacity {
		return time.Minute, false // never: the answer says to wait the longest refill
	}
	return time.Duration((float64(n) - b.tokens) / perSecond * float64(time.Second)), false
}

// sessionKey names the one session an owner's script gets per server run.
type sessionKey struct {
	owner  model.Owner
	script string
}

// sessionCache holds the session of each (owner, script) seen since the server started.
type sessionCache struct {
	// mu is taken shared to look a session up, so that many requests at once do not queue
	// on it, and exclusive to create one.
	mu  sync.RWMutex
	ids map[sessionKey]uint64
}

// session returns the session id for (owner, script), creating the session on first use.
// The lock is held while creating, so two first requests for one script share a session.
func (s *Server) session(ctx context.Context, owner model.Owner, script string, to model.Language) (uint64, error) {
	c := &s.sessions
	key := sessionKey{owner, script}
	c.mu.RLock()
	id, ok := c.ids[key]
	c.mu.RUnlock()
	if ok {
		return id, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if id, ok := c.ids[key]; ok {
		return id, nil
	}
	sess, err := s.st.NewSession(ctx, owner, model.Session{Origin: "http", ScriptID: script, To: to})
	if err != nil {
		return 0, fmt.Errorf("new session for script %s: %w", script, err)
	}
	c.ids[key] = sess.ID
	return sess.ID, nil
}

// checkScriptID accepts the ids model.CheckIdentifier accepts, which the store and the CLI
// accept too: 1 to model.MaxIdentifierLen characters, nothing invisible, no stray spaces.
func checkScriptID(id string) error {
	return model.CheckIdentifier("x-script-id", id)
}

// defaultScript is the script of a request without x-script-id: one per client,
// "http-<token name>" with authentication, else "http-<client IP>".
func defaultScript(c caller) string {
	id := []rune("http-" + model.SanitizeLine(c.name))
	return strings.TrimSpace(string(id[:min(len(id), model.MaxIdentifierLen)]))
}
