// Package pipeline runs one translation end to end for yeok's non-interactive front doors
// (pipe mode, follow, the HTTP API): log the entry as pending in its own commit, stream it,
// finish the entry in one commit.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/yeok/yeok/llm/openai"
	"github.com/yeok/yeok/model"
	"github.com/yeok/yeok/storage"
)

// Runner translates requests against one store and one engine. A request for a script
// carries the script's last done pairs as context and the glossary terms its source
// contains; every answer goes through output hygiene before it is stored.
type Runner struct {
	Store  *storage.Store
	Engine *openai.Provider
	// Context is how many earlier done pairs of a script a request carries (0: none).
	Context int
	// Now stamps finished entries; nil means time.Now.
	Now func() time.Time
}

// Prepare fills in a script's context pairs and the glossary terms of req's source.
func (r *Runner) Prepare(ctx context.Context, req *model.Request) error {
	if req.ScriptID == "" {
		return nil
	}
	if r.Context > 0 {
		pairs, err := r.Store.ScriptPairs(ctx, req.Owner, req.ScriptID, r.Context)
		if err != nil {
			return fmt.Errorf("read context of script %s: %w", req.ScriptID, err)
		}
		req.Context = pairs
	}
	terms, err := r.glossaryFor(ctx, *req)
	if err != nil {
		return err
	}
	req.Glossary = terms
	return nil
}

// Run logs req, streams it, calling emit with the logged entry and each event, and stores
// the outcome. The returned entry is the stored one; err is set only when the store failed.
// The entry is finished even when ctx ends (Ctrl+C, a client gone): it is stored cancelled,
// with the partial text. When the cause of ctx's end is a *model.Error, that is how the
// stream ended instead: a server shutting down interrupts its streams, it does not cancel
// them.
func (r *Runner) Run(ctx context.Context, req model.Request, emit func(model.Entry, model.Event)) (model.Entry, error) {
	if err := r.Prepare(ctx, &req); err != nil {
		return model.Entry{}, err
	}
	e, err := r.Store.Begin(ctx, req)
	if err != nil {
		return e, fmt.Errorf("log entry: %w", err)
	}
	res := r.Engine.Stream(ctx, req, func(ev model.Event) { emit(e, ev) })
	var stop *model.Error
	if res.Status == model.StatusCancelled && errors.As(context.Cause(ctx), &stop) {
		res.Status, res.Err = model.StatusForError(stop.Class), stop
	}
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	e.Apply(res, now())
	Tidy(&e, req)
	fin, err := r.Store.Finish(context.WithoutCancel(ctx), e)
	if err != nil {
		return e, fmt.Errorf("finish entry %d: %w", e.ID, err)
	}
	return fin, nil
}

// Fatal reports error classes that would fail every further request the same way, so a
// batch stops at the first of them.
func Fatal(c model.ErrorClass) bool {
	switch c {
	case model.ClassAuth, model.ClassNotFound, model.ClassQuota, model.ClassUnreachable,
		model.ClassConfig, model.ClassCancelled:
		return true
	}
	return false
}

// Problem is the one line a person reads about an entry that is not done.
func Problem(e model.Entry) string {
	switch e.Status {
	case model.StatusTruncated:
		return fmt.Sprintf("entry %d truncated: the answer hit the model's length limit", e.ID)
	case model.StatusRefused:
		if e.Refusal != "" {
			return fmt.Sprintf("entry %d refused: %s", e.ID, model.SanitizeLine(e.Refusal))
		}
		return fmt.Sprintf("entry %d refused by the model", e.ID)
	}
	if e.Error != "" {
		return fmt.Sprintf("entry %d %s: %s", e.ID, e.Status, e.Error)
	}
	return fmt.Sprintf("entry %d %s", e.ID, e.Status)
}
