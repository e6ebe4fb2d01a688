package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/yeok/yeok/model"
)

// errorBody is the JSON every error answer carries:
// {"error": {"message": "...", "code": "..."}}.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Message string `json:"message"`
	Code    string `json:"code"`
}

// writeError answers with status and a JSON error. message must already be safe to show.
func writeError(w http.ResponseWriter, status int, code, message string) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(errorBody{Error: errorDetail{Message: message, Code: code}})
}

// failure is how a stream that produced no text is answered: a status, a code and one line.
type failure struct {
	status     int
	code       string
	message    string
	retryAfter time.Duration
}

// write sends f as a JSON error.
func (f failure) write(w http.ResponseWriter) {
	if f.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((f.retryAfter+time.Second-1)/time.Second)))
	}
	writeError(w, f.status, f.code, f.message)
}

// upstreamFailure maps an entry that ended without text to an answer. up is the stream's
// error event, when there was one (it carries the upstream HTTP status and retry hint).
// Stalls and upstream timeouts are 504; problems the server's operator must fix (the API key,
// the model, the quota, the configuration) are 502 "upstream rejected the request"; other
// upstream failures are 502; a refusal is 422. Messages are the engine's sanitised line,
// which never holds the API key.
func upstreamFailure(e model.Entry, up *model.Error) failure {
	msg := e.Error
	if msg == "" && up != nil {
		msg = model.SanitizeLine(up.Message)
	}
	f := failure{status: http.StatusBadGateway, code: "upstream_error"}
	if up != nil {
		f.retryAfter = up.RetryAfter
	}
	switch e.Status {
	case model.StatusRefused:
		f.status, f.code = http.StatusUnprocessableEntity, "refused"
		f.message = "the model refused to translate this message"
		if e.Refusal != "" {
			f.message += ": " + model.SanitizeLine(e.Refusal)
		}
		return f
	case model.StatusTruncated:
		f.message = "the answer hit the model's length limit before any text"
		return f
	case model.StatusDone:
		f.message = "the model answered with no text"
		return f
	}
	if msg == "" {
		msg = string(e.Status)
	}
	upStatus := 0
	if up != nil {
		upStatus = up.Status
	}
	switch {
	case e.ErrorClass == model.ClassStalled,
		upStatus == http.StatusGatewayTimeout, upStatus == http.StatusRequestTimeout:
		f.status, f.code = http.StatusGatewayTimeout, "upstream_timeout"
		f.message = "upstream timed out: " + msg
	case e.ErrorClass == model.ClassAuth, e.ErrorClass == model.ClassNotFound,
		e.ErrorClass == model.ClassQuota, e.ErrorClass == model.ClassConfig,
		e.ErrorClass == model.ClassBadRequest:
		f.code = "upstream_rejected"
		f.message = "upstream rejected the request: " + msg
	case e.ErrorClass == model.ClassInternal:
		f.status, f.code = http.StatusInternalServerError, "internal"
		f.message = "internal error: " + msg
	default:
		f.message = "upstream failed: " + msg
	}
	return f
}
