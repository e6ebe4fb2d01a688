package ui

import (
	"context"
	"fmt"
	"strings"

	"github.com/yeok/yeok/model"
)

// The flags output hygiene puts on an entry (llm.Tidy's words; the ui does not import llm).
const (
	flagEcho         = "echo"
	flagWrongScript  = "script-mismatch"
	flagGlossaryMiss = "glossary-miss:"
)

// flagLines are the warnings under a finished entry, wrapped to width: one line for the
// glossary terms the answer did not use, one for each other flag. Flags are sanitised: they
// name glossary terms, which come from people and files. The newest entry with glossary
// misses says that Ctrl+R retries with the terms spelled out.
func (b *block) flagLines(width int, last bool, lk look) []string {
	e := b.entry
	if len(e.Flags) == 0 {
		return nil
	}
	var warnings []string
	if missed := glossaryMisses(e.Flags); len(missed) > 0 {
		for i, t := range missed {
			missed[i] = model.SanitizeLine(t)
		}
		w := "⚠ glossary: " + strings.Join(missed, ", ") + " not used"
		if last {
			w += " · " + lk.keys.Retry.Help().Key + " retry with the glossary"
		}
		warnings = append(warnings, w)
	}
	for _, f := range e.Flags {
		switch {
		case strings.HasPrefix(f, flagGlossaryMiss):
		case f == flagEcho:
			warnings = append(warnings, "⚠ echo: the answer repeats the source")
		case f == flagWrongScript:
			warnings = append(warnings, "⚠ wrong script: not written in the script of "+model.SanitizeLine(e.To.String()))
		default:
			warnings = append(warnings, "⚠ "+model.SanitizeLine(f))
		}
	}
	var out []string
	for _, w := range warnings {
		for _, l := range wrapText(w, width) {
			out = append(out, lk.st.MetaWarn.Render(l))
		}
	}
	return out
}

// glossaryMisses returns the terms named by an entry's glossary-miss flags.
func glossaryMisses(flags []string) []string {
	var out []string
	for _, f := range flags {
		if t, ok := strings.CutPrefix(f, flagGlossaryMiss); ok && strings.TrimSpace(t) != "" {
			out = append(out, t)
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
