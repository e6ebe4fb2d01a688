package openai

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/yeok/yeok/model"
)

// Defaults for the zero values of Config.
const (
	DefaultBaseURL           = "https://api.openai.com/v1"
	DefaultModel             = "gpt-4o-mini"
	DefaultMaxRetries        = 2
	DefaultFirstTokenTimeout = 60 * time.Second
	DefaultIdleTimeout       = 30 * time.Second
	DefaultMaxBackoff        = 8 * time.Second
	DefaultTemperature       = 0.2
)

// MaxRetryAfter is the longest wait a server may ask for (retry-after, retry-after-ms) that
// Stream waits out before retrying. A longer ask is not waited for: the stream fails at once
// and the message says how long the server asked to wait.
const MaxRetryAfter = 60 * time.Second

// backoffBase is the first retry's wait before jitter; it doubles with every retry.
const backoffBase = 500 * time.Millisecond

// defaultIdleConns is how many idle connections to the server are kept for reuse when
// Config.HTTPClient is nil.
const defaultIdleConns = 32

// zeroTemperature is sent when a temperature of 0 is meant: go-openai drops a 0 through
// omitempty, which would leave the server's default (often 1) in force.
const zeroTemperature = 1e-6

// Config says which server and model an Provider talks to and how patiently.
type Config struct {
	// BaseURL is the API root, e.g. "http://localhost:11434/v1". Empty with an APIKey means
	// DefaultBaseURL; the caller resolves flag, environment and config file.
	BaseURL string
	// APIKey is sent as a bearer token; it may be empty for a local server.
	APIKey string
	// Model is the default model; a Request's own Model overrides it. Empty means
	// DefaultModel.
	Model string
	// MaxRetries is how many times a request is retried before its first delta: 0 means
	// DefaultMaxRetries, a negative value means no retries.
	MaxRetries int
	// FirstTokenTimeout bounds the wait from sending a request to its first piece of text
	// (0: DefaultFirstTokenTimeout). When it passes, the stream ends stalled (interrupted).
	FirstTokenTimeout time.Duration
	// IdleTimeout bounds the silence between data chunks once text has started; keep-alive
	// comments do not count as data (0: DefaultIdleTimeout). When it passes, the stream
	// ends stalled (interrupted) with the partial text kept.
	IdleTimeout time.Duration
	// MaxBackoff caps one computed retry wait (0: DefaultMaxBackoff). Waits the server asks
	// for are honoured up to MaxRetryAfter instead.
	MaxBackoff time.Duration
	// Temperature is the sampling temperature: 0 means DefaultTemperature, a negative value
	// means 0 (sent as a tiny non-zero value). Reasoning models (o1, o3, o4, gpt-5) accept
	// only their default and get none.
	Temperature float32
	// HTTPClient carries the requests; nil means a client over a copy of
	// http.DefaultTransport that keeps up to 32 idle connections to the server. Its
	// Transport is wrapped (to read retry headers) and its Timeout is ignored, because a
	// whole-request timeout would cut long streams; FirstTokenTimeout and IdleTimeout
	// replace it.
	HTTPClient *http.Client
	// PlainBatches asks for a batch's answer as "N: translation" lines only. By default a
	// batch asks for a JSON object keyed by line number with response_format json_schema,
	// and falls back to the lines, for good, once the server refuses response_format
	// (400 or 422).
	PlainBatches bool
}

// Provider streams translations from one OpenAI-compatible server. It is safe for concurrent
// use: every Stream call is independent.
type Provider struct {
	client      *openai.Client
	baseURL     string // as configured, trailing slash removed
	shownURL    string // baseURL without credentials or query, for messages
	model       string
	secrets     []string // scrubbed from anything a person or a log could see
	maxRetries  int
	firstToken  time.Duration
	idle        time.Duration
	maxBackoff  time.Duration
	temperature float32
	// backoffBase is the first computed retry wait; tests shorten it.
	backoffBase time.Duration
	// plainBatches: never ask for structured output (Config.PlainBatches), or the server
	// refused it.
	plainBatches atomic.Bool
}

// New checks cfg, fills in defaults and builds an Provider. It fails with model.ErrNoProvider
// when neither an API key nor a base URL is given, and with a plain error when the base URL
// is not an http(s) URL.
func New(cfg Config) (*Provider, error) {
	if cfg.APIKey == "" && cfg.BaseURL == "" {
		return nil, fmt.Errorf("llm: set OPENAI_API_KEY or --base-url: %w", model.ErrNoProvider)
	}
	base := strings.TrimRight(strings.TrimSpace(cfg.BaseURL), "/")
	if base == "" {
		base = DefaultBaseURL
	}
	shown, err := displayURL(base)
	if err != nil {
		return nil, err
	}
	e := &Provider{
		baseURL:     base,
		shownURL:    shown,
		model:       orDefault(strings.TrimSpace(cfg.Model), DefaultModel),
		secrets:     secretsOf(cfg.APIKey, base),
		maxRetries:  cfg.MaxRetries,
		firstToken:  orDefault(cfg.FirstTokenTimeout, DefaultFirstTokenTimeout),
		idle:        orDefault(cfg.IdleTimeout, DefaultIdleTimeout),
		maxBackoff:  orDefault(cfg.MaxBackoff, DefaultMaxBackoff),
		temperature: cfg.Temperature,
		backoffBase: backoffBase,
	}
	e.plainBatches.Store(cfg.PlainBatches)
	switch {
	case e.maxRetries == 0:
		e.maxRetries = DefaultMaxRetries
	case e.maxRetries < 0:
		e.maxRetries = 0
	}
	switch {
	case e.temperature == 0:
		e.temperature = DefaultTemperature
	case e.temperature < 0:
		e.temperature = zeroTemperature
	}

	hc := &http.Client{}
	if cfg.HTTPClient != nil {
		c := *cfg.HTTPClient
		hc = &c
	}
	hc.Timeout = 0
	inner := hc.Transport
	if inner == nil {
		// http.DefaultTransport keeps two idle connections a host: a line sent to several
		// languages at once, or a transcript sent several lines at a time, would dial anew
		// for all but two of its requests every time.
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = defaultIdleConns
		inner = tr
	}
	hc.Transport = &transport{base: inner}

	oc := openai.DefaultConfig(cfg.APIKey)
	oc.BaseURL = base
	oc.HTTPClient = hc
	e.client = openai.NewClientWithConfig(oc)
	return e, nil
}

// Model returns the model used when a Request names none.
func (e *Provider) Model() string { return e.model }

// BaseURL returns the API root requests go to, without a trailing slash.
func (e *Provider) BaseURL() string { return e.baseURL }

// displayURL checks base and returns it without user information, query or fragment, fit to
// appear in a message.
func displayURL(base string) (string, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		shown := base
		if u != nil && err == nil {
			u.User, u.RawQuery, u.Fragment = nil, "", ""
			shown = u.String()
		} else if i := strings.IndexAny(shown, "@?"); i >= 0 {
			shown = shown[:i] + "…"
		}
		return "", fmt.Errorf("llm: base URL %q is not an http:// or https:// URL", model.SanitizeLine(shown))
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return u.String(), nil
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// reasoningModel reports models that reject any temperature but their default.
func reasoningModel(name string) bool {
	for _, p := range []string{"o1", "o3", "o4", "gpt-5", "gpt-6"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}
