package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/yeok/yeok/model"
)

// nearLook is how many of the script's (or session's) newest entries a lookup compares for
// a near match, when there is no exact one.
const nearLook = 300

// exactLook is how many reusable entries of one source and target Recall reads: approved
// ones first, so the newest approved one is among them.
const exactLook = 16

// Recall returns the best earlier translation for req from the owner's memory: the newest
// approved entry of the same normalised source into the same target, else the newest
// reusable one; when there is none, the most similar source (from model.NearMatch) among
// the newest nearLook entries of req's script, or else its session, into that target.
func (s *Store) Recall(ctx context.Context, req model.Request) (model.Recollection, error) {
	if err := ctx.Err(); err != nil {
		return model.Recollection{}, fmt.Errorf("recall: %w", err)
	}
	want := model.NormalizeSource(req.Source)
	list, err := s.queryEntries(ctx, req.Owner, `SELECT `+entryColumns+` FROM entries
WHERE owner = $1 AND to_lang = $2 AND source_key = $3 AND reusable
ORDER BY (approved <> '') DESC, id DESC LIMIT $4`, string(req.Owner), string(req.To), sourceKey(req.Source), exactLook)
	if err != nil {
		return model.Recollection{}, opError("recall", err)
	}
	for _, e := range list {
		if model.NormalizeSource(e.Source) == want && reusable(e) {
			return model.Recollection{Entry: e, Similarity: 1}, nil
		}
	}
	var sql string
	var key any
	switch {
	case req.ScriptID != "":
		sql, key = `script_id = $2`, req.ScriptID
	case req.SessionID != 0:
		sql, key = `session_id = $2`, int64(req.SessionID)
	default:
		return model.Recollection{}, nil
	}
	list, err = s.queryEntries(ctx, req.Owner, `SELECT `+entryColumns+` FROM entries
WHERE owner = $1 AND `+sql+` ORDER BY id DESC LIMIT $3`, string(req.Owner), key, nearLook)
	if err != nil {
		return model.Recollection{}, opError("recall", err)
	}
	var best model.Recollection
	for _, e := range list {
		if e.To != req.To || !reusable(e) {
			continue
		}
		if sim := model.Similarity(want, model.NormalizeSource(e.Source)); sim >= model.NearMatch && sim < 1 && sim > best.Similarity {
			best = model.Recollection{Entry: e, Similarity: sim}
		}
	}
	return best, nil
}

// Approve stores text as a person's approved translation of entry id (text empty: the
// translation as it is), keeping the model's own text beside it, and puts the entry in the
// translation memory. Only a finished entry with a translation can be approved.
func (s *Store) Approve(ctx context.Context, owner model.Owner, id uint64, text string) (model.Entry, error) {
	op := fmt.Sprintf("approve entry %d", id)
	if err := ctx.Err(); err != nil {
		return model.Entry{}, fmt.Errorf("%s: %w", op, err)
	}
	var out model.Entry
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		e, err := scanEntry(tx.QueryRow(ctx, `SELECT `+entryColumns+` FROM entries WHERE owner = $1 AND id = $2 FOR UPDATE`,
			string(owner), int64(id)), owner)
		if err != nil {
			return err
		}
		if !e.Status.Final() {
			return fmt.Errorf("entry %d is still streaming", id)
		}
		text = strings.TrimSpace(text)
		if text == "" {
			text = e.Display()
		}
		if strings.TrimSpace(text) == "" {
			return fmt.Errorf("entry %d has no translation to approve: give the text", id)
		}
		out, err = scanEntry(tx.QueryRow(ctx, `UPDATE entries SET approved = $3, approved_at = $4, reusable = to_lang <> '',
	bigrams = ARRAY(SELECT DISTINCT unnest(bigrams || $5::text[]))
WHERE owner = $1 AND id = $2 RETURNING `+entryColumns, string(owner), int64(id), text, now(), nonNil(bigrams(text))), owner)
		return err
	})
	if err != nil {
		return model.Entry{}, opError(op, err)
	}
	return out, nil
}
