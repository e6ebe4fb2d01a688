package openai

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/yeok/yeok/llm"
	"github.com/yeok/yeok/model"
)

// Stream sends req and calls emit for every event, synchronously, in order, on the caller's
// goroutine: EventRetry before each retry (with the attempt number, the wait and the error
// that caused it), EventDelta and EventRefusal pieces, EventUsage, and finally exactly one
// EventDone (a finish reason was seen) or EventError (it was not).
//
// Retries happen only before the first piece of text, for rate limits, 408/409/5xx answers
// and unreachable servers, as the server's x-should-retry and retry-after headers allow. A
// stream that ends without a finish reason is interrupted and keeps its partial text; so does
// one that carried an error of its own (failed). When ctx ends Stream returns promptly with
// StatusCancelled and the partial text.
//
// Result.Text is what the model sent in this stream, raw; for a req.Continue request it is
// only the continuation, to be joined to req.Continue by the caller. Stream never panics: a
// panic, even one raised by emit, ends the stream with model.ClassInternal.
func (e *Provider) Stream(ctx context.Context, req model.Request, emit func(model.Event)) (res model.Result) {
	s := &streamer{e: e, emit: emit, start: time.Now()}
	defer func() {
		if p := recover(); p != nil {
			if !s.ended {
				err := e.newError(model.ClassInternal, 0, fmt.Errorf("panic: %v", p), "internal error: %v", p)
				func() {
					defer func() { _ = recover() }() // emit may panic again
					s.end(model.Event{Kind: model.EventError, Err: err})
				}()
			}
			res = s.res
		}
	}()
	name := strings.TrimSpace(req.Model)
	if name == "" {
		name = e.model
	}
	creq := e.chatRequest(req, name)
	for n := 1; ; n++ {
		s.res.Attempts = n
		f := s.attempt(ctx, creq, name)
		if f != nil && creq.ResponseFormat != nil && f.err.Class == model.ClassBadRequest && !s.text && ctx.Err() == nil {
			// The server does not take response_format: the batch asks for numbered
			// lines instead, now and from now on.
			e.plainBatches.Store(true)
			creq = e.chatRequest(req, name)
			f = s.attempt(ctx, creq, name)
		}
		switch {
		case f == nil:
			s.end(model.Event{Kind: model.EventDone, Finish: s.res.Finish})
			return s.res
		case f.retry && n <= e.maxRetries && !s.text && ctx.Err() == nil:
			wait := e.backoff(n-1, f.err.RetryAfter)
			s.emit(model.Event{Kind: model.EventRetry, Attempt: n + 1, Wait: wait, Err: f.err})
			if sleep(ctx, wait) {
				continue
			}
			*f = e.cancelled(ctx)
		}
		s.end(model.Event{Kind: model.EventError, Err: f.err})
		return s.res
	}
}

// finishGrace is how long a stream may stay silent after its finish reason before it is
// closed: only usage and [DONE] can still come, and some servers never close.
const finishGrace = time.Second

// streamer is the state of one Stream call.
type streamer struct {
	e     *Provider
	emit  func(model.Event)
	start time.Time
	res   model.Result
	out   strings.Builder // the text so far
	ref   strings.Builder // the refusal so far
	text  bool            // some text or refusal arrived: no more retries
	ended bool            // the final event was emitted
	chunk chunk           // reused for every data line
}

// end fills in the result and emits the final event e (EventDone or EventError).
func (s *streamer) end(ev model.Event) {
	s.res.Text = s.out.String()
	s.res.Refusal = s.ref.String()
	s.res.Duration = time.Since(s.start)
	if ev.Kind == model.EventDone {
		s.res.Status = model.StatusForFinish(s.res.Finish, s.res.Refusal != "")
	} else {
		s.res.Err = ev.Err
		s.res.Status = model.StatusForError(ev.Err.Class)
	}
	ev.Status = s.res.Status
	s.ended = true
	s.emit(ev)
}

// attempt makes one request and reads its stream. It returns nil when a finish reason was
// seen, else why not.
func (s *streamer) attempt(ctx context.Context, creq openai.ChatCompletionRequest, name string) *failure {
	e := s.e
	at := &attempt{}
	// The request's context ends with ctx, with the watchdog or when the attempt returns,
	// except that the body of a stream that ended with [DONE] outlives the attempt for a
	// moment: it is read to its end so that its connection can be used again (see
	// eventStream.Close), which a cancelled caller must not cut short.
	actx, stop := context.WithCancelCause(context.WithoutCancel(withAttempt(ctx, at)))
	at.unlink = context.AfterFunc(ctx, func() { stop(context.Cause(ctx)) })
	at.stop = stop
	endWatch := e.watch(actx, stop, at, time.Now())
	defer func() {
		endWatch()
		if !at.draining {
			at.unlink()
			stop(nil)
		}
	}()

	stream, err := e.client.CreateChatCompletionStream(actx, creq)
	if err != nil {
		if at.body != nil {
			_ = at.body.Close() // go-openai reads an error body but never closes it
		}
		f := e.requestFailure(ctx, actx, at, name, err)
		return &f
	}
	defer stream.Close()
	if at.nonStream != nil {
		return s.nonStream(at)
	}
	for {
		raw, err := at.events.next()
		if err != nil {
			if s.res.Finish != "" {
				// The answer is complete; a missing [DONE] or usage chunk changes nothing.
				return nil
			}
			f := e.streamFailure(ctx, actx, err, s.text)
			return &f
		}
		at.chunks.Add(1)
		if f := s.handle(raw, at); f != nil {
			return f
		}
	}
}

