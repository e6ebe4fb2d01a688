package main

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yeok/yeok/model"
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

// TestConfigTargets: --to takes comma lists and repeats, the config file a string or a
// list; duplicates collapse, the flag wins, and an invalid tag or too many is a usage
// error naming it.
func TestConfigTargets(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	list := write("list.toml", "to = [\"ko-KR\", \"ja-JP\"]\n")
	one := write("one.toml", "to = \"zh-Hant\"\n")
	limit := write("limit.toml", "to = [\"ko\", \"ja\", \"fr\"]\nmax_targets = 2\n")
	tests := []struct {
		name    string
		args    []string
		want    string
		wantErr string
	}{
		{name: "comma list", args: []string{"--to", "ko-KR,ja-JP,zh-Hant"}, want: "ko-KR,ja-JP,zh-Hant"},
		{name: "repeated", args: []string{"--to", "ko-KR", "--to", "ja-JP"}, want: "ko-KR,ja-JP"},
		{name: "duplicates collapse", args: []string{"--to", "ko-KR,ja-JP", "--to", "ko-KR"}, want: "ko-KR,ja-JP"},
		{name: "config list", args: []string{"--config", list}, want: "ko-KR,ja-JP"},
		{name: "config string", args: []string{"--config", one}, want: "zh-Hant"},
		{name: "flag beats config", args: []string{"--config", list, "--to", "de"}, want: "de"},
		{name: "invalid named", args: []string{"--to", "ko-KR,klingonese"}, wantErr: "klingonese"},
		{name: "auto", args: []string{"--to", "auto"}, wantErr: "cannot be auto"},
		{name: "too many", args: []string{"--to", "ko,ja,zh,fr,de,es,it,pt,nl"}, wantErr: "9 given, at most 8"},
		{name: "config limit", args: []string{"--config", limit}, wantErr: "3 given, at most 2"},
		{name: "flag limit", args: []string{"--config", limit, "--max-targets", "3"}, want: "ko,ja,fr"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f commonFlags
			fs := flag.NewFlagSet("t", flag.ContinueOnError)
			f.bind(fs)
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			c, err := resolveConfig(&f, mapEnv(map[string]string{"XDG_CONFIG_HOME": filepath.Join(dir, "none"), "XDG_DATA_HOME": dir}))
			if tt.wantErr != "" {
				var uerr *usageError
				if !errors.As(err, &uerr) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want a usage error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := model.JoinTargets(c.Targets); got != tt.want || c.To != c.Targets[0] || !c.ToSet {
				t.Fatalf("targets %s, To %s, ToSet %v; want %s", got, c.To, c.ToSet, tt.want)
			}
		})
	}
}
