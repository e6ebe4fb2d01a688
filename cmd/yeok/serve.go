package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/yeok/yeok/cmd/yeok/internal/api"
	"github.com/yeok/yeok/llm"
	"github.com/yeok/yeok/model"
)

const serveSynopsis = "yeok serve [--ssh [ADDR]] [--http [ADDR]] [flags]   (SSH default 127.0.0.1:2222, HTTP default 127.0.0.1:8080)"

const (
	defaultSSHAddr  = "127.0.0.1:2222"
	defaultHTTPAddr = "127.0.0.1:8080"
)

// serveFlags are the flags of `yeok serve` beyond the common ones.
type serveFlags struct {
	ssh, http  string
	logPath    string
	tokens     tokenList
	corsOrigin string
	maxStreams int
	rate       int
	rateSet    bool // --http-rate was given; else the API picks the default
	sshOpts    sshFlags
}

// tokenList collects repeated --token NAME=SECRET flags as given; tokens checks them after
// parsing, so that no message repeats a secret the way the flag package would.
type tokenList []string

func (t *tokenList) String() string { return fmt.Sprintf("%d tokens", len(*t)) }

func (t *tokenList) Set(v string) error {
	*t = append(*t, v)
	return nil
}

// tokens returns the secret of each token name. Names are printable, without spaces or
// ':', and given once; secrets differ, since a secret is how the API tells owners apart.
func (t tokenList) tokens() (map[string]string, error) {
	out := make(map[string]string, len(t))
	owner := make(map[string]string, len(t))
	for _, v := range t {
		name, secret, ok := strings.Cut(v, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" || secret == "" {
			return nil, usageErrorf("--token wants NAME=SECRET")
		}
		if err := model.CheckIdentifier("--token name", name); err != nil {
			return nil, usageErrorf("%v", err)
		}
		if strings.ContainsAny(name, " :") {
			return nil, usageErrorf("--token: the name %q must be printable, without spaces or ':'", name)
		}
		if _, dup := out[name]; dup {
			return nil, usageErrorf("--token: the name %q is given twice", name)
		}
		if other, dup := owner[secret]; dup {
			return nil, usageErrorf("--token: %q and %q have the same secret; give each its own", other, name)
		}
		out[name], owner[secret] = secret, name
	}
	return out, nil
}

// optionalAddrs rewrites "--ssh" and "--http" given without an address into their
// defaults, and "--ssh ADDR" into "--ssh=ADDR".
func optionalAddrs(args []string) []string {
	defaults := map[string]string{"ssh": defaultSSHAddr, "http": defaultHTTPAddr}
	var out []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		name := strings.TrimLeft(a, "-")
		def, ok := defaults[name]
		if !ok || !strings.HasPrefix(a, "-") || strings.Contains(a, "=") {
			out = append(out, a)
			if a == "--" {
				return append(out, args[i+1:]...)
			}
			continue
		}
		if i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") && strings.Contains(args[i+1], ":") {
			out = append(out, "--"+name+"="+args[i+1])
			i++
			continue
		}
		out = append(out, "--"+name+"="+def)
	}
	return out
}

