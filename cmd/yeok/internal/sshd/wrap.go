package sshd

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/yeok/yeok/model"
	"github.com/yeok/yeok/ui"
)

// sessionTranslator is the Translator one session's app sees. It enforces the key's
// streams-per-minute limit before anything reaches the provider, and when the server
// stops the session (shutdown, time limit) it ends the stream in flight as interrupted
// rather than cancelled: the person did not stop it.
type sessionTranslator struct {
	inner ui.Translator
	sess  *session
}

// Model implements ui.Translator.
func (t *sessionTranslator) Model() string { return t.inner.Model() }

// Stream implements ui.Translator.
func (t *sessionTranslator) Stream(ctx context.Context, req model.Request, emit func(model.Event)) model.Result {
	srv := t.sess.srv
	if ok, wait := srv.limits.allowStream(t.sess.fingerprint, srv.now()); !ok {
		wait = max(wait.Round(time.Second), time.Second)
		t.sess.log.Warn("limit hit: streams per minute", "limit", srv.cfg.StreamsPerMinute)
		e := &model.Error{
			Class:      model.ClassRateLimit,
			Message:    fmt.Sprintf("rate limit: %d translations a minute per key; try again in %s", srv.cfg.StreamsPerMinute, wait),
			RetryAfter: wait,
		}
		emit(model.Event{Kind: model.EventError, Status: model.StatusFailed, Err: e})
		return model.Result{Status: model.StatusFailed, Err: e}
	}

	sctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop := context.AfterFunc(t.sess.streams, func() { cancel(context.Cause(t.sess.streams)) })
	defer stop()

	// stopped returns why the server ended this stream, or nil when it did not (it ran
	// to its end, or the app or the client cancelled it).
	stopped := func() error {
		if ctx.Err() != nil || sctx.Err() == nil {
			return nil
		}
		if cause := context.Cause(sctx); isStopReason(cause) {
			return cause
		}
		return nil
	}
	t.sess.store.streamStarted(req)
	res := t.inner.Stream(sctx, req, func(ev model.Event) {
		t.sess.store.streamEvent(ev)
		if ev.Kind == model.EventError {
			if cause := stopped(); cause != nil {
				ev.Status, ev.Err = model.StatusInterrupted, interruptedError(cause, ev.Err)
			}
		}
		emit(ev)
	})
	if cause := stopped(); cause != nil && !completed(res.Status) {
		res.Status, res.Err = model.StatusInterrupted, interruptedError(cause, res.Err)
	}
	t.sess.store.streamEnded(res)
	return res
}

// completed reports statuses that mean the model finished, whatever stopped afterwards.
func completed(s model.Status) bool {
	return s == model.StatusDone || s == model.StatusTruncated || s == model.StatusRefused
}

func interruptedError(cause error, prev *model.Error) *model.Error {
	e := &model.Error{Class: model.ClassInterrupted, Message: "interrupted: " + cause.Error(), Cause: cause}
	if prev != nil {
		e.Cause = prev
	}
	return e
}

// sessionStore is the Store one session's app sees. It checks that every entry belongs to
// the session's owner, finishes entries even when the session's context has ended (a
// shutdown must not leave them pending), and remembers the entries begun and not yet
// finished so that the session can wait for them, or finish them itself, before it ends.
type sessionStore struct {
	ui.Store
	owner model.Owner

	mu      sync.Mutex
	pending map[uint64]model.Entry
	drained chan struct{} // closed while pending is empty
	last    streamNote    // the app streams one entry at a time
}

// streamNote is what the session's translator saw of the latest stream, so that an entry
// the app could not finish (the client hung up) keeps its text.
type streamNote struct {
	sessionID     uint64
	source        string
	text, refusal strings.Builder
	result        *model.Result
}

func (s *sessionStore) streamStarted(req model.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.last = streamNote{sessionID: req.SessionID, source: req.Source}
}

