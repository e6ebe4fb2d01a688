package llmtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// numbered is a "N: text" line of a batch request in the plain contract.
var numbered = regexp.MustCompile(`^(\d+): (.*)$`)

// Batch returns the numbered lines of a batch request, in order (nil when the request is
// not a batch), and whether it asks for the answer as JSON (response_format is set).
func (r Request) Batch() (lines []string, asJSON bool) {
	u := r.LastUser()
	_, rest, found := strings.Cut(u, "<source>\n")
	if !found {
		return nil, false
	}
	text, _, _ := strings.Cut(rest, "\n</source>")
	if !strings.Contains(allSystem(r), "numbered line") {
		return nil, false
	}
	asJSON = len(r.Chat.ResponseFormat) > 0 && string(r.Chat.ResponseFormat) != "null"
	if strings.HasPrefix(text, "{") {
		dec := json.NewDecoder(strings.NewReader(text))
		_, _ = dec.Token()
		for dec.More() {
			k, _ := dec.Token()
			var v string
			_ = dec.Decode(&v)
			if n, _ := strconv.Atoi(fmt.Sprint(k)); n == len(lines)+1 {
				lines = append(lines, v)
			}
		}
		return lines, asJSON
	}
	for _, l := range strings.Split(text, "\n") {
		if m := numbered.FindStringSubmatch(l); m != nil {
			lines = append(lines, m[2])
		} else if len(lines) > 0 {
			lines[len(lines)-1] += "\n" + l
		}
	}
	return lines, asJSON
}

func allSystem(r Request) string {
	for _, m := range r.Chat.Messages {
		if m.Role == "system" {
			return m.Content
		}
	}
	return ""
}

// PromptTokens is a stand-in for the prompt tokens of a request: a token for every four
// bytes of its messages.
func (r Request) PromptTokens() int {
	n := 0
	for _, m := range r.Chat.Messages {
		n += len(m.Content)
	}
	return n/4 + 1
}

// BatchText is the answer to a batch in the form the request asks for: a JSON object
// keyed by line number, or "N: text" lines.
func BatchText(asJSON bool, answers []string) string {
	var b strings.Builder
	if asJSON {
		b.WriteString("{")
		for i, a := range answers {
			if i > 0 {
				b.WriteString(",")
			}
			v, _ := json.Marshal(a)
			fmt.Fprintf(&b, "\"%d\":%s", i+1, v)
		}
		b.WriteString("}")
		return b.String()
	}
	for i, a := range answers {
		fmt.Fprintf(&b, "%d: %s\n", i+1, a)
	}
	return b.String()
}

// WithUsage answers with the text in the given pieces, a stop, a usage chunk counting the
// request's PromptTokens and a completion token for every four bytes of the text, and
// [DONE].
func WithUsage(deltas ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		StartSSE(w)
		Frame(w, RoleJSON)
		n := 0
		for _, d := range deltas {
			Frame(w, DeltaJSON(d))
			n += len(d)
		}
		Frame(w, FinishJSON("stop"))
		Frame(w, UsageJSON(Recorded(r).PromptTokens(), n/4+1))
		Frame(w, "[DONE]")
	}
}

// Batches answers a batch request with answer(source) for each of its lines, in the form
// it asks for, and any other request with answer(its source) alone; both with usage.
func Batches(answer func(source string) string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rec := Recorded(r)
		lines, asJSON := rec.Batch()
		if lines == nil {
			WithUsage(answer(sourceText(rec)))(w, r)
			return
		}
		out := make([]string, len(lines))
		for i, l := range lines {
			out[i] = answer(l)
		}
		WithUsage(BatchText(asJSON, out))(w, r)
	}
}

// sourceText is the text in a single request's <source> block.
func sourceText(r Request) string {
	_, rest, _ := strings.Cut(r.LastUser(), "<source>\n")
	text, _, _ := strings.Cut(rest, "\n</source>")
	return text
}

// PacedModel answers like a model at a steady pace: tokens tokens for a single line, and
// for each line of a batch (in the form the batch asks for), one content chunk a token
// every interval after a first-token delay of ttft, then stop, usage (the request's
// PromptTokens) and [DONE]. It stops when the client goes.
func PacedModel(tokens int, ttft, interval time.Duration) http.HandlerFunc {
	word := func(i int) string { return fmt.Sprintf(" 단어%d", i%97) }
	return func(w http.ResponseWriter, r *http.Request) {
		rec := Recorded(r)
		lines, asJSON := rec.Batch()
		var pieces []string
		if lines == nil {
			for i := range tokens {
				pieces = append(pieces, word(i))
			}
		}
		for n := range lines {
			for i := range tokens {
				p := word(i)
				if i == 0 {
					switch {
					case asJSON && n == 0:
						p = fmt.Sprintf("{\"%d\":\"%s", n+1, p)
					case asJSON:
						p = fmt.Sprintf(",\"%d\":\"%s", n+1, p)
					default:
						p = fmt.Sprintf("%d:%s", n+1, p)
					}
				}
				if i == tokens-1 {
					if asJSON {
						p += "\""
					} else {
						p += "\n"
					}
				}
				pieces = append(pieces, p)
			}
		}
		if asJSON && len(pieces) > 0 {
			pieces[len(pieces)-1] += "}"
		}
		if !pace(w, r, pieces, ttft, interval, nil) {
			return
		}
		Frame(w, FinishJSON("stop"))
		Frame(w, UsageJSON(rec.PromptTokens(), len(pieces)))
		Frame(w, "[DONE]")
	}
}

// Record lets a handler served without a Server (fakeopenai) read its request with
// Recorded.
func Record(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rec := Request{N: 1, Path: r.URL.Path, Header: r.Header.Clone(), Body: body}
		_ = json.Unmarshal(body, &rec.Chat)
		r = r.WithContext(context.WithValue(r.Context(), recordKey{}, rec))
		r.Body = io.NopCloser(bytes.NewReader(body))
		h(w, r)
	}
}
