package llm

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/yeok/yeok/model"
)

// Log is what the engine writes a translation to and reads a script's context and glossary
// from. *storage.Store satisfies it; the engine never knows which store it is.
type Log interface {
	// Begin logs req as a pending entry, committed before it returns.
	Begin(ctx context.Context, req model.Request) (model.Entry, error)
	// Finish stores the final state of an entry begun by Begin, in one commit.
	Finish(ctx context.Context, e model.Entry) (model.Entry, error)
	// ScriptPairs returns the last n done pairs of a script into the target to, oldest
	// first.
	ScriptPairs(ctx context.Context, owner model.Owner, script string, to model.Language, n int) ([]model.Pair, error)
	// Script returns a script's record (its glossary); model.ErrNotFound when it has none.
	Script(ctx context.Context, owner model.Owner, id string) (model.Script, error)
}

// Provider streams one answer from a model server. *openai.Provider satisfies it.
//
// Stream calls emit synchronously for every event and returns how the stream ended; it
// never panics and returns promptly when ctx ends.
type Provider interface {
	Stream(ctx context.Context, req model.Request, emit func(model.Event)) model.Result
	// Model is the model a request that names none is sent to.
	Model() string
}

// DefaultContext is how many earlier done pairs of a script a request carries.
const DefaultContext = 6

// finishTimeout bounds the final write of an entry, which outlives the caller's context.
const finishTimeout = 5 * time.Second

// Options tune an Engine.
type Options struct {
	// Context is how many earlier done pairs of a script a request carries: 0 means
	// DefaultContext, a negative value none.
	Context int
	// Now stamps finished entries; nil means time.Now.
	Now func() time.Time
	// NoMemory turns the translation memory off: every request goes to the model.
	NoMemory bool
}

// Engine carries out translations end to end, the one home of a translation's lifecycle:
// prepare the request (script context, glossary, notes for a retry), log it pending, stream
// it from the provider, tidy the answer, finish the entry. Every front door (the TUI, SSH,
// pipe, follow, the HTTP API) calls Translate; none of them logs or finishes an entry.
// It is safe for concurrent use.
type Engine struct {
	provider Provider
	log      Log
	context  int
	now      func() time.Time
	memory   bool
}

// New builds an engine over a provider and a log.
func New(p Provider, log Log, opts Options) *Engine {
	e := &Engine{provider: p, log: log, context: opts.Context, now: opts.Now, memory: !opts.NoMemory}
	switch {
	case e.context == 0:
		e.context = DefaultContext
	case e.context < 0:
		e.context = 0
	}
	if e.now == nil {
		e.now = time.Now
	}
	return e
}

// Model is the model a request that names none is sent to.
func (e *Engine) Model() string { return e.provider.Model() }

// Translate carries out req end to end and returns the finished, stored entry. It fills in
// the model, the script's context and glossary and, for a retry after glossary misses
// (req.Missed), notes that name them; looks the source up in the translation memory when
// the log keeps one (see Memory), reusing an exact hit without a request and giving a near
// one to the model as a hint; logs the entry pending before the request leaves;
// streams it, calling emit for each event (tagged with the entry's id) on the caller's
// goroutine; tidies the answer; and finishes the entry in one commit, even when ctx has
// ended (the person pressed Esc, a client went away). The final event (EventDone or
// EventError) is emitted after that commit and carries the stored status. Each delta's
// Show, and the final event's, is the text a person may see as the answer streams, with a
// preface line held back and dropped.
//
// A translation whose ctx ended with a *model.Error as its cause (a server shutting down, an
// SSH session's time limit: the front door stopping it, not the person) is stored as that
// error says, interrupted; any other cancellation is stored cancelled. err is set only when the log failed; a failed translation is an entry with
// StatusFailed.
func (e *Engine) Translate(ctx context.Context, req model.Request, emit func(model.Event)) (model.Entry, error) {
	return e.translate(ctx, req, nil, emit)
}

// translate is Translate with a Resend for a send that ends rate limited.
func (e *Engine) translate(ctx context.Context, req model.Request, again Resend, emit func(model.Event)) (model.Entry, error) {
	if req.Model == "" {
		req.Model = e.provider.Model()
	}
	if err := e.prepare(ctx, &req); err != nil {
		return model.Entry{}, err
	}
	if hit, ok, err := e.recall(ctx, &req); err != nil {
		return model.Entry{}, err
	} else if ok {
		return e.reuse(ctx, req, hit, emit)
	}
	ent, err := e.log.Begin(ctx, req)
	if err != nil {
		return ent, fmt.Errorf("log entry: %w", err)
	}
	emit(model.Event{Kind: model.EventLogged, Entry: ent.ID})
	return e.send(ctx, ent, req, again, model.Usage{}, emit)
}