func (s *sessionStore) streamEvent(ev model.Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch ev.Kind {
	case model.EventDelta:
		s.last.text.WriteString(ev.Text)
	case model.EventRefusal:
		s.last.refusal.WriteString(ev.Text)
	}
}

func (s *sessionStore) streamEnded(res model.Result) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.last.result = &res
}

// outcomeLocked is how entry e ended as far as the translator saw: the stream's own result
// when it completed, else its partial text, interrupted by cause.
func (s *sessionStore) outcomeLocked(e model.Entry, cause error) model.Result {
	res := model.Result{Status: model.StatusInterrupted, Err: interruptedError(cause, nil)}
	if s.last.sessionID != e.SessionID || s.last.source != e.Source {
		return res
	}
	if r := s.last.result; r != nil && completed(r.Status) {
		return *r
	}
	res.Text, res.Refusal = s.last.text.String(), s.last.refusal.String()
	if r := s.last.result; r != nil {
		res.Usage, res.FirstToken, res.Duration, res.Attempts = r.Usage, r.FirstToken, r.Duration, r.Attempts
	}
	return res
}

func newSessionStore(st ui.Store, owner model.Owner) *sessionStore {
	drained := make(chan struct{})
	close(drained)
	return &sessionStore{Store: st, owner: owner, pending: map[uint64]model.Entry{}, drained: drained}
}

// Begin implements ui.Store.
func (s *sessionStore) Begin(ctx context.Context, req model.Request) (model.Entry, error) {
	if err := s.checkOwner("begin entry", req.Owner); err != nil {
		return model.Entry{}, err
	}
	e, err := s.Store.Begin(ctx, req)
	if err != nil {
		return e, err
	}
	s.mu.Lock()
	if len(s.pending) == 0 {
		s.drained = make(chan struct{})
	}
	s.pending[e.ID] = e
	s.mu.Unlock()
	return e, nil
}

// Finish implements ui.Store.
func (s *sessionStore) Finish(ctx context.Context, e model.Entry) (model.Entry, error) {
	if err := s.checkOwner(fmt.Sprintf("finish entry %d", e.ID), e.Owner); err != nil {
		return model.Entry{}, err
	}
	out, err := s.Store.Finish(context.WithoutCancel(ctx), e)
	if err != nil {
		return out, err
	}
	s.done(e.ID)
	return out, nil
}

func (s *sessionStore) done(id uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.pending[id]; !ok {
		return
	}
	delete(s.pending, id)
	if len(s.pending) == 0 {
		close(s.drained)
	}
}

// wait returns when no entry is pending, or false when timeout passes first.
func (s *sessionStore) wait(timeout time.Duration) bool {
	s.mu.Lock()
	ch := s.drained
	s.mu.Unlock()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-ch:
		return true
	case <-t.C:
		return false
	}
}

// finishPending finishes every entry still pending, for a session whose app ended without
// finishing them (the client hung up mid-stream): with the stream's result when it had
// completed, else interrupted by cause with the text that had arrived. It returns how many
// it finished.
func (s *sessionStore) finishPending(ctx context.Context, cause error, now time.Time) int {
	s.mu.Lock()
	left := make([]model.Entry, 0, len(s.pending))
	for _, e := range s.pending {
		e.Apply(s.outcomeLocked(e, cause), now)
		left = append(left, e)
	}
	s.mu.Unlock()
	n := 0
	for _, e := range left {
		if _, err := s.Store.Finish(context.WithoutCancel(ctx), e); err == nil {
			s.done(e.ID)
			n++
		}
	}
	return n
}

// checkOwner refuses a call for any owner but the session's: the app never makes one, and
// a store call that crossed owners would leak one key's history to another.
func (s *sessionStore) checkOwner(op string, owner model.Owner) error {
	if owner != s.owner {
		return fmt.Errorf("%s: owner %q is not this session's", op, owner)
	}
	return nil
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
