package main

import (
	"context"
	"fmt"
	"net/http"

	"github.com/yeok/yeok/llm"
	"github.com/yeok/yeok/llm/openai"
)

// newProvider builds the model server's client from the resolved config; client may be nil.
func newProvider(c config, client *http.Client) (*openai.Provider, error) {
	if err := providerError(c); err != nil {
		return nil, err
	}
	base := c.BaseURL
	if base == "" {
		base = defaultBaseURL
	}
	retries := c.MaxRetries
	if retries == 0 {
		retries = -1 // the provider reads 0 as its default; --max-retries 0 means none
	}
	p, err := openai.New(openai.Config{
		BaseURL:           base,
		APIKey:            c.APIKey,
		Model:             c.Model,
		MaxRetries:        retries,
		IdleTimeout:       c.IdleTimeout,
		FirstTokenTimeout: c.FirstTokenTimeout,
		HTTPClient:        client,
	})
	if err != nil {
		return nil, fmt.Errorf("set up %s: %w", base, err)
	}
	return p, nil
}

// newEngine wires the translation engine every front door calls: the provider and the
// store, with the configured script context.
func newEngine(c config, p *openai.Provider, st logStore) *llm.Engine {
	context := c.Context
	if context == 0 {
		context = -1 // none asked for
	}
	return llm.New(p, st, llm.Options{Context: context, NoMemory: c.NoMemory})
}

// openStore opens the database named by the config: the bbolt file, or PostgreSQL.
func openStore(ctx context.Context, c config) (logStore, error) {
	return openLog(ctx, c)
}

// pooledClient is an HTTP client for many streams at once (the default transport keeps
// only two idle connections per host).
func pooledClient(conns int) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = conns
	tr.MaxIdleConns = conns
	return &http.Client{Transport: tr}
}

// openEngine sets up the provider, then opens the store, for a front door that translates
// without a terminal: a missing provider is reported before the database is touched.
func openEngine(ctx context.Context, c config) (*llm.Engine, logStore, error) {
	p, err := newProvider(c, nil)
	if err != nil {
		return nil, nil, err
	}
	st, err := openStore(ctx, c)
	if err != nil {
		return nil, nil, err
	}
	return newEngine(c, p, st), st, nil
}
