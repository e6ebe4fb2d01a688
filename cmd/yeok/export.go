package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/yeok/yeok/model"
	"github.com/yeok/yeok/storage/export"
)

const exportSynopsis = "yeok export (--script ID | --session N) [--format md|jsonl|tsv|srt] [--to LANG[,LANG...]] [--model-text] [-o FILE]"

func runExport(ctx context.Context, args []string, io stdio, getenv env) error {
	var f commonFlags
	fs := newFlagSet("export", &f)
	session := fs.String("session", "", "export this session `N`")
	format := fs.String("format", "md", "md, jsonl, tsv or srt")
	outPath := fs.String("o", "", "write to `FILE` (written whole or not at all) instead of stdout")
	modelText := fs.Bool("model-text", false, "add the model's own text beside an approved or corrected one (tsv: a column, md: a line; jsonl has both anyway)")
	owner := ownerFlag(fs)
	pos, err := parseCommand(fs, args, io.out, exportSynopsis)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("export: unexpected argument %q (see yeok export --help)", pos[0])
	}
	fmtName, err := export.ParseFormat(*format)
	if err != nil {
		return usageErrorf("export: %v", err)
	}
	script := strings.TrimSpace(f.script)
	if (script == "") == (*session == "") {
		return usageErrorf("export: name exactly one of --script ID or --session N")
	}
	var sessionID uint64
	if *session != "" {
		if sessionID, err = strconv.ParseUint(*session, 10, 64); err != nil || sessionID == 0 {
			return usageErrorf("export: --session takes a session number, not %q", *session)
		}
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
	meta, entries, err := loadExport(ctx, st, model.Owner(*owner), script, sessionID)
	if err != nil {
		return err
	}
	meta.ModelText = *modelText
	if *modelText && fmtName == export.SRT {
		fmt.Fprintln(io.err, "yeok: --model-text: a subtitle holds one text, so the SRT file has the approved one")
	}
	if len(f.to) > 0 {
		// --to picks targets; the config file's to names what to translate into, not this.
		entries = onlyTargets(entries, c.Targets)
	}
	if targets := export.Targets(entries); fmtName == export.SRT && len(targets) > 1 {
		if *outPath == "" {
			return usageErrorf("export: these entries go into %d targets (%s) and an SRT file holds one: give -o FILE for a file per target, or --to LANG to pick one",
				len(targets), model.JoinTargets(targets))
		}
		return exportPerTarget(*outPath, meta, entries, targets, io)
	}
	if *outPath != "" {
		if err := export.WriteFile(*outPath, fmtName, meta, entries); err != nil {
			return err // it names the file
		}
		fmt.Fprintf(io.err, "yeok: wrote %d entries to %s\n", len(entries), *outPath)
		return nil
	}
	var buf bytes.Buffer
	if err := export.Write(&buf, fmtName, meta, entries); err != nil {
		return err // it names the format
	}
	_, err = io.out.Write([]byte(safeText(io.out, buf.String())))
	return err
}

// onlyTargets keeps the entries into one of targets, in their order.
func onlyTargets(entries []model.Entry, targets []model.Language) []model.Entry {
	var out []model.Entry
	for _, e := range entries {
		if slices.Contains(targets, e.To) {
			out = append(out, e)
		}
	}
	return out
}

// exportPerTarget writes one SRT file per target beside path ("talk.srt" gives
// "talk.ko-KR.srt", "talk.ja-JP.srt"), each whole or not at all.
func exportPerTarget(path string, meta export.Meta, entries []model.Entry, targets []model.Language, io stdio) error {
	for _, to := range targets {
		mine := export.ForTarget(entries, to)
		name := export.TargetPath(path, to)
		m := meta
		m.To = to
		if err := export.WriteFile(name, export.SRT, m, mine); err != nil {
			return err // it names the file
		}
		fmt.Fprintf(io.err, "yeok: wrote %d entries to %s\n", len(mine), name)
	}
	return nil
}

// loadExport reads the entries of a script (in script order) or a session.
func loadExport(ctx context.Context, st logStore, owner model.Owner, script string, session uint64) (export.Meta, []model.Entry, error) {
	meta := export.Meta{ScriptID: script, SessionID: session, Exported: time.Now()}
	q := model.EntryQuery{Oldest: true}
	if script != "" {
		sc, err := st.Script(ctx, owner, script)
		if err != nil {
			return meta, nil, notFound(err, fmt.Sprintf("no script %q", script))
		}
		meta.Title, meta.From, meta.To, q.ScriptID = "Script "+sc.ID, sc.From, sc.To, sc.ID
	} else {
		s, err := st.Session(ctx, owner, session)
		if err != nil {
			return meta, nil, notFound(err, fmt.Sprintf("no session %d", session))
		}
		meta.Title, meta.From, meta.To, q.SessionID = fmt.Sprintf("Session %d", s.ID), s.From, s.To, s.ID
	}
	entries, err := st.Entries(ctx, owner, q)
	if err != nil {
		return meta, nil, fmt.Errorf("read entries: %w", err)
	}
	return meta, entries, nil
}

// ownerFlag lets the person who owns the database file read what a server logged for
// another owner (ssh:SHA256:…, http:NAME); by default their own entries.
func ownerFlag(fs interface {
	StringVar(p *string, name, value, usage string)
}) *string {
	s := new(string)
	fs.StringVar(s, "owner", string(model.LocalOwner), "whose entries: local, ssh:SHA256:… or http:NAME (what a server logged)")
	return s
}

// notFound turns a store's not-found error into the sentence a person reads.
func notFound(err error, sentence string) error {
	if errors.Is(err, model.ErrNotFound) {
		return errors.New(sentence)
	}
	return err
}

// exportToFolder returns the TUI's export action: the chosen script or session as Markdown in
// dir, named after it and the day, written whole or not at all.
func exportToFolder(st logStore, dir string) func(ctx context.Context, owner model.Owner, script string, session uint64) (string, error) {
	return func(ctx context.Context, owner model.Owner, script string, session uint64) (string, error) {
		meta, entries, err := loadExport(ctx, st, owner, script, session)
		if err != nil {
			return "", err
		}
		name := fmt.Sprintf("session-%d", session)
		if script != "" {
			name = safeFileName(script)
		}
		path := filepath.Join(dir, fmt.Sprintf("yeok-%s-%s.md", name, meta.Exported.Format("2006-01-02")))
		if err := export.WriteFile(path, export.Format("md"), meta, entries); err != nil {
			return "", err
		}
		return path, nil
	}
}

// safeFileName keeps letters, digits, '-', '_' and '.' of a script id for use in a file name.
func safeFileName(s string) string {
	out := []rune{}
	for _, r := range s {
		switch {
		case unicode.IsLetter(r), unicode.IsDigit(r), r == '-', r == '_', r == '.':
			out = append(out, r)
		default:
			out = append(out, '_')
		}
	}
	return strings.TrimLeft(string(out), ".")
}
