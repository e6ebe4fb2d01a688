// Package openai is the translation engine's Provider over OpenAI-compatible
// chat-completion servers (OpenAI, Azure, Ollama, vLLM, LM Studio, relays), through
// go-openai. It is the only package that imports go-openai; it converts to model types at
// its edge and keeps its own wire structs.
//
// A Provider sends one model.Request per Stream call and reports every delta, refusal piece,
// usage count, retry wait and the one final outcome as model.Event values, on the caller's
// goroutine, in order. Completion means a finish reason was seen: a stream that simply ends
// is interrupted, never done. Failures become a *model.Error with a class and one sanitised
// line a person can act on; the API key never appears in any of them.
package openai
