package main

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/yeok/yeok/model"
	"github.com/yeok/yeok/storage"
	"github.com/yeok/yeok/storage/postgres"
)

const completionSynopsis = "yeok completion bash|zsh|fish   (print a script that completes yeok's commands, flags, languages and script IDs)"

// completeCommand is the hidden command the completion scripts call with the words typed
// so far; it prints one candidate a line.
const completeCommand = "__complete"

// scriptsLookup bounds how long a completion waits for the database; a busy file gives
// no script IDs rather than a stuck prompt.
const scriptsLookup = 200 * time.Millisecond

func runCompletion(_ context.Context, args []string, io stdio, _ env) error {
	var f commonFlags
	fs := newFlagSet("completion", &f)
	pos, err := parseCommand(fs, args, io.out, completionSynopsis)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErrorf("completion: name one shell: bash, zsh or fish")
	}
	script, ok := map[string]string{"bash": bashCompletion, "zsh": zshCompletion, "fish": fishCompletion}[pos[0]]
	if !ok {
		return usageErrorf("completion: unknown shell %q: say bash, zsh or fish", pos[0])
	}
	_, err = io.out.Write([]byte(script))
	return err
}

const bashCompletion = `# bash completion for yeok: source <(yeok completion bash)
_yeok() {
	local IFS=$'\n'
	COMPREPLY=($(yeok ` + completeCommand + ` "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
}
complete -o default -F _yeok yeok
`

const zshCompletion = `#compdef yeok
# zsh completion for yeok: source <(yeok completion zsh), after compinit
_yeok() {
	local -a candidates
	candidates=(${(f)"$(yeok ` + completeCommand + ` "${(@)words[2,CURRENT]}" 2>/dev/null)"})
	if (( ${#candidates} )); then
		compadd -- "${candidates[@]}"
	else
		_files
	fi
}
if [ "$funcstack[1]" = "_yeok" ]; then
	_yeok "$@"
else
	compdef _yeok yeok
fi
`

const fishCompletion = `# fish completion for yeok: yeok completion fish | source
complete -c yeok -e
complete -c yeok -a '(yeok ` + completeCommand + ` (commandline -opc)[2..-1] (commandline -ct) 2>/dev/null)'
`

// runComplete prints the candidates for the last of args, the word being typed; the words
// before it say where it stands. Nothing printed lets the shell complete file names.
func runComplete(ctx context.Context, args []string, io stdio, getenv env) error {
	words, cur := args, ""
	if len(words) > 0 {
		words, cur = words[:len(words)-1], words[len(words)-1]
	}
	for _, c := range completions(ctx, words, cur, getenv) {
		fmt.Fprintln(io.out, c)
	}
	return nil
}

// completions are the candidates for cur after words.
func completions(ctx context.Context, words []string, cur string, getenv env) []string {
	// bash splits "--to=ko" into "--to", "=", "ko".
	prev := ""
	switch {
	case cur == "=" && len(words) > 0:
		prev, cur = words[len(words)-1], ""
	case len(words) >= 2 && words[len(words)-1] == "=":
		prev = words[len(words)-2]
	case len(words) > 0:
		prev = words[len(words)-1]
	}
	cmd, _ := commandFor(words)
	name := ""
	if cmd != nil {
		name = cmd.name
	}
	flags := commandFlags(ctx, cmd)
	if strings.HasPrefix(prev, "-") && !strings.Contains(prev, "=") {
		if v, ok := flags[strings.TrimLeft(prev, "-")]; ok && v {
			return matching(flagValues(ctx, strings.TrimLeft(prev, "-"), words, getenv), cur, "")
		}
	}
	if strings.HasPrefix(cur, "-") {
		if i := strings.Index(cur, "="); i >= 0 {
			flag := strings.TrimLeft(cur[:i], "-")
			return matching(flagValues(ctx, flag, words, getenv), cur[i+1:], cur[:i+1])
		}
		var out []string
		for f := range flags {
			out = append(out, "--"+f)
		}
		return matching(out, cur, "")
	}
	if cmd == nil {
		var out []string
		for _, c := range commands() {
			if !c.hidden {
				out = append(out, c.name)
			}
		}
		return matching(out, cur, "")
	}
	return matching(map[string][]string{
		"db":         {"check", "compact", "migrate", "copy"},
		"glossary":   {"list", "set", "rm", "import"},
		"completion": {"bash", "zsh", "fish"},
	}[name], cur, "")
}

