package main

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/yeok/yeok/model"
)

// lineStates is --only: which lines of a script --retranslate sends again, by the state of
// their newest entry into a target. Empty means every line.
type lineStates map[string]bool

// retranslateStates are the words --only takes.
var retranslateStates = []string{"failed", "flagged", "truncated"}

func parseStates(s string) (lineStates, error) {
	out := lineStates{}
	for _, w := range strings.Split(s, ",") {
		w = strings.ToLower(strings.TrimSpace(w))
		if !slices.Contains(retranslateStates, w) {
			return nil, usageErrorf("--only: unknown state %q: want failed, flagged or truncated, comma separated", w)
		}
		out[w] = true
	}
	return out, nil
}

// state is the word --only uses for an entry: truncated; failed for any other that is not
// done (failed, interrupted, cancelled, refused, pending); flagged for a done entry with
// flags; "" for a done entry without.
func state(e model.Entry) string {
	switch {
	case e.Status == model.StatusTruncated:
		return "truncated"
	case e.Status != model.StatusDone:
		return "failed"
	case len(e.Flags) > 0:
		return "flagged"
	}
	return ""
}

// scriptLine is one line of a script: its source and, for each target, its newest entry.
type scriptLine struct {
	source source
	newest map[model.Language]model.Entry
}

// scriptLines reads a script's lines in order, and the targets its entries go into in the
// order they first occur. Entries are matched to lines by source text and occurrence: the
// k-th entry of a source into a target within one run (session) is the line where that
// source occurs the k-th time, so a line sent again by a later run (--resume,
// --retranslate) stays one line, its newest entry being the later run's.
func scriptLines(ctx context.Context, st logStore, script string) ([]scriptLine, []model.Language, error) {
	entries, err := st.Entries(ctx, model.LocalOwner, model.EntryQuery{ScriptID: script, Oldest: true})
	if err != nil {
		return nil, nil, fmt.Errorf("read script %s: %w", script, err)
	}
	type occurrence struct {
		session uint64
		to      model.Language
		source  string
	}
	type lineKey struct {
		source string
		n      int
	}
	var (
		lines   []scriptLine
		targets []model.Language
		index   = map[lineKey]int{}
		seen    = map[occurrence]int{}
	)
	for _, e := range entries {
		if !slices.Contains(targets, e.To) {
			targets = append(targets, e.To)
		}
		o := occurrence{e.SessionID, e.To, e.Source}
		key := lineKey{e.Source, seen[o]}
		seen[o]++
		i, ok := index[key]
		if !ok {
			i = len(lines)
			index[key] = i
			lines = append(lines, scriptLine{source: source{text: e.Source, cue: e.Cue}, newest: map[model.Language]model.Entry{}})
		}
		lines[i].newest[e.To] = e
	}
	return lines, targets, nil
}

// retranslation is what --retranslate sends: every line of the script, each with the
// targets it is not sent into (as --resume's done lines are skipped), so that a line's
// preceding lines are the script's own.
func retranslation(ctx context.Context, st logStore, script string, targets []model.Language, only lineStates) ([]source, [][]model.Language, []model.Language, error) {
	lines, used, err := scriptLines(ctx, st, script)
	if err != nil {
		return nil, nil, nil, err
	}
	if len(lines) == 0 {
		return nil, nil, nil, fmt.Errorf("no script %q in this database", script)
	}
	if len(targets) == 0 {
		targets = used
	}
	sources := make([]source, len(lines))
	skip := make([][]model.Language, len(lines))
	for i, l := range lines {
		sources[i] = l.source
		for _, to := range targets {
			e, ok := l.newest[to]
			if len(only) > 0 && (!ok || !only[state(e)]) {
				skip[i] = append(skip[i], to)
			}
		}
	}
	return sources, skip, targets, nil
}

// retranslateRun is what --retranslate was asked for.
type retranslateRun struct {
	// explicit: --to was given; else each line goes into the targets the script has.
	explicit                   bool
	only                       lineStates
	parallel, preceding, lines int
	asJSON                     bool
}

// runRetranslate sends a script's lines again, all or those --only names, into the same
// or other targets, with the machinery of a translate run; the new entries join the
// script beside the old. The translation memory is not asked: it would give the old
// translations back.
func runRetranslate(ctx context.Context, c config, io stdio, r retranslateRun) error {
	eng, st, err := openEngine(ctx, c)
	if err != nil {
		return err
	}
	defer st.Close()
	var targets []model.Language
	if r.explicit {
		targets = c.Targets
	}
	sources, skip, targets, err := retranslation(ctx, st, c.ScriptID, targets, r.only)
	if err != nil {
		return err
	}
	if r.lines > 1 && len(targets) > 1 {
		return usageErrorf("--batch takes one target and script %s has %d: give one --to", c.ScriptID, len(targets))
	}
	b := &batch{eng: eng, targets: targets, sources: heldLines(sources), done: skip, parallel: r.parallel, preceding: r.preceding, lines: r.lines}
	return runBatch(ctx, st, c, io, b, r.asJSON, true)
}
