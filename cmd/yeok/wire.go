package main

import (
	"context"
	"fmt"
	"net/http"

	"github.com/yeok/yeok/llm/openai"
	"github.com/yeok/yeok/storage"
)

// newEngine builds the LLM engine from the resolved config; client may be nil.
func newEngine(c config, client *http.Client) (*openai.Provider, error) {
	if err := providerError(c); err != nil {
		return nil, err
	}
	base := c.BaseURL
	if base == "" {
		base = defaultBaseURL
	}
	eng, err := openai.New(openai.Config{
		BaseURL:           base,
		APIKey:            c.APIKey,
		Model:             c.Model,
		MaxRetries:        c.MaxRetries,
		IdleTimeout:       c.IdleTimeout,
		FirstTokenTimeout: c.FirstTokenTimeout,
		HTTPClient:        client,
	})
	if err != nil {
		return nil, fmt.Errorf("set up %s: %w", base, err)
	}
	return eng, nil
}

// openStore opens the database named by the config.
func openStore(ctx context.Context, c config) (*storage.Store, error) {
	st, err := storage.Open(ctx, c.DBPath, storage.Options{})
	if err != nil {
		return nil, err
	}
	return st, nil
}

// pooledClient is an HTTP client for many streams at once (the default transport keeps
// only two idle connections per host).
func pooledClient(conns int) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = conns
	tr.MaxIdleConns = conns
	return &http.Client{Transport: tr}
}

// openRunner sets up the engine, then opens the store, for a front door that translates
// without a terminal: a missing provider is reported before the database is touched.
func openRunner(ctx context.Context, c config) (*openai.Provider, *storage.Store, error) {
	eng, err := newEngine(c, nil)
	if err != nil {
		return nil, nil, err
	}
	st, err := openStore(ctx, c)
	if err != nil {
		return nil, nil, err
	}
	return eng, st, nil
}
