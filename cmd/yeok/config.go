package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/yeok/yeok/model"
	"github.com/yeok/yeok/storage"
	"github.com/yeok/yeok/storage/postgres"
	"github.com/yeok/yeok/ui"
)

// defaultBaseURL is where requests go when only an API key is configured.
const defaultBaseURL = "https://api.openai.com/v1"

// defaultModel is the model asked for when none is configured.
const defaultModel = "gpt-4o-mini"

// fileConfig is the shape of $XDG_CONFIG_HOME/yeok/config.toml. Every key is optional.
type fileConfig struct {
	// To is one target or several: to = "ko-KR", or to = ["ko-KR", "ja-JP"].
	To                targetList `toml:"to"`
	MaxTargets        *int       `toml:"max_targets"`
	From              string     `toml:"from"`
	Model             string     `toml:"model"`
	BaseURL           string     `toml:"base_url"`
	APIKey            string     `toml:"api_key"`
	DB                string     `toml:"db"`
	MaxInput          *int       `toml:"max_input"`
	MaxRetries        *int       `toml:"max_retries"`
	IdleTimeout       string     `toml:"idle_timeout"`
	DBTimeout         string     `toml:"db_timeout"`
	DBLease           string     `toml:"db_lease"`
	FirstTokenTimeout string     `toml:"first_token_timeout"`
	Context           *int       `toml:"context"`
	// Memory = false turns the translation memory off.
	Memory *bool `toml:"memory"`
	// Keys rebinds the TUI's actions: [keys] copy = "alt+c", target = ["ctrl+t", "f2"].
	Keys map[string]keyList `toml:"keys"`
	// Theme replaces palette colours: [theme] accent = "#FF8800", or ["#light", "#dark"].
	Theme map[string]themeColor `toml:"theme"`
}

// themeColor is one [theme] colour: one for both backgrounds, or [light, dark].
type themeColor ui.ThemeColor

// UnmarshalTOML takes "#RRGGBB" or ["#RRGGBB", "#RRGGBB"].
func (c *themeColor) UnmarshalTOML(v any) error {
	var ks keyList
	if err := ks.UnmarshalTOML(v); err != nil || len(ks) < 1 || len(ks) > 2 {
		return fmt.Errorf("want a colour such as \"#7D56F4\", or [light, dark], got %v", v)
	}
	c.Light, c.Dark = ks[0], ks[len(ks)-1]
	return nil
}

// targetList is config.toml's to: one language or a list of them.
type targetList []string

// UnmarshalTOML takes "ko-KR" or ["ko-KR", "ja-JP"].
func (t *targetList) UnmarshalTOML(v any) error {
	var ks keyList
	if err := ks.UnmarshalTOML(v); err != nil {
		return fmt.Errorf("want a language such as \"ko-KR\" or a list of them, got %v", v)
	}
	*t = targetList(ks)
	return nil
}

// keyList is one action's keys in config.toml: a string or a list of strings.
type keyList []string

// UnmarshalTOML takes "ctrl+y" or ["ctrl+y", "f3"].
func (k *keyList) UnmarshalTOML(v any) error {
	switch v := v.(type) {
	case string:
		*k = keyList{v}
		return nil
	case []any:
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return fmt.Errorf("want a key name such as \"ctrl+y\", got %v", e)
			}
			*k = append(*k, s)
		}
		return nil
	}
	return fmt.Errorf("want a key name such as \"ctrl+y\" or a list of them, got %v", v)
}

// config is every setting after precedence (flag > env > config file > default) is applied.
type config struct {
	// Targets are the languages each line goes into, in the order given, at least one;
	// To is the first of them, for the front doors that translate into one.
	Targets []model.Language
	To      model.Language
	// ToSet says Targets came from --to or the config file, not from the locale or the
	// default: only then do they win over the owner's most recent target in the TUI.
	ToSet bool
	// MaxTargets is how many targets one line may go into (--max-targets, max_targets).
	MaxTargets  int
	From        model.Language
	Model       string
	BaseURL     string
	APIKey      string
	DBPath      string
	ScriptID    string
	MaxInput    int
	MaxRetries  int
	IdleTimeout time.Duration
	// DBTimeout is how long a store operation waits for another process's turn.
	DBTimeout time.Duration
	// DBLease is PostgreSQL's lease on a process's pending entries (--db-lease, db_lease).
	DBLease           time.Duration
	FirstTokenTimeout time.Duration
	Context           int
	ContextSet        bool
	// NoMemory turns the translation memory off (--no-memory, memory = false).
	NoMemory bool
	// Keys is the TUI's key map; its zero value means the defaults.
	Keys ui.KeyMap
	// Theme is the TUI's palette changes; nil means none.
	Theme ui.Theme
	// ModelSet says Model came from --model or the config file, not the default.
	ModelSet bool
}

