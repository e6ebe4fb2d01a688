package openai

import (
	"encoding/json"

	"github.com/yeok/yeok/model"
)

// chunk is the part of a chat.completion.chunk that yeok reads, plus the error shapes
// servers send inside a stream: OpenAI's {"error":{...}}, Ollama's {"error":"..."} and
// vLLM's {"object":"error","message":...}. It is smaller than go-openai's type, and one value
// is reused for every chunk of a stream.
type chunk struct {
	Object  string          `json:"object"`
	Message string          `json:"message"`
	Error   json.RawMessage `json:"error"`
	Choices []chunkChoice   `json:"choices"`
	Usage   *wireUsage      `json:"usage"`
}

// chunkChoice is one of a chunk's choices; yeok reads the first (index 0).
type chunkChoice struct {
	Index        int        `json:"index"`
	Delta        chunkDelta `json:"delta"`
	FinishReason string     `json:"finish_reason"`
}

// chunkDelta is the text a choice adds: its content or its refusal.
type chunkDelta struct {
	Content string `json:"content"`
	Refusal string `json:"refusal"`
}

// wireUsage is the usage object as OpenAI sends it. It is kept apart from model.Usage, whose
// JSON tags are the store's format, so that either can change without the other.
type wireUsage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// usage converts the wire usage to the model's.
func (u wireUsage) usage() model.Usage {
	return model.Usage{PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens, TotalTokens: u.TotalTokens}
}

// parse decodes raw into c, forgetting the previous chunk but keeping its choices' storage.
// The decoder in chunkjson.go reads the chunks servers send; whatever it is unsure of is
// decoded again by encoding/json, which gives the same result and the errors it always gave.
func (c *chunk) parse(raw []byte) error {
	c.reset()
	kept := c.Choices
	if c.decode(raw) {
		return nil
	}
	// The decoder may have set Choices to nil before it gave up; encoding/json starts from
	// the kept storage, as it would have.
	c.Choices = kept
	c.reset()
	return json.Unmarshal(raw, c)
}

// reset forgets the chunk but keeps its choices' storage, cleared.
func (c *chunk) reset() {
	choices := c.Choices[:cap(c.Choices)]
	clear(choices)
	*c = chunk{Choices: choices[:0]}
}

// failure returns the message of an error chunk.
func (c *chunk) failure() (string, bool) {
	return errorShape(c.Object, c.Message, c.Error)
}

// errorShape recognises an error object in any of the shapes servers use.
func errorShape(object, message string, errField json.RawMessage) (string, bool) {
	if len(errField) > 0 && string(errField) != "null" {
		var s string
		if json.Unmarshal(errField, &s) == nil {
			return s, true
		}
		var inner struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(errField, &inner) == nil && inner.Message != "" {
			return inner.Message, true
		}
		return string(errField), true
	}
	if object == "error" {
		return message, true
	}
	return "", false
}

// completion is a non-streamed chat.completion, for servers that ignore "stream".
type completion struct {
	Object  string             `json:"object"`
	Message string             `json:"message"`
	Error   json.RawMessage    `json:"error"`
	Choices []completionChoice `json:"choices"`
	Usage   *wireUsage         `json:"usage"`
}

type completionChoice struct {
	Index   int `json:"index"`
	Message struct {
		Content string `json:"content"`
		Refusal string `json:"refusal"`
	} `json:"message"`
	FinishReason string `json:"finish_reason"`
}

func (c *completion) parse(raw []byte) error { return json.Unmarshal(raw, c) }

func (c *completion) failure() (string, bool) {
	return errorShape(c.Object, c.Message, c.Error)
}

// answer returns the first choice when it is a finished answer with some text.
func (c *completion) answer() (completionChoice, bool) {
	for _, ch := range c.Choices {
		if ch.Index == 0 && ch.FinishReason != "" && (ch.Message.Content != "" || ch.Message.Refusal != "") {
			return ch, true
		}
	}
	return completionChoice{}, false
}
