package model

import "time"

// EventKind says what a stream Event carries.
type EventKind string

// The kinds of stream events, in the order a stream can produce them.
const (
	// EventLogged: the entry is logged as pending; Event.Entry is its id. It comes first,
	// before the request leaves.
	EventLogged EventKind = "logged"
	// EventRetry: a request failed before any text and will be retried after Wait.
	EventRetry EventKind = "retry"
	// EventDelta: a piece of the translation.
	EventDelta EventKind = "delta"
	// EventRefusal: a piece of a refusal.
	EventRefusal EventKind = "refusal"
	// EventUsage: token counts.
	EventUsage EventKind = "usage"
	// EventDone: the stream ended with a finish reason.
	EventDone EventKind = "done"
	// EventError: the stream ended without one; Err says why.
	EventError EventKind = "error"
)

// Event is one thing that happened on a stream.
type Event struct {
	Kind EventKind `json:"type"`
	// Entry is the id of the logged entry the event belongs to (0 before it is logged).
	Entry uint64 `json:"entry,omitempty"`
	// To is the target of the stream the event belongs to, when a line goes into several.
	To   Language `json:"to,omitempty"`
	Text string   `json:"text,omitempty"`
	// Show is the text a person may see now, as the engine's hygiene passes it on: on a
	// delta, the delta without a preface line held back; on the final event, whatever was
	// still held. Front doors that write as the answer streams write Show, sanitised.
	Show   string `json:"-"`
	Usage  *Usage `json:"usage,omitempty"`
	Finish string `json:"finish_reason,omitempty"`
	Status Status `json:"status,omitempty"`
	Err    *Error `json:"error,omitempty"`
	// Attempt and Wait describe a retry: attempt n (1-based) starts after Wait.
	Attempt int           `json:"attempt,omitempty"`
	Wait    time.Duration `json:"wait_ns,omitempty"`
}

// Result is how a stream ended, with everything the store needs to finish the entry.
type Result struct {
	Status     Status        `json:"status"`
	Text       string        `json:"translation"`
	Refusal    string        `json:"refusal,omitempty"`
	Finish     string        `json:"finish_reason,omitempty"`
	Usage      Usage         `json:"usage"`
	Err        *Error        `json:"error,omitempty"`
	FirstToken time.Duration `json:"ttft_ns"`
	Duration   time.Duration `json:"duration_ns"`
	Attempts   int           `json:"attempts"`
}

// StatusForFinish maps a finish reason to the status of an entry that saw it.
func StatusForFinish(reason string, refused bool) Status {
	switch {
	case refused || reason == "content_filter":
		return StatusRefused
	case reason == "length":
		return StatusTruncated
	case reason == "":
		return StatusInterrupted
	default:
		// "stop", and servers' own words for it ("eos", "end_turn", "tool_calls").
		return StatusDone
	}
}
