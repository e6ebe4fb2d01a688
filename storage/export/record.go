package export

import (
	"bufio"
	"encoding/json"
	"time"

	"github.com/yeok/yeok/model"
)

// Record is the JSON shape of one entry, in JSON-lines exports and `yeok history --json`.
// Translation is the text exactly as the model sent it; Clean, when present, is the same
// text after output hygiene; Approved, when present, is the translation a person approved or
// corrected. A person should read Approved, else Clean, else Translation, else Refusal.
// Times are RFC 3339; durations are whole milliseconds.
type Record struct {
	ID             uint64       `json:"id"`
	Session        uint64       `json:"session"`
	Script         string       `json:"script,omitempty"`
	Created        time.Time    `json:"created"`
	Finished       time.Time    `json:"finished,omitzero"`
	From           string       `json:"from"` // "auto" when the model detected it
	To             string       `json:"to"`
	Status         model.Status `json:"status"`
	Source         string       `json:"source"`
	Translation    string       `json:"translation"`
	Clean          string       `json:"clean,omitempty"`
	Refusal        string       `json:"refusal,omitempty"`
	Error          string       `json:"error,omitempty"`
	ErrorClass     string       `json:"error_class,omitempty"`
	Model          string       `json:"model"`
	TTFTMillis     int64        `json:"ttft_ms"`
	DurationMillis int64        `json:"duration_ms"`
	Usage          model.Usage  `json:"usage"`
	Flags          []model.Flag `json:"flags,omitempty"`
	Cue            *CueRecord   `json:"cue,omitempty"`
	// Group is shared by the entries of one line sent into several targets at once.
	Group uint64 `json:"group,omitempty"`
	// Approved is the translation a person approved (the model's, as it is) or corrected,
	// and ApprovedAt when; Translation and Clean still say what the model sent.
	Approved   string    `json:"approved,omitempty"`
	ApprovedAt time.Time `json:"approved_at,omitzero"`
	// Memory is the id of the earlier entry whose translation this one reused from the
	// translation memory, without asking the model; absent when the model was asked.
	Memory uint64 `json:"memory,omitempty"`
}

// CueRecord is a subtitle span in milliseconds.
type CueRecord struct {
	StartMs int64 `json:"start_ms"`
	EndMs   int64 `json:"end_ms"`
}

// NewRecord converts an entry to its JSON record.
func NewRecord(e model.Entry) Record {
	r := Record{
		ID: e.ID, Session: e.SessionID, Script: e.ScriptID, Created: e.Created, Finished: e.Finished,
		From: e.From.String(), To: e.To.String(), Status: e.Status, Source: e.Source,
		Translation: e.Text, Clean: e.Clean, Refusal: e.Refusal, Error: e.Error,
		ErrorClass: string(e.ErrorClass), Model: e.Model, TTFTMillis: e.FirstToken.Milliseconds(),
		DurationMillis: e.Duration.Milliseconds(), Usage: e.Usage, Flags: e.Flags, Group: e.Group,
		Approved: e.Approved, ApprovedAt: e.ApprovedAt, Memory: e.Memory,
	}
	if e.Cue != nil {
		r.Cue = &CueRecord{StartMs: e.Cue.Start.Milliseconds(), EndMs: e.Cue.End.Milliseconds()}
	}
	return r
}

// jsonlEncoder writes one Record per line.
type jsonlEncoder struct{}

func (jsonlEncoder) header(*bufio.Writer, Meta) error { return nil }
func (jsonlEncoder) footer(*bufio.Writer) error       { return nil }

func (jsonlEncoder) entry(w *bufio.Writer, e model.Entry, _ *model.Entry) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(NewRecord(e))
}
