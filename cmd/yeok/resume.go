package main

import (
	"context"
	"fmt"

	"github.com/yeok/yeok/model"
	"github.com/yeok/yeok/storage"
)

// doneLines marks the input lines a script already has done into every target, for
// --resume: input lines are matched with the script's done entries by source text, in
// input order, so that a line that occurs three times and is done twice is sent once more.
func doneLines(ctx context.Context, st *storage.Store, script string, targets []model.Language, sources []source) ([]bool, error) {
	entries, err := st.Entries(ctx, model.LocalOwner, model.EntryQuery{ScriptID: script, Oldest: true})
	if err != nil {
		return nil, fmt.Errorf("read script %s: %w", script, err)
	}
	done := make(map[model.Language]map[string]int, len(targets))
	for _, to := range targets {
		done[to] = map[string]int{}
	}
	for _, e := range entries {
		if e.Status == model.StatusDone && done[e.To] != nil {
			done[e.To][e.Source]++
		}
	}
	skip := make([]bool, len(sources))
	for i, s := range sources {
		all := true
		for _, to := range targets {
			all = all && done[to][s.text] > 0
		}
		if !all {
			continue
		}
		skip[i] = true
		for _, to := range targets {
			done[to][s.text]--
		}
	}
	return skip, nil
}

func countFalse(bs []bool) int {
	n := 0
	for _, b := range bs {
		if !b {
			n++
		}
	}
	return n
}
