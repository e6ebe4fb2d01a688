package openai

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/yeok/yeok/model"
)

// maxCause caps, in runes, how much of a server's own words goes into a message.
const maxCause = 300

// Causes given to an attempt's context when the watchdog stops it.
var (
	errNoFirstToken = errors.New("no text within the first-token timeout")
	errIdle         = errors.New("no data within the idle timeout")
)

// failure is a failed attempt: the error a person sees and whether another attempt may help.
type failure struct {
	err   *model.Error
	retry bool
}

// newError builds a model.Error whose message is one sanitised line and whose message and
// cause never show a secret (the API key, a password or query in the base URL), not even
// split by characters that sanitising removes.
func (e *Provider) newError(class model.ErrorClass, status int, cause error, format string, args ...any) *model.Error {
	msg := model.Redact(fmt.Sprintf(format, args...), e.secrets)
	if cause != nil {
		cause = &scrubbed{err: cause, secrets: e.secrets}
	}
	return &model.Error{Class: class, Message: msg, Status: status, Cause: cause}
}

// secretsOf lists what must never be shown: the key and the base URL's password and query.
// Keys shorter than 8 bytes ("ollama") are not secrets worth mangling messages for.
func secretsOf(key, base string) []string {
	var out []string
	add := func(s string) {
		if len(s) >= 8 {
			out = append(out, s)
		}
	}
	add(key)
	if u, err := url.Parse(base); err == nil {
		if p, ok := u.User.Password(); ok {
			add(p)
		}
		add(u.RawQuery)
	} else if i := strings.IndexAny(base, "?@"); i >= 0 {
		add(base[i+1:])
	}
	return out
}

// scrubbed is a cause whose text is one sanitised line with the secrets removed, as a
// message's; errors.Is and errors.As still see the original.
type scrubbed struct {
	err     error
	secrets []string
}

func (s *scrubbed) Error() string { return model.Redact(s.err.Error(), s.secrets) }

func (s *scrubbed) Unwrap() error { return s.err }

// cancelled is the failure of a stream whose context ended.
func (e *Provider) cancelled(ctx context.Context) failure {
	return failure{err: e.newError(model.ClassCancelled, 0, context.Cause(ctx), "cancelled")}
}

// stalled is the failure of an attempt the watchdog stopped, or nil.
func (e *Provider) stalled(actx context.Context) *failure {
	switch context.Cause(actx) {
	case errNoFirstToken:
		return &failure{err: e.newError(model.ClassStalled, 0, errNoFirstToken,
			"stalled: no answer from %s within %s", e.shownURL, e.firstToken)}
	case errIdle:
		return &failure{err: e.newError(model.ClassStalled, 0, errIdle,
			"stalled: no data from %s for %s", e.shownURL, e.idle)}
	}
	return nil
}

// requestFailure classifies an error from CreateChatCompletionStream: an HTTP error status,
// a transport error or a request go-openai refused to send.
func (e *Provider) requestFailure(ctx, actx context.Context, at *attempt, modelName string, err error) failure {
	if ctx.Err() != nil {
		return e.cancelled(ctx)
	}
	if f := e.stalled(actx); f != nil {
		return *f
	}
	var apiErr *openai.APIError
	var reqErr *openai.RequestError
	switch {
	case errors.As(err, &apiErr) && apiErr.HTTPStatusCode > 0:
		return e.httpFailure(at, apiErr.HTTPStatusCode, apiErr.Message, codeOf(apiErr), modelName, err)
	case errors.As(err, &reqErr) && reqErr.HTTPStatusCode > 0:
		msg, code := bodyMessage(reqErr.Body)
		return e.httpFailure(at, reqErr.HTTPStatusCode, msg, code, modelName, err)
	case at.status >= http.StatusBadRequest:
		return e.httpFailure(at, at.status, "", "", modelName, err)
	case errors.Is(err, openai.ErrChatCompletionInvalidModel), at.status == 0 && !isNetError(err):
		return failure{err: e.newError(model.ClassBadRequest, 0, err, "request not sent for model %q: %v", modelName, err)}
	}
	return e.netFailure(err)
}

// httpFailure classifies an HTTP error status, following the openai-python retry policy.
func (e *Provider) httpFailure(at *attempt, status int, msg, code, modelName string, cause error) failure {
	msg = strings.TrimSuffix(shorten(model.Redact(msg, e.secrets)), ".")
	statusText := fmt.Sprintf("%d %s", status, http.StatusText(status))
	var f failure
	var class model.ErrorClass
	var head, hint string
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		class, head, hint = model.ClassAuth, "the server rejected the API key ("+statusText+")", "check OPENAI_API_KEY or --base-url"
		if status == http.StatusForbidden {
			head = "access denied (" + statusText + ")"
		}
	case status == http.StatusNotFound:
		class, hint = model.ClassNotFound, "check --model or --base-url"
		head = fmt.Sprintf("model %q not found at %s (%s)", modelName, e.shownURL, statusText)
	case status == http.StatusTooManyRequests && code == "insufficient_quota":
		class, head, hint = model.ClassQuota, "quota exceeded (429 insufficient_quota)", "check the plan and billing of the API key"
	case status == http.StatusTooManyRequests:
		class, head, f.retry = model.ClassRateLimit, "rate limited ("+statusText+")", true
	case status == http.StatusRequestTimeout || status == http.StatusConflict || status >= 500:
		class, head, f.retry = model.ClassServer, fmt.Sprintf("server error %d (%s)", status, http.StatusText(status)), true
	default:
		class, head = model.ClassBadRequest, "request rejected ("+statusText+")"
	}
	line := head
	if msg != "" {
		line += ": " + msg
	}
	if hint != "" {
		line += "; " + hint
	}
	f.err = e.newError(class, status, cause, "%s", line)
	if ra, ok := retryAfter(at.header, time.Now()); ok {
		f.err.RetryAfter = ra
		if ra > MaxRetryAfter && f.retry {
			f.retry = false
			f.err.Message += fmt.Sprintf("; the server asks to wait %s", ra.Round(time.Second))
		}
	}
	switch strings.ToLower(at.header.Get("x-should-retry")) {
	case "true":
		f.retry = f.err.Class != model.ClassQuota && f.err.Class != model.ClassAuth &&
			f.err.RetryAfter <= MaxRetryAfter
	case "false":
		f.retry = false
	}
	return f
}

