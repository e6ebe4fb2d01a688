package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/yeok/yeok/model"
)

// errClientGone is the cancel cause of a stream whose client stopped reading.
var errClientGone = errors.New("the client went away")

// translateBody is the JSON a client posts. Pointers tell a missing field from an empty one.
// Fields other than these are ignored, as the original service did.
type translateBody struct {
	// Lang is the target language, a BCP 47 tag such as "ko-KR".
	Lang *string `json:"lang"`
	// Langs, instead of Lang, are several targets translated at once in one stream.
	Langs *[]string `json:"langs"`
	// Message is the text to translate.
	Message *string `json:"message"`
	// From is the source language; missing or "auto" lets the model detect it.
	From *string `json:"from"`
}

// handleTranslate is POST /translate: check, log, stream.
//
// The script is the x-script-id header. A request without one goes to a script of its own
// per client: "http-<token name>" with authentication, else "http-<client IP>".
func (s *Server) handleTranslate(w http.ResponseWriter, r *http.Request) {
	c, ok := s.admit(w, r)
	if !ok {
		return
	}
	req, targets, bad := s.readTranslate(w, r, c)
	if bad != nil {
		s.log.Info("http refused", "reason", bad.code, "owner", string(c.owner), "remote", clientIP(r))
		bad.write(w)
		return
	}
	// admit charged the request once; each target after the first is one more.
	if len(targets) > 1 && !s.charge(w, r, c, len(targets)-1) {
		return
	}
	sctx, release, status, msg := s.acquire(r.Context(), max(len(targets), 1))
	if sctx == nil {
		s.log.Warn("http refused", "reason", "concurrency", "owner", string(c.owner), "remote", clientIP(r))
		code := "too_many_streams"
		if status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "1")
		} else {
			code = "shutting_down"
		}
		writeError(w, status, code, msg)
		return
	}
	defer release()
	sid, err := s.session(sctx, req.Owner, req.ScriptID, req.To)
	if err != nil {
		s.log.Error("http store", "op", "new session", "owner", string(req.Owner), "err", err)
		writeError(w, http.StatusInternalServerError, "store_error", "could not log the request")
		return
	}
	req.SessionID = sid
	if targets != nil {
		s.streamAll(sctx, w, r, release, req, targets)
		return
	}
	s.stream(sctx, w, r, release, req)
}

// stream runs req and writes its events; release is called as soon as the entry is stored.
func (s *Server) stream(sctx context.Context, w http.ResponseWriter, r *http.Request, release func(), req model.Request) {
	ctx, cancel := context.WithCancelCause(sctx)
	defer cancel(nil)
	sw := newSSEWriter(w, func(error) { cancel(errClientGone) })
	defer sw.Close()
	defer sw.keepAlive(s.cfg.KeepAlive)()

	var mu sync.Mutex
	var upErr *model.Error
	emit := func(ev model.Event) {
		switch ev.Kind {
		case model.EventDelta:
			sw.Delta(ev.Text)
		case model.EventError:
			mu.Lock()
			upErr = ev.Err
			mu.Unlock()
		case model.EventRetry:
			class := model.ErrorClass("")
			if ev.Err != nil {
				class = ev.Err.Class
			}
			s.log.Info("upstream retry", "attempt", ev.Attempt, "wait", ev.Wait, "class", string(class))
		}
	}
	e, err := s.tr.Translate(ctx, req, emit)
	cause := context.Cause(ctx)
	release()
	mu.Lock()
	up := upErr
	mu.Unlock()

	if err != nil {
		s.log.Error("http store", "op", "translate", "owner", string(req.Owner), "script", req.ScriptID, "entry", e.ID, "err", err)
		if sw.Started() {
			sw.Fail("failed: could not store the entry")
		} else {
			writeError(w, http.StatusInternalServerError, "store_error", "could not log the request")
		}
		return
	}
	attrs := []any{"owner", string(req.Owner), "script", req.ScriptID, "entry", e.ID,
		"status", string(e.Status), "ttft", e.FirstToken, "duration", e.Duration, "remote", clientIP(r)}
	if e.Status != model.StatusDone {
		attrs = append(attrs, "class", string(e.ErrorClass), "err", e.Error)
	}
	s.log.Info("translate", attrs...)

	switch {
	case r.Context().Err() != nil, errors.Is(cause, errClientGone):
		// Nobody is listening; the entry is stored as cancelled.
	case e.Status == model.StatusDone:
		sw.Done()
	case errors.Is(cause, errShutdown):
		if sw.Started() {
			sw.Fail(string(model.StatusInterrupted) + ": " + errShutdown.Error())
		} else {
			writeError(w, http.StatusServiceUnavailable, "shutting_down", errShutdown.Error())
		}
	case sw.Started():
		sw.Fail(e.Problem())
	default:
		upstreamFailure(e, up).write(w)
	}
}

