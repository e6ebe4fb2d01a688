package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// probeTimeout bounds the look for a local server: a refused port answers at once, a
// busy one gets this long.
const probeTimeout = 200 * time.Millisecond

// probePortsEnv names the ports to look at instead of the usual ones, comma-separated, or
// off; it exists for tests, which must not depend on what listens on the machine.
const probePortsEnv = "YEOK_PROBE_PORTS"

// localServer is an OpenAI-compatible server on this machine.
type localServer struct {
	name string
	port int
}

// usualLocalServers are where local model servers listen by default, in the order yeok
// prefers them.
func usualLocalServers() []localServer {
	return []localServer{{"Ollama", 11434}, {"LM Studio", 1234}, {"llama.cpp server", 8080}}
}

// probeTargets are the servers to look for: the usual ones, or those probePortsEnv names.
func probeTargets(getenv env) []localServer {
	v := strings.TrimSpace(getenv(probePortsEnv))
	if v == "" {
		return usualLocalServers()
	}
	var out []localServer
	for _, p := range strings.Split(v, ",") {
		port, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || port <= 0 || port > 65535 {
			continue // "off", or a mistake: nothing probed
		}
		name := "a local server"
		for _, s := range usualLocalServers() {
			if s.port == port {
				name = s.name
			}
		}
		out = append(out, localServer{name, port})
	}
	return out
}

// useLocalServer points c at a local OpenAI-compatible server when neither a key nor a base
// URL is set and one answers /v1/models on its usual port, and says so on w. The default
// model gives way to the server's first one when the server does not have it. With nothing
// found, c is returned as it was and the missing-provider message stands.
func useLocalServer(ctx context.Context, c config, getenv env, w io.Writer) config {
	if providerError(c) == nil {
		return c
	}
	targets := probeTargets(getenv)
	if len(targets) == 0 {
		return c
	}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	type found struct {
		models []string
		ok     bool
	}
	results := make([]chan found, len(targets))
	for i, s := range targets {
		results[i] = make(chan found, 1)
		go func() {
			models, err := listModels(ctx, localBaseURL(s.port), "")
			results[i] <- found{models, err == nil}
		}()
	}
	for i, s := range targets {
		r := <-results[i]
		if !r.ok {
			continue
		}
		c.BaseURL = localBaseURL(s.port)
		if len(r.models) > 0 && !slices.Contains(r.models, c.Model) && c.Model == defaultModel {
			c.Model = r.models[0]
		}
		fmt.Fprintf(w, "yeok: no OPENAI_API_KEY or base URL set; using %s at %s, model %s\n", s.name, c.BaseURL, c.Model)
		return c
	}
	return c
}

func localBaseURL(port int) string {
	return "http://127.0.0.1:" + strconv.Itoa(port) + "/v1"
}

// listModels asks base for its models, with apiKey when there is one; an error means no
// OpenAI-compatible server there.
func listModels(ctx context.Context, base, apiKey string) ([]string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/models", nil)
	if err != nil {
		return nil, err
	}
	if apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+apiKey)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("list models at %s: %s", base, resp.Status)
	}
	var list struct {
		Data *[]struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&list); err != nil {
		return nil, fmt.Errorf("list models at %s: %w", base, err)
	}
	if list.Data == nil {
		return nil, fmt.Errorf("list models at %s: no data list", base)
	}
	var ids []string
	for _, m := range *list.Data {
		if m.ID != "" {
			ids = append(ids, m.ID)
		}
	}
	return ids, nil
}

// modelLister lists the configured server's models for the TUI's model picker.
func modelLister(c config) func(ctx context.Context) ([]string, error) {
	base := c.BaseURL
	if base == "" {
		base = defaultBaseURL
	}
	return func(ctx context.Context) ([]string, error) {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		return listModels(ctx, base, c.APIKey)
	}
}
