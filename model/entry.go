package model

import (
	"slices"
	"strings"
	"time"
)

// Owner is whoever a record belongs to: the local user ("local"), an SSH key ("ssh:" and its
// SHA256 fingerprint) or an HTTP API client ("http:" and its token name). Every store query
// is scoped to one owner.
type Owner string

// LocalOwner owns everything a person does on their own machine.
const LocalOwner Owner = "local"

// SSHOwner is the owner of an SSH public key, given its SHA256 fingerprint.
func SSHOwner(fingerprint string) Owner { return Owner("ssh:" + fingerprint) }

// HTTPOwner is the owner of an HTTP API token name.
func HTTPOwner(name string) Owner { return Owner("http:" + name) }

// Status is where an entry stands. Every status but StatusPending is final.
type Status string

// The statuses of an entry.
const (
	// StatusPending: logged, the request has left or is about to; no finish seen yet. An
	// entry still pending when its process died is reported as interrupted.
	StatusPending Status = "pending"
	// StatusDone: the model finished with finish reason "stop".
	StatusDone Status = "done"
	// StatusCancelled: the person (or the client) stopped it; the partial text is kept.
	StatusCancelled Status = "cancelled"
	// StatusInterrupted: the stream ended without a finish reason (closed, stalled, killed).
	StatusInterrupted Status = "interrupted"
	// StatusFailed: an error; Entry.Error says what.
	StatusFailed Status = "failed"
	// StatusTruncated: finish reason "length"; the text is incomplete and can be continued.
	StatusTruncated Status = "truncated"
	// StatusRefused: the model refused (a refusal delta or finish reason "content_filter").
	StatusRefused Status = "refused"
)

// Final reports whether s will not change any more.
func (s Status) Final() bool { return s != StatusPending && s != "" }

// OK reports whether s is a complete translation.
func (s Status) OK() bool { return s == StatusDone }

// Retryable reports whether a person would want to retry or continue the entry.
func (s Status) Retryable() bool { return s.Final() && s != StatusDone }

// Usage counts tokens as the server reported them.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// Pair is a finished source line and its translation, given as context to later requests.
type Pair struct {
	Source      string `json:"source"`
	Translation string `json:"translation"`
}

// GlossaryTerm fixes how a term is translated within a script.
type GlossaryTerm struct {
	Term        string `json:"term"`
	Translation string `json:"translation"`
}

// Cue is a subtitle time span carried over from an imported SRT file.
type Cue struct {
	Start time.Duration `json:"start"`
	End   time.Duration `json:"end"`
}

// Request is one translation to make. A front door builds it; the store logs it; the engine
// sends it.
type Request struct {
	Owner     Owner    `json:"owner"`
	SessionID uint64   `json:"session"`
	ScriptID  string   `json:"script,omitempty"`
	Source    string   `json:"source"`
	From      Language `json:"from"`
	To        Language `json:"to"`
	Model     string   `json:"model"`
	// Context holds earlier finished pairs of the same script, oldest first. The model must
	// keep their terms and register and must not translate them again.
	Context []Pair `json:"context,omitempty"`
	// Preceding holds the source lines that come just before Source in its input, oldest
	// first, when they may not be translated yet (lines sent in parallel): context only,
	// never to translate.
	Preceding []string `json:"preceding,omitempty"`
	// Glossary holds the script's terms that occur in Source.
	Glossary []GlossaryTerm `json:"glossary,omitempty"`
	// Notes are extra instructions for a retry, e.g. glossary terms the last answer missed.
	Notes []string `json:"notes,omitempty"`
	// Missed are the glossary terms the last answer did not use; a retry names them in a
	// note to the model.
	Missed []string `json:"missed,omitempty"`
	// Continue is the partial translation of a truncated entry that the model should go on
	// from; empty for a fresh translation.
	Continue string `json:"continue,omitempty"`
	// Cue is the subtitle time span of an imported SRT line.
	Cue *Cue `json:"cue,omitempty"`
	// Group is shared by the entries of one source line sent into several targets at once
	// (see NewGroup); zero for a line with one target.
	Group uint64 `json:"group,omitempty"`
	// NoMemory asks the model even when the translation memory holds this source (a retry
	// of an answer taken from memory, or --no-memory).
	NoMemory bool `json:"no_memory,omitempty"`
	// Batch holds the lines of a batch request, numbered from 1 in their order: the model
	// is asked for each line's translation keyed by its number (see llm.TranslateBatch).
	// A batch request is sent, never logged: each line is an entry of its own.
	Batch []string `json:"-"`
	// BatchJSON asks for a batch's answer as a JSON object keyed by line number; without
	// it, as "N: translation" lines. The provider sets it when it asks the server for
	// structured output.
	BatchJSON bool `json:"-"`
}

