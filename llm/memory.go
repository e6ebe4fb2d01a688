package llm

import (
	"context"
	"fmt"

	"github.com/yeok/yeok/model"
)

// Memory is a log that keeps a translation memory. *storage.Store implements it; an
// engine over a log without one always asks the model.
type Memory interface {
	// Recall returns the best earlier translation for req (see model.Recollection): of the
	// same owner, into the same target, approved first, else done and unflagged.
	Recall(ctx context.Context, req model.Request) (model.Recollection, error)
}

// nearNote tells the model what the near match given as the last context pair is.
const nearNote = "The last earlier turn is a similar sentence translated before, not part of this text: keep its wording where the meaning is the same."

// recall looks req up in the translation memory, when the engine has one and req may use
// it. An exact hit whose translation misses a glossary term the source requires is not
// reused; a near hit is added to req as a hint.
func (e *Engine) recall(ctx context.Context, req *model.Request) (model.Entry, bool, error) {
	mem, ok := e.log.(Memory)
	if !ok || !e.memory || req.NoMemory || req.Continue != "" || len(req.Missed) > 0 {
		return model.Entry{}, false, nil
	}
	rec, err := mem.Recall(ctx, *req)
	if err != nil {
		return model.Entry{}, false, fmt.Errorf("look up the translation memory: %w", err)
	}
	switch {
	case rec.Exact() && len(GlossaryMisses(rec.Entry.Display(), req.Glossary)) == 0:
		return rec.Entry, true, nil
	case rec.Near():
		req.Context = append(req.Context, model.Pair{Source: rec.Entry.Source, Translation: rec.Entry.Display()})
		req.Notes = append(req.Notes, nearNote)
	}
	return model.Entry{}, false, nil
}

// reuse logs req as an entry that takes hit's translation, without a request: it costs no
// tokens and is marked as from memory (Entry.Memory).
func (e *Engine) reuse(ctx context.Context, req model.Request, hit model.Entry, emit func(model.Event)) (model.Entry, error) {
	ent, err := e.log.Begin(ctx, req)
	if err != nil {
		return ent, fmt.Errorf("log entry: %w", err)
	}
	emit(model.Event{Kind: model.EventLogged, Entry: ent.ID})
	text := hit.Display()
	emit(model.Event{Kind: model.EventDelta, Entry: ent.ID, Text: text, Show: text})
	ent.Apply(model.Result{Status: model.StatusDone, Text: text, Finish: "stop"}, e.now())
	ent.Memory = hit.ID
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finishTimeout)
	defer cancel()
	fin, err := e.log.Finish(fctx, ent)
	if err != nil {
		return ent, fmt.Errorf("finish entry %d: %w", ent.ID, err)
	}
	emit(model.Event{Kind: model.EventDone, Entry: fin.ID, Finish: "stop", Status: fin.Status})
	return fin, nil
}
