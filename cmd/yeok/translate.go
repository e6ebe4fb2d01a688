package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/yeok/yeok/model"
)

// stdinHint is said on stderr when the text to translate is read from a terminal.
const stdinHint = "yeok: type the text to translate, then Ctrl+D on a line of its own (or give it as TEXT, or pipe it in)"

const translateSynopsis = "yeok translate [flags] [TEXT...]   (TEXT, or stdin when no TEXT is given; with --lines, FILE... such as a .srt)"

func runTranslate(ctx context.Context, args []string, io stdio, getenv env) error {
	var f commonFlags
	fs := newFlagSet("translate", &f)
	var lines linesMode
	fs.Var(&lines, "lines", "translate each non-empty input line as its own entry, in order; each cue of a SubRip (.srt)\ninput is one entry with its times, and a broken cue is refused; --lines=plain takes every line as it is")
	jsonOut := fs.Bool("json", false, "print one JSON object per event instead of text")
	parallel := fs.Int("parallel", defaultParallel, "send up to N requests at once (lines, or batches with --batch), 1 or more; output and stored order stay the input order (1: one line after another, as yeok follow does)")
	preceding := fs.Int("preceding", defaultPreceding, "with --parallel above 1, send the K source lines before each line with it as context only, 0 or more")
	batchLines := fs.Int("batch", 0, "with --lines, send up to `M` lines in one request (10 to 20 is a good start), each still its own entry;\na line the answer leaves out or repeats is sent again on its own (one --to only; 0: one line a request)")
	resume := fs.Bool("resume", false, "with --script, skip the input lines the script already has done (into each target), in order, counting repeats")
	retranslate := fs.Bool("retranslate", false, "with --script and no input, send the script's lines again (into --to, or the targets they have), keeping the old entries")
	onlyFlag := fs.String("only", "", "with --retranslate, only the lines whose newest entry is `STATES`: failed, flagged, truncated, comma separated")
	pos, err := parseCommand(fs, args, io.out, translateSynopsis)
	if err != nil {
		return err
	}
	c, err := resolveConfig(&f, getenv)
	if err != nil {
		return err
	}
	if *parallel < 1 || *preceding < 0 {
		return usageErrorf("--parallel wants 1 or more, --preceding 0 or more")
	}
	if *batchLines < 0 {
		return usageErrorf("--batch wants 0 or more lines a request")
	}
	if *batchLines > 1 && len(c.Targets) > 1 {
		return usageErrorf("--batch takes one --to: run each target on its own")
	}
	var only lineStates
	switch {
	case *retranslate && c.ScriptID == "":
		return usageErrorf("--retranslate needs --script: the script whose lines are sent again")
	case *retranslate && len(pos) > 0:
		return usageErrorf("--retranslate takes no text or files: it sends the script's own lines")
	case *retranslate && *resume:
		return usageErrorf("--retranslate and --resume do not go together")
	case *onlyFlag != "" && !*retranslate:
		return usageErrorf("--only goes with --retranslate")
	case *onlyFlag != "":
		if only, err = parseStates(*onlyFlag); err != nil {
			return err
		}
	}
	if *resume && c.ScriptID == "" {
		return usageErrorf("--resume needs --script: the script whose done lines are skipped")
	}
	c = useLocalServer(ctx, c, getenv, io.err)
	if *retranslate {
		return runRetranslate(ctx, c, io, retranslateRun{explicit: len(f.to) > 0, only: only, parallel: *parallel,
			preceding: *preceding, lines: *batchLines, asJSON: *jsonOut})
	}
	if len(pos) == 0 && isTerminal(io.in) {
		// Reading a terminal to its end looks like a hang to someone who expected an
		// argument: say once how the input ends.
		fmt.Fprintln(io.err, stdinHint)
	}
	sources, err := readSources(io.in, pos, lines, c.MaxInput)
	if err != nil {
		return err
	}
	defer sources.close()
	eng, st, err := openEngine(ctx, c)
	if err != nil {
		return err
	}
	defer st.Close()
	var done [][]model.Language
	if *resume {
		if done, err = doneTargets(ctx, st, c.ScriptID, c.Targets, sources); err != nil {
			return err
		}
	}
	b := &batch{eng: eng, targets: c.Targets, sources: sources, done: done, parallel: *parallel, preceding: *preceding, lines: *batchLines}
	return runBatch(ctx, st, c, io, b, *jsonOut, false)
}