// Entry is one logged translation: one source text into one target language.
type Entry struct {
	ID        uint64    `json:"id"`
	Owner     Owner     `json:"-"`
	SessionID uint64    `json:"session"`
	ScriptID  string    `json:"script,omitempty"`
	Created   time.Time `json:"created"`
	Finished  time.Time `json:"finished,omitzero"`
	From      Language  `json:"from"`
	To        Language  `json:"to"`
	Model     string    `json:"model"`
	Source    string    `json:"source"`
	// Text is the translation exactly as the model sent it (raw, unsanitised).
	Text string `json:"translation"`
	// Clean is Text after output hygiene (preface and wrapping quotes removed); empty when
	// hygiene changed nothing or has not run.
	Clean string `json:"clean,omitempty"`
	// Refusal is the model's refusal text, when it refused.
	Refusal    string        `json:"refusal,omitempty"`
	Status     Status        `json:"status"`
	Finish     string        `json:"finish_reason,omitempty"`
	Error      string        `json:"error,omitempty"`
	ErrorClass ErrorClass    `json:"error_class,omitempty"`
	Usage      Usage         `json:"usage"`
	FirstToken time.Duration `json:"ttft_ns"`
	Duration   time.Duration `json:"duration_ns"`
	// Flags are warnings a person should see: glossary misses, echo, wrong script.
	Flags []Flag `json:"flags,omitempty"`
	Cue   *Cue   `json:"cue,omitempty"`
	// Group is the request id shared by the entries of one line sent into several targets;
	// zero for a line with one target.
	Group uint64 `json:"group,omitempty"`
	// Approved is the translation a person approved or corrected; empty when none was.
	// Text and Clean keep what the model sent.
	Approved   string    `json:"approved,omitempty"`
	ApprovedAt time.Time `json:"approved_at,omitzero"`
	// Memory is the id of the earlier entry whose translation this one reused from the
	// translation memory, without a request; zero when the model was asked.
	Memory uint64 `json:"memory,omitempty"`
}

// ModelText is what the model's answer says once tidied: Clean, else Text, else the
// refusal; the approved text left aside.
func (e Entry) ModelText() string {
	e.Approved = ""
	return e.Display()
}

// Display is the translation a person reads: the approved text when a person approved or
// corrected it, else Clean when hygiene changed the text, else Text, else the refusal.
func (e Entry) Display() string {
	switch {
	case e.Approved != "":
		return e.Approved
	case e.Clean != "":
		return e.Clean
	case slices.Contains(e.Flags, FlagReasoningOnly):
		return "" // the raw text is the model's reasoning, never the translation
	case e.Text != "":
		return e.Text
	default:
		return e.Refusal
	}
}

// Problem is the one sentence a person reads about an entry that is not done: its status
// and why ("failed: the API key was refused (401)…", "truncated: the answer hit the model's
// length limit"). Front doors that list several entries put "entry N " before it.
func (e Entry) Problem() string {
	head := string(e.Status)
	switch e.Status {
	case StatusTruncated:
		return head + ": the answer hit the model's length limit"
	case StatusRefused:
		if r := SanitizeLine(e.Refusal); r != "" {
			return head + ": " + r
		}
		return head + " by the model"
	}
	if e.Error != "" {
		return head + ": " + SanitizeLine(e.Error)
	}
	return head
}

// Session is one sitting: a TUI run, an SSH connection, a pipe run or an HTTP client's run.
type Session struct {
	ID       uint64    `json:"id"`
	Owner    Owner     `json:"-"`
	Origin   string    `json:"origin"`
	ScriptID string    `json:"script,omitempty"`
	Started  time.Time `json:"started"`
	Updated  time.Time `json:"updated"`
	// Title is the first source line of the session, cut short.
	Title   string   `json:"title"`
	From    Language `json:"from"`
	To      Language `json:"to"`
	Entries int      `json:"entries"`
	// LastGroup is the request id of the newest line sent into several targets, whose
	// first target To keeps.
	LastGroup uint64 `json:"last_group,omitempty"`
}

// Script is a named log that spans sessions, such as "lecture-01".
type Script struct {
	ID       string         `json:"id"`
	Owner    Owner          `json:"-"`
	Created  time.Time      `json:"created"`
	Updated  time.Time      `json:"updated"`
	From     Language       `json:"from"`
	To       Language       `json:"to"`
	Entries  int            `json:"entries"`
	Glossary []GlossaryTerm `json:"glossary,omitempty"`
	// Context is how many earlier pairs a request carries; nil means the default.
	Context *int `json:"context,omitempty"`
	// LastGroup is as Session's.
	LastGroup uint64 `json:"last_group,omitempty"`
}

// Title shortens the first line of s to at most n runes, for lists.
func Title(s string, n int) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	r := []rune(s)
	if len(r) > n && n > 1 {
		return string(r[:n-1]) + "…"
	}
	return s
}

// Apply copies a stream's outcome onto the entry that was logged for it.
func (e *Entry) Apply(r Result, finished time.Time) {
	e.Status = r.Status
	e.Text = r.Text
	e.Refusal = r.Refusal
	e.Finish = r.Finish
	e.Usage = r.Usage
	e.FirstToken = r.FirstToken
	e.Duration = r.Duration
	e.Finished = finished
	e.Error, e.ErrorClass = "", ""
	if r.Err != nil {
		e.Error = SanitizeLine(r.Err.Message)
		e.ErrorClass = r.Err.Class
	}
}

// EntryQuery selects entries of one owner. Zero fields do not filter.
type EntryQuery struct {
	SessionID uint64
	ScriptID  string
	// Search keeps entries whose source or translation contains the text, case-insensitively.
	Search string
	// Before keeps entries with an ID below it, for paging back from the newest.
	Before uint64
	// Limit caps how many entries come back (0: no cap).
	Limit int
	// Oldest returns entries oldest first (a script in reading order); by default the
	// newest come first.
	Oldest bool
	// Approved keeps entries a person approved or corrected.
	Approved bool
}
