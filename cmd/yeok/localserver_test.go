package main

import (
	"bytes"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yeok/yeok/llm/llmtest"
)

// portOf is the port a test server listens on.
func portOf(t *testing.T, rawURL string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Port()
}

// closedPort is a port nothing listened on a moment ago.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := portOf(t, "http://"+ln.Addr().String())
	ln.Close()
	return port
}

func TestUseLocalServer(t *testing.T) {
	ollama := llmtest.New(t)
	ollama.SetModels("llama3.2", "qwen2.5")
	html := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("<html>a web app</html>"))
	}))
	t.Cleanup(html.Close)
	none := config{Model: defaultModel}
	tests := []struct {
		name      string
		c         config
		ports     string
		wantBase  string
		wantModel string
		notice    string
	}{
		{"found", none, closedPort(t) + "," + portOf(t, ollama.URL), ollama.URL + "/v1", "llama3.2",
			"yeok: no OPENAI_API_KEY or base URL set; using a local server at " + ollama.URL + "/v1, model llama3.2\n"},
		{"model kept when listed", config{Model: "qwen2.5"}, portOf(t, ollama.URL), ollama.URL + "/v1", "qwen2.5", "model qwen2.5\n"},
		{"a key set: no probe", config{Model: defaultModel, APIKey: "k"}, portOf(t, ollama.URL), "", defaultModel, ""},
		{"a base URL set: no probe", config{Model: defaultModel, BaseURL: "http://x/v1"}, portOf(t, ollama.URL), "http://x/v1", defaultModel, ""},
		{"nothing listens", none, closedPort(t), "", defaultModel, ""},
		{"not an OpenAI server", none, portOf(t, html.URL), "", defaultModel, ""},
		{"off", none, "off", "", defaultModel, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) string { return map[string]string{probePortsEnv: tt.ports}[k] }
			var notice bytes.Buffer
			got := useLocalServer(t.Context(), tt.c, getenv, &notice)
			if got.BaseURL != tt.wantBase || got.Model != tt.wantModel {
				t.Errorf("base %q model %q, want %q %q", got.BaseURL, got.Model, tt.wantBase, tt.wantModel)
			}
			if !strings.HasSuffix(notice.String(), tt.notice) || (tt.notice == "") != (notice.Len() == 0) {
				t.Errorf("notice %q, want %q", notice.String(), tt.notice)
			}
		})
	}
}

func TestProbeTargetsNameTheUsualServers(t *testing.T) {
	got := probeTargets(func(string) string { return "" })
	want := []localServer{{"Ollama", 11434}, {"LM Studio", 1234}, {"llama.cpp server", 8080}}
	if len(got) != len(want) {
		t.Fatalf("targets %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("target %d = %v, want %v", i, got[i], want[i])
		}
	}
	if got := probeTargets(func(string) string { return "1234" }); len(got) != 1 || got[0].name != "LM Studio" {
		t.Errorf("1234 gives %v", got)
	}
}

// With no key and no base URL, yeok translates through a local server that answers on a
// usual port and says so on stderr; with none, today's message stands.
func TestTranslateFindsLocalServer(t *testing.T) {
	srv := llmtest.New(t, llmtest.Replay(llmtest.Fixture(t, "gpt-4o-mini-stop.sse")))
	srv.SetModels("llama3.2")
	db := t.TempDir() + "/y.db"
	p := yeokRun(t, []string{probePortsEnv + "=" + closedPort(t) + "," + portOf(t, srv.URL)}, "", "translate", "--db", db, "--to", "ko", "hi")
	if p.code != 0 || p.stdout != "Hello\n" {
		t.Fatalf("code %d stdout %q stderr %q", p.code, p.stdout, p.stderr)
	}
	want := "yeok: no OPENAI_API_KEY or base URL set; using a local server at " + srv.URL + "/v1, model llama3.2\n"
	if !strings.HasPrefix(p.stderr, want) {
		t.Errorf("stderr %q, want %q", p.stderr, want)
	}
	if reqs := srv.Requests(); len(reqs) != 1 || reqs[0].Chat.Model != "llama3.2" {
		t.Errorf("requests %+v", reqs)
	}
	p = yeokRun(t, nil, "", "translate", "--db", db, "--to", "ko", "hi")
	if p.code != 1 || !strings.Contains(p.stderr, "set OPENAI_API_KEY") {
		t.Errorf("without a server: code %d stderr %q", p.code, p.stderr)
	}
}

// The TUI says in its status bar which local server it found.
func TestTUINamesTheLocalServer(t *testing.T) {
	srv := llmtest.New(t)
	srv.SetModels("llama3.2")
	home := t.TempDir()
	_, err := startBinaryEnv(filepath.Join(home, "y.db"), home, "using a local server", probePortsEnv+"="+portOf(t, srv.URL))
	if err != nil {
		t.Fatal(err)
	}
}
