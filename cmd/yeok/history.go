package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/yeok/yeok/model"
	"github.com/yeok/yeok/storage/export"
)

const historySynopsis = "yeok history [--script ID | --session ID] [--search TEXT] [--approved] [--limit N] [--json] [--sessions | --scripts]"

func runHistory(ctx context.Context, args []string, io stdio, getenv env) error {
	var f commonFlags
	fs := newFlagSet("history", &f)
	session := fs.String("session", "", "only entries of this session ID")
	search := fs.String("search", "", "only entries whose source or translation contains TEXT")
	approved := fs.Bool("approved", false, "only entries a person approved or corrected")
	limit := fs.Int("limit", 20, "at most N items (0 = all)")
	asJSON := fs.Bool("json", false, "print one JSON object per line")
	sessions := fs.Bool("sessions", false, "list sessions instead of entries")
	scripts := fs.Bool("scripts", false, "list scripts instead of entries")
	ownerName := ownerFlag(fs)
	pos, err := parseCommand(fs, args, io.out, historySynopsis)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("history: unexpected argument %q (see yeok history --help)", pos[0])
	}
	q := model.EntryQuery{ScriptID: strings.TrimSpace(f.script), Search: *search, Limit: *limit, Approved: *approved}
	if *session != "" {
		id, err := strconv.ParseUint(*session, 10, 64)
		if err != nil || id == 0 {
			return usageErrorf("history: --session takes a session number, not %q", *session)
		}
		q.SessionID = id
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
	owner := model.Owner(*ownerName)

	switch {
	case *sessions:
		list, err := st.Sessions(ctx, owner, *limit)
		if err != nil {
			return fmt.Errorf("list sessions: %w", err)
		}
		return printSessions(io.out, list, *asJSON)
	case *scripts:
		list, err := st.Scripts(ctx, owner)
		if err != nil {
			return fmt.Errorf("list scripts: %w", err)
		}
		return printScripts(io.out, list, *asJSON)
	}
	if q.SessionID != 0 {
		if _, err := st.Session(ctx, owner, q.SessionID); err != nil {
			return notFound(err, fmt.Sprintf("no session %d", q.SessionID))
		}
	}
	if q.ScriptID != "" {
		if _, err := st.Script(ctx, owner, q.ScriptID); err != nil {
			return notFound(err, fmt.Sprintf("no script %q", q.ScriptID))
		}
		q.Oldest = true
	}
	entries, err := st.Entries(ctx, owner, q)
	if err != nil {
		return fmt.Errorf("list entries: %w", err)
	}
	return printEntries(io.out, entries, *asJSON)
}

func printEntries(w io.Writer, entries []model.Entry, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		for _, e := range entries {
			if err := enc.Encode(entryRecord(e)); err != nil {
				return err
			}
		}
		return nil
	}
	entries = export.Gather(entries)
	for i := 0; i < len(entries); {
		n := 1
		for i+n < len(entries) && entries[i].Group != 0 && entries[i+n].Group == entries[i].Group {
			n++
		}
		if n == 1 {
			printEntry(w, entries[i])
		} else {
			printGroup(w, entries[i:i+n])
		}
		i += n
	}
	return nil
}

func printEntry(w io.Writer, e model.Entry) {
	fmt.Fprintf(w, "#%d  %s  %s → %s  %s  (%s)\n", e.ID, e.Created.Local().Format("2006-01-02 15:04"),
		e.From, e.To, statusWord(e), safeText(w, where(e)))
	fmt.Fprintf(w, "  %s\n", indent(safeText(w, e.Source)))
	if t := e.Display(); t != "" {
		fmt.Fprintf(w, "  → %s\n", indent(safeText(w, t)))
	}
	printModelText(w, e, "  ")
	if e.Error != "" {
		fmt.Fprintf(w, "  ! %s\n", safeText(w, e.Error))
	}
}

// printModelText shows under a corrected translation what the model had sent.
func printModelText(w io.Writer, e model.Entry, pad string) {
	if own := e.ModelText(); e.Approved != "" && strings.TrimSpace(own) != strings.TrimSpace(e.Approved) {
		fmt.Fprintf(w, "%s  (model: %s)\n", pad, indent(safeText(w, own)))
	}
}