// readTranslate checks the request's content type, script id and body, in that order, and
// builds the model request. targets is nil for a body with "lang", the targets of one with
// "langs". A refusal comes back as a failure to answer with.
func (s *Server) readTranslate(w http.ResponseWriter, r *http.Request, c caller) (req model.Request, targets []model.Language, _ *failure) {
	bad := func(status int, code, format string, args ...any) (model.Request, []model.Language, *failure) {
		return model.Request{}, nil, &failure{status: status, code: code, message: fmt.Sprintf(format, args...)}
	}
	// A missing content type is tolerated (older clients omit it); a wrong one is refused.
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, params, err := mime.ParseMediaType(ct)
		cs, hasCS := params["charset"]
		if err != nil || mt != "application/json" ||
			(hasCS && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "utf8")) {
			return bad(http.StatusUnsupportedMediaType, "unsupported_media_type",
				"send the body as application/json (UTF-8)")
		}
	}
	script := defaultScript(c)
	switch ids := r.Header.Values("X-Script-Id"); len(ids) {
	case 0:
	case 1:
		if err := checkScriptID(ids[0]); err != nil {
			return bad(http.StatusBadRequest, "invalid_script_id", "%v", err)
		}
		script = ids[0]
	default:
		return bad(http.StatusBadRequest, "invalid_script_id", "x-script-id given more than once")
	}

	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return bad(http.StatusRequestEntityTooLarge, "body_too_large",
				"the body is over the limit of %s", model.ByteSize(int(tooBig.Limit)))
		}
		return bad(http.StatusBadRequest, "bad_body", "could not read the body")
	}
	if !utf8.Valid(raw) {
		return bad(http.StatusBadRequest, "bad_json", "the body is not valid UTF-8")
	}
	var body translateBody
	if err := json.Unmarshal(raw, &body); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && strings.HasPrefix(typeErr.Field, "langs") {
			return bad(http.StatusBadRequest, "bad_json", `langs must be a list of tags such as ["ko-KR", "ja-JP"]`)
		}
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			return bad(http.StatusBadRequest, "bad_json", "%s must be a string", typeErr.Field)
		}
		return bad(http.StatusBadRequest, "bad_json",
			`the body is not valid JSON; send {"lang": "ko-KR", "message": "..."}`)
	}

	var to model.Language
	switch {
	case body.Langs != nil && body.Lang != nil:
		return bad(http.StatusBadRequest, "invalid_lang", "give lang or langs, not both")
	case body.Langs != nil:
		if targets, err = s.readTargets(*body.Langs); err != nil {
			return bad(http.StatusBadRequest, "invalid_lang", "%v", err)
		}
		to = targets[0]
	case body.Lang == nil || strings.TrimSpace(*body.Lang) == "":
		return bad(http.StatusBadRequest, "invalid_lang", "lang is missing: give the target language as a BCP 47 tag such as ko-KR")
	default:
		if to, err = model.ParseLanguage(*body.Lang); err != nil {
			return bad(http.StatusBadRequest, "invalid_lang", "lang: %v", err)
		}
		if to.IsAuto() {
			return bad(http.StatusBadRequest, "invalid_lang", "lang must name a target language, not auto")
		}
	}
	from := model.Auto
	if body.From != nil {
		if from, err = model.ParseLanguage(*body.From); err != nil {
			return bad(http.StatusBadRequest, "invalid_lang", "from: %v", err)
		}
	}
	if body.Message == nil {
		return bad(http.StatusBadRequest, "invalid_message", "message is missing")
	}
	if err := model.CheckSource(*body.Message, s.cfg.MaxInput); err != nil {
		if errors.Is(err, model.ErrInputTooLarge) {
			return bad(http.StatusRequestEntityTooLarge, "message_too_large", "message: %v", err)
		}
		return bad(http.StatusBadRequest, "invalid_message", "message: %v", err)
	}
	return model.Request{
		Owner: c.owner, ScriptID: script, Source: *body.Message,
		From: from, To: to, Model: s.cfg.Model,
	}, targets, nil
}

// readTargets checks a body's "langs": one tag an element, at least one, duplicates
// collapsed, at most the configured number. The error names the tag at fault.
func (s *Server) readTargets(langs []string) ([]model.Language, error) {
	if len(langs) == 0 {
		return nil, errors.New(`langs is empty: give the target languages as BCP 47 tags such as ["ko-KR", "ja-JP"]`)
	}
	for _, l := range langs {
		if strings.Contains(l, ",") {
			return nil, fmt.Errorf("langs: %q: give one tag an element", l)
		}
		if strings.TrimSpace(l) == "" {
			return nil, errors.New("langs: an element is empty")
		}
	}
	targets, err := model.ParseTargets(langs, s.cfg.MaxTargets)
	if err != nil {
		return nil, fmt.Errorf("langs: %w", err)
	}
	return targets, nil
}
