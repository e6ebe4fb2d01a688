package main

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/yeok/yeok/model"
)

// lineOutput writes the translations of one source line, into one target or several, as
// the engine streams them (Engine.TranslateAll calls event, never two at once).
//
// With one target the text is written as it streams, as it always was. With several, each
// target's text is written labelled ("[ko-KR] ..."), in the order of the targets: the
// first streams live, the others are held, and once a target is finished the next one
// writes what it holds and goes on live. Two targets' text never meets on one line.
// In JSON mode every event goes out as it comes, tagged with its target, and the stored
// entries follow in the order of the targets.
type lineOutput struct {
	p       *eventPrinter
	targets []model.Language
	// writers[i] writes target i's text: into held[i] until its turn, then to stdout.
	writers []*streamWriter
	held    []*bytes.Buffer
	done    []bool
	cur     int
}

// line starts the output of one source line into targets.
func (p *eventPrinter) line(targets []model.Language) *lineOutput {
	o := &lineOutput{p: p, targets: targets, done: make([]bool, len(targets))}
	if p.json != nil {
		return o
	}
	if len(targets) == 1 {
		o.writers = []*streamWriter{p.stream}
		return o
	}
	o.held = make([]*bytes.Buffer, len(targets))
	o.writers = make([]*streamWriter, len(targets))
	for i, to := range targets {
		o.held[i] = &bytes.Buffer{}
		o.writers[i] = &streamWriter{w: o.held[i], sanitise: p.stream.sanitise}
		_ = o.writers[i].emit(label(to))
	}
	o.release()
	return o
}

// label starts a target's text when a line has several.
func label(to model.Language) string { return "[" + string(to) + "] " }

// event writes one stream event.
func (o *lineOutput) event(ev model.Event) {
	if o.p.json != nil {
		_ = o.p.json.Encode(ev)
		return
	}
	i := o.index(ev.To)
	if ev.Show != "" {
		_ = o.writers[i].write(ev.Show)
	}
	if ev.Kind == model.EventDone || ev.Kind == model.EventError {
		o.done[i] = true
		if len(o.targets) > 1 {
			o.release()
		}
	}
}

// index is the position of target to; an untagged event belongs to the only target.
func (o *lineOutput) index(to model.Language) int {
	for i, t := range o.targets {
		if t == to {
			return i
		}
	}
	return 0
}

// release hands stdout to the first target not finished, ending the lines of those that
// are and writing what the next one holds.
func (o *lineOutput) release() error {
	for o.cur < len(o.targets) {
		w := o.writers[o.cur]
		if w.w != o.p.stream.w {
			if _, err := o.held[o.cur].WriteTo(o.p.stream.w); err != nil {
				return err
			}
			w.w = o.p.stream.w
		}
		if !o.done[o.cur] {
			return nil
		}
		if err := w.end(); err != nil {
			return err
		}
		o.cur++
	}
	return nil
}

// finish ends the line's output once every target has ended: what is still held is
// written, each target's text ends its line, and in JSON mode the stored entries follow.
func (o *lineOutput) finish(entries []model.Entry) error {
	if o.p.json != nil {
		for _, e := range entries {
			if err := o.p.finish(e); err != nil {
				return err
			}
		}
		return nil
	}
	if len(o.targets) == 1 {
		return o.p.stream.end()
	}
	for i := range o.done {
		o.done[i] = true
	}
	return o.release()
}

// lineReport says on errw what a line's entries need said: flags to check, and one line
// per target that did not finish. It returns those problems, each naming its entry (and
// its target when the line had several), and whether one of them makes going on useless.
func lineReport(errw io.Writer, entries []model.Entry, several bool) (problems []string, fatal bool) {
	for _, e := range entries {
		name := fmt.Sprintf("entry %d", e.ID)
		if several {
			name = fmt.Sprintf("entry %d (%s)", e.ID, e.To)
		}
		if len(e.Flags) > 0 {
			fmt.Fprintf(errw, "yeok: %s: check the translation: %s\n", name, strings.Join(model.DescribeFlags(e.Flags, e.To), "; "))
		}
		if e.Status != model.StatusDone {
			problems = append(problems, name+" "+e.Problem())
			fatal = fatal || e.ErrorClass.Fatal()
		}
	}
	return problems, fatal
}