// runBatch runs b in a new pipe session of the store, its output on io, and reports its
// problems: each on stderr but the last, which is the run's error.
func runBatch(ctx context.Context, st logStore, c config, io stdio, b *batch, asJSON, noMemory bool) error {
	sess, err := st.NewSession(ctx, model.LocalOwner, model.Session{Origin: "pipe", ScriptID: c.ScriptID, From: c.From, To: b.targets[0]})
	if err != nil {
		return fmt.Errorf("start session: %w", err)
	}
	b.base = model.Request{Owner: model.LocalOwner, SessionID: sess.ID, ScriptID: c.ScriptID, From: c.From, To: b.targets[0], Model: c.Model,
		NoMemory: noMemory}
	b.con = newConsole(io.out, io.err, asJSON, countTodo(b.targets, b.done, b.sources.len()))
	b.asJSON, b.sanitise = asJSON, isTerminal(io.out)
	problems, fatal, err := b.run(ctx)
	if err != nil {
		return err
	}
	if fatal != "" {
		problems = append(problems, fatal)
	}
	if len(problems) == 0 {
		return nil
	}
	for _, p := range problems[:len(problems)-1] {
		fmt.Fprintf(io.err, "yeok: %s\n", p)
	}
	return fmt.Errorf("%s", problems[len(problems)-1])
}

// readSources gathers the texts to translate and refuses bad input before anything is sent.
// Without --lines, the arguments (or stdin) are one text. With it, arguments that name
// files are read, each on its own; a SubRip input's cues keep their times, and a broken one
// is refused unless --lines=plain asks for every line as it is.
func readSources(in io.Reader, args []string, lines linesMode, limit int) (*sourceLines, error) {
	if lines == linesOff {
		text, err := readText(in, args)
		if err != nil {
			return nil, err
		}
		text = strings.TrimRight(text, "\r\n")
		if err := model.CheckSource(text, limit); err != nil {
			return nil, inputError(err)
		}
		return heldLines([]source{{text: text}}), nil
	}
	if len(args) == 1 && isFile(args[0]) {
		s, ok, err := fileLines(args[0], lines, limit)
		switch {
		case err != nil:
			return nil, err
		case ok && s.len() == 0:
			s.close()
			return nil, usageErrorf("nothing to translate: the input is empty")
		case ok:
			return s, nil
		}
	}
	inputs, err := readInputs(in, args, lines)
	if err != nil {
		return nil, err
	}
	var sources []source
	for _, input := range inputs {
		got, err := input.sources(lines, limit)
		if err != nil {
			return nil, err
		}
		sources = append(sources, got...)
	}
	if len(sources) == 0 {
		return nil, usageErrorf("nothing to translate: the input is empty")
	}
	return heldLines(sources), nil
}

// readText is the one text to translate: the arguments, or stdin without them.
func readText(in io.Reader, args []string) (string, error) {
	if len(args) > 0 {
		return strings.Join(args, " "), nil
	}
	b, err := io.ReadAll(bufio.NewReader(in))
	if err != nil {
		return "", fmt.Errorf("read stdin: %w", err)
	}
	return string(b), nil
}

// input is one text read for --lines: a file, stdin, or the arguments (no name).
type input struct {
	name, text string
}

