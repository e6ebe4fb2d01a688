package ui

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"github.com/yeok/yeok/llm"
	"github.com/yeok/yeok/model"
)

// testNow is the pinned clock of every test.
var testNow = time.Date(2025, 6, 2, 14, 3, 0, 0, time.UTC)

// callLog records, in order, the calls the fakes see, so tests can assert that the entry
// was logged before the stream started.
type callLog struct {
	mu    sync.Mutex
	calls []string
}

func (l *callLog) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, s)
}

func (l *callLog) list() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.calls)
}

// fakeStore is an in-memory Store that records its calls.
type fakeStore struct {
	log *callLog

	mu        sync.Mutex
	nextID    uint64
	sessions  []model.Session
	scripts   []model.Script
	entries   []model.Entry
	recents   []model.Language
	inputs    []string
	begun     []model.Request
	finished  []model.Entry
	touched   []model.Language
	puts      []model.Script // every PutScript, in order
	putErr    error          // when set, PutScript fails with it
	scriptErr error          // when set, Script fails with it
}

func newFakeStore(log *callLog) *fakeStore { return &fakeStore{log: log, nextID: 100} }

func (s *fakeStore) NewSession(_ context.Context, owner model.Owner, sess model.Session) (model.Session, error) {
	s.log.add("NewSession")
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	sess.ID, sess.Owner, sess.Started = s.nextID, owner, testNow
	s.sessions = append(s.sessions, sess)
	return sess, nil
}

func (s *fakeStore) LastSession(_ context.Context, owner model.Owner) (model.Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.sessions) == 0 {
		return model.Session{}, model.ErrNotFound
	}
	return s.sessions[len(s.sessions)-1], nil
}

func (s *fakeStore) Sessions(_ context.Context, _ model.Owner, limit int) ([]model.Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := slices.Clone(s.sessions)
	slices.Reverse(out)
	if limit <= 0 {
		return out, nil
	}
	return out[:min(limit, len(out))], nil
}

func (s *fakeStore) Scripts(context.Context, model.Owner) ([]model.Script, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.scripts), nil
}

func (s *fakeStore) Begin(_ context.Context, req model.Request) (model.Entry, error) {
	s.log.add("Begin")
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	e := model.Entry{
		ID: s.nextID, Owner: req.Owner, SessionID: req.SessionID, ScriptID: req.ScriptID,
		Created: testNow, From: req.From, To: req.To, Model: req.Model, Source: req.Source,
		Status: model.StatusPending, Group: req.Group,
	}
	s.begun = append(s.begun, req)
	s.entries = append(s.entries, e)
	return e, nil
}

func (s *fakeStore) Finish(ctx context.Context, e model.Entry) (model.Entry, error) {
	if err := ctx.Err(); err != nil {
		return model.Entry{}, fmt.Errorf("finish entry %d: %w", e.ID, err) // as bbolt's store does
	}
	s.log.add("Finish:" + string(e.Status))
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.entries {
		if s.entries[i].ID == e.ID {
			s.entries[i] = e
		}
	}
	s.finished = append(s.finished, e)
	return e, nil
}

// ScriptPairs is the store's context rule: the script's last n done entries, oldest first.
func (s *fakeStore) ScriptPairs(_ context.Context, _ model.Owner, id string, to model.Language, n int) ([]model.Pair, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []model.Pair
	for i := len(s.entries) - 1; i >= 0 && len(out) < n; i-- {
		if e := s.entries[i]; e.ScriptID == id && e.To == to && e.Status == model.StatusDone {
			out = append([]model.Pair{{Source: e.Source, Translation: e.Display()}}, out...)
		}
	}
	return out, nil
}

func (s *fakeStore) Entries(_ context.Context, _ model.Owner, q model.EntryQuery) ([]model.Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []model.Entry
	for i := len(s.entries) - 1; i >= 0; i-- {
		e := s.entries[i]
		if (q.SessionID != 0 && e.SessionID != q.SessionID) || (q.ScriptID != "" && e.ScriptID != q.ScriptID) ||
			(q.Before != 0 && e.ID >= q.Before) || !containsFold(e, q.Search) {
			continue
		}
		out = append(out, e)
		if q.Limit > 0 && len(out) == q.Limit {
			break
		}
	}
	return out, nil
}