func runServe(ctx context.Context, args []string, io stdio, getenv env) error {
	var f commonFlags
	var sf serveFlags
	fs := newFlagSet("serve", &f)
	fs.StringVar(&sf.ssh, "ssh", "", "host the TUI over SSH on `ADDR` (default "+defaultSSHAddr+")")
	fs.StringVar(&sf.http, "http", "", "serve the SSE API on `ADDR` (default "+defaultHTTPAddr+")")
	fs.StringVar(&sf.logPath, "log", "", "append logs to `FILE` instead of stderr")
	fs.Var(&sf.tokens, "token", "HTTP: require Authorization: Bearer SECRET; NAME owns what it logs (`NAME=SECRET`, repeatable)")
	fs.StringVar(&sf.corsOrigin, "cors-origin", "", "HTTP: allow browser calls from exactly this `ORIGIN`")
	fs.IntVar(&sf.maxStreams, "http-max-streams", api.DefaultMaxConcurrent, "HTTP: streams at once, all clients together")
	fs.IntVar(&sf.rate, "http-rate", api.DefaultRatePerMinute, "HTTP: requests per minute per owner, unless given at least --http-max-streams (0: no limit)")
	sf.sshOpts.bind(fs)
	pos, err := parseCommand(fs, optionalAddrs(args), io.out, serveSynopsis)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("serve: unexpected argument %q (see yeok serve --help)", pos[0])
	}
	sf.rateSet = flagGiven(fs, "http-rate")
	if sf.ssh == "" && sf.http == "" {
		return usageErrorf("serve: say what to serve: --ssh [ADDR] (default %s), --http [ADDR] (default %s), or both", defaultSSHAddr, defaultHTTPAddr)
	}
	tokens, err := sf.tokens.tokens()
	if err != nil {
		return err
	}
	c, err := resolveConfig(&f, getenv)
	if err != nil {
		return err
	}
	c = useLocalServer(ctx, c, getenv, io.err)
	logger, closeLog, err := newLogger(sf.logPath, io.err)
	if err != nil {
		return err
	}
	defer closeLog()
	if err := providerError(c); err != nil && sf.http != "" {
		return err
	}
	st, err := openStore(ctx, c)
	if err != nil {
		return err
	}
	defer st.Close()
	var eng *llm.Engine
	p, err := newProvider(c, pooledClient(max(sf.maxStreams, 64)))
	switch {
	case err == nil:
		eng = newEngine(c, p, st)
	case sf.http != "":
		return err
	}

	var wg sync.WaitGroup
	errs := make(chan error, 2)
	var stops []func(context.Context)
	if sf.http != "" {
		ln, err := net.Listen("tcp", sf.http)
		if err != nil {
			return fmt.Errorf("listen for HTTP on %s: %w", sf.http, err)
		}
		apiSrv := api.New(api.Config{
			Tokens: tokens, CORSOrigin: sf.corsOrigin, MaxConcurrent: sf.maxStreams,
			RatePerMinute: apiRate(sf.rate, sf.rateSet), MaxInput: c.MaxInput, MaxTargets: c.MaxTargets, Model: c.Model,
			Logger: logger.With("server", "http"),
		}, eng, st)
		hs := &http.Server{Handler: apiSrv, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, IdleTimeout: 2 * time.Minute}
		logger.Info("serving the HTTP API", "addr", ln.Addr().String(), "auth", len(tokens) > 0)
		fmt.Fprintf(io.err, "yeok: HTTP API on http://%s\n", ln.Addr())
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errs <- fmt.Errorf("HTTP server: %w", err)
			}
		}()
		stops = append(stops, func(ctx context.Context) {
			apiSrv.Close()
			_ = hs.Shutdown(ctx)
		})
	}
	if sf.ssh != "" {
		stop, err := startSSH(ctx, c, sf, st, eng, logger, io, getenv, &wg, errs)
		if err != nil {
			for _, s := range stops {
				s(ctx)
			}
			return err
		}
		stops = append(stops, stop)
	}

	var runErr error
	select {
	case <-ctx.Done():
		logger.Info("shutting down")
		fmt.Fprintln(io.err, "yeok: shutting down")
	case runErr = <-errs:
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	for _, s := range stops {
		s(shutdownCtx)
	}
	wg.Wait()
	return runErr
}

// apiRate turns --http-rate into the API's setting: there 0 means the default (which
// grows with the stream cap) and a negative rate no limit.
func apiRate(perMinute int, given bool) int {
	switch {
	case !given:
		return 0
	case perMinute == 0:
		return -1
	}
	return perMinute
}

// flagGiven reports whether the flag name was set on the command line.
func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}

// newLogger logs to path (appending) or to w.
func newLogger(path string, w io.Writer) (*slog.Logger, func(), error) {
	if path == "" {
		return slog.New(slog.NewTextHandler(w, nil)), func() {}, nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("open log %s: %w", path, withoutPath(err))
	}
	return slog.New(slog.NewTextHandler(f, nil)), func() { f.Close() }, nil
}
