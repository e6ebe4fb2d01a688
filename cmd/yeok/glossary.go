package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/yeok/yeok/model"
)

const glossarySynopsis = `yeok glossary --script ID list
       yeok glossary --script ID set "TERM=TRANSLATION" ...
       yeok glossary --script ID rm TERM ...
       yeok glossary --script ID import FILE.tsv   (TERM<tab>TRANSLATION per line)`

func runGlossary(ctx context.Context, args []string, io stdio, getenv env) error {
	var f commonFlags
	fs := newFlagSet("glossary", &f)
	pos, err := parseCommand(fs, args, io.out, glossarySynopsis)
	if err != nil {
		return err
	}
	script := strings.TrimSpace(f.script)
	if script == "" {
		return usageErrorf("glossary: name the script with --script ID")
	}
	if len(pos) == 0 {
		return usageErrorf("glossary: say list, set, rm or import (see yeok glossary --help)")
	}
	verb, rest := pos[0], pos[1:]
	var edit func([]model.GlossaryTerm) ([]model.GlossaryTerm, string, error)
	switch verb {
	case "list", "ls":
	case "set", "add":
		edit = func(g []model.GlossaryTerm) ([]model.GlossaryTerm, string, error) { return setTerms(g, rest) }
	case "rm", "remove", "delete":
		edit = func(g []model.GlossaryTerm) ([]model.GlossaryTerm, string, error) { return removeTerms(g, rest) }
	case "import":
		if len(rest) != 1 {
			return usageErrorf("glossary import: name one TSV file")
		}
		edit = func(g []model.GlossaryTerm) ([]model.GlossaryTerm, string, error) { return importTerms(g, rest[0]) }
	default:
		return usageErrorf("glossary: unknown action %q: say list, set, rm or import", verb)
	}
	c, err := resolveConfig(&f, getenv)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, c)
	if err != nil {
		return err
	}
	defer st.Close()
	owner := model.LocalOwner
	sc, err := st.Script(ctx, owner, script)
	switch {
	case errors.Is(err, model.ErrNotFound) && edit != nil:
		sc = model.Script{ID: script, Owner: owner}
	case err != nil:
		return notFound(err, fmt.Sprintf("no script %q", script))
	}
	if edit == nil {
		return printGlossary(io.out, sc.Glossary)
	}
	g, said, err := edit(append([]model.GlossaryTerm(nil), sc.Glossary...))
	if err != nil {
		return err
	}
	sc.Glossary = g
	if err := st.PutScript(ctx, sc); err != nil {
		return fmt.Errorf("save glossary of %s: %w", script, err)
	}
	fmt.Fprintf(io.out, "%s (%d terms in %s)\n", said, len(g), safeText(io.out, script))
	return nil
}

func printGlossary(w interface{ Write([]byte) (int, error) }, g []model.GlossaryTerm) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, t := range g {
		fmt.Fprintf(tw, "%s\t→ %s\n", model.Sanitize(t.Term), model.Sanitize(t.Translation))
	}
	return tw.Flush()
}

// upsert sets term's translation, matching an existing term case-insensitively.
func upsert(g []model.GlossaryTerm, t model.GlossaryTerm) []model.GlossaryTerm {
	for i := range g {
		if strings.EqualFold(g[i].Term, t.Term) {
			g[i] = t
			return g
		}
	}
	return append(g, t)
}

// parseTerm checks one TERM / TRANSLATION pair.
func parseTerm(term, translation string) (model.GlossaryTerm, error) {
	t := model.GlossaryTerm{Term: strings.TrimSpace(term), Translation: strings.TrimSpace(translation)}
	if t.Term == "" || t.Translation == "" {
		return t, errors.New("want TERM=TRANSLATION with both sides non-empty")
	}
	return t, model.CheckGlossaryTerm(t)
}

func setTerms(g []model.GlossaryTerm, args []string) ([]model.GlossaryTerm, string, error) {
	if len(args) == 0 {
		return nil, "", usageErrorf(`glossary set: give "TERM=TRANSLATION"`)
	}
	for _, a := range args {
		term, tr, _ := strings.Cut(a, "=")
		t, err := parseTerm(term, tr)
		if err != nil {
			return nil, "", usageErrorf("glossary set %q: %v", a, err)
		}
		g = upsert(g, t)
	}
	return g, fmt.Sprintf("set %d", len(args)), nil
}

func removeTerms(g []model.GlossaryTerm, args []string) ([]model.GlossaryTerm, string, error) {
	if len(args) == 0 {
		return nil, "", usageErrorf("glossary rm: name the TERM to remove")
	}
	for _, a := range args {
		i := -1
		for j := range g {
			if strings.EqualFold(g[j].Term, strings.TrimSpace(a)) {
				i = j
				break
			}
		}
		if i < 0 {
			return nil, "", fmt.Errorf("glossary rm: no term %q", a)
		}
		g = append(g[:i], g[i+1:]...)
	}
	return g, fmt.Sprintf("removed %d", len(args)), nil
}

func importTerms(g []model.GlossaryTerm, path string) ([]model.GlossaryTerm, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, "", fmt.Errorf("glossary import %s: %w", path, withoutPath(err))
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n, line := 0, 0
	for sc.Scan() {
		line++
		text := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(text) == "" || strings.HasPrefix(text, "#") {
			continue
		}
		term, tr, ok := strings.Cut(text, "\t")
		if line == 1 && strings.EqualFold(strings.TrimSpace(term), "term") {
			continue // a header row
		}
		t, err := parseTerm(term, tr)
		switch {
		case !ok || t.Term == "" || t.Translation == "":
			return nil, "", usageErrorf("glossary import %s: line %d: want TERM<tab>TRANSLATION", path, line)
		case err != nil:
			return nil, "", usageErrorf("glossary import %s: line %d: %v", path, line, err)
		}
		g = upsert(g, t)
		n++
	}
	if err := sc.Err(); err != nil {
		return nil, "", fmt.Errorf("glossary import %s: %w", path, withoutPath(err))
	}
	return g, fmt.Sprintf("imported %d", n), nil
}