// containsFold is the store's search: the source or a translation contains q, ignoring case.
func containsFold(e model.Entry, q string) bool {
	q = strings.ToLower(q)
	for _, s := range []string{e.Source, e.Text, e.Clean} {
		if strings.Contains(strings.ToLower(s), q) {
			return true
		}
	}
	return false
}

func (s *fakeStore) DeleteSession(_ context.Context, _ model.Owner, id uint64) error {
	s.log.add("DeleteSession")
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.sessions)
	s.sessions = slices.DeleteFunc(s.sessions, func(x model.Session) bool { return x.ID == id })
	if len(s.sessions) == n {
		return fmt.Errorf("session %d: %w", id, model.ErrNotFound)
	}
	s.entries = slices.DeleteFunc(s.entries, func(e model.Entry) bool { return e.SessionID == id })
	return nil
}

func (s *fakeStore) DeleteScript(_ context.Context, _ model.Owner, id string) error {
	s.log.add("DeleteScript")
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.scripts)
	s.scripts = slices.DeleteFunc(s.scripts, func(x model.Script) bool { return x.ID == id })
	if len(s.scripts) == n {
		return fmt.Errorf("script %q: %w", id, model.ErrNotFound)
	}
	s.entries = slices.DeleteFunc(s.entries, func(e model.Entry) bool { return e.ScriptID == id })
	return nil
}

func (s *fakeStore) Script(_ context.Context, _ model.Owner, id string) (model.Script, error) {
	s.log.add("Script")
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.scriptErr != nil {
		return model.Script{}, s.scriptErr
	}
	for _, sc := range s.scripts {
		if sc.ID == id {
			sc.Glossary = slices.Clone(sc.Glossary)
			return sc, nil
		}
	}
	return model.Script{}, fmt.Errorf("script %q: %w", id, model.ErrNotFound)
}

func (s *fakeStore) PutScript(_ context.Context, sc model.Script) error {
	s.log.add("PutScript")
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.putErr != nil {
		return s.putErr
	}
	if sc.Owner == "" {
		return fmt.Errorf("put script %q: no owner", sc.ID)
	}
	s.puts = append(s.puts, sc)
	for i := range s.scripts {
		if s.scripts[i].ID == sc.ID {
			s.scripts[i] = sc
			return nil
		}
	}
	s.scripts = append(s.scripts, sc)
	return nil
}

func (s *fakeStore) RecentLanguages(context.Context, model.Owner) ([]model.Language, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.recents), nil
}

func (s *fakeStore) TouchLanguage(_ context.Context, _ model.Owner, l model.Language) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.touched = append(s.touched, l)
	return nil
}

func (s *fakeStore) RecentInputs(context.Context, model.Owner, int) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.inputs), nil
}

func (s *fakeStore) finishedEntries() []model.Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.finished)
}

func (s *fakeStore) begunRequests() []model.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.begun)
}

// fakeTranslator plays a script per request and records the requests.
type fakeTranslator struct {
	log  *callLog
	play func(ctx context.Context, req model.Request, emit func(model.Event)) model.Result

	mu   sync.Mutex
	reqs []model.Request
}

func (f *fakeTranslator) Model() string { return "gpt-4o-mini" }

func (f *fakeTranslator) Stream(ctx context.Context, req model.Request, emit func(model.Event)) model.Result {
	f.log.add("Stream")
	f.mu.Lock()
	f.reqs = append(f.reqs, req)
	f.mu.Unlock()
	return f.play(ctx, req, emit)
}

func (f *fakeTranslator) requests() []model.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.reqs)
}

// playDeltas emits the deltas a few milliseconds apart and finishes with "stop".
func playDeltas(deltas ...string) func(context.Context, model.Request, func(model.Event)) model.Result {
	return func(ctx context.Context, _ model.Request, emit func(model.Event)) model.Result {
		for _, d := range deltas {
			select {
			case <-ctx.Done():
				return model.Result{Status: model.StatusCancelled, Text: strings.Join(deltas, "")}
			case <-time.After(2 * time.Millisecond):
			}
			emit(model.Event{Kind: model.EventDelta, Text: d})
		}
		emit(model.Event{Kind: model.EventDone, Finish: "stop"})
		return model.Result{
			Status: model.StatusDone, Text: strings.Join(deltas, ""), Finish: "stop",
			Usage:      model.Usage{CompletionTokens: len(deltas)},
			FirstToken: 300 * time.Millisecond, Duration: time.Second,
		}
	}
}

