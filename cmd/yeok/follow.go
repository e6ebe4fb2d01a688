package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/yeok/yeok/cmd/yeok/internal/follow"
	"github.com/yeok/yeok/llm"
	"github.com/yeok/yeok/model"
)

// followPoll is how often a followed file is checked: a stat a few dozen times a second
// costs nothing, and a line waits at most this long before its translation starts.
const followPoll = 25 * time.Millisecond

const followSynopsis = "yeok follow [flags] FILE|-   (translate each new complete line as it lands; - follows stdin)"

func runFollow(ctx context.Context, args []string, io stdio, getenv env) error {
	var f commonFlags
	fs := newFlagSet("follow", &f)
	fromStart := fs.Bool("from-start", false, "translate the lines already in the file first")
	jsonOut := fs.Bool("json", false, "print one JSON object per event instead of text")
	pos, err := parseCommand(fs, args, io.out, followSynopsis)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErrorf("follow: name one FILE to follow, or - for stdin")
	}
	c, err := resolveConfig(&f, getenv)
	if err != nil {
		return err
	}
	c = useLocalServer(ctx, c, getenv, io.err)
	eng, st, err := openEngine(ctx, c)
	if err != nil {
		return err
	}
	defer st.Close()
	var lines <-chan follow.Line
	var errs <-chan error
	if pos[0] == "-" {
		lines, errs = follow.LinesFrom(ctx, io.in, follow.Options{})
	} else if lines, errs, err = follow.Lines(ctx, pos[0], follow.Options{FromStart: *fromStart, Poll: followPoll}); err != nil {
		return err // it names the file
	}
	sess, err := st.NewSession(ctx, model.LocalOwner, model.Session{Origin: "follow", ScriptID: c.ScriptID, From: c.From, To: c.To})
	if err != nil {
		return fmt.Errorf("start session: %w", err)
	}
	fl := &follower{
		engine:  eng,
		out:     newEventPrinter(io.out, *jsonOut),
		errw:    io.err,
		limit:   c.MaxInput,
		req:     model.Request{Owner: model.LocalOwner, SessionID: sess.ID, ScriptID: c.ScriptID, From: c.From, To: c.To, Model: c.Model},
		targets: c.Targets,
	}
	if err := fl.run(ctx, lines); err != nil {
		return err
	}
	if err := <-errs; err != nil {
		return err // it names the file, or stdin
	}
	if fl.failed > 0 {
		return fmt.Errorf("%d of %d lines not translated", fl.failed, fl.seen)
	}
	return nil
}

// follower translates followed lines one at a time, in order. Lines that land while one is
// translating wait in the follower's source (the file, or the pipe), so none is dropped.
type follower struct {
	engine *llm.Engine
	out    *eventPrinter
	errw   io.Writer
	limit  int
	req    model.Request
	// targets are the languages each line goes into; nil means req.To alone.
	targets []model.Language
	// onFirst, when set, is told when the first token of a line's translation arrived.
	onFirst func(line int, at time.Time)

	mu                       sync.Mutex // guards the counts, read by progress reports
	seen, translated, failed int
}

// translatedSoFar is the number of lines translated until now.
func (f *follower) translatedSoFar() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.translated
}

func (f *follower) count(n *int) {
	f.mu.Lock()
	*n++
	f.mu.Unlock()
}

func (f *follower) run(ctx context.Context, lines <-chan follow.Line) error {
	for line := range lines {
		text := strings.TrimRight(line.Text, "\r")
		if strings.TrimSpace(text) == "" {
			continue
		}
		f.count(&f.seen)
		if err := model.CheckSource(text, f.limit); err != nil {
			f.count(&f.failed)
			fmt.Fprintf(f.errw, "yeok: line %d: %v\n", line.Number, err)
			continue
		}
		req := f.req
		req.Source = text
		targets := f.targets
		if len(targets) == 0 {
			targets = []model.Language{req.To}
		}
		first := true
		out := f.out.line(targets)
		entries, err := f.engine.TranslateAll(ctx, req, targets, func(ev model.Event) {
			if first && ev.Kind == model.EventDelta && f.onFirst != nil {
				first = false
				f.onFirst(line.Number, time.Now())
			}
			out.event(ev)
		})
		if err != nil {
			return err
		}
		if err := out.finish(entries); err != nil {
			return fmt.Errorf("write output: %w", err)
		}
		if errors.Is(ctx.Err(), context.Canceled) && cancelled(entries) {
			return nil
		}
		problems, fatal := lineReport(f.errw, entries, len(targets) > 1)
		if len(problems) == 0 {
			f.count(&f.translated)
			continue
		}
		f.count(&f.failed)
		for _, p := range problems {
			fmt.Fprintf(f.errw, "yeok: %s\n", p)
		}
		if fatal {
			return fmt.Errorf("%s", problems[len(problems)-1])
		}
	}
	return nil
}

// cancelled reports whether a line's translation was stopped by the caller: some entry
// is cancelled and every other one is done or cancelled too.
func cancelled(entries []model.Entry) bool {
	stopped := false
	for _, e := range entries {
		switch e.Status {
		case model.StatusCancelled:
			stopped = true
		case model.StatusDone:
		default:
			return false
		}
	}
	return stopped
}