// send streams req into ent, an entry logged pending for it, tidies the answer and
// finishes the entry; share is usage of a batch the entry was in, added to its own.
func (e *Engine) send(ctx context.Context, ent model.Entry, req model.Request, again Resend, share model.Usage, emit func(model.Event)) (model.Entry, error) {
	show := newShown(req)
	res := e.stream(ctx, req, again, func(ev model.Event) {
		ev.Entry = ent.ID
		switch ev.Kind {
		case model.EventDone, model.EventError:
			return // the final event is emitted once the entry is stored
		case model.EventDelta:
			ev.Show = show.delta(ev.Text)
		}
		emit(ev)
	})
	ent.Apply(res, e.now())
	ent.Usage = addUsage(ent.Usage, share)
	tidy(&ent, req)
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finishTimeout)
	defer cancel()
	fin, err := e.log.Finish(fctx, ent)
	if err != nil {
		return ent, fmt.Errorf("finish entry %d: %w", ent.ID, err)
	}
	final := model.Event{Kind: model.EventDone, Entry: fin.ID, Finish: res.Finish, Status: fin.Status, Show: show.end(fin)}
	if res.Err != nil {
		final.Kind, final.Err = model.EventError, res.Err
	}
	emit(final)
	return fin, nil
}

// stopped gives a cancelled result the error its context ended with, when that is a
// *model.Error: the front door, not the person, stopped the translation.
func stopped(ctx context.Context, res model.Result) model.Result {
	var stop *model.Error
	if res.Status != model.StatusCancelled || !errors.As(context.Cause(ctx), &stop) {
		return res
	}
	res.Status, res.Err = model.StatusForError(stop.Class), stop
	return res
}

// ScriptContexter is a Log that reads a script's context pairs and its record in one go:
// the last n done pairs into to (none when n is 0) and the record, found false when the
// script has none. *storage.Store implements it; the engine uses it, when the log has it,
// to read once instead of twice before a request leaves.
type ScriptContexter interface {
	ScriptContext(ctx context.Context, owner model.Owner, script string, to model.Language, n int) ([]model.Pair, model.Script, bool, error)
}

// prepare fills in a script request's context pairs and glossary terms, and the notes of a
// retry that names the glossary terms the last answer missed.
func (e *Engine) prepare(ctx context.Context, req *model.Request) error {
	if req.ScriptID == "" {
		return nil
	}
	n := 0
	if e.context > 0 && req.Context == nil {
		n = e.context
	}
	sc, found, err := e.scriptContext(ctx, req, n)
	if err != nil || !found {
		return err
	}
	req.Glossary = TermsIn(req.Source, sc.Glossary)
	req.Notes = append(req.Notes, missedNotes(req.Missed, sc.Glossary)...)
	return nil
}

// scriptContext sets req.Context to the script's last n pairs (when n > 0) and returns
// its record, found false when it has none.
func (e *Engine) scriptContext(ctx context.Context, req *model.Request, n int) (model.Script, bool, error) {
	if sr, ok := e.log.(ScriptContexter); ok {
		pairs, sc, found, err := sr.ScriptContext(ctx, req.Owner, req.ScriptID, req.To, n)
		if err != nil {
			return model.Script{}, false, fmt.Errorf("read context of script %s: %w", req.ScriptID, err)
		}
		if n > 0 {
			req.Context = pairs
		}
		return sc, found, nil
	}
	if n > 0 {
		pairs, err := e.log.ScriptPairs(ctx, req.Owner, req.ScriptID, req.To, n)
		if err != nil {
			return model.Script{}, false, fmt.Errorf("read context of script %s: %w", req.ScriptID, err)
		}
		req.Context = pairs
	}
	sc, err := e.log.Script(ctx, req.Owner, req.ScriptID)
	switch {
	case errors.Is(err, model.ErrNotFound):
		return model.Script{}, false, nil
	case err != nil:
		return model.Script{}, false, fmt.Errorf("read glossary of script %s: %w", req.ScriptID, err)
	}
	return sc, true, nil
}

// tidy runs output hygiene on a finished entry: the cleaned text and the flags a person
// should see; an entry that did not finish only loses a reasoning block it starts with. The
// raw text stays in e.Text.
func tidy(e *model.Entry, req model.Request) {
	c := TidyPartial(e.Text)
	if e.Status == model.StatusDone || e.Status == model.StatusTruncated {
		c = Tidy(req.Source, e.Text, req.To, req.Glossary)
	}
	e.Clean, e.Flags = c.Clean, c.Flags
}
