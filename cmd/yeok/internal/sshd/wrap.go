package sshd

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/yeok/yeok/model"
	"github.com/yeok/yeok/ui"
)

// sessionTranslator is the Translator one session's app sees. It refuses a request for any
// owner but the session's, enforces the key's streams-per-minute limit before anything
// reaches the engine, and when the server stops the session (shutdown, time limit, input
// limit) it ends the stream in flight with a *model.Error naming why, which the engine
// stores as interrupted rather than cancelled: the person did not stop it. It counts the
// translations under way so that a stopping session can wait for them to be stored.
type sessionTranslator struct {
	inner ui.Translator
	sess  *session

	mu      sync.Mutex
	running int
	idle    chan struct{} // closed while running is zero
}

func newSessionTranslator(inner ui.Translator, sess *session) *sessionTranslator {
	idle := make(chan struct{})
	close(idle)
	return &sessionTranslator{inner: inner, sess: sess, idle: idle}
}

// Model implements ui.Translator.
func (t *sessionTranslator) Model() string { return t.inner.Model() }

// Translate implements ui.Translator.
func (t *sessionTranslator) Translate(ctx context.Context, req model.Request, emit func(model.Event)) (model.Entry, error) {
	srv := t.sess.srv
	if err := t.sess.checkOwner("translate", req.Owner); err != nil {
		return model.Entry{}, err
	}
	if ok, wait := srv.limits.allowStream(t.sess.fingerprint, srv.now()); !ok {
		wait = max(wait.Round(time.Second), time.Second)
		t.sess.log.Warn("limit hit: streams per minute", "limit", srv.cfg.StreamsPerMinute)
		return model.Entry{}, fmt.Errorf("rate limit: %d translations a minute per key; try again in %s", srv.cfg.StreamsPerMinute, wait)
	}
	t.started()
	defer t.ended()
	sctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop := context.AfterFunc(t.sess.streams, func() {
		if cause := context.Cause(t.sess.streams); isStopReason(cause) {
			cancel(&model.Error{Class: model.ClassInterrupted, Message: "interrupted: " + cause.Error(), Cause: cause})
		}
	})
	defer stop()
	return t.inner.Translate(sctx, req, emit)
}

func (t *sessionTranslator) started() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.running == 0 {
		t.idle = make(chan struct{})
	}
	t.running++
}

func (t *sessionTranslator) ended() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.running--; t.running == 0 {
		close(t.idle)
	}
}

// wait returns when no translation is under way, or false when timeout passes first.
func (t *sessionTranslator) wait(timeout time.Duration) bool {
	t.mu.Lock()
	idle := t.idle
	t.mu.Unlock()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-idle:
		return true
	case <-timer.C:
		return false
	}
}

// sessionStore is the Store one session's app sees: every call must be for the session's
// owner.
type sessionStore struct {
	ui.Store
	owner model.Owner
}

func newSessionStore(st ui.Store, owner model.Owner) *sessionStore {
	return &sessionStore{Store: st, owner: owner}
}

// checkOwner refuses a call for any owner but the session's: the app never makes one, and
// a call that crossed owners would leak one key's history to another.
func checkOwner(op string, owner, want model.Owner) error {
	if owner != want {
		return fmt.Errorf("%s: owner %q is not this session's", op, owner)
	}
	return nil
}

func (s *sessionStore) checkOwner(op string, owner model.Owner) error {
	return checkOwner(op, owner, s.owner)
}

func (ss *session) checkOwner(op string, owner model.Owner) error {
	return checkOwner(op, owner, ss.owner)
}

// NewSession implements ui.Store.
func (s *sessionStore) NewSession(ctx context.Context, owner model.Owner, sess model.Session) (model.Session, error) {
	if err := s.checkOwner("new session", owner); err != nil {
		return model.Session{}, err
	}
	return s.Store.NewSession(ctx, owner, sess)
}

// LastSession implements ui.Store.
func (s *sessionStore) LastSession(ctx context.Context, owner model.Owner) (model.Session, error) {
	if err := s.checkOwner("last session", owner); err != nil {
		return model.Session{}, err
	}
	return s.Store.LastSession(ctx, owner)
}

// Sessions implements ui.Store.
func (s *sessionStore) Sessions(ctx context.Context, owner model.Owner, limit int) ([]model.Session, error) {
	if err := s.checkOwner("list sessions", owner); err != nil {
		return nil, err
	}
	return s.Store.Sessions(ctx, owner, limit)
}

// Scripts implements ui.Store.
func (s *sessionStore) Scripts(ctx context.Context, owner model.Owner) ([]model.Script, error) {
	if err := s.checkOwner("list scripts", owner); err != nil {
		return nil, err
	}
	return s.Store.Scripts(ctx, owner)
}

// Entries implements ui.Store.
func (s *sessionStore) Entries(ctx context.Context, owner model.Owner, q model.EntryQuery) ([]model.Entry, error) {
	if err := s.checkOwner("list entries", owner); err != nil {
		return nil, err
	}
	return s.Store.Entries(ctx, owner, q)
}

// Approve implements ui.Store.
func (s *sessionStore) Approve(ctx context.Context, owner model.Owner, id uint64, text string) (model.Entry, error) {
	if err := s.checkOwner("approve entry", owner); err != nil {
		return model.Entry{}, err
	}
	return s.Store.Approve(ctx, owner, id, text)
}

// RecentLanguages implements ui.Store.
func (s *sessionStore) RecentLanguages(ctx context.Context, owner model.Owner) ([]model.Language, error) {
	if err := s.checkOwner("recent languages", owner); err != nil {
		return nil, err
	}
	return s.Store.RecentLanguages(ctx, owner)
}

// TouchLanguage implements ui.Store.
func (s *sessionStore) TouchLanguage(ctx context.Context, owner model.Owner, l model.Language) error {
	if err := s.checkOwner("touch language", owner); err != nil {
		return err
	}
	return s.Store.TouchLanguage(ctx, owner, l)
}

// RecentInputs implements ui.Store.
func (s *sessionStore) RecentInputs(ctx context.Context, owner model.Owner, n int) ([]string, error) {
	if err := s.checkOwner("recent inputs", owner); err != nil {
		return nil, err
	}
	return s.Store.RecentInputs(ctx, owner, n)
}
