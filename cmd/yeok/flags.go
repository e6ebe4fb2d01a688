package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// usageError is a mistake in how yeok was called: exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// errHelp asks for the command's usage on stdout and exit status 0.
var errHelp = errors.New("help requested")

// commonFlags are the flags every command takes.
type commonFlags struct {
	from, model, baseURL, db, script, config string
	// to holds every --to given, each one tag or a comma list.
	to                                        stringList
	maxInput                                  int
	maxRetries, context, maxTargets           optionalInt
	idleTimeout, firstTokenTimeout, dbTimeout time.Duration
	dbLease                                   time.Duration
	noMemory                                  bool
}

// bind registers the common flags on fs.
func (f *commonFlags) bind(fs *flag.FlagSet) {
	fs.Var(&f.to, "to", "target language `LANG`, a BCP 47 tag such as ko-KR, en-US, zh-Hant; several as ko-KR,ja-JP or --to repeated")
	fs.StringVar(&f.from, "from", "", "source language tag, or auto (default auto)")
	fs.StringVar(&f.model, "model", "", "model name (default gpt-4o-mini)")
	fs.StringVar(&f.baseURL, "base-url", "", "OpenAI-compatible base URL (env OPENAI_BASE_URL)")
	fs.StringVar(&f.db, "db", "", "database file (default $XDG_DATA_HOME/yeok/yeok.db)")
	fs.StringVar(&f.script, "script", "", "script ID to log entries under, e.g. lecture-01")
	fs.StringVar(&f.config, "config", "", "config file (default $XDG_CONFIG_HOME/yeok/config.toml)")
	fs.IntVar(&f.maxInput, "max-input", 0, "largest source text in bytes (default 32768)")
	fs.Var(&f.maxRetries, "max-retries", "retry up to `N` times before the first token (default 2)")
	fs.Var(&f.maxTargets, "max-targets", "most target languages one line may go into (default 8)")
	fs.Var(&f.context, "context", "send a script's last `N` lines as context (default 6, 0 = off)")
	fs.BoolVar(&f.noMemory, "no-memory", false, "ask the model even for a line translated before (the translation memory reuses it otherwise)")
	fs.DurationVar(&f.idleTimeout, "idle-timeout", 0, "longest silence between chunks (default 30s)")
	fs.DurationVar(&f.dbTimeout, "db-timeout", 0, "longest wait for another yeok process using the database (default 5s)")
	fs.DurationVar(&f.dbLease, "db-lease", 0, "PostgreSQL: how long the pending entries of a process that died stay pending before another marks them interrupted (default 30s)")
	fs.DurationVar(&f.firstTokenTimeout, "first-token-timeout", 0, "longest wait for the first token (default 60s)")
}

// newFlagSet makes a quiet flag set with the common flags bound to f: yeok prints its own
// one-line errors.
func newFlagSet(name string, f *commonFlags) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f.bind(fs)
	return fs
}

// parseCommand parses a command's arguments; --help prints its usage to out and returns
// errHelp, which exits 0.
func parseCommand(fs *flag.FlagSet, args []string, out io.Writer, synopsis string) ([]string, error) {
	pos, err := parseInterspersed(fs, args)
	if errors.Is(err, errHelp) {
		printUsage(out, fs, synopsis)
	}
	if err != nil {
		return nil, err
	}
	if err := checkFlagRanges(fs); err != nil {
		return nil, err
	}
	return pos, checkScriptFlag(fs)
}

// parseInterspersed parses flags that may come before, between or after positional
// arguments (`yeok translate hello --to ko`), stopping at "--".
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, errHelp
			}
			return nil, usageErrorf("%s%v (see %s --help)", commandPrefix(fs.Name()), cleanFlagError(err), commandPath(fs.Name()))
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// commandPrefix is what starts a command's usage error: "translate: ", and nothing for the
// TUI, whose errors yeok's own "yeok: " already names.
func commandPrefix(name string) string {
	if name == "yeok" {
		return ""
	}
	return name + ": "
}

// commandPath is how a person types the command: "yeok translate", or "yeok".
func commandPath(name string) string {
	if name == "yeok" {
		return "yeok"
	}
	return "yeok " + name
}

// takesValue reports whether flag f reads the next argument as its value; false for a
// boolean flag or no flag at all.
func takesValue(f *flag.Flag) bool {
	if f == nil {
		return false
	}
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return !ok || !b.IsBoolFlag()
}

func cleanFlagError(err error) string {
	s := err.Error()
	return strings.Replace(s, "flag provided but not defined: ", "unknown flag ", 1)
}

// printUsage writes a command's usage and flags to w.
func printUsage(w io.Writer, fs *flag.FlagSet, synopsis string) {
	fmt.Fprintf(w, "usage: %s\n\nflags:\n", synopsis)
	fs.VisitAll(func(f *flag.Flag) { f.Usage = rangeUsage(f) })
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

// optionalInt is an int flag that remembers whether it was given, so that 0 can be given on
// purpose and the help prints no made-up default.
type optionalInt struct {
	n   int
	set bool
}

func (o *optionalInt) String() string {
	if o == nil || !o.set {
		return ""
	}
	return strconv.Itoa(o.n)
}

// Set takes any whole number; the flag's range is checked with every other flag's.
func (o *optionalInt) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil {
		return errors.New("want a whole number")
	}
	o.n, o.set = n, true
	return nil
}

// Get returns the number, for checkFlagRanges.
func (o *optionalInt) Get() any { return o.n }

// stringList is a flag that may be given more than once; it keeps every value in order.
type stringList []string

func (l *stringList) String() string {
	if l == nil {
		return ""
	}
	return strings.Join(*l, ",")
}

// Set appends one more value.
func (l *stringList) Set(s string) error {
	*l = append(*l, s)
	return nil
}
