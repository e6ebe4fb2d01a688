// Package llm is yeok's translation engine: a model.Request in, a finished and stored
// model.Entry out. The Engine owns the lifecycle of every translation, whichever front door
// asked for it (the TUI, SSH, pipe, follow, the HTTP API): it prepares the request (the
// script's context pairs and glossary terms), logs the entry pending before the request
// leaves, streams the answer from a Provider, runs output hygiene on it and finishes the
// entry in one commit.
//
// It declares the two interfaces it needs, Log (storage.Store satisfies it) and Provider
// (llm/openai satisfies it), and imports neither: the front doors wire concrete types.
//
// Output hygiene (Tidy, TermsIn) is pure text work over an answer; the
// prompt (Messages) is the same for every provider.
package llm