// playUntilCancelled emits the deltas, then blocks until the stream is cancelled.
func playUntilCancelled(deltas ...string) func(context.Context, model.Request, func(model.Event)) model.Result {
	return func(ctx context.Context, _ model.Request, emit func(model.Event)) model.Result {
		for _, d := range deltas {
			emit(model.Event{Kind: model.EventDelta, Text: d})
		}
		<-ctx.Done()
		return model.Result{Status: model.StatusCancelled, Text: strings.Join(deltas, "")}
	}
}

// asciiRenderer draws without colour, so views compare as plain text.
func asciiRenderer() *lipgloss.Renderer {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	return r
}

// testConfig is a Config with every varying input pinned.
func testConfig(t testing.TB) Config {
	return Config{
		Ctx:      t.Context(),
		Owner:    model.LocalOwner,
		Session:  model.Session{Origin: "tui"},
		To:       model.MustLanguage("ko-KR"),
		Renderer: asciiRenderer(),
		Now:      func() time.Time { return testNow },
	}
}

// step feeds msgs to m through Update, ignoring the commands.
func step(m Model, msgs ...tea.Msg) Model {
	for _, msg := range msgs {
		next, _ := m.Update(msg)
		m = next.(Model)
	}
	return m
}

// typeKeys turns text into the key messages of typing it.
func typeKeys(text string) []tea.Msg {
	var msgs []tea.Msg
	for _, r := range text {
		msgs = append(msgs, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
	return msgs
}

func press(t tea.KeyType) tea.KeyMsg { return tea.KeyMsg{Type: t} }

// sendLine types text and presses Enter; the stream it starts has id m.nextID afterwards.
func sendLine(m Model, text string) Model {
	m = step(m, typeKeys(text)...)
	return step(m, press(tea.KeyEnter))
}

// frame applies a frame of the stream in flight.
func frame(m Model, s snapshot) Model { return step(m, frameMsg{id: m.flight.id, snap: s}) }

// translated answers the stream in flight as the engine would, with the entry it stored for
// res in session sessID.
func translated(m Model, sessID uint64, res model.Result) Model {
	f := m.flight
	e := model.Entry{
		ID: f.id + 1000, SessionID: sessID, Source: f.req.Source, From: f.req.From, To: f.req.To,
		Model: "gpt-4o-mini", Created: testNow,
	}
	e.Apply(res, testNow)
	if m.session.ID == 0 {
		m = step(m, sessionMsg{id: f.id, session: model.Session{ID: sessID, Started: testNow}})
	}
	return step(m, translatedMsg{id: f.id, blk: f.runs[0].blk, entry: e})
}

// finished runs one entry through send, a last frame and the engine's answer.
func finished(m Model, source string, res model.Result) Model {
	m = sendLine(m, source)
	m = frame(m, snapshot{text: res.Text, refusal: res.Refusal, deltas: 3, firstAt: testNow, done: true})
	return translated(m, 1, res)
}

// newApp builds the app over the real engine, which drives tr as its provider and st as
// its log; a nil tr means no provider.
func newApp(cfg Config, tr *fakeTranslator, st interface {
	Store
	llm.Log
}) Model {
	if tr == nil {
		return New(cfg, nil, st)
	}
	return New(cfg, llm.New(tr, st, llm.Options{Now: cfg.Now}), st)
}

func sized(m Model, w, h int) Model { return step(m, tea.WindowSizeMsg{Width: w, Height: h}) }

func doneResult(text string) model.Result {
	return model.Result{
		Status: model.StatusDone, Text: text, Finish: "stop",
		Usage:      model.Usage{PromptTokens: 40, CompletionTokens: 48, TotalTokens: 88},
		FirstToken: 320 * time.Millisecond, Duration: 1320 * time.Millisecond,
	}
}

// Approve is the store's rule: a final entry gets the text (its own when text is empty).
func (s *fakeStore) Approve(_ context.Context, _ model.Owner, id uint64, text string) (model.Entry, error) {
	s.log.add("Approve")
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.entries {
		if s.entries[i].ID != id {
			continue
		}
		e := &s.entries[i]
		if !e.Status.Final() {
			return model.Entry{}, fmt.Errorf("entry %d is still streaming", id)
		}
		if text == "" {
			text = e.Display()
		}
		e.Approved, e.ApprovedAt = text, testNow
		return *e, nil
	}
	return model.Entry{}, fmt.Errorf("entry %d: %w", id, model.ErrNotFound)
}