// handle takes one data line of the stream.
func (s *streamer) handle(raw []byte, at *attempt) *failure {
	if len(raw) == 0 {
		return &failure{err: s.e.upstream("", errors.New("empty error line in stream"))}
	}
	if raw[0] != '{' {
		return nil // not JSON ("[HEARTBEAT]" and such): nothing to take
	}
	c := &s.chunk
	if err := c.parse(raw); err != nil {
		return &failure{err: s.e.newError(model.ClassUpstream, 0, err, "server sent a malformed stream chunk")}
	}
	if msg, ok := c.failure(); ok {
		return &failure{err: s.e.upstream(msg, errors.New("error in stream"))}
	}
	for i := range c.Choices {
		ch := &c.Choices[i]
		if ch.Index != 0 {
			continue
		}
		s.take(at, ch.Delta.Content, ch.Delta.Refusal)
		if ch.FinishReason != "" {
			s.res.Finish = ch.FinishReason
			at.finished.Store(true)
		}
	}
	if c.Usage != nil {
		s.usage(c.Usage.usage())
	}
	return nil
}

// take records a piece of the answer and of a refusal, either of which may be empty, and
// emits each.
func (s *streamer) take(at *attempt, content, refusal string) {
	if content != "" {
		s.got(at)
		s.out.WriteString(content)
		s.emit(model.Event{Kind: model.EventDelta, Text: content})
	}
	if refusal != "" {
		s.got(at)
		s.ref.WriteString(refusal)
		s.emit(model.Event{Kind: model.EventRefusal, Text: refusal})
	}
}

// got notes that text arrived: the first-token clock stops and retries end.
func (s *streamer) got(at *attempt) {
	if s.text {
		return
	}
	s.text = true
	s.res.FirstToken = time.Since(s.start)
	at.content.Store(true)
}

func (s *streamer) usage(u model.Usage) {
	s.res.Usage = u
	s.emit(model.Event{Kind: model.EventUsage, Usage: &u})
}

// nonStream judges a 200 answer that was not an event stream. A complete chat completion
// (the server ignored "stream") is used as if it had streamed in one piece; an error object
// fails with its message; anything else fails as not streaming. It never ends done without
// text.
func (s *streamer) nonStream(at *attempt) *failure {
	e := s.e
	var c completion
	if err := c.parse(at.nonStream); err == nil {
		if msg, ok := c.failure(); ok {
			return &failure{err: e.upstream(msg, errors.New("error body with status 200"))}
		}
		if ch, ok := c.answer(); ok {
			s.take(at, ch.Message.Content, ch.Message.Refusal)
			if c.Usage != nil {
				s.usage(c.Usage.usage())
			}
			s.res.Finish = ch.FinishReason
			return nil
		}
	}
	kind := at.notStreamT
	if kind == "" {
		kind = "no content type"
	}
	return &failure{err: e.newError(model.ClassNotStreaming, 200, errors.New("response is not an event stream"),
		"server did not stream (got %s); check --base-url", kind)}
}

// watch stops the attempt when no text arrives within the first-token timeout, or, once
// text has started, when no data chunk arrives within the idle timeout, or, once a finish
// reason was seen, when nothing more (usage, [DONE]) arrives within finishGrace, until the
// returned end is called. It polls a chunk counter on a timer instead of resetting a timer
// on every chunk, which keeps the per-chunk cost at one atomic add; the timer's check runs
// only when it fires, so a server with a thousand streams waiting keeps no goroutine per
// stream for it.
func (e *Provider) watch(actx context.Context, stop context.CancelCauseFunc, at *attempt, start time.Time) (end func()) {
	tick := min(e.firstToken, e.idle) / 8
	tick = max(min(tick, time.Second), time.Millisecond)
	var mu sync.Mutex // orders a check's re-arming after end
	ended := false
	var seen uint64
	last := start
	var t *time.Timer
	mu.Lock() // held until t is set, which the check reads
	defer mu.Unlock()
	t = time.AfterFunc(tick, func() {
		mu.Lock()
		defer mu.Unlock()
		if ended || actx.Err() != nil {
			return
		}
		now := time.Now()
		if n := at.chunks.Load(); n != seen {
			seen, last = n, now
		}
		switch {
		case at.finished.Load():
			if now.Sub(last) >= min(e.idle, finishGrace) {
				stop(errIdle)
				return
			}
		case !at.content.Load():
			if now.Sub(start) >= e.firstToken {
				stop(errNoFirstToken)
				return
			}
		case now.Sub(last) >= e.idle:
			stop(errIdle)
			return
		}
		t.Reset(tick)
	})
	return func() {
		mu.Lock()
		defer mu.Unlock()
		ended = true
		t.Stop()
	}
}

// chatRequest converts req into go-openai's request type.
func (e *Provider) chatRequest(req model.Request, name string) openai.ChatCompletionRequest {
	var format *openai.ChatCompletionResponseFormat
	if len(req.Batch) > 0 && !e.plainBatches.Load() {
		req.BatchJSON = true
		format = &openai.ChatCompletionResponseFormat{Type: openai.ChatCompletionResponseFormatTypeJSONSchema,
			JSONSchema: &openai.ChatCompletionResponseFormatJSONSchema{Name: "translations", Schema: llm.BatchSchema(len(req.Batch)), Strict: true}}
	}
	msgs := llm.Messages(req)
	out := make([]openai.ChatCompletionMessage, len(msgs))
	for i, m := range msgs {
		out[i] = openai.ChatCompletionMessage{Role: m.Role, Content: m.Content}
	}
	temp := e.temperature
	if reasoningModel(name) {
		temp = 0 // omitted: these models take only their default
	}
	return openai.ChatCompletionRequest{
		Model:          name,
		Messages:       out,
		Temperature:    temp,
		Stream:         true,
		StreamOptions:  &openai.StreamOptions{IncludeUsage: true},
		ResponseFormat: format,
	}
}
