package llmtest

import (
	"net/http"
	"strings"
	"testing"

	"github.com/yeok/yeok/model"
)

// Fault is one row of the fault matrix as the server plays it: the handlers answer the
// first, second... request (the last one answers any further), and Status is what the
// entry must end as. Text is the translation the entry keeps (the partial for a cut
// stream), and Says are words its one-line error must contain.
type Fault struct {
	Row      int
	Name     string
	Handlers []http.HandlerFunc
	Status   model.Status
	Text     string
	Says     []string
	// Requests is how many requests the row makes with two retries allowed.
	Requests int
	// Stalls marks the rows that need a short idle timeout to end.
	Stalls bool
}

// HTML502 is a proxy's HTML error page.
const HTML502 = "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"

// Faults returns the rows of the fault matrix that a server plays (rows 1-15; row 10 is a
// closed port, row 16 is EscapeDeltas, rows 17 and 18 are the client's doing).
func Faults(t testing.TB) []Fault {
	t.Helper()
	keepalives := strings.Repeat(": keepalive\n\n", 1000)
	flood := strings.ReplaceAll(string(Stream("stop", "Hel", "lo")), "\n\ndata: ", "\n\n"+keepalives+"data: ")
	stop := ReplayFixture(t, FixtureStop)
	return []Fault{
		{Row: 1, Name: "normal stream", Handlers: []http.HandlerFunc{stop}, Status: model.StatusDone, Text: "Hello", Requests: 1},
		{Row: 2, Name: "content and finish in one chunk", Handlers: []http.HandlerFunc{ReplayFixture(t, FixtureOneChunkClose)},
			Status: model.StatusDone, Text: "Hello world, this is a test", Requests: 1},
		{Row: 3, Name: "length", Handlers: []http.HandlerFunc{ReplayFixture(t, FixtureLength)},
			Status: model.StatusTruncated, Text: `{"`, Says: []string{"truncated"}, Requests: 1},
		{Row: 4, Name: "refusal", Handlers: []http.HandlerFunc{ReplayFixture(t, FixtureRefusal)},
			Status: model.StatusRefused, Says: []string{"refused", "I'm sorry"}, Requests: 1},
		{Row: 5, Name: "unauthorized", Handlers: []http.HandlerFunc{Error(401, "invalid_api_key", "Incorrect API key provided: sk-test-****cdef.")},
			Status: model.StatusFailed, Says: []string{"OPENAI_API_KEY"}, Requests: 1},
		{Row: 6, Name: "model not found", Handlers: []http.HandlerFunc{Error(404, "model_not_found", "The model `nope` does not exist")},
			Status: model.StatusFailed, Says: []string{"nope", "/v1"}, Requests: 1},
		{Row: 7, Name: "rate limited then ok", Handlers: []http.HandlerFunc{
			Error(429, "rate_limit_exceeded", "Rate limit reached", "retry-after", "1"), stop},
			Status: model.StatusDone, Text: "Hello", Requests: 2},
		{Row: 8, Name: "quota", Handlers: []http.HandlerFunc{Error(429, "insufficient_quota", "You exceeded your current quota")},
			Status: model.StatusFailed, Says: []string{"quota"}, Requests: 1},
		{Row: 9, Name: "html 502 every time", Handlers: []http.HandlerFunc{Reply(502, "text/html", HTML502)},
			Status: model.StatusFailed, Says: []string{"502"}, Requests: 3},
		{Row: 9, Name: "503 then ok", Handlers: []http.HandlerFunc{Error(503, "server_error", "overloaded"), stop},
			Status: model.StatusDone, Text: "Hello", Requests: 2},
		{Row: 11, Name: "closed mid-answer", Handlers: []http.HandlerFunc{Replay(Stream("", "partial ", "text"))},
			Status: model.StatusInterrupted, Text: "partial text", Says: []string{"interrupted"}, Requests: 1},
		{Row: 12, Name: "in-band error", Handlers: []http.HandlerFunc{Replay([]byte(string(Stream("", "part")) +
			"data: {\"error\":{\"message\":\"The server had an error while processing\",\"type\":\"server_error\"}}\n\n"))},
			Status: model.StatusFailed, Text: "part", Says: []string{"failed", "The server had an error"}, Requests: 1},
		{Row: 12, Name: "vllm error object", Handlers: []http.HandlerFunc{Replay([]byte(string(Stream("", "part")) +
			"data: {\"object\":\"error\",\"message\":\"KV cache is full\",\"type\":\"BadRequestError\",\"code\":400}\n\n"))},
			Status: model.StatusFailed, Text: "part", Says: []string{"KV cache is full"}, Requests: 1},
		{Row: 13, Name: "keep-alive flood", Handlers: []http.HandlerFunc{Replay([]byte(flood))},
			Status: model.StatusDone, Text: "Hello", Requests: 1},
		{Row: 14, Name: "stall", Handlers: []http.HandlerFunc{Hold(nil, "slow")}, Stalls: true,
			Status: model.StatusInterrupted, Text: "slow", Says: []string{"interrupted"}, Requests: 1},
		{Row: 15, Name: "not streamed", Handlers: []http.HandlerFunc{Reply(200, "text/html", "<html>welcome</html>")},
			Status: model.StatusFailed, Says: []string{"did not stream"}, Requests: 1},
	}
}

// EscapeDeltas is row 16: terminal escape sequences, split across deltas, inside an answer
// whose visible text is Visible.
var EscapeDeltas = []string{
	"안녕\x1b]52;c;ZXZpbA==", "\x07하세요 \x1b]0;pwned\x1b", "\\\x1b]8;;http://evil\x07link\x1b]8;;\x07",
	" \x1b[2J\u009b31m\r세계\u202e\u200b",
}

// Visible is what a person must see of EscapeDeltas.
const Visible = "안녕하세요 link 세계"
