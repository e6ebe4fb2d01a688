// Package llm talks to OpenAI-compatible chat-completion servers (OpenAI, Azure, Ollama,
// vLLM, LM Studio, relays) through go-openai and turns what comes over the wire into model
// events and results.
//
// An Engine sends one model.Request at a time per Stream call and reports every delta,
// refusal piece, usage count, retry wait and the one final outcome as model.Event values, on
// the caller's goroutine, in order. Completion means a finish reason was seen: a stream that
// simply ends is interrupted, never done. Failures become a *model.Error with a class and one
// sanitised line a person can act on; the API key never appears in any of them.
//
// Output hygiene (Tidy, GlossaryMisses, TermsIn) is pure text work over a finished answer.
//
// No go-openai type leaves this package.
package llm