// env is the part of the process environment yeok reads; tests build their own.
type env func(string) string

// configPath returns the config file to read: --config, else the XDG location.
func configPath(flagPath string, getenv env) string {
	if flagPath != "" {
		return flagPath
	}
	dir := getenv("XDG_CONFIG_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "yeok", "config.toml")
}

// dataDir is $XDG_DATA_HOME/yeok, where the database and the SSH host key live.
func dataDir(getenv env) (string, error) {
	dir := getenv("XDG_DATA_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("find the data directory: %w (set XDG_DATA_HOME or --db)", err)
		}
		dir = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(dir, "yeok"), nil
}

// readConfigFile decodes the file at path. A missing file is no error unless it was named
// with --config; unknown keys are, so a typo is not silently ignored.
func readConfigFile(path string, explicit bool) (fileConfig, error) {
	var fc fileConfig
	if path == "" {
		return fc, nil
	}
	md, err := toml.DecodeFile(path, &fc)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) && !explicit {
			return fileConfig{}, nil
		}
		var perr toml.ParseError
		if errors.As(err, &perr) {
			return fc, usageErrorf("config %s: line %d: %s", path, perr.Position.Line, perr.Message)
		}
		return fc, usageErrorf("config %s: %v", path, withoutPath(err))
	}
	if undec := md.Undecoded(); len(undec) > 0 {
		keys := make([]string, len(undec))
		for i, k := range undec {
			keys[i] = k.String()
		}
		return fc, usageErrorf("config %s: unknown key %s", path, strings.Join(keys, ", "))
	}
	return fc, nil
}

// resolveConfig applies flag > env > config file > default to every setting.
func resolveConfig(f *commonFlags, getenv env) (config, error) {
	path := configPath(f.config, getenv)
	fc, err := readConfigFile(path, f.config != "")
	if err != nil {
		return config{}, err
	}
	if err := checkConfigFile(path, fc); err != nil {
		return config{}, err
	}
	pick := func(vals ...string) string {
		for _, v := range vals {
			if v != "" {
				return v
			}
		}
		return ""
	}
	c := config{
		Model:    pick(f.model, fc.Model, defaultModel),
		BaseURL:  strings.TrimRight(pick(f.baseURL, getenv("OPENAI_BASE_URL"), fc.BaseURL), "/"),
		APIKey:   pick(getenv("OPENAI_API_KEY"), fc.APIKey),
		ScriptID: strings.TrimSpace(f.script),
		MaxInput: model.DefaultMaxInput,
		Context:  6,
	}
	c.MaxTargets = model.DefaultMaxTargets
	if f.maxTargets.set {
		c.MaxTargets = f.maxTargets.n
	} else if fc.MaxTargets != nil {
		c.MaxTargets = *fc.MaxTargets
	}
	if c.Targets, c.ToSet, err = resolveTargets(f.to, fc.To, getenv, c.MaxTargets); err != nil {
		return c, err
	}
	c.To = c.Targets[0]
	c.ModelSet = pick(f.model, fc.Model) != ""
	if c.From, err = parseLanguageSetting("--from", pick(f.from, fc.From, "auto")); err != nil {
		return c, err
	}
	if c.DBPath = pick(f.db, getenv("YEOK_DB"), fc.DB); c.DBPath == "" {
		dir, err := dataDir(getenv)
		if err != nil {
			return c, err
		}
		c.DBPath = filepath.Join(dir, "yeok.db")
	}
	if f.maxInput > 0 {
		c.MaxInput = f.maxInput
	} else if fc.MaxInput != nil {
		c.MaxInput = *fc.MaxInput
	}
	c.MaxRetries = 2
	if f.maxRetries.set {
		c.MaxRetries = f.maxRetries.n
	} else if fc.MaxRetries != nil {
		c.MaxRetries = *fc.MaxRetries
	}
	c.IdleTimeout = pickDuration(f.idleTimeout, fc.IdleTimeout, 30*time.Second)
	c.DBTimeout = pickDuration(f.dbTimeout, fc.DBTimeout, storage.DefaultTimeout)
	c.DBLease = pickDuration(f.dbLease, fc.DBLease, postgres.DefaultLeaseTTL)
	c.FirstTokenTimeout = pickDuration(f.firstTokenTimeout, fc.FirstTokenTimeout, 60*time.Second)
	if len(fc.Keys) > 0 {
		keys := map[string][]string{}
		for name, ks := range fc.Keys {
			keys[name] = ks
		}
		if c.Keys, err = ui.RemapKeys(ui.DefaultKeyMap(), keys); err != nil {
			return c, usageErrorf("config %s: [keys]: %v", path, err)
		}
	}
	if len(fc.Theme) > 0 {
		c.Theme = ui.Theme{}
		for name, col := range fc.Theme {
			c.Theme[name] = ui.ThemeColor(col)
		}
		if err := c.Theme.Check(); err != nil {
			return c, usageErrorf("config %s: [theme]: %v", path, err)
		}
	}
	switch {
	case f.context.set:
		c.Context, c.ContextSet = f.context.n, true
	case fc.Context != nil:
		c.Context, c.ContextSet = *fc.Context, true
	}
	c.NoMemory = f.noMemory || fc.Memory != nil && !*fc.Memory
	return c, nil
}

