package sshd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/ssh"
	gossh "golang.org/x/crypto/ssh"

	"github.com/yeok/yeok/model"
	"github.com/yeok/yeok/ui"
	"github.com/yeok/yeok/ui/screen"
)

// Reasons the server ends a session; each is told to the client in one line.
var (
	errShutdown    = errors.New("server shutting down")
	errIdle        = errors.New("idle for too long")
	errSessionTime = errors.New("session time limit reached")
	errInputLimit  = errors.New("input limit exceeded")
	// Not stop reasons: how a session ended by itself.
	errClientGone = errors.New("client disconnected")
	errAppEnded   = errors.New("app ended")
)

func isStopReason(err error) bool {
	return errors.Is(err, errShutdown) || errors.Is(err, errIdle) ||
		errors.Is(err, errSessionTime) || errors.Is(err, errInputLimit)
}

// finishGrace is how long a stopping session waits for the stream it interrupted to be
// stored before the app is ended.
const finishGrace = 3 * time.Second

// lateGrace is how long an ended app has to store the streams it still has under way.
const lateGrace = 3 * time.Second

// handle is the SSH session handler: it checks the session, takes a slot and runs the app.
func (s *Server) handle(sess ssh.Session) {
	addr := sess.RemoteAddr().String()
	// Identity comes from the key this connection authenticated with, as the SSH
	// library recorded it after the handshake; never from the user name or a value
	// saved during the authentication callbacks.
	pk := sess.PublicKey()
	if pk == nil {
		s.log.Warn("session refused: no public key", "addr", addr)
		refuse(sess, "public key authentication is required")
		return
	}
	fp := gossh.FingerprintSHA256(pk)
	log := s.log.With("key", fp, "addr", addr)
	if s.keys != nil && !s.keys.allowed(pk) {
		log.Warn("session refused: key no longer authorized")
		refuse(sess, "this key is not authorized")
		return
	}
	if sess.RawCommand() != "" {
		log.Info("session refused: a command was given")
		refuse(sess, "yeok runs no commands; connect with ssh -t and no command")
		return
	}
	ptyReq, winch, ok := sess.Pty()
	if !ok {
		log.Info("session refused: no terminal")
		refuse(sess, "yeok needs a terminal: connect with ssh -t")
		return
	}
	if err := s.limits.acquire(fp, s.now()); err != nil {
		log.Warn("limit hit: sessions", "err", err)
		switch {
		case errors.Is(err, errKeyFull):
			refuse(sess, fmt.Sprintf("this key already has %d sessions open; close one and try again", s.cfg.MaxSessionsPerKey))
		default:
			refuse(sess, "the server is full; try again later")
		}
		return
	}
	ss := newSession(s, sess, fp, log)
	defer ss.cancelApp(nil)
	if !s.track(ss) {
		s.limits.release(fp, s.now())
		refuse(sess, errShutdown.Error())
		return
	}
	// The slot is free and the session untracked only once the exit status is sent, so a
	// client that saw its session end can start another at once, and Shutdown returns only
	// after every client was told.
	defer s.untrack(ss)
	// The session's credit on its connection is given back once the channel is closed
	// (Exit closes it), so a flood stopped by the session's budget cannot cut the
	// connection before the client has read why.
	defer guardOf(sess.Context()).holdSession()()
	status := 1
	defer func() { _ = sess.Exit(status) }()
	defer s.limits.release(fp, s.now())
	status = ss.run(ptyReq, winch)
}

// refuse tells the client why in one line and ends the session with exit status 1.
func refuse(sess ssh.Session, msg string) {
	_, _ = fmt.Fprintf(sess.Stderr(), "yeok: %s\n", msg)
	_ = sess.Exit(1)
}

// session is one running app over one SSH session channel.
type session struct {
	srv         *Server
	ssh         ssh.Session
	fingerprint string
	owner       model.Owner
	log         *slog.Logger

	// streams ends, with a stop reason as its cause, when the server stops the session;
	// app, the app's context, ends later, once the interrupted stream is stored.
	app           context.Context
	streams       context.Context
	cancelStreams context.CancelCauseFunc
	cancelApp     context.CancelCauseFunc
	store         *sessionStore
	tr            *sessionTranslator // nil without a provider
	stopOnce      sync.Once
	stopReason    atomic.Pointer[error]
	lastInput     atomic.Int64 // unix nanoseconds
	ended         atomic.Bool  // the app has returned; stopping is moot
}

// newSession prepares a session, ready to be stopped before it runs.
func newSession(srv *Server, sess ssh.Session, fp string, log *slog.Logger) *session {
	ss := &session{srv: srv, ssh: sess, fingerprint: fp, owner: model.SSHOwner(fp), log: log}
	ss.app, ss.cancelApp = context.WithCancelCause(sess.Context())
	ss.streams, ss.cancelStreams = context.WithCancelCause(ss.app)
	ss.store = newSessionStore(srv.store, ss.owner)
	return ss
}