// netFailure classifies a transport error: the server could not be reached or hung up
// before answering.
func (e *Provider) netFailure(err error) failure {
	var dnsErr *net.DNSError
	var certErr *x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	why := ""
	retry := true
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		why = "connection refused"
	case errors.As(err, &dnsErr):
		why = "cannot resolve host " + dnsErr.Name
		if dnsErr.IsNotFound {
			why = "no such host " + dnsErr.Name
		}
	case errors.As(err, &certErr), errors.As(err, &hostErr), errors.As(err, &invalid):
		why, retry = "TLS certificate not accepted", false
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET):
		why = "connection closed before the server answered"
	case isTimeout(err):
		why = "connection timed out"
	default:
		why = innermost(err)
	}
	return failure{err: e.newError(model.ClassUnreachable, 0, err, "cannot reach %s: %s", e.shownURL, why), retry: retry}
}

// streamFailure classifies an error from reading the stream after a 200 answer.
func (e *Provider) streamFailure(ctx, actx context.Context, err error, text bool) failure {
	if ctx.Err() != nil {
		return e.cancelled(ctx)
	}
	if f := e.stalled(actx); f != nil {
		return *f
	}
	var apiErr *openai.APIError
	switch {
	case errors.As(err, &apiErr):
		return failure{err: e.upstream(apiErr.Message, err)}
	case errors.Is(err, errLineTooLong):
		return failure{err: e.newError(model.ClassUpstream, 0, err, "server sent a stream line over %d MiB", maxLine>>20)}
	case errors.Is(err, io.EOF):
		return failure{err: e.interrupted(text, err)}
	}
	return failure{err: e.newError(model.ClassInterrupted, 0, err, "connection lost during the answer: %s", innermost(err))}
}

// interrupted is the error of a stream that ended without a finish reason.
func (e *Provider) interrupted(text bool, cause error) *model.Error {
	if !text {
		return e.newError(model.ClassInterrupted, 0, cause, "the server closed the stream without an answer")
	}
	return e.newError(model.ClassInterrupted, 0, cause, "the server closed the stream before the answer finished")
}

// upstream is the error of a stream that carried an error of its own.
func (e *Provider) upstream(msg string, cause error) *model.Error {
	msg = shorten(model.Redact(msg, e.secrets))
	if msg == "" {
		msg = "no details given"
	}
	return e.newError(model.ClassUpstream, 0, cause, "server error during the answer: %s", msg)
}

// codeOf returns an APIError's code, or its type when it has none: OpenAI puts
// "insufficient_quota" in either.
func codeOf(a *openai.APIError) string {
	if s, ok := a.Code.(string); ok && s != "" {
		return s
	}
	return a.Type
}

// bodyMessage digs a message out of an error body go-openai could not parse: Ollama's
// {"error":"..."}, vLLM's {"object":"error","message":...}, FastAPI's {"detail":...}, or
// short plain text. HTML gives nothing: the status says enough.
func bodyMessage(body []byte) (msg, code string) {
	var v struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
		Detail  any             `json:"detail"`
		Code    any             `json:"code"`
		Type    string          `json:"type"`
	}
	if json.Unmarshal(body, &v) == nil {
		var s string
		var inner struct {
			Message string `json:"message"`
			Code    any    `json:"code"`
			Type    string `json:"type"`
		}
		switch {
		case json.Unmarshal(v.Error, &s) == nil && s != "":
			return s, ""
		case json.Unmarshal(v.Error, &inner) == nil && inner.Message != "":
			return inner.Message, firstString(inner.Code, inner.Type)
		case v.Message != "":
			return v.Message, firstString(v.Code, v.Type)
		case v.Detail != nil:
			if d, ok := v.Detail.(string); ok {
				return d, ""
			}
			b, _ := json.Marshal(v.Detail)
			return string(b), ""
		}
		return "", ""
	}
	text := strings.TrimSpace(string(body))
	if text == "" || text[0] == '<' || strings.Contains(strings.ToLower(text[:min(len(text), 512)]), "<html") {
		return "", ""
	}
	if i := strings.IndexByte(text, '\n'); i >= 0 {
		text = text[:i]
	}
	return text, ""
}

func firstString(code any, typ string) string {
	if s, ok := code.(string); ok && s != "" {
		return s
	}
	return typ
}

// shorten cuts s to maxCause runes.
func shorten(s string) string {
	r := []rune(s)
	if len(r) <= maxCause {
		return s
	}
	return string(r[:maxCause-1]) + "…"
}

// innermost returns the text of the deepest wrapped error, which drops the "Post \"URL\":"
// prefixes net/http adds.
func innermost(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}

func isNetError(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
