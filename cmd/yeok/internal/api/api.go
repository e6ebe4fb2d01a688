// Package api serves yeok's line-oriented HTTP API, the service yeok grew out of: a client
// (a lecture speech-to-text front end, say) posts each recognised line to POST /translate and
// reads the translation back as Server-Sent Events. Every line is logged under its script
// like any other yeok entry, so it shows up in `yeok history` and exports.
//
// Endpoints:
//
//	POST /translate       {"lang": "ko-KR", "message": "..."} with an x-script-id header;
//	                      answers text/event-stream: "data: <piece>" per delta, "data: [DONE]" last;
//	                      {"langs": ["ko-KR", "ja-JP"], ...} streams every target at once, each
//	                      event named by its target ("event: ko-KR"), then one "data: [DONE]"
//	GET  /scripts/{id}    the caller's entries of a script, oldest first, as a JSON array
//	GET  /healthz         200 "ok"
//	GET  /                a short plain-text page naming the endpoints
package api

import (
	"context"
	"crypto/sha256"
	"log/slog"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/yeok/yeok/model"
)

// Defaults for the zero values of Config.
const (
	DefaultMaxBody       = 64 << 10
	DefaultMaxConcurrent = 256
	DefaultRatePerMinute = 600
)

// Translator carries out one translation end to end: it logs the entry as pending before
// the request leaves, streams it (calling emit with each event) and finishes the entry,
// even when ctx ends: cancelled, or as the *model.Error that ended ctx says. *llm.Engine
// implements it.
type Translator interface {
	Translate(ctx context.Context, req model.Request, emit func(model.Event)) (model.Entry, error)
	// TranslateAll carries out req into every target at once, each event tagged with its
	// target and emit never called by two streams at once; it returns the entries in the
	// order of targets (a zero ID where the log failed) and the log failures joined.
	TranslateAll(ctx context.Context, req model.Request, targets []model.Language, emit func(model.Event)) ([]model.Entry, error)
}

// Store is the part of *storage.Store the API reads and writes directly.
type Store interface {
	NewSession(ctx context.Context, owner model.Owner, sess model.Session) (model.Session, error)
	Script(ctx context.Context, owner model.Owner, id string) (model.Script, error)
	Entries(ctx context.Context, owner model.Owner, q model.EntryQuery) ([]model.Entry, error)
}

// Config tunes a Server. The zero value serves without authentication, without CORS and
// with the default limits.
type Config struct {
	// Tokens maps a token name to its secret. Empty means no authentication: everything is
	// owned by model.LocalOwner, so `yeok history --script X` shows the API's lines. With
	// tokens, each request needs "Authorization: Bearer SECRET" and is owned by
	// model.HTTPOwner(name).
	Tokens map[string]string
	// CORSOrigin is the one browser origin allowed to call the API; empty sends no CORS
	// headers at all.
	CORSOrigin string
	// MaxBody caps a request body in bytes (0: DefaultMaxBody).
	MaxBody int64
	// MaxConcurrent caps the streams in flight, all clients together (0:
	// DefaultMaxConcurrent); a request into several targets is one stream per target.
	MaxConcurrent int
	// RatePerMinute caps the requests of one owner per minute, a request into several
	// targets counting once per target (negative: unlimited). 0 means DefaultRatePerMinute,
	// or MaxConcurrent when that is higher: without tokens every client is one owner, and
	// a default rate below the stream cap would refuse streams the cap admits.
	RatePerMinute int
	// KeepAlive is how long a stream may stay silent before an SSE comment (": keepalive")
	// goes out, so that proxies that cut idle connections keep it; 0 means
	// DefaultKeepAlive.
	KeepAlive time.Duration
	// MaxTargets caps the targets of one request's "langs" (0: model.DefaultMaxTargets).
	MaxTargets int
	// MaxInput caps one message in bytes, as model.CheckSource does (0: its default).
	MaxInput int
	// Model is the model name recorded in requests; empty leaves the engine's default.
	Model string
	// Logger receives connections, errors and refusals by a limit. It never receives
	// translation text, source text or secrets. Nil discards.
	Logger *slog.Logger
	// Now is the clock of the rate limiter; nil means time.Now.
	Now func() time.Time
}

// Server is the HTTP API. It implements http.Handler and is safe for concurrent use.
type Server struct {
	cfg    Config
	tr     Translator
	st     Store
	log    *slog.Logger
	mux    *http.ServeMux
	tokens []token
	rate   *rateLimiter

	mu      sync.Mutex // guards streams, inFlight, nextID and closed
	streams map[uint64]context.CancelCauseFunc
	// inFlight counts the streams of every request in streams: one per target.
	inFlight int
	nextID   uint64
	closed   bool
	wg       sync.WaitGroup // streams whose entry is not finished yet

	sessions sessionCache
}