// printGroup shows a line sent into several targets: its source once, then each target's
// translation labelled with its entry and target, and its status when not done.
func printGroup(w io.Writer, line []model.Entry) {
	first := line[0]
	fmt.Fprintf(w, "%s  %s  %s → %s  (%s)\n", entryIDs(line), first.Created.Local().Format("2006-01-02 15:04"),
		first.From, model.JoinTargets(export.Targets(line)), safeText(w, where(first)))
	fmt.Fprintf(w, "  %s\n", indent(safeText(w, first.Source)))
	for _, e := range line {
		head := fmt.Sprintf("  #%d [%s]", e.ID, e.To)
		if e.Status != model.StatusDone || len(e.Flags) > 0 || e.Approved != "" || e.Memory != 0 {
			head += " " + statusWord(e)
		}
		if t := e.Display(); t != "" {
			fmt.Fprintf(w, "%s → %s\n", head, indent(safeText(w, t)))
		} else {
			fmt.Fprintln(w, head)
		}
		printModelText(w, e, "  ")
		if e.Error != "" {
			fmt.Fprintf(w, "    ! %s\n", safeText(w, e.Error))
		}
	}
}

func where(e model.Entry) string {
	s := fmt.Sprintf("session %d", e.SessionID)
	if e.ScriptID != "" {
		s += ", script " + e.ScriptID
	}
	return s
}

// entryIDs names a line's entries: "#12 #13 #14".
func entryIDs(line []model.Entry) string {
	ids := make([]string, len(line))
	for i, e := range line {
		ids[i] = "#" + strconv.FormatUint(e.ID, 10)
	}
	return strings.Join(ids, " ")
}

// statusWord is an entry's status, its flags, and whether a person approved it or it was
// reused from memory: "done [echo]", "done, approved", "done, from memory #7".
func statusWord(e model.Entry) string {
	s := string(e.Status)
	if len(e.Flags) > 0 {
		s += " [" + strings.Join(model.DescribeFlags(e.Flags, e.To), "; ") + "]"
	}
	if e.Approved != "" {
		s += ", approved"
	}
	if e.Memory != 0 {
		s += fmt.Sprintf(", from memory #%d", e.Memory)
	}
	return s
}

func indent(s string) string { return strings.ReplaceAll(s, "\n", "\n    ") }

func printSessions(w io.Writer, list []model.Session, asJSON bool) error {
	if asJSON {
		return encodeLines(w, list)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SESSION\tLAST ACTIVE\tORIGIN\tLANGUAGES\tENTRIES\tTITLE")
	for _, s := range list {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s → %s\t%d\t%s\n", s.ID, ago(s.Updated), s.Origin, s.From, s.To, s.Entries,
			safeText(w, model.Title(s.Title, 50)))
	}
	return tw.Flush()
}

func printScripts(w io.Writer, list []model.Script, asJSON bool) error {
	if asJSON {
		return encodeLines(w, list)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SCRIPT\tLAST ACTIVE\tLANGUAGES\tENTRIES\tGLOSSARY")
	for _, s := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s → %s\t%d\t%d terms\n", safeText(w, s.ID), ago(s.Updated), s.From, s.To, s.Entries, len(s.Glossary))
	}
	return tw.Flush()
}

func encodeLines[T any](w io.Writer, items []T) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, it := range items {
		if err := enc.Encode(it); err != nil {
			return err
		}
	}
	return nil
}

// ago formats t as a date, with the time of day for today's.
func ago(t time.Time) string {
	t = t.Local()
	if y, m, d := t.Date(); y == time.Now().Year() && m == time.Now().Month() && d == time.Now().Day() {
		return "today " + t.Format("15:04")
	}
	return t.Format("2006-01-02 15:04")
}

// entryRecord is the JSON shape of an entry shared by history, export and the HTTP API.
func entryRecord(e model.Entry) export.Record { return export.NewRecord(e) }