func readInputs(in io.Reader, args []string, lines linesMode) ([]input, error) {
	if len(args) == 0 || !isFile(args[0]) {
		if lines == linesOn && len(args) > 1 && args[0] == string(linesPlain) && isFile(args[1]) {
			return nil, usageErrorf("--lines plain: write --lines=plain to take every line of %s as it is", args[1])
		}
		text, err := readText(in, args)
		if len(args) == 0 {
			return []input{{name: "stdin", text: text}}, err
		}
		return []input{{text: text}}, err
	}
	inputs := make([]input, 0, len(args))
	for _, a := range args {
		text, err := readFileString(a)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", a, withoutPath(err))
		}
		inputs = append(inputs, input{name: a, text: text})
	}
	return inputs, nil
}

// readFileString reads a file into one string without a second copy of it: a long
// transcript's lines are held for the whole run, as parts of this string.
func readFileString(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	var b strings.Builder
	if fi, err := f.Stat(); err == nil && fi.Size() > 0 {
		b.Grow(int(fi.Size()) + 1) // +1: reading on to the end needs no larger buffer
	}
	if _, err := io.Copy(&b, f); err != nil {
		return "", err
	}
	return b.String(), nil
}

// sources splits an input into SubRip cues, or into its non-empty lines.
func (in input) sources(lines linesMode, limit int) ([]source, error) {
	if lines != linesPlain && isSubRip(in.name, in.text) {
		cues, err := parseSRT(in.name, in.text)
		if err != nil {
			return nil, err
		}
		for i, c := range cues {
			if err := model.CheckSource(c.text, limit); err != nil {
				return nil, usageErrorf("%s: cue %d: %v", in.name, i+1, err)
			}
		}
		return cues, nil
	}
	out := make([]source, 0, strings.Count(in.text, "\n")+1)
	rest := in.text
	for i := 0; rest != ""; i++ {
		var l string
		l, rest, _ = strings.Cut(rest, "\n")
		l = strings.TrimRight(l, "\r")
		if strings.TrimSpace(l) == "" {
			continue
		}
		if err := model.CheckSource(l, limit); err != nil {
			if in.name == "" {
				return nil, usageErrorf("line %d: %v", i+1, err)
			}
			return nil, usageErrorf("%s:%d: %v", in.name, i+1, err)
		}
		out = append(out, source{text: l})
	}
	return out, nil
}

// linesMode is --lines: off, on (a SubRip input's cues are the entries, with their times)
// or plain (every non-empty line is an entry, SubRip or not).
type linesMode string

const (
	linesOff   linesMode = ""
	linesOn    linesMode = "true"
	linesPlain linesMode = "plain"
)

func (m *linesMode) String() string { return string(*m) }

func (m *linesMode) Set(s string) error {
	switch strings.ToLower(s) {
	case "true", "1", "on":
		*m = linesOn
	case "false", "0", "off":
		*m = linesOff
	case "plain":
		*m = linesPlain
	default:
		return errors.New("want --lines, --lines=plain or --lines=false")
	}
	return nil
}

// IsBoolFlag lets --lines stand alone.
func (m *linesMode) IsBoolFlag() bool { return true }

func isFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}

func inputError(err error) error {
	if strings.Contains(err.Error(), "empty") {
		return usageErrorf("nothing to translate: the input is empty")
	}
	return usageErrorf("%v", err)
}

// eventPrinter writes a translation's events to stdout, as text or as JSON lines.
type eventPrinter struct {
	json   *json.Encoder
	stream *streamWriter
}

func newEventPrinter(w io.Writer, asJSON bool) *eventPrinter {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		return &eventPrinter{json: enc}
	}
	return &eventPrinter{stream: &streamWriter{w: w, sanitise: isTerminal(w)}}
}

// finish ends an entry's output: a newline in text mode, the stored entry in JSON mode.
func (p *eventPrinter) finish(e model.Entry) error {
	if p.json != nil {
		return p.json.Encode(struct {
			Type  string `json:"type"`
			Entry any    `json:"entry"`
		}{"entry", entryRecord(e)})
	}
	return p.stream.end()
}