// token is one configured bearer token; only the secret's hash is kept for comparing.
type token struct {
	name  string
	owner model.Owner
	hash  [sha256.Size]byte
}

// errShutdown is the cancel cause of streams stopped by Close. As a *model.Error it is
// also how those streams end: the Translator stores them interrupted, with their partial
// text, as README promises, and not cancelled, which is for a client that went away.
var errShutdown = &model.Error{Class: model.ClassInterrupted, Message: "the server is shutting down"}

// New builds a Server that translates with tr and reads scripts from st.
func New(cfg Config, tr Translator, st Store) *Server {
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.MaxConcurrent <= 0 {
		cfg.MaxConcurrent = DefaultMaxConcurrent
	}
	if cfg.MaxTargets <= 0 {
		cfg.MaxTargets = model.DefaultMaxTargets
	}
	if cfg.RatePerMinute == 0 {
		cfg.RatePerMinute = max(DefaultRatePerMinute, cfg.MaxConcurrent)
	}
	if cfg.KeepAlive <= 0 {
		cfg.KeepAlive = DefaultKeepAlive
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	lg := cfg.Logger
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		cfg:      cfg,
		tr:       tr,
		st:       st,
		log:      lg,
		streams:  map[uint64]context.CancelCauseFunc{},
		rate:     newRateLimiter(cfg.RatePerMinute, cfg.Now),
		sessions: sessionCache{ids: map[sessionKey]uint64{}},
	}
	for name, secret := range cfg.Tokens {
		s.tokens = append(s.tokens, token{name: name, owner: model.HTTPOwner(name), hash: sha256.Sum256([]byte(secret))})
	}
	sort.Slice(s.tokens, func(i, j int) bool { return s.tokens[i].name < s.tokens[j].name })
	s.mux = s.routes()
	return s
}

// routes registers the endpoints. Each path also gets a catch-all pattern, so a wrong method
// gets a JSON 405 instead of the mux's plain-text one.
func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	route := func(method, path string, h http.HandlerFunc) {
		mux.HandleFunc(method+" "+path, h)
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", method)
			writeError(w, http.StatusMethodNotAllowed, "method_not_allowed",
				r.Method+" is not allowed here; use "+method)
		})
	}
	route(http.MethodPost, "/translate", s.handleTranslate)
	route(http.MethodGet, "/scripts/{id}", s.handleScript)
	route(http.MethodGet, "/healthz", s.handleHealth)
	route(http.MethodGet, "/{$}", s.handleIndex)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "no such endpoint; see GET /")
	})
	return mux
}

// ServeHTTP answers CORS preflights when an origin is configured and routes the rest.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.cfg.CORSOrigin != "" {
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", s.cfg.CORSOrigin)
		h.Add("Vary", "Origin")
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "content-type, authorization, x-script-id")
			h.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	s.mux.ServeHTTP(w, r)
}

// Close stops every stream in flight, refuses new ones with 503, and returns once the
// entries of the stopped streams are stored (as interrupted), so the store can be closed
// after it. Each stopped stream's client reads an error event naming the shutdown.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	for _, cancel := range s.streams {
		cancel(errShutdown)
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// acquire admits a request of n streams (one per target) under the concurrency cap, all of
// them or none. It returns a context for the request (cancelled by Close or by release) and
// the release function, or a status and message when the request is refused.
func (s *Server) acquire(ctx context.Context, n int) (context.Context, func(), int, string) {
	// Made before the lock, which every request takes: the lock is held only for counting.
	sctx, cancel := context.WithCancelCause(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		cancel(nil)
		return nil, nil, http.StatusServiceUnavailable, errShutdown.Error()
	}
	if s.inFlight+n > s.cfg.MaxConcurrent {
		cancel(nil)
		return nil, nil, http.StatusTooManyRequests, "too many translations in flight; try again shortly"
	}
	s.nextID++
	id := s.nextID
	s.streams[id] = cancel
	s.inFlight += n
	s.wg.Add(1)
	var once sync.Once
	release := func() {
		once.Do(func() {
			s.mu.Lock()
			delete(s.streams, id)
			s.inFlight -= n
			s.mu.Unlock()
			cancel(nil)
			s.wg.Done()
		})
	}
	return sctx, release, 0, ""
}
