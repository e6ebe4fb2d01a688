package ui

import (
	"context"

	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/yeok/yeok/model"
)

// A set of targets picked together is remembered among the recent languages as one item,
// its tags joined by commas ("ko-KR,ja-JP"), so that the picker offers it again as a set.

// splitSet returns the targets a recent item names: itself, or the members of a set.
func splitSet(l model.Language) []model.Language {
	if !strings.Contains(string(l), ",") {
		return []model.Language{l}
	}
	var out []model.Language
	for _, part := range strings.Split(string(l), ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, model.Language(part))
		}
	}
	return out
}

// joinSet is the recent item for targets: the one language, or the set.
func joinSet(targets []model.Language) model.Language {
	if len(targets) == 1 {
		return targets[0]
	}
	return model.Language(model.JoinTargets(targets))
}

// setLabel names a recent item in the picker: the language's label, or the set's English
// names joined with "+".
func setLabel(l model.Language) string {
	parts := splitSet(l)
	if len(parts) == 1 {
		return l.Label()
	}
	names := make([]string, len(parts))
	for i, p := range parts {
		names[i] = p.EnglishName()
	}
	return strings.Join(names, " + ") + " (" + model.SanitizeLine(string(l)) + ")"
}

// targetsLabel prints the targets for the status bar: "ko-KR" or "ko-KR, ja-JP".
func targetsLabel(targets []model.Language) string {
	parts := make([]string, len(targets))
	for i, t := range targets {
		parts[i] = model.SanitizeLine(t.String())
	}
	return strings.Join(parts, ", ")
}

// touchLanguagesCmd records the targets in use as the newest recent item.
func touchLanguagesCmd(ctx context.Context, st Store, owner model.Owner, targets []model.Language, late *lateWrites) tea.Cmd {
	return touchLanguageCmd(ctx, st, owner, joinSet(targets), late)
}
