package llm

import (
	"context"
	"fmt"

	"github.com/yeok/yeok/model"
)

// TranslateBatch carries out several lines into one target in one request. reqs are the
// lines in input order, each as Translate would take it (same owner, session, script and
// target; the first line's Preceding are the source lines before the batch). emit gets
// each line's events with its index in reqs, never two at once.
//
// Each line is its own entry, logged pending in order before the request leaves; an exact
// translation memory hit is reused without being sent. The batch carries the script's
// context pairs as they are when it starts, the glossary terms of all its lines, and the
// lines numbered; the answer (JSON keyed by number, or "N: text" lines, see ParseBatch) is
// checked line by line. A line the answer gives once, and not empty, is finished with its
// own text, tidied on its own; every other line (missing, repeated, empty, or all of them
// when the batch failed without a fatal cause) is sent again on its own into the same
// entry, as Translate sends one. The batch's usage is split across the entries it was
// sent for (the remainder on the first), so the store's total stays the server's. A
// batch that ends with a fatal class or cancelled finishes every line with that outcome.
// A send that ends rate limited asks again, as TranslateAllWith does.
//
// It returns the finished entries in the order of reqs; err is set only when the log
// failed.
func (e *Engine) TranslateBatch(ctx context.Context, reqs []model.Request, again Resend, emit func(int, model.Event)) ([]model.Entry, error) {
	out := make([]model.Entry, len(reqs))
	var sent []int // the lines of reqs the batch request carries
	for i := range reqs {
		r := &reqs[i]
		if r.Model == "" {
			r.Model = e.provider.Model()
		}
		if err := e.prepare(ctx, r); err != nil {
			return out, err
		}
		probe := *r
		hit, ok, err := e.recall(ctx, &probe)
		if err != nil {
			return out, err
		}
		lineEmit := func(ev model.Event) { emit(i, ev) }
		if ok {
			if out[i], err = e.reuse(ctx, *r, hit, lineEmit); err != nil {
				return out, err
			}
			continue
		}
		ent, err := e.log.Begin(ctx, *r)
		if err != nil {
			return out, fmt.Errorf("log entry: %w", err)
		}
		out[i] = ent
		sent = append(sent, i)
		emit(i, model.Event{Kind: model.EventLogged, Entry: ent.ID})
	}
	if len(sent) == 0 {
		return out, nil
	}
	breq := batchRequest(reqs, sent)
	res := e.stream(ctx, breq, again, func(ev model.Event) {
		if ev.Kind == model.EventRetry {
			for _, i := range sent {
				ev.Entry = out[i].ID
				emit(i, ev)
			}
		}
	})
	shares := splitUsage(res.Usage, len(sent))
	if res.Status == model.StatusCancelled || (res.Err != nil && res.Err.Class.Fatal()) {
		for k, i := range sent {
			r := res
			r.Text, r.Refusal, r.Usage = "", "", shares[k]
			var err error
			if out[i], err = e.finishLine(ctx, out[i], reqs[i], r, emit, i); err != nil {
				return out, err
			}
		}
		return out, nil
	}
	texts, ok := ParseBatch(res.Text, breq.Batch)
	var bad []int
	for k, i := range sent {
		if !ok[k] {
			bad = append(bad, k)
			continue
		}
		r := model.Result{Status: model.StatusDone, Text: texts[k], Finish: "stop", Usage: shares[k],
			FirstToken: res.FirstToken, Duration: res.Duration, Attempts: res.Attempts}
		var err error
		if out[i], err = e.finishLine(ctx, out[i], reqs[i], r, emit, i); err != nil {
			return out, err
		}
	}
	for _, k := range bad {
		i := sent[k]
		var err error
		if out[i], err = e.send(ctx, out[i], reqs[i], again, shares[k], func(ev model.Event) { emit(i, ev) }); err != nil {
			return out, err
		}
	}
	return out, nil
}

// batchRequest is the one request that carries the lines sent of a batch.
func batchRequest(reqs []model.Request, sent []int) model.Request {
	first := reqs[sent[0]]
	b := model.Request{Owner: first.Owner, SessionID: first.SessionID, ScriptID: first.ScriptID, From: first.From, To: first.To,
		Model: first.Model, Context: first.Context, Preceding: reqs[0].Preceding, NoMemory: first.NoMemory}
	seen := map[string]bool{}
	for _, i := range sent {
		b.Batch = append(b.Batch, reqs[i].Source)
		for _, t := range reqs[i].Glossary {
			if !seen[t.Term] {
				seen[t.Term] = true
				b.Glossary = append(b.Glossary, t)
			}
		}
	}
	return b
}

// finishLine finishes a batch line's entry with its part of the batch's outcome, tidied
// for its own source, and emits its text and final event.
func (e *Engine) finishLine(ctx context.Context, ent model.Entry, req model.Request, res model.Result, emit func(int, model.Event), i int) (model.Entry, error) {
	ent.Apply(res, e.now())
	tidy(&ent, req)
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finishTimeout)
	defer cancel()
	fin, err := e.log.Finish(fctx, ent)
	if err != nil {
		return ent, fmt.Errorf("finish entry %d: %w", ent.ID, err)
	}
	if text := fin.ModelText(); text != "" {
		emit(i, model.Event{Kind: model.EventDelta, Entry: fin.ID, Text: fin.Text, Show: text})
	}
	if u := fin.Usage; u != (model.Usage{}) {
		emit(i, model.Event{Kind: model.EventUsage, Entry: fin.ID, Usage: &u})
	}
	final := model.Event{Kind: model.EventDone, Entry: fin.ID, Finish: res.Finish, Status: fin.Status}
	if res.Err != nil {
		final.Kind, final.Err = model.EventError, res.Err
	}
	emit(i, final)
	return fin, nil
}

// splitUsage splits u into n parts whose sum is u, the remainder on the first.
func splitUsage(u model.Usage, n int) []model.Usage {
	out := make([]model.Usage, n)
	if n == 0 {
		return out
	}
	split := func(total int, set func(*model.Usage, int)) {
		for k := range out {
			part := total / n
			if k == 0 {
				part += total % n
			}
			set(&out[k], part)
		}
	}
	split(u.PromptTokens, func(x *model.Usage, v int) { x.PromptTokens = v })
	split(u.CompletionTokens, func(x *model.Usage, v int) { x.CompletionTokens = v })
	split(u.TotalTokens, func(x *model.Usage, v int) { x.TotalTokens = v })
	return out
}
