package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/yeok/yeok/model"
)

const approveSynopsis = "yeok approve ENTRY [--text TEXT|-]   (approve entry ENTRY's translation as it is, or store TEXT as its correction)"

// maxApproveText bounds a correction read from stdin; a translation is a line or a
// paragraph, and the store keeps a source to a few tens of kilobytes.
const maxApproveText = 1 << 20

// runApprove stores a person's approval or correction of one entry beside the model's text,
// for scripts and editor mappings; the TUI does the same with its own keys.
func runApprove(ctx context.Context, args []string, io stdio, getenv env) error {
	var f commonFlags
	fs := newFlagSet("approve", &f)
	text := fs.String("text", "", "store `TEXT` as the corrected translation (- reads it from stdin); without it, approve the translation as it is")
	owner := ownerFlag(fs)
	pos, err := parseCommand(fs, args, io.out, approveSynopsis)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErrorf("approve: name one entry, as yeok history shows it (#12 or 12)")
	}
	id, err := strconv.ParseUint(strings.TrimPrefix(pos[0], "#"), 10, 64)
	if err != nil || id == 0 {
		return usageErrorf("approve: %q is not an entry number (yeok history shows them, as #12)", pos[0])
	}
	if o := model.Owner(*owner); o != model.LocalOwner {
		return usageErrorf("approve: only your own entries can be approved here, not those %s logged", o)
	}
	correct := false
	fs.Visit(func(fl *flag.Flag) { correct = correct || fl.Name == "text" })
	correction := ""
	if correct {
		if correction, err = approveText(*text, io.in); err != nil {
			return err
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
	e, err := st.Entry(ctx, model.LocalOwner, id)
	if err != nil {
		return notFound(err, fmt.Sprintf("approve: no entry #%d (yeok history lists yours)", id))
	}
	switch {
	case !e.Status.Final():
		return fmt.Errorf("approve: entry #%d is still being translated; approve it once it is done", id)
	case !correct && strings.TrimSpace(e.Display()) == "":
		return fmt.Errorf("approve: entry #%d has no translation (%s): give one with --text", id, e.Status)
	}
	before := e.ModelText()
	e, err = st.Approve(ctx, model.LocalOwner, id, correction)
	if err != nil {
		return err
	}
	verb := "approved"
	if correct && strings.TrimSpace(e.Approved) != strings.TrimSpace(before) {
		verb = "corrected"
	}
	_, err = fmt.Fprintf(io.out, "%s #%d: %s\n", verb, id, safeText(io.out, model.Title(e.Approved, 60)))
	return err
}

// approveText is the correction --text gives: the text itself, or stdin for "-". An empty
// one is refused, so that a mapping which sent nothing approves nothing.
func approveText(arg string, in io.Reader) (string, error) {
	text := arg
	if arg == "-" {
		b, err := io.ReadAll(io.LimitReader(in, maxApproveText+1))
		if err != nil {
			return "", fmt.Errorf("approve: read stdin: %w", err)
		}
		if len(b) > maxApproveText {
			return "", usageErrorf("approve: the text on stdin is over %d bytes", maxApproveText)
		}
		text = string(b)
	}
	if strings.TrimSpace(text) == "" {
		where := "--text"
		if arg == "-" {
			where = "stdin"
		}
		return "", usageErrorf("approve: %s is empty: give the corrected translation, or leave --text out to approve it as it is", where)
	}
	return strings.TrimSpace(text), nil
}
