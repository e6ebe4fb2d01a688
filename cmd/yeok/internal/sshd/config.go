package sshd

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/yeok/yeok/model"
)

// Defaults for the zero values of Config.
const (
	DefaultAddr              = "127.0.0.1:2222"
	DefaultHandshakeTimeout  = 10 * time.Second
	DefaultIdleTimeout       = 30 * time.Minute
	DefaultMaxSessionTime    = 12 * time.Hour
	DefaultMaxSessions       = 64
	DefaultMaxSessionsPerKey = 4
	DefaultStreamsPerMinute  = 30
	// DefaultMaxInputBytes is how much a session may send in a minute (a budget that
	// refills continuously): far above typing, scrolling and a dozen full-size pastes, far
	// below what it takes to make Bubble Tea's input parser burn CPU.
	DefaultMaxInputBytes = 512 << 10
	// DefaultFPS caps how often a session's screen is drawn and flushed to the client
	// (ui/screen draws the view at most this often, and never while it is unchanged); a
	// lower rate saves CPU while streaming (BenchmarkConcurrentSessions) and adds up to a
	// frame of delay.
	DefaultFPS = 30
)

// ErrNoAuthorizedKeys is returned by New when neither an authorized keys file nor
// AllowAnyKey is given.
var ErrNoAuthorizedKeys = errors.New("refusing to start without --authorized-keys; pass --allow-any-key to let every key in")

// Config says where and how the SSH server runs. The zero value of every field but
// HostKeyPath and AuthorizedKeysPath/AllowAnyKey means its default; a negative limit or
// duration turns that limit off.
type Config struct {
	// Addr is the TCP address to listen on (DefaultAddr).
	Addr string
	// HostKeyPath is the server's private ed25519 key. It is generated on first start
	// (mode 0600, its directory 0700 when created) and kept; an existing key readable by
	// group or others is refused, as OpenSSH's sshd does.
	HostKeyPath string
	// AuthorizedKeysPath names an OpenSSH authorized_keys file: one public key a line,
	// options ignored, cert-authority lines and malformed lines skipped with a log line.
	// The file is read again whenever its size or modification time changes.
	AuthorizedKeysPath string
	// AllowAnyKey lets every public key in, each as its own owner. It must be asked for
	// explicitly when AuthorizedKeysPath is empty.
	AllowAnyKey bool
	// HandshakeTimeout closes connections that have not authenticated by then
	// (DefaultHandshakeTimeout).
	HandshakeTimeout time.Duration
	// IdleTimeout ends a session that has sent no input for that long, and a connection
	// with no traffic at all (DefaultIdleTimeout).
	IdleTimeout time.Duration
	// MaxSessionTime ends any session after that long (DefaultMaxSessionTime).
	MaxSessionTime time.Duration
	// MaxSessions caps the sessions open at once, all keys together (DefaultMaxSessions).
	MaxSessions int
	// MaxSessionsPerKey caps the sessions one key may have open (DefaultMaxSessionsPerKey).
	MaxSessionsPerKey int
	// StreamsPerMinute caps the translations one key may start in any minute
	// (DefaultStreamsPerMinute); one over the limit fails with a rate-limit error without
	// reaching the provider.
	StreamsPerMinute int
	// MaxInputBytes is the input budget of a session: it may send this many bytes at once
	// and the budget refills at this many bytes a minute (DefaultMaxInputBytes). A session
	// that overdraws it is disconnected with a one-line message. The connection as a whole,
	// SSH requests and overhead included, may send four times as much, and each session
	// running on it adds its own budget and one SSH channel window (2 MiB) to that, so the
	// session's budget is what stops a flood of input, and the client is told.
	MaxInputBytes int64
	// FPS caps how often a session's screen is redrawn (DefaultFPS; Bubble Tea allows
	// 1 to 120).
	FPS int
	// From and To are the languages a new session starts with.
	From, To model.Language
	// More are further targets each line goes into with To (serve --to ko,ja).
	More []model.Language
	// MaxTargets caps the targets a person may pick for one line (0:
	// model.DefaultMaxTargets). Each target is one stream of StreamsPerMinute.
	MaxTargets int
	// ToIsDefault says To is no one's choice (the server's locale or the default): each
	// owner's most recent target replaces it.
	ToIsDefault bool
	// MaxInput is the largest source text in bytes (0: model.DefaultMaxInput). A bracketed
	// paste longer than twice this is cut short before it reaches the terminal parser;
	// the app then refuses it as too large.
	MaxInput int
	// ProviderError, when set, tells why no translations can be made (no API key or base
	// URL); the app shows it instead of sending requests.
	ProviderError string
	// Logger receives connects, disconnects, authentication failures and limits hit, with
	// key fingerprints and addresses; never translation text or the API key. Nil means
	// slog.Default().
	Logger *slog.Logger
}

// withDefaults checks c and fills in its defaults.
func (c Config) withDefaults() (Config, error) {
	if c.HostKeyPath == "" {
		return c, errors.New("sshd: a host key path is required")
	}
	switch {
	case c.AuthorizedKeysPath == "" && !c.AllowAnyKey:
		return c, ErrNoAuthorizedKeys
	case c.AuthorizedKeysPath != "" && c.AllowAnyKey:
		return c, errors.New("sshd: --authorized-keys and --allow-any-key both given; pick one")
	}
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	c.HandshakeTimeout = orDefault(c.HandshakeTimeout, DefaultHandshakeTimeout)
	c.IdleTimeout = orDefault(c.IdleTimeout, DefaultIdleTimeout)
	c.MaxSessionTime = orDefault(c.MaxSessionTime, DefaultMaxSessionTime)
	c.MaxSessions = orDefault(c.MaxSessions, DefaultMaxSessions)
	c.MaxSessionsPerKey = orDefault(c.MaxSessionsPerKey, DefaultMaxSessionsPerKey)
	c.StreamsPerMinute = orDefault(c.StreamsPerMinute, DefaultStreamsPerMinute)
	c.MaxInputBytes = orDefault(c.MaxInputBytes, DefaultMaxInputBytes)
	c.FPS = orDefault(c.FPS, DefaultFPS)
	if c.FPS < 1 || c.FPS > 120 {
		return c, fmt.Errorf("sshd: FPS %d is outside 1..120", c.FPS)
	}
	if c.MaxInput <= 0 {
		c.MaxInput = model.DefaultMaxInput
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c, nil
}

func orDefault[T int | int64 | time.Duration](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}