// flagLine is one flag in a command's --help: its name, then a word naming its value
// unless it is a switch.
var flagLine = regexp.MustCompile(`(?m)^  -([A-Za-z0-9-]+)( [A-Za-z0-9.]+)?`)

// commandFlags are the flags cmd (nil: the TUI) takes, each saying whether it reads a
// value. They come from the command's own --help, so they are the flags it parses.
func commandFlags(ctx context.Context, cmd *command) map[string]bool {
	var out bytes.Buffer
	io := stdio{in: strings.NewReader(""), out: &out, err: &bytes.Buffer{}}
	noEnv := func(string) string { return "" }
	if cmd == nil {
		_ = runTUI(ctx, []string{"--help"}, io, noEnv)
	} else {
		_ = cmd.run(ctx, []string{"--help"}, io, noEnv)
	}
	flags := map[string]bool{}
	for _, m := range flagLine.FindAllStringSubmatch(out.String(), -1) {
		flags[m[1]] = m[2] != ""
	}
	return flags
}

// flagValues are the values worth offering for flag: language tags, script IDs, formats.
func flagValues(ctx context.Context, flag string, words []string, getenv env) []string {
	switch flag {
	case "to", "from":
		var out []string
		if flag == "from" {
			out = append(out, string(model.Auto))
		}
		for _, l := range model.CommonLanguages {
			out = append(out, string(l))
		}
		return out
	case "script":
		return scriptIDs(ctx, words, getenv)
	case "format":
		return []string{"md", "jsonl", "tsv", "srt"}
	}
	return nil
}

// scriptIDs lists the scripts in the database the words name (--db, --config), or the
// default one; nothing when it cannot be read at once.
func scriptIDs(ctx context.Context, words []string, getenv env) []string {
	var f commonFlags
	for i, w := range words {
		for name, dst := range map[string]*string{"db": &f.db, "config": &f.config} {
			flag := "--" + name
			switch {
			case strings.HasPrefix(w, flag+"="), strings.HasPrefix(w, "-"+name+"="):
				*dst = w[strings.Index(w, "=")+1:]
			case (w == flag || w == "-"+name) && i+1 < len(words):
				*dst = words[i+1]
			}
		}
	}
	c, err := resolveConfig(&f, getenv)
	if err != nil {
		return nil
	}
	var st interface {
		Scripts(ctx context.Context, owner model.Owner) ([]model.Script, error)
		Close() error
	}
	if isPostgres(c.DBPath) {
		lctx, cancel := context.WithTimeout(ctx, scriptsLookup)
		defer cancel()
		ctx = lctx
		st, err = postgres.Open(ctx, c.DBPath, postgres.Options{})
	} else {
		st, err = storage.Open(ctx, c.DBPath, storage.Options{ReadOnly: true, Timeout: scriptsLookup})
	}
	if err != nil {
		return nil
	}
	defer st.Close()
	list, err := st.Scripts(ctx, model.LocalOwner)
	if err != nil {
		return nil
	}
	out := make([]string, len(list))
	for i, sc := range list {
		out[i] = sc.ID
	}
	return out
}

// matching keeps the candidates that start with prefix, sorted, each with lead before it.
func matching(candidates []string, prefix, lead string) []string {
	var out []string
	for _, c := range candidates {
		if strings.HasPrefix(c, prefix) {
			out = append(out, lead+c)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
