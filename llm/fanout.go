package llm

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/yeok/yeok/model"
)

// TranslateAll carries out one source line into several targets at once: one entry per
// target, all streaming in parallel, each as Translate carries out one. With more than one
// target the entries share a new request id (model.Entry.Group), and each target has its
// own script context (the script's earlier translations into that target). Every event is
// tagged with its target (Event.To) and emit is never called by two streams at once; the
// events of one target keep their order. One target failing, or its log failing, does not
// stop the others.
//
// The targets are logged in their order (each begins once the one before it is logged),
// so that the ids of a line's entries, and every list of them, follow the order of
// targets; they then stream side by side.
//
// It returns the finished entries in the order of targets; an entry whose log failed is
// the zero entry with its To set, and err joins those failures, each naming its target.
func (e *Engine) TranslateAll(ctx context.Context, req model.Request, targets []model.Language, emit func(model.Event)) ([]model.Entry, error) {
	return e.TranslateAllWith(ctx, req, targets, nil, emit)
}

// TranslateAllWith is TranslateAll, and a target whose send ends rate limited asks again
// whether to send it again into its same pending entry (nil: never), so the line's entries
// keep their place in the log (see Resend). Meanwhile the target's stream emits an
// EventRetry, not its final event.
func (e *Engine) TranslateAllWith(ctx context.Context, req model.Request, targets []model.Language, again Resend, emit func(model.Event)) ([]model.Entry, error) {
	if len(targets) == 1 {
		req.To = targets[0]
		ent, err := e.translate(ctx, req, again, func(ev model.Event) {
			ev.To = req.To
			emit(ev)
		})
		return []model.Entry{ent}, err
	}
	if req.Group == 0 {
		req.Group = model.NewGroup()
	}
	var (
		mu     sync.Mutex
		wg     sync.WaitGroup
		out    = make([]model.Entry, len(targets))
		errs   = make([]error, len(targets))
		logged = make([]chan struct{}, len(targets)) // closed once target i is logged, or failed to be
	)
	for i := range logged {
		logged[i] = make(chan struct{})
	}
	for i, to := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var once sync.Once
			done := func() { once.Do(func() { close(logged[i]) }) }
			defer done()
			if i > 0 {
				<-logged[i-1]
			}
			r := req
			r.To = to
			ent, err := e.translate(ctx, r, again, func(ev model.Event) {
				ev.To = to
				if ev.Kind == model.EventLogged {
					defer done()
				}
				mu.Lock()
				defer mu.Unlock()
				emit(ev)
			})
			if err != nil {
				ent.To = to
				err = fmt.Errorf("%s: %w", to, err)
			}
			out[i], errs[i] = ent, err
		}()
	}
	wg.Wait()
	return out, errors.Join(errs...)
}