// run builds the session's program and runs it until the client quits, the connection
// ends or the server stops the session. It returns the exit status for the client.
func (ss *session) run(ptyReq ssh.Pty, winch <-chan ssh.Window) int {
	srv, sess, appCtx := ss.srv, ss.ssh, ss.app
	started := srv.now()
	ss.lastInput.Store(started.UnixNano())

	out := &lockedWriter{w: sess}
	in := newInputGuard(sess, srv.cfg.MaxInputBytes, 2*srv.cfg.MaxInput, started)
	in.onInput = func() { ss.lastInput.Store(srv.now().UnixNano()) }
	in.onOverflow = func() { go ss.stop(errInputLimit) }

	timers := ss.startTimers()
	defer timers.stop()

	ss.log.Info("session started", "term", ptyReq.Term, "width", ptyReq.Window.Width, "height", ptyReq.Window.Height)

	in.start()
	defer in.close()
	env := clientEnv(sess, ptyReq.Term)
	renderer := newRenderer(appCtx, env, in, out)
	var tr ui.Translator
	if srv.tr != nil {
		ss.tr = newSessionTranslator(srv.tr, ss)
		tr = ss.tr
	}
	app := ui.New(ui.Config{
		Ctx:           appCtx,
		Owner:         ss.owner,
		Session:       model.Session{Origin: "ssh"},
		From:          srv.cfg.From,
		To:            srv.cfg.To,
		More:          srv.cfg.More,
		MaxTargets:    srv.cfg.MaxTargets,
		ToIsDefault:   srv.cfg.ToIsDefault,
		MaxInput:      srv.cfg.MaxInput,
		Renderer:      renderer,
		Clipboard:     ui.NewClipboard(out, env),
		ProviderError: srv.cfg.ProviderError,
		Now:           time.Now,
	}, tr, ss.store)
	// The screen writes a frame only when the view changed: an idle session schedules
	// nothing.
	scr := screen.New(out, srv.cfg.FPS)
	p := scr.Program(app,
		tea.WithContext(appCtx),
		tea.WithInput(in),
		tea.WithOutput(out),
		tea.WithoutSignalHandler(),
		tea.WithFilter(clampWindowFilter),
	)
	go forwardWindowChanges(sess.Context(), p, winch)

	_, err := scr.Run(p)
	ss.ended.Store(true)
	switch {
	case errors.Is(err, tea.ErrProgramPanic):
		ss.log.Error("session app panicked", "err", err)
	case err != nil && !errors.Is(err, tea.ErrProgramKilled):
		ss.log.Error("session app failed", "err", err)
	}
	reason := ss.reason()
	switch {
	case reason != nil:
	case sess.Context().Err() != nil:
		reason = errClientGone
	default:
		reason = errAppEnded
	}
	// The engine stores a stream the end of the session cut short (interrupted) after the
	// program has gone: wait for it before the session's slot is given back.
	waitCtx, cancel := context.WithTimeout(context.WithoutCancel(appCtx), lateGrace)
	if err := app.Wait(waitCtx); err != nil {
		ss.log.Warn("streams still being stored when the session ended", "err", err, "reason", reason.Error())
	}
	cancel()
	status := 0
	ended := "quit"
	switch r := ss.reason(); {
	case r != nil:
		status, ended = 1, r.Error()
		_, _ = fmt.Fprintf(out, "\r\nyeok: session ended: %s\r\n", r)
	case sess.Context().Err() != nil:
		ended = "client disconnected"
	case err != nil:
		status, ended = 1, "app failed"
		_, _ = fmt.Fprintf(out, "\r\nyeok: session ended: internal error\r\n")
	}
	ss.log.Info("session ended", "reason", ended, "duration", srv.now().Sub(started).Round(time.Second))
	return status
}

// stop ends the session for reason: the stream in flight is interrupted, the app gets a
// moment to store it, then the app is ended. Only the first reason counts.
func (ss *session) stop(reason error) {
	if ss.ended.Load() {
		return
	}
	ss.stopOnce.Do(func() {
		ss.stopReason.Store(&reason)
		ss.log.Info("stopping session", "reason", reason.Error())
		ss.cancelStreams(reason)
		if ss.tr != nil {
			ss.tr.wait(finishGrace)
		}
		ss.cancelApp(reason)
	})
}

// reason returns why the server stopped the session, or nil.
func (ss *session) reason() error {
	if r := ss.stopReason.Load(); r != nil {
		return *r
	}
	return nil
}

// sessionTimers are the idle and session-time watchdogs of one session.
type sessionTimers struct{ idle, maxTime *time.Timer }

func (t sessionTimers) stop() {
	if t.idle != nil {
		t.idle.Stop()
	}
	if t.maxTime != nil {
		t.maxTime.Stop()
	}
}

// startTimers arms the watchdogs. The idle timer re-arms itself for the time left when
// input came in since it was set, so input costs one atomic store, not a timer reset.
func (ss *session) startTimers() sessionTimers {
	var t sessionTimers
	cfg := ss.srv.cfg
	if cfg.MaxSessionTime > 0 {
		t.maxTime = time.AfterFunc(cfg.MaxSessionTime, func() { ss.stop(errSessionTime) })
	}
	if cfg.IdleTimeout > 0 {
		var mu sync.Mutex
		mu.Lock()
		defer mu.Unlock()
		t.idle = time.AfterFunc(cfg.IdleTimeout, func() {
			mu.Lock()
			defer mu.Unlock()
			left := cfg.IdleTimeout - ss.srv.now().Sub(time.Unix(0, ss.lastInput.Load()))
			if left > 0 {
				t.idle.Reset(left)
				return
			}
			ss.stop(errIdle)
		})
	}
	return t
}
