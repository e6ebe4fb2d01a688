package openai

import (
	"net/http"
	"strings"
	"testing"

	"github.com/yeok/yeok/llm/llmtest"
	"github.com/yeok/yeok/model"
	"github.com/yeok/yeok/model/sanitizetest"
)

// A server that echoes the key split by anything the sanitiser drops or folds (an escape
// sequence, a control, a zero-width or bidi character, invalid UTF-8, a line break) shows
// neither the key nor a piece of it in the message, the error's text or its cause: cleaning
// the text must not join the pieces after they were searched for.
func TestSplitKeyNeverShown(t *testing.T) {
	for _, name := range sanitizetest.Names() {
		t.Run(name, func(t *testing.T) {
			echo := "Incorrect API key provided: key1=" + sanitizetest.Split(fakeKey, sanitizetest.Separators[name]) + "."
			handlers := map[string]http.HandlerFunc{
				"401 json":  llmtest.Reply(401, "application/json", llmtest.ErrorJSON(echo, "invalid_request_error", "invalid_api_key")),
				"401 plain": llmtest.Reply(401, "text/plain", echo),
				"in-band":   llmtest.Frames(llmtest.DeltaJSON("a"), llmtest.ErrorJSON(echo, "server_error", "")),
			}
			for hname, h := range handlers {
				t.Run(hname, func(t *testing.T) {
					u := llmtest.New(t, h)
					_, res := run(t, t.Context(), testEngine(t, u.BaseURL()), request("Hello"))
					if res.Err == nil || res.Err.Cause == nil {
						t.Fatalf("result %+v, want an error with a cause", res)
					}
					texts := map[string]string{
						"message":     res.Err.Message,
						"error":       res.Err.Error(),
						"cause":       res.Err.Cause.Error(),
						"error chain": (&model.Error{Message: res.Err.Message, Cause: res.Err.Cause}).Unwrap().Error(),
					}
					for what, text := range texts {
						if piece := sanitizetest.Leak(text, fakeKey, model.SecretFragment); piece != "" {
							t.Errorf("%s shows %q of the key: %q", what, piece, text)
						}
						if model.SanitizeLine(text) != text {
							t.Errorf("%s is not one clean line: %q", what, text)
						}
					}
					// The words around the key stay. (JSON decoding turns invalid UTF-8 into
					// U+FFFD, which shows, so there the key's first and last bytes may too.)
					if !strings.Contains(res.Err.Message, "Incorrect API key provided: key1=") {
						t.Errorf("message %q lost the server's words", res.Err.Message)
					}
					if cause := res.Err.Cause.Error(); hname != "in-band" && !strings.Contains(cause, model.Redacted) {
						t.Errorf("cause %q lost the server's words", cause)
					}
				})
			}
		})
	}
}
