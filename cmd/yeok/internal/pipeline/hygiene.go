package pipeline

import (
	"context"
	"errors"
	"fmt"

	"github.com/yeok/yeok/llm"
	"github.com/yeok/yeok/model"
)

// glossaryFor returns the terms of a script's glossary that occur in source.
func (r *Runner) glossaryFor(ctx context.Context, req model.Request) ([]model.GlossaryTerm, error) {
	sc, err := r.Store.Script(ctx, req.Owner, req.ScriptID)
	if errors.Is(err, model.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read glossary of script %s: %w", req.ScriptID, err)
	}
	return llm.TermsIn(req.Source, sc.Glossary), nil
}

// Tidy runs output hygiene on a finished entry: the cleaned text and the flags a person
// should see (echo, wrong script, glossary misses). The raw text stays in e.Text.
func Tidy(e *model.Entry, req model.Request) {
	if e.Status != model.StatusDone && e.Status != model.StatusTruncated {
		return
	}
	c := llm.Tidy(req.Source, e.Text, req.To, req.Glossary)
	e.Clean, e.Flags = c.Clean, c.Flags
}
