package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/yeok/yeok/model"
)

// streamAll runs req into every target at once (a body with "langs") and writes one stream:
// each piece of text as an event named by its target ("event: ko-KR"), then, once all are
// finished, an "event: error" for each target that did not finish ("ja-JP: failed: ..."),
// then one "data: [DONE]". When no target sent anything and every one failed, the answer is
// the first one's error status and JSON, as for one target. release is called as soon as
// every entry is stored.
func (s *Server) streamAll(sctx context.Context, w http.ResponseWriter, r *http.Request, release func(), req model.Request, targets []model.Language) {
	ctx, cancel := context.WithCancelCause(sctx)
	defer cancel(nil)
	sw := newSSEWriter(w, func(error) { cancel(errClientGone) })
	defer sw.Close()
	defer sw.keepAlive(s.cfg.KeepAlive)()

	// upErrs is written by emit, which TranslateAll never calls from two streams at once,
	// and read after it returns.
	upErrs := map[model.Language]*model.Error{}
	emit := func(ev model.Event) {
		switch ev.Kind {
		case model.EventDelta:
			sw.DeltaAs(string(ev.To), ev.Text)
		case model.EventError:
			upErrs[ev.To] = ev.Err
		case model.EventRetry:
			class := model.ErrorClass("")
			if ev.Err != nil {
				class = ev.Err.Class
			}
			s.log.Info("upstream retry", "to", string(ev.To), "attempt", ev.Attempt, "wait", ev.Wait, "class", string(class))
		}
	}
	entries, err := s.tr.TranslateAll(ctx, req, targets, emit)
	cause := context.Cause(ctx)
	release()
	if err != nil {
		s.log.Error("http store", "op", "translate", "owner", string(req.Owner), "script", req.ScriptID, "err", err)
	}

	// problems holds, in the order of targets, the line of each target that did not finish;
	// first is the answer for a request none of whose targets sent anything.
	var problems []string
	var first *failure
	for _, e := range entries {
		if e.ID == 0 {
			problems = append(problems, string(e.To)+": failed: could not store the entry")
			if first == nil {
				first = &failure{status: http.StatusInternalServerError, code: "store_error", message: "could not log the request"}
			}
			continue
		}
		attrs := []any{"owner", string(req.Owner), "script", req.ScriptID, "entry", e.ID, "to", string(e.To),
			"group", e.Group, "status", string(e.Status), "ttft", e.FirstToken, "duration", e.Duration, "remote", clientIP(r)}
		if e.Status != model.StatusDone {
			attrs = append(attrs, "class", string(e.ErrorClass), "err", e.Error)
		}
		s.log.Info("translate", attrs...)
		if e.Status == model.StatusDone {
			continue
		}
		problems = append(problems, string(e.To)+": "+e.Problem())
		if first == nil {
			f := upstreamFailure(e, upErrs[e.To])
			f.message = string(e.To) + ": " + f.message
			first = &f
		}
	}

	switch {
	case r.Context().Err() != nil, errors.Is(cause, errClientGone):
		// Nobody is listening; the entries are stored as cancelled.
	case errors.Is(cause, errShutdown):
		if sw.Started() {
			sw.Fail(string(model.StatusInterrupted) + ": " + errShutdown.Error())
		} else {
			writeError(w, http.StatusServiceUnavailable, "shutting_down", errShutdown.Error())
		}
	case !sw.Started() && len(problems) == len(entries) && first != nil:
		first.write(w)
	default:
		for _, p := range problems {
			sw.Fail(p)
		}
		sw.Done()
	}
}
