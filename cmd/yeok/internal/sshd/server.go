// Package sshd hosts yeok's TUI over SSH for a team: one machine holds the API key, and
// every teammate who connects with a listed public key gets their own app, whose history,
// scripts and settings belong to that key alone (model.SSHOwner of its SHA256
// fingerprint).
//
// It is built on charmbracelet/ssh and wish, and adds what they leave out: a handshake
// timeout, session caps in total and per key, a per-key stream rate limit, an input budget
// per session, clamped window sizes and a graceful shutdown that stores the streams it
// interrupts as interrupted.
package sshd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/charmbracelet/ssh"
	rm "github.com/charmbracelet/wish/recover"
	gossh "golang.org/x/crypto/ssh"

	"github.com/yeok/yeok/ui"
)

// ErrServerClosed is returned by Serve and ListenAndServe after Shutdown.
var ErrServerClosed = errors.New("sshd: server closed")

// maxAuthTries is how many authentication attempts a connection gets.
const maxAuthTries = 6

// connIdleSlack is how much longer than IdleTimeout a connection may carry no traffic at
// all before it is dropped.
const connIdleSlack = time.Minute

// Server hosts the TUI over SSH. Build it with New.
type Server struct {
	cfg    Config
	tr     ui.Translator // nil when no provider is configured
	store  ui.Store
	keys   *authorizedKeys // nil with AllowAnyKey
	limits *limiter
	log    *slog.Logger
	srv    *ssh.Server
	now    func() time.Time

	mu       sync.Mutex
	closing  bool
	listener net.Listener
	sessions map[*session]struct{}
	running  sync.WaitGroup          // session handlers
	pending  map[*guardConn]struct{} // connections not yet authenticated
}

// New checks cfg, loads (or creates) the host key and builds a Server that serves the app
// with tr and st. A nil tr is allowed when cfg.ProviderError says why there is none.
func New(cfg Config, tr ui.Translator, st ui.Store) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if st == nil {
		return nil, errors.New("sshd: a store is required")
	}
	signer, err := loadHostKey(cfg.HostKeyPath)
	if err != nil {
		return nil, fmt.Errorf("sshd: %w", err)
	}
	s := &Server{
		cfg:      cfg,
		tr:       tr,
		store:    st,
		limits:   newLimiter(cfg.MaxSessions, cfg.MaxSessionsPerKey, cfg.StreamsPerMinute),
		log:      cfg.Logger.With("component", "sshd"),
		now:      time.Now,
		sessions: map[*session]struct{}{},
		pending:  map[*guardConn]struct{}{},
	}
	if cfg.AuthorizedKeysPath != "" {
		if s.keys, err = newAuthorizedKeys(cfg.AuthorizedKeysPath, s.log); err != nil {
			return nil, fmt.Errorf("sshd: %w", err)
		}
	} else {
		s.log.Warn("every public key is let in (--allow-any-key)")
	}
	panics := slog.NewLogLogger(s.log.Handler(), slog.LevelError)
	s.srv = &ssh.Server{
		Addr:                     cfg.Addr,
		HostSigners:              []ssh.Signer{signer},
		Version:                  "yeok",
		PublicKeyHandler:         s.authorize,
		ConnCallback:             s.accept,
		ServerConfigCallback:     s.serverConfig,
		ConnectionFailedCallback: s.connectionFailed,
		Handler:                  rm.MiddlewareWithLogger(panics, s.middleware)(func(ssh.Session) {}),
	}
	if cfg.IdleTimeout > 0 {
		// A backstop for connections without a session; a session's own idle timer fires
		// first and says why.
		s.srv.IdleTimeout = cfg.IdleTimeout + connIdleSlack
	}
	if err := s.srv.SetOption(ssh.EmulatePty()); err != nil {
		return nil, fmt.Errorf("sshd: %w", err)
	}
	s.log.Info("host key", "fingerprint", gossh.FingerprintSHA256(signer.PublicKey()), "path", cfg.HostKeyPath)
	return s, nil
}

// middleware turns the session handler into a wish middleware for the recover wrapper.
func (s *Server) middleware(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		s.handle(sess)
		next(sess)
	}
}

// ListenAndServe listens on the configured address and serves until Shutdown, when it
// returns ErrServerClosed.
func (s *Server) ListenAndServe() error {
	l, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("sshd: listen on %s: %w", s.cfg.Addr, err)
	}
	return s.Serve(l)
}

// Serve accepts connections on l until Shutdown, when it returns ErrServerClosed.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		_ = l.Close()
		return ErrServerClosed
	}
	s.listener = l
	s.mu.Unlock()
	s.log.Info("listening", "addr", l.Addr().String())
	err := s.srv.Serve(l)
	s.mu.Lock()
	closing := s.closing
	s.mu.Unlock()
	if closing {
		return ErrServerClosed
	}
	return fmt.Errorf("sshd: serve: %w", err)
}

// Addr returns the address the server listens on, or nil before Serve.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.listener == nil {
		return nil
	}
	return s.listener.Addr()
}

// Shutdown stops the server gracefully: it refuses new connections, interrupts the
// streams in flight (their entries are stored interrupted), tells every session that the
// server is shutting down, and returns when they have ended. When ctx ends first, the
// remaining connections are closed and ctx's error is returned.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	var lerr error
	if s.listener != nil {
		lerr = s.listener.Close()
	}
	handshaking := make([]*guardConn, 0, len(s.pending))
	for c := range s.pending {
		handshaking = append(handshaking, c)
	}
	sessions := make([]*session, 0, len(s.sessions))
	for ss := range s.sessions {
		sessions = append(sessions, ss)
	}
	s.mu.Unlock()
	for _, c := range handshaking {
		_ = c.Close()
	}
	s.log.Info("shutting down", "sessions", len(sessions))

	for _, ss := range sessions {
		go ss.stop(errShutdown)
	}
	done := make(chan struct{})
	go func() {
		s.running.Wait()
		close(done)
	}()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = ctx.Err()
	}
	// Sessions have ended; close the connections whose clients have not hung up.
	_ = s.srv.Close()
	if err != nil {
		return fmt.Errorf("sshd: shutdown: %w", err)
	}
	if lerr != nil && !errors.Is(lerr, net.ErrClosed) {
		return fmt.Errorf("sshd: shutdown: %w", lerr)
	}
	return nil
}

// track registers a session for Shutdown; it fails once shutdown has begun.
func (s *Server) track(ss *session) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.sessions[ss] = struct{}{}
	s.running.Add(1)
	return true
}

func (s *Server) untrack(ss *session) {
	s.mu.Lock()
	delete(s.sessions, ss)
	s.mu.Unlock()
	s.running.Done()
}
