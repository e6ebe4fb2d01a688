// Package model is the vocabulary every yeok package shares: languages, requests, entries
// and their statuses, stream events, usage, owners, sessions, scripts and sentinel errors.
//
// It imports only the standard library and golang.org/x/text, so that llm, storage, ui and
// cmd/yeok can all speak in its types without importing each other. SDK types (go-openai,
// bbolt) never appear here: each package converts at its own edge.
package model
