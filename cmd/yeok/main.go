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
}

func commands() []command {
	return []command{
		{"translate", "translate [TEXT...]    translate TEXT or stdin, streaming to stdout", runTranslate},
		{"history", "history                list logged entries, sessions and scripts", runHistory},
		{"follow", "follow FILE|-          translate each new line of a growing transcript as it lands", runFollow},
		{"export", "export                 write a script or session as md, jsonl, tsv or srt", runExport},
		{"db", "db check|compact       check or compact the database file", runDB},
		{"glossary", "glossary               list, set, rm or import a script's glossary", runGlossary},
		{"serve", "serve                  host the TUI over SSH (--ssh) and the SSE API (--http)", runServe},
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

// commandFor picks the subcommand named by args[0]; nil means the TUI.
func commandFor(args []string) (*command, []string) {
	if len(args) == 0 {
		return nil, args
	}
	for _, c := range commands() {
		if args[0] == c.name {
			return &c, args[1:]
		}
	}
	return nil, args
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
