package ui

import (
	"context"
	"fmt"
	"strings"

	"github.com/yeok/yeok/model"
)

// flagLines are the warnings under a finished entry, wrapped to width, in the words
// model.DescribeFlags gives them. The newest entry with glossary misses says that Ctrl+R
// retries with the terms spelled out.
func (b *block) flagLines(width int, last bool, lk look) []string {
	e := b.entry
	warnings := model.DescribeFlags(e.Flags, e.To)
	if len(warnings) == 0 {
		return nil
	}
	if last && len(model.MissedTerms(e.Flags)) > 0 {
		warnings[0] += " · " + lk.keys.Retry.Help().Key + " retry with the glossary"
	}
	var out []string
	for _, w := range warnings {
		for _, l := range wrapText("⚠ "+w, width) {
			out = append(out, lk.st.MetaWarn.Render(l))
		}
	}
	return out
}

// glossaryNotes tells the model, for a retry, which terms the last answer missed and how
// the glossary translates them. The translations come from the request's glossary (as
// Prepare filled it) or else from the script's. The notes are a hint: a term whose
// translation cannot be found (no script, the store failing) is left out rather than
// failing the retry.
func glossaryNotes(ctx context.Context, st Store, req model.Request, missed []string) []string {
	var script []model.GlossaryTerm
	loaded := false
	var notes []string
	for _, term := range missed {
		tr, ok := lookupTerm(req.Glossary, term)
		if !ok && req.ScriptID != "" {
			if !loaded {
				loaded = true
				if sc, err := st.Script(ctx, req.Owner, req.ScriptID); err == nil {
					script = sc.Glossary
				}
			}
			tr, ok = lookupTerm(script, term)
		}
		if ok {
			notes = append(notes, fmt.Sprintf("The glossary requires %q to be translated as %q; the last answer did not use it.", term, tr))
		}
	}
	return notes
}

// lookupTerm finds term's translation, matching terms case-insensitively as the glossary
// command does.
func lookupTerm(g []model.GlossaryTerm, term string) (string, bool) {
	for _, t := range g {
		if strings.EqualFold(t.Term, term) {
			return t.Translation, true
		}
	}
	return "", false
}
