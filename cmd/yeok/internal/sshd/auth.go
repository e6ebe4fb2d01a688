package sshd

import (
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/charmbracelet/ssh"
	gossh "golang.org/x/crypto/ssh"
)

// guardKey is the connection context key of a connection's guardConn.
type guardKey struct{}

// guardConn is a client connection. Until it authenticates, a timer closes it when the
// handshake and authentication take longer than the handshake timeout, which wish and
// x/crypto/ssh do not bound at all. For its whole life it has a byte budget, connBudget
// times a session's input budget, which bounds what no session sees: floods of env,
// window-change or channel requests. Each session running on the connection may overdraw
// it by that session's credit (see holdSession), so that a session's own input budget,
// and not the connection's, is what stops a flood of typing or pasting.
type guardConn struct {
	net.Conn
	srv    *Server
	bucket *tokenBucket // nil: no budget; used by the connection's reading goroutine only
	credit atomic.Int64 // how far the running sessions let bucket be overdrawn, in bytes

	mu     sync.Mutex
	timer  *time.Timer
	authed bool
	closed bool
}

// accept is the ssh.Server's ConnCallback: it refuses connections once shutdown has begun
// and arms the handshake timer of the others.
func (s *Server) accept(ctx ssh.Context, conn net.Conn) net.Conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return nil
	}
	g := &guardConn{Conn: conn, srv: s}
	if b := s.cfg.MaxInputBytes; b > 0 {
		g.bucket = newTokenBucket(float64(connBudget*b), float64(connBudget*b)/time.Minute.Seconds(), s.now())
	}
	s.pending[g] = struct{}{}
	if d := s.cfg.HandshakeTimeout; d > 0 {
		g.mu.Lock()
		g.timer = time.AfterFunc(d, g.expire)
		g.mu.Unlock()
	}
	ctx.SetValue(guardKey{}, g)
	return g
}

// connBudget is how many session input budgets a whole connection may send a minute,
// protocol overhead included.
const connBudget = 4

// channelWindow is the receive window x/crypto/ssh gives every channel (64 packets of
// 32 KiB; it cannot be changed). A client may have this much session input in flight
// before the session has read, and so charged, any of it.
const channelWindow = 64 << 15

// Read implements net.Conn, charging the connection's budget.
func (g *guardConn) Read(p []byte) (int, error) {
	n, err := g.Conn.Read(p)
	if n > 0 && g.bucket != nil && !g.bucket.takeOver(float64(n), float64(g.credit.Load()), time.Now()) {
		g.srv.log.Warn("limit hit: connection input budget; connection closed", "addr", g.RemoteAddr().String())
		_ = g.Close()
		return 0, net.ErrClosed
	}
	return n, err
}

// holdSession lets the connection overdraw its budget by one session's credit until the
// returned function is called, when the session has ended and its channel is closed. The
// credit is the session's input budget, which the session charges as it reads, and one
// channel window, which the client may fill before the session reads at all: without it a
// flood on one session would use up the connection's budget (as big as one window at the
// default budgets) before the session's own budget tripped, and the client would be cut
// off without being told why. What the session's bytes overdrew stays owed when the
// credit is taken back. Sessions hold a slot under the session caps, so the credit of a
// connection is bounded.
func (g *guardConn) holdSession() func() {
	if g == nil || g.bucket == nil {
		return func() {}
	}
	c := g.srv.cfg.MaxInputBytes + channelWindow
	g.credit.Add(c)
	var once sync.Once
	return func() { once.Do(func() { g.credit.Add(-c) }) }
}

// guardOf returns the guardConn of a session's connection, or nil.
func guardOf(ctx ssh.Context) *guardConn {
	g, _ := ctx.Value(guardKey{}).(*guardConn)
	return g
}

// expire closes a connection that has not authenticated in time.
func (g *guardConn) expire() {
	g.mu.Lock()
	authed := g.authed
	g.mu.Unlock()
	if authed {
		return
	}
	g.srv.log.Warn("limit hit: handshake timeout; connection closed", "addr", g.RemoteAddr().String(), "timeout", g.srv.cfg.HandshakeTimeout)
	_ = g.Close()
}

// authenticated stops the handshake timer: the connection is now bound by the idle and
// session limits instead.
func (g *guardConn) authenticated() {
	g.mu.Lock()
	g.authed = true
	if g.timer != nil {
		g.timer.Stop()
	}
	g.mu.Unlock()
	g.srv.mu.Lock()
	delete(g.srv.pending, g)
	g.srv.mu.Unlock()
}

// Close implements net.Conn.
func (g *guardConn) Close() error {
	g.mu.Lock()
	if g.timer != nil {
		g.timer.Stop()
	}
	g.closed = true
	g.mu.Unlock()
	g.srv.mu.Lock()
	delete(g.srv.pending, g)
	g.srv.mu.Unlock()
	return g.Conn.Close()
}

// serverConfig gives every connection its own x/crypto/ssh configuration, whose
// authentication log marks the connection authenticated and logs failures.
func (s *Server) serverConfig(ctx ssh.Context) *gossh.ServerConfig {
	return &gossh.ServerConfig{
		MaxAuthTries: maxAuthTries,
		AuthLogCallback: func(conn gossh.ConnMetadata, method string, err error) {
			if err == nil {
				if g := guardOf(ctx); g != nil {
					g.authenticated()
				}
				return
			}
			// Refused public keys are logged by authorize, with their fingerprint; "none"
			// is every client's first question.
			s.log.Debug("authentication attempt failed", "addr", conn.RemoteAddr().String(), "method", method, "err", err)
		},
	}
}

// authorize is the public key handler: listed keys only, unless every key is allowed.
// It decides nothing about identity, which the session takes from the key the
// connection actually authenticated with.
func (s *Server) authorize(ctx ssh.Context, key ssh.PublicKey) bool {
	if s.keys == nil {
		return true
	}
	if s.keys.allowed(key) {
		return true
	}
	s.log.Info("public key refused", "key", gossh.FingerprintSHA256(key), "addr", ctx.RemoteAddr().String())
	return false
}

// connectionFailed logs a connection that ended before or during authentication.
func (s *Server) connectionFailed(conn net.Conn, err error) {
	s.log.Info("connection failed before a session", "addr", conn.RemoteAddr().String(), "err", err)
}
