// Command yeok is a chat-style translator for the terminal: a TUI, a pipe mode, a history
// of every translation in an embedded database, and servers for SSH and an SSE API.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], stdio{in: os.Stdin, out: os.Stdout, err: os.Stderr}, os.Getenv)
	stop()
	os.Exit(code)
}

// stdio is where a command reads and writes; tests pass buffers.
type stdio struct {
	in       io.Reader
	out, err io.Writer
}

// command is one of yeok's subcommands.
type command struct {
	name     string
	synopsis string
	run      func(ctx context.Context, args []string, io stdio, getenv env) error
	// hidden commands serve the shell completion and are not listed.
	hidden bool
}

func commands() []command {
	return []command{
		{name: "translate", synopsis: "translate [TEXT...]    translate TEXT or stdin, streaming to stdout", run: runTranslate},
		{name: "history", synopsis: "history                list logged entries, sessions and scripts", run: runHistory},
		{name: "approve", synopsis: "approve ENTRY [--text TEXT]   approve a translation as it is, or correct it with TEXT", run: runApprove},
		{name: "follow", synopsis: "follow FILE|-          translate each new line of a growing transcript as it lands", run: runFollow},
		{name: "export", synopsis: "export                 write a script or session as md, jsonl, tsv or srt", run: runExport},
		{name: "db", synopsis: "db check|compact|copy  check or compact the database, or copy it to another", run: runDB},
		{name: "glossary", synopsis: "glossary               list, set, rm or import a script's glossary", run: runGlossary},
		{name: "serve", synopsis: "serve                  host the TUI over SSH (--ssh) and the SSE API (--http)", run: runServe},
		{name: "completion", synopsis: "completion bash|zsh|fish   print a shell completion script", run: runCompletion},
		{name: "version", synopsis: "version                print yeok's version and commit", run: runVersion},
		{name: completeCommand, run: runComplete, hidden: true},
	}
}

// run executes yeok with args and returns the exit status: 0 done, 1 failed, 2 usage.
func run(ctx context.Context, args []string, io stdio, getenv env) int {
	cmd, rest := commandFor(args)
	var err error
	if cmd == nil {
		err = runTUI(ctx, rest, io, getenv)
	} else {
		err = cmd.run(ctx, rest, io, getenv)
	}
	if errors.Is(err, errHelp) {
		name := ""
		if cmd != nil {
			name = cmd.name
		}
		printExamples(io.out, name)
	}
	var uerr *usageError
	switch {
	case err == nil, errors.Is(err, errHelp):
		return 0
	case errors.As(err, &uerr):
		fmt.Fprintf(io.err, "yeok: %s\n", oneLine(err.Error()))
		return 2
	default:
		fmt.Fprintf(io.err, "yeok: %s\n", oneLine(err.Error()))
		return 1
	}
}

// commandFor picks the subcommand named by the first argument that is neither a flag nor a
// global flag's value, so that global flags may come before it (`yeok --to ko translate
// hi`); nil means the TUI. The rest keeps every other argument in its order.
func commandFor(args []string) (*command, []string) {
	i := commandIndex(args)
	if i < 0 {
		return nil, args
	}
	for _, c := range commands() {
		if args[i] == c.name {
			rest := append(append([]string{}, args[:i]...), args[i+1:]...)
			return &c, rest
		}
	}
	return nil, args
}

// commandIndex is the index of the first positional argument, skipping the global flags
// and their values; -1 when there is none before "--".
func commandIndex(args []string) int {
	globals := newFlagSet("yeok", &commonFlags{})
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return -1
		case a == "-" || !strings.HasPrefix(a, "-"):
			return i
		case strings.Contains(a, "="):
			continue
		}
		if takesValue(globals.Lookup(strings.TrimLeft(a, "-"))) {
			i++
		}
	}
	return -1
}

// oneLine keeps an error to the one line the contract promises.
func oneLine(s string) string {
	out := []rune{}
	for _, r := range s {
		if r == '\n' || r == '\r' {
			r = ' '
		}
		out = append(out, r)
	}
	return string(out)
}

// withoutPath drops the operation and path an *fs.PathError repeats, for a message that
// names the path already ("open log x.log: not a directory", not "open log x.log: open
// x.log: not a directory"). errors.Is still finds the cause.
func withoutPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
