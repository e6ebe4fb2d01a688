package main

import (
	"context"
	"fmt"
	"slices"

	"github.com/yeok/yeok/model"
)

// doneTargets tells, for --resume, which targets each input line is already done into in
// a script: for each target, input lines are matched with the script's done entries by
// source text, in input order, so that a line that occurs three times and is done twice is
// sent once more.
func doneTargets(ctx context.Context, st logStore, script string, targets []model.Language, sources *sourceLines) ([][]model.Language, error) {
	entries, err := st.Entries(ctx, model.LocalOwner, model.EntryQuery{ScriptID: script, Oldest: true})
	if err != nil {
		return nil, fmt.Errorf("read script %s: %w", script, err)
	}
	count := make(map[model.Language]map[string]int, len(targets))
	for _, to := range targets {
		count[to] = map[string]int{}
	}
	for _, e := range entries {
		if e.Status == model.StatusDone && count[e.To] != nil {
			count[e.To][e.Source]++
		}
	}
	done := make([][]model.Language, sources.len())
	for i := range done {
		s, err := sources.at(i)
		if err != nil {
			return nil, err
		}
		for _, to := range targets {
			if count[to][s.text] > 0 {
				count[to][s.text]--
				done[i] = append(done[i], to)
			}
		}
	}
	return done, nil
}

// todo is the targets line i still needs: all of them but those it is done into.
func todo(targets, done []model.Language) []model.Language {
	if len(done) == 0 {
		return targets
	}
	var out []model.Language
	for _, to := range targets {
		if !slices.Contains(done, to) {
			out = append(out, to)
		}
	}
	return out
}

// countTodo is how many of lines lines still need a target; nil done means all of them.
func countTodo(targets []model.Language, done [][]model.Language, lines int) int {
	if done == nil {
		return lines
	}
	n := 0
	for _, d := range done {
		if len(todo(targets, d)) > 0 {
			n++
		}
	}
	return n
}
