package openai

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/yeok/yeok/llm/llmtest"
	"github.com/yeok/yeok/model"
)

// fakeKey is a recognisable API key that must never show up in an error or event.
const fakeKey = llmtest.Key

// testEngine returns an engine for u with fast retries and short timeouts, changed by opts.
func testEngine(t *testing.T, base string, opts ...func(*Config)) *Provider {
	t.Helper()
	cfg := Config{
		BaseURL:           base,
		APIKey:            fakeKey,
		Model:             "gpt-4o-mini",
		FirstTokenTimeout: 5 * time.Second,
		IdleTimeout:       5 * time.Second,
	}
	for _, o := range opts {
		o(&cfg)
	}
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.backoffBase = time.Millisecond
	return e
}

// run streams a request and returns the events and the result, checking the invariants
// every stream must keep.
func run(t *testing.T, ctx context.Context, e *Provider, req model.Request) ([]model.Event, model.Result) {
	t.Helper()
	var evs []model.Event
	res := e.Stream(ctx, req, func(ev model.Event) { evs = append(evs, ev) })
	checkInvariants(t, evs, res)
	return evs, res
}

func checkInvariants(t *testing.T, evs []model.Event, res model.Result) {
	t.Helper()
	if len(evs) == 0 {
		t.Fatal("no events")
	}
	var text, refusal strings.Builder
	for i, ev := range evs {
		final := ev.Kind == model.EventDone || ev.Kind == model.EventError
		if final != (i == len(evs)-1) {
			t.Fatalf("event %d of %d is %s: want exactly one final event, last", i, len(evs), ev.Kind)
		}
		switch ev.Kind {
		case model.EventDelta:
			text.WriteString(ev.Text)
		case model.EventRefusal:
			refusal.WriteString(ev.Text)
		}
		assertNoKey(t, fmt.Sprintf("event %d", i), ev)
	}
	last := evs[len(evs)-1]
	if last.Status != res.Status {
		t.Errorf("final event status %q, result %q", last.Status, res.Status)
	}
	if last.Kind == model.EventError && (last.Err == nil || res.Err == nil || last.Err != res.Err) {
		t.Errorf("error event %+v does not carry the result's error %+v", last.Err, res.Err)
	}
	if last.Kind == model.EventDone && (res.Err != nil || res.Finish == "" || res.Status == model.StatusInterrupted) {
		t.Errorf("done without a finish reason or with an error: %+v", res)
	}
	if text.String() != res.Text || refusal.String() != res.Refusal {
		t.Errorf("deltas %q / refusal %q differ from the result %q / %q", text.String(), refusal.String(), res.Text, res.Refusal)
	}
	assertNoKey(t, "result", res)
}

// assertNoKey fails when the fake key appears in v, its error messages or causes.
func assertNoKey(t *testing.T, what string, v any) {
	t.Helper()
	s := fmt.Sprintf("%+v", v)
	var err *model.Error
	switch x := v.(type) {
	case model.Event:
		err = x.Err
	case model.Result:
		err = x.Err
	}
	if err != nil {
		s += err.Message + err.Error()
		if err.Cause != nil {
			s += err.Cause.Error() + fmt.Sprintf("%+v %#v", err.Cause, err.Cause.Error())
		}
	}
	if strings.Contains(s, fakeKey) || strings.Contains(s, "FAKEKEY") {
		t.Errorf("%s shows the API key: %s", what, s)
	}
}

// kinds lists the kinds of evs.
func kinds(evs []model.Event) []model.EventKind {
	out := make([]model.EventKind, len(evs))
	for i, ev := range evs {
		out[i] = ev.Kind
	}
	return out
}

// count counts the events of one kind.
func count(evs []model.Event, k model.EventKind) int {
	n := 0
	for _, ev := range evs {
		if ev.Kind == k {
			n++
		}
	}
	return n
}

func request(source string) model.Request {
	return model.Request{Source: source, To: model.MustLanguage("ko"), From: model.Auto}
}
