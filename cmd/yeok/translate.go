package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/yeok/yeok/cmd/yeok/internal/pipeline"
	"github.com/yeok/yeok/model"
)

const translateSynopsis = "yeok translate [flags] [TEXT...]   (TEXT, or stdin when no TEXT is given; with --lines, FILE... such as a .srt)"

func runTranslate(ctx context.Context, args []string, io stdio, getenv env) error {
	var f commonFlags
	fs := newFlagSet("translate", &f)
	lines := fs.Bool("lines", false, "translate each non-empty input line as its own entry, in order")
	jsonOut := fs.Bool("json", false, "print one JSON object per event instead of text")
	pos, err := parseCommand(fs, args, io.out, translateSynopsis)
	if err != nil {
		return err
	}
	c, err := resolveConfig(&f, getenv)
	if err != nil {
		return err
	}
	sources, err := readSources(io.in, pos, *lines, c.MaxInput)
	if err != nil {
		return err
	}
	eng, st, err := openRunner(ctx, c)
	if err != nil {
		return err
	}
	defer st.Close()

	sess, err := st.NewSession(ctx, model.LocalOwner, model.Session{Origin: "pipe", ScriptID: c.ScriptID, From: c.From, To: c.To})
	if err != nil {
		return fmt.Errorf("start session: %w", err)
	}
	tr := &pipeline.Runner{Store: st, Engine: eng, Context: c.Context}
	out := newEventPrinter(io.out, *jsonOut)
	var problems []string
	for _, src := range sources {
		req := model.Request{
			Owner: model.LocalOwner, SessionID: sess.ID, ScriptID: c.ScriptID,
			Source: src.text, From: c.From, To: c.To, Model: c.Model, Cue: src.cue,
		}
		out.begin(src.text)
		e, err := tr.Run(ctx, req, out.event)
		if err != nil {
			return err
		}
		if err := out.finish(e); err != nil {
			return fmt.Errorf("write output: %w", err)
		}
		if len(e.Flags) > 0 {
			fmt.Fprintf(io.err, "yeok: entry %d: check the translation: %s\n", e.ID, flagWords(e.Flags))
		}
		if e.Status != model.StatusDone {
			problems = append(problems, pipeline.Problem(e))
			if pipeline.Fatal(e.ErrorClass) {
				break
			}
		}
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
// With --lines, arguments that name files are read (a .srt file keeps its cue times); without
// it, arguments are the text itself.
func readSources(in io.Reader, args []string, lines bool, limit int) ([]source, error) {
	var text string
	switch {
	case lines && len(args) > 0 && isFile(args[0]):
		var b strings.Builder
		for _, a := range args {
			data, err := os.ReadFile(a)
			if err != nil {
				return nil, fmt.Errorf("read %s: %w", a, withoutPath(err))
			}
			b.Write(data)
			if len(data) > 0 && data[len(data)-1] != '\n' {
				b.WriteByte('\n')
			}
		}
		text = b.String()
	case len(args) > 0:
		text = strings.Join(args, " ")
	default:
		b, err := io.ReadAll(bufio.NewReader(in))
		if err != nil {
			return nil, fmt.Errorf("read stdin: %w", err)
		}
		text = string(b)
	}
	var sources []source
	switch {
	case lines && looksLikeSRT(text):
		cues, err := parseSRT(text)
		if err != nil {
			return nil, usageErrorf("subtitles: %v", err)
		}
		for i, c := range cues {
			if err := model.CheckSource(c.text, limit); err != nil {
				return nil, usageErrorf("cue %d: %v", i+1, err)
			}
		}
		sources = cues
	case lines:
		for i, l := range strings.Split(text, "\n") {
			l = strings.TrimRight(l, "\r")
			if strings.TrimSpace(l) == "" {
				continue
			}
			if err := model.CheckSource(l, limit); err != nil {
				return nil, usageErrorf("line %d: %v", i+1, err)
			}
			sources = append(sources, source{text: l})
		}
	default:
		text = strings.TrimRight(text, "\r\n")
		if err := model.CheckSource(text, limit); err != nil {
			return nil, inputError(err)
		}
		sources = []source{{text: text}}
	}
	if len(sources) == 0 {
		return nil, usageErrorf("nothing to translate: the input is empty")
	}
	return sources, nil
}

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

// jsonEvent is one line of --json output: the event, tagged with its entry.
type jsonEvent struct {
	Entry uint64 `json:"entry"`
	model.Event
}

// begin starts the output of the answer to source.
func (p *eventPrinter) begin(source string) {
	if p.stream != nil {
		p.stream.begin(source)
	}
}

func (p *eventPrinter) event(e model.Entry, ev model.Event) {
	if p.json != nil {
		_ = p.json.Encode(jsonEvent{Entry: e.ID, Event: ev})
		return
	}
	if ev.Kind == model.EventDelta {
		_ = p.stream.write(ev.Text)
	}
}

// finish ends an entry's output: a newline in text mode, the stored entry in JSON mode.
func (p *eventPrinter) finish(e model.Entry) error {
	if p.json != nil {
		return p.json.Encode(struct {
			Type  string `json:"type"`
			Entry any    `json:"entry"`
		}{"entry", entryRecord(e)})
	}
	return p.stream.end(e)
}

// flagWords says what hygiene flags mean, for a person.
func flagWords(flags []string) string {
	words := make([]string, 0, len(flags))
	for _, f := range flags {
		switch {
		case f == "echo":
			words = append(words, "the answer repeats the source")
		case f == "script-mismatch":
			words = append(words, "the answer is not written in the target's script")
		case strings.HasPrefix(f, "glossary-miss:"):
			words = append(words, fmt.Sprintf("glossary term %q not used", model.SanitizeLine(strings.TrimPrefix(f, "glossary-miss:"))))
		default:
			words = append(words, model.SanitizeLine(f))
		}
	}
	return strings.Join(words, "; ")
}
