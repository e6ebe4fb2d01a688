package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/yeok/yeok/cmd/yeok/internal/sshd"
	"github.com/yeok/yeok/llm"
	"github.com/yeok/yeok/ui"
)

// sshFlags are the flags of `yeok serve` for SSH hosting.
type sshFlags struct {
	authorizedKeys    string
	allowAnyKey       bool
	hostKey           string
	idleTimeout       time.Duration
	maxSessionTime    time.Duration
	maxSessions       int
	maxSessionsPerKey int
	streamsPerMinute  int
	maxInputBytes     int64
	fps               int
}

func (s *sshFlags) bind(fs *flag.FlagSet) {
	fs.StringVar(&s.authorizedKeys, "authorized-keys", "", "SSH: public keys allowed in, one per line (`FILE`, re-read when it changes)")
	fs.BoolVar(&s.allowAnyKey, "allow-any-key", false, "SSH: let every public key in, each its own owner")
	fs.StringVar(&s.hostKey, "host-key", "", "SSH: host key `FILE` (default $XDG_DATA_HOME/yeok/ssh_host_ed25519, made on first start)")
	fs.DurationVar(&s.idleTimeout, "ssh-idle-timeout", sshd.DefaultIdleTimeout, "SSH: close a session idle this long")
	fs.DurationVar(&s.maxSessionTime, "ssh-max-session", sshd.DefaultMaxSessionTime, "SSH: longest session")
	fs.IntVar(&s.maxSessions, "ssh-max-sessions", sshd.DefaultMaxSessions, "SSH: sessions at once, all keys together")
	fs.IntVar(&s.maxSessionsPerKey, "ssh-max-sessions-per-key", sshd.DefaultMaxSessionsPerKey, "SSH: sessions at once per key")
	fs.IntVar(&s.streamsPerMinute, "ssh-streams-per-minute", sshd.DefaultStreamsPerMinute, "SSH: translations per minute per key")
	fs.Int64Var(&s.maxInputBytes, "ssh-max-input-bytes", sshd.DefaultMaxInputBytes, "SSH: input budget per session in bytes, refilled each minute")
	fs.IntVar(&s.fps, "fps", sshd.DefaultFPS, "SSH: frames per second of each session's screen")
}

// startSSH starts the SSH server and returns the function that shuts it down.
func startSSH(ctx context.Context, c config, sf serveFlags, st logStore, eng *llm.Engine, logger *slog.Logger,
	io stdio, getenv env, wg *sync.WaitGroup, errs chan<- error) (func(context.Context), error) {
	hostKey, err := hostKeyPath(sf.sshOpts.hostKey, c.DBPath, getenv)
	if err != nil {
		return nil, err
	}
	var tr ui.Translator
	if eng != nil {
		tr = eng
	}
	srv, err := sshd.New(sshd.Config{
		Addr:               sf.ssh,
		HostKeyPath:        hostKey,
		AuthorizedKeysPath: sf.sshOpts.authorizedKeys,
		AllowAnyKey:        sf.sshOpts.allowAnyKey,
		IdleTimeout:        sf.sshOpts.idleTimeout,
		MaxSessionTime:     sf.sshOpts.maxSessionTime,
		MaxSessions:        sf.sshOpts.maxSessions,
		MaxSessionsPerKey:  sf.sshOpts.maxSessionsPerKey,
		StreamsPerMinute:   sf.sshOpts.streamsPerMinute,
		MaxInputBytes:      sf.sshOpts.maxInputBytes,
		FPS:                sf.sshOpts.fps,
		From:               c.From,
		To:                 c.To,
		More:               c.Targets[1:],
		MaxTargets:         c.MaxTargets,
		ToIsDefault:        !c.ToSet,
		MaxInput:           c.MaxInput,
		ProviderError:      providerProblem(c),
		Logger:             logger.With("server", "ssh"),
	}, tr, st)
	if err != nil {
		return nil, usageErrorf("serve: %v", err)
	}
	ln, err := net.Listen("tcp", sf.ssh)
	if err != nil {
		return nil, fmt.Errorf("listen for SSH on %s: %w", sf.ssh, err)
	}
	logger.Info("serving the TUI over SSH", "addr", ln.Addr().String(), "host_key", hostKey)
	fmt.Fprintf(io.err, "yeok: SSH on %s (host key %s)\n", ln.Addr(), hostKey)
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, sshd.ErrServerClosed) {
			errs <- fmt.Errorf("SSH server: %w", err)
		}
	}()
	return func(ctx context.Context) { _ = srv.Shutdown(ctx) }, nil
}

// hostKeyName is the host key's file name in the data directory.
const hostKeyName = "ssh_host_ed25519"

// hostKeyPath is where the SSH host key lives: --host-key, else $XDG_DATA_HOME/yeok, so one
// host keeps one key whatever database it serves. A key that an earlier yeok made beside
// a --db file is kept while the data directory has none, so clients see no new key.
func hostKeyPath(flagPath, dbPath string, getenv env) (string, error) {
	if flagPath != "" {
		return flagPath, nil
	}
	dir, err := dataDir(getenv)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, hostKeyName)
	beside := filepath.Join(filepath.Dir(dbPath), hostKeyName)
	if beside != path && !fileExists(path) && fileExists(beside) {
		return beside, nil
	}
	return path, nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
