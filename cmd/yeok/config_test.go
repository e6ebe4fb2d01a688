package main

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func mapEnv(m map[string]string) env { return func(k string) string { return m[k] } }

// TestConfigPrecedence: flag > env > config file > built-in default, setting by setting.
func TestConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	cfgDir := filepath.Join(dir, "cfg", "yeok")
	if err := os.MkdirAll(cfgDir, 0o700); err != nil {
		t.Fatal(err)
	}
	file := `to = "ja"
model = "file-model"
base_url = "http://file.example/v1"
api_key = "sk-file"
idle_timeout = "45s"
max_retries = 5
context = 3
`
	if err := os.WriteFile(filepath.Join(cfgDir, "config.toml"), []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	base := map[string]string{"XDG_CONFIG_HOME": filepath.Join(dir, "cfg"), "XDG_DATA_HOME": filepath.Join(dir, "data"), "LANG": "ko_KR.UTF-8"}
	parse := func(t *testing.T, envm map[string]string, args ...string) config {
		t.Helper()
		var f commonFlags
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		f.bind(fs)
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		c, err := resolveConfig(&f, mapEnv(envm))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}

	c := parse(t, base)
	if c.To != "ja" || c.Model != "file-model" || c.BaseURL != "http://file.example/v1" || c.APIKey != "sk-file" ||
		c.IdleTimeout != 45*time.Second || c.MaxRetries != 5 || c.Context != 3 {
		t.Fatalf("config file not applied: %+v", c)
	}
	if c.DBPath != filepath.Join(dir, "data", "yeok", "yeok.db") || c.FirstTokenTimeout != 60*time.Second || c.From != "" {
		t.Fatalf("defaults not applied: %+v", c)
	}

	withEnv := map[string]string{"OPENAI_API_KEY": "sk-env", "OPENAI_BASE_URL": "http://env.example/v1/"}
	for k, v := range base {
		withEnv[k] = v
	}
	c = parse(t, withEnv)
	if c.APIKey != "sk-env" || c.BaseURL != "http://env.example/v1" {
		t.Fatalf("env does not beat the file: %+v", c)
	}

	c = parse(t, withEnv, "--to", "de", "--model", "flag-model", "--base-url", "http://flag.example/v1",
		"--idle-timeout", "2s", "--max-retries", "0", "--context", "0", "--db", "/x/y.db", "--from", "en")
	if c.To != "de" || c.Model != "flag-model" || c.BaseURL != "http://flag.example/v1" || c.IdleTimeout != 2*time.Second ||
		c.MaxRetries != 0 || c.Context != 0 || c.DBPath != "/x/y.db" || c.From != "en" {
		t.Fatalf("flags do not beat env and file: %+v", c)
	}

	// With no config file, the target comes from the locale, then English.
	bare := map[string]string{"XDG_CONFIG_HOME": filepath.Join(dir, "none"), "XDG_DATA_HOME": dir, "LANG": "ko_KR.UTF-8"}
	if c := parse(t, bare); c.To != "ko-KR" || c.Model != "gpt-4o-mini" || c.MaxRetries != 2 || c.Context != 6 {
		t.Fatalf("locale default: %+v", c)
	}
	bare["LANG"] = "C.UTF-8"
	if c := parse(t, bare); c.To != "en" {
		t.Fatalf("C locale gives %q, want en", c.To)
	}
}

func TestConfigFileErrors(t *testing.T) {
	dir := t.TempDir()
	tests := map[string]string{
		"unknown key":  "colour = \"red\"\n",
		"syntax":       "to = \n",
		"bad duration": "idle_timeout = \"soon\"\n",
		"bad language": "to = \"klingonese\"\n",
	}
	for name, body := range tests {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".toml")
			if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
			f := commonFlags{config: path}
			_, err := resolveConfig(&f, mapEnv(map[string]string{"XDG_DATA_HOME": dir}))
			var uerr *usageError
			if !errors.As(err, &uerr) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("err = %v, want a one-line usage error", err)
			}
		})
	}
	f := commonFlags{config: filepath.Join(dir, "missing.toml")}
	if _, err := resolveConfig(&f, mapEnv(map[string]string{"XDG_DATA_HOME": dir})); err == nil {
		t.Fatal("a named config file that does not exist was accepted")
	}
}
