package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/yeok/yeok/model"
	"github.com/yeok/yeok/storage/export"
)

// indexText is the page GET / shows.
const indexText = `yeok HTTP API

POST /translate      {"lang": "ko-KR", "message": "..."}, header x-script-id: <script>
                     streams Server-Sent Events: "data: <piece>" per piece, "data: [DONE]" last,
                     or "event: error" with a one-line cause
                     {"langs": ["ko-KR", "ja-JP"], ...} streams every target at once, each event
                     named by its target ("event: ko-KR"), an "event: error" naming each target
                     that failed, then one "data: [DONE]"
GET  /scripts/{id}   the entries of a script, oldest first, as JSON: "text" is the translation
                     to read (the approved one when a person approved or corrected it),
                     "approved" that text and "memory" the entry it was reused from
GET  /healthz        "ok"
`

// handleIndex is GET /: the endpoints, in plain text.
func (s *Server) handleIndex(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, indexText)
}

// handleHealth is GET /healthz.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = io.WriteString(w, "ok\n")
}

// scriptLine is one entry of GET /scripts/{id}: the record of `yeok history --json` and
// JSON-lines exports (translation and clean stay the model's; approved is a person's), and
// Text, the translation to read: the approved one when there is one.
type scriptLine struct {
	export.Record
	Text string `json:"text"`
}

// handleScript is GET /scripts/{id}: the caller's entries of one script in script order.
func (s *Server) handleScript(w http.ResponseWriter, r *http.Request) {
	c, ok := s.admit(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	if err := checkScriptID(id); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_script_id", err.Error())
		return
	}
	ctx := r.Context()
	if _, err := s.st.Script(ctx, c.owner, id); err != nil {
		if errors.Is(err, model.ErrNotFound) {
			writeError(w, http.StatusNotFound, "not_found", "no script "+id)
			return
		}
		s.log.Error("http store", "op", "script", "owner", string(c.owner), "err", err)
		writeError(w, http.StatusInternalServerError, "store_error", "could not read the script")
		return
	}
	entries, err := s.st.Entries(ctx, c.owner, model.EntryQuery{ScriptID: id, Oldest: true})
	if err != nil {
		s.log.Error("http store", "op", "entries", "owner", string(c.owner), "err", err)
		writeError(w, http.StatusInternalServerError, "store_error", "could not read the script")
		return
	}
	records := make([]scriptLine, 0, len(entries))
	for _, e := range entries {
		records = append(records, scriptLine{Record: export.NewRecord(e), Text: e.Display()})
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(records)
}