// checkConfigFile refuses a config file value that is not a duration or is outside the
// range of its key, naming the file and the key.
func checkConfigFile(path string, fc fileConfig) error {
	ints := []struct {
		key string
		v   *int
	}{{"max_input", fc.MaxInput}, {"max_retries", fc.MaxRetries}, {"context", fc.Context}, {"max_targets", fc.MaxTargets}}
	for _, n := range ints {
		if n.v == nil {
			continue
		}
		if err := checkConfigRange(path, n.key, int64(*n.v)); err != nil {
			return err
		}
	}
	durations := []struct{ key, v string }{{"idle_timeout", fc.IdleTimeout}, {"first_token_timeout", fc.FirstTokenTimeout}, {"db_timeout", fc.DBTimeout}, {"db_lease", fc.DBLease}}
	for _, d := range durations {
		if d.v == "" {
			continue
		}
		v, err := time.ParseDuration(d.v)
		if err != nil {
			return usageErrorf("config %s: %s: %q is not a duration like 30s", path, d.key, d.v)
		}
		if err := checkConfigRange(path, d.key, int64(v)); err != nil {
			return err
		}
	}
	return nil
}

// resolveTargets applies flag > config file > locale > English to the target languages:
// every --to given (each one tag or a comma list) or the config file's to (a string or a
// list). set reports whether they came from a flag or the file. An invalid tag, "auto" or
// more than limit targets is a usage error naming it.
func resolveTargets(flagVals, fileVals []string, getenv env, limit int) (targets []model.Language, set bool, err error) {
	vals := flagVals
	if len(vals) == 0 {
		vals = fileVals
	}
	set = len(vals) > 0
	if !set {
		vals = []string{localeLanguage(getenv)}
		if vals[0] == "" {
			vals[0] = "en"
		}
	}
	targets, err = model.ParseTargets(vals, limit)
	switch {
	case errors.Is(err, model.ErrTooManyTargets):
		return nil, set, usageErrorf("--to: %v (--max-targets raises the limit)", err)
	case err != nil && len(vals) == 1 && strings.TrimSpace(vals[0]) == "auto":
		return nil, set, usageErrorf("--to: the target language cannot be auto")
	case err != nil:
		return nil, set, usageErrorf("--to: %v", err)
	}
	return targets, set, nil
}

func parseLanguageSetting(name, value string) (model.Language, error) {
	l, err := model.ParseLanguage(value)
	if err != nil {
		return l, usageErrorf("%s: %v", name, err)
	}
	return l, nil
}

// pickDuration applies flag > config file > default to a duration checkConfigFile passed.
func pickDuration(flagVal time.Duration, fileVal string, def time.Duration) time.Duration {
	if flagVal > 0 {
		return flagVal
	}
	if d, err := time.ParseDuration(fileVal); err == nil {
		return d
	}
	return def
}

// localeLanguage derives a default target from LC_ALL / LC_MESSAGES / LANG ("ko_KR.UTF-8"
// gives ko-KR); "C" and "POSIX" give nothing.
func localeLanguage(getenv env) string {
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		v := getenv(name)
		if v == "" {
			continue
		}
		if i := strings.IndexAny(v, ".@"); i >= 0 {
			v = v[:i]
		}
		if v == "C" || v == "POSIX" || v == "" {
			return ""
		}
		if l, err := model.ParseLanguage(v); err == nil && !l.IsAuto() {
			return string(l)
		}
		return ""
	}
	return ""
}

// providerError says, in one line, what to set when no provider is configured; nil when
// one is. It matches model.ErrNoProvider and says its words once.
func providerError(c config) error {
	if c.APIKey != "" || c.BaseURL != "" {
		return nil
	}
	return fmt.Errorf("%w: set OPENAI_API_KEY, or --base-url (OPENAI_BASE_URL) for a local server such as Ollama at http://localhost:11434/v1", model.ErrNoProvider)
}

// providerProblem is providerError's sentence, for a screen; "" when a provider is
// configured.
func providerProblem(c config) string {
	if err := providerError(c); err != nil {
		return err.Error()
	}
	return ""
}
