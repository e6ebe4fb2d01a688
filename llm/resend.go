package llm

import (
	"context"

	"github.com/yeok/yeok/model"
)

// Resend is asked, when a send ends rate limited (after the provider's own retries) before
// any text, whether to send it again into the same pending entries, so that a line keeps
// its place in the log however often it is sent. It blocks until the send may go again and
// returns true, or returns false to finish the entries as they are (the caller gave up, or
// ctx ended). It may be called by several streams at once.
type Resend func(ctx context.Context, err *model.Error) bool

// stream sends req, and sends it again for as long as again allows when it ends rate
// limited. Each send but the last ends in an EventRetry instead of its final event.
func (e *Engine) stream(ctx context.Context, req model.Request, again Resend, emit func(model.Event)) model.Result {
	for n := 1; ; n++ {
		var final model.Event
		res := e.provider.Stream(ctx, req, func(ev model.Event) {
			if ev.Kind == model.EventDone || ev.Kind == model.EventError {
				final = ev
				return
			}
			emit(ev)
		})
		res = stopped(ctx, res)
		if again == nil || res.Err == nil || res.Err.Class != model.ClassRateLimit || res.Text != "" || res.Refusal != "" {
			emit(final)
			return res
		}
		emit(model.Event{Kind: model.EventRetry, Attempt: n + 1, Err: res.Err})
		if !again(ctx, res.Err) {
			if ctx.Err() != nil {
				res = stopped(ctx, model.Result{Status: model.StatusCancelled,
					Err: &model.Error{Class: model.ClassCancelled, Message: "cancelled", Cause: context.Cause(ctx)}})
			}
			final.Kind, final.Err, final.Status = model.EventError, res.Err, res.Status
			emit(final)
			return res
		}
	}
}

// addUsage is a and b counted together.
func addUsage(a, b model.Usage) model.Usage {
	return model.Usage{PromptTokens: a.PromptTokens + b.PromptTokens, CompletionTokens: a.CompletionTokens + b.CompletionTokens,
		TotalTokens: a.TotalTokens + b.TotalTokens}
}
