package postgres

import (
	"crypto/sha256"
	"encoding/json"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/yeok/yeok/model"
)

// entryColumns are the columns scanEntry reads, in its order.
const entryColumns = `id, session_id, script_id, created, finished, from_lang, to_lang, model, source,
translation, clean, refusal, status, finish_reason, error, error_class, prompt_tokens,
completion_tokens, total_tokens, ttft_ns, duration_ns, flags, cue_start, cue_end, group_id,
approved, approved_at, memory_of`

// scanEntry reads one row of entryColumns as an entry of owner.
func scanEntry(row pgx.Row, owner model.Owner) (model.Entry, error) {
	var (
		e                           model.Entry
		id, sessionID, group, memID int64
		finished, approvedAt        *time.Time
		from, to, status, class     string
		ttft, duration              int64
		flags                       []string
		cueStart, cueEnd            *int64
	)
	err := row.Scan(&id, &sessionID, &e.ScriptID, &e.Created, &finished, &from, &to, &e.Model, &e.Source,
		&e.Text, &e.Clean, &e.Refusal, &status, &e.Finish, &e.Error, &class, &e.Usage.PromptTokens,
		&e.Usage.CompletionTokens, &e.Usage.TotalTokens, &ttft, &duration, &flags, &cueStart, &cueEnd, &group,
		&e.Approved, &approvedAt, &memID)
	if err != nil {
		return model.Entry{}, err
	}
	e.ID, e.SessionID, e.Group, e.Memory = uint64(id), uint64(sessionID), uint64(group), uint64(memID)
	e.Owner = owner
	e.Created = e.Created.UTC()
	e.Finished = timeOf(finished)
	e.ApprovedAt = timeOf(approvedAt)
	e.From, e.To = model.Language(from), model.Language(to)
	e.Status, e.ErrorClass = model.Status(status), model.ErrorClass(class)
	e.FirstToken, e.Duration = time.Duration(ttft), time.Duration(duration)
	for _, f := range flags {
		e.Flags = append(e.Flags, model.Flag(f))
	}
	if cueStart != nil && cueEnd != nil {
		e.Cue = &model.Cue{Start: time.Duration(*cueStart), End: time.Duration(*cueEnd)}
	}
	return e, nil
}

// timeOf turns a nullable timestamp into a time, zero for NULL, in UTC.
func timeOf(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// nullTime stores a zero time as NULL, to the microsecond.
func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := dbTime(t)
	return &u
}

// dbTime is t as the database keeps it: UTC, to the microsecond.
func dbTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// flagStrings stores no flags as NULL.
func flagStrings(flags []model.Flag) []string {
	if len(flags) == 0 {
		return nil
	}
	out := make([]string, len(flags))
	for i, f := range flags {
		out[i] = string(f)
	}
	return out
}

// sourceKey is the memory's key of a source: the first 16 bytes of the SHA-256 of its
// normalised form, as in the bbolt store.
func sourceKey(source string) []byte {
	sum := sha256.Sum256([]byte(model.NormalizeSource(source)))
	return sum[:16]
}

// reusable reports whether an entry's translation may be reused: a person approved it, or
// it is done, unflagged and not itself taken from memory; never into Auto.
func reusable(e model.Entry) bool {
	if e.To.IsAuto() {
		return false
	}
	if e.Approved != "" {
		return true
	}
	return e.Status == model.StatusDone && len(e.Flags) == 0 && e.Memory == 0 && strings.TrimSpace(e.Display()) != ""
}

// bigrams are the pairs of adjacent letters, lowered, within the runs of letters outside
// ASCII in texts: the keys of the bigram index, which serves two-character searches in
// scripts written without spaces (Korean, Chinese, Japanese, Thai), too short for
// trigrams. Each pair appears once.
func bigrams(texts ...string) []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range texts {
		var prev rune
		for _, r := range strings.ToLower(t) {
			if r < utf8.RuneSelf || !(unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r)) {
				prev = 0
				continue
			}
			if prev != 0 {
				if b := string([]rune{prev, r}); !seen[b] {
					seen[b] = true
					out = append(out, b)
				}
			}
			prev = r
		}
	}
	return out
}

// sessionColumns are the columns scanSession reads.
const sessionColumns = `id, origin, script_id, started, updated, title, from_lang, to_lang, entries, last_group`

func scanSession(row pgx.Row, owner model.Owner) (model.Session, error) {
	var (
		sess      model.Session
		id, group int64
		from, to  string
	)
	if err := row.Scan(&id, &sess.Origin, &sess.ScriptID, &sess.Started, &sess.Updated, &sess.Title, &from, &to, &sess.Entries, &group); err != nil {
		return model.Session{}, err
	}
	sess.ID, sess.LastGroup, sess.Owner = uint64(id), uint64(group), owner
	sess.Started, sess.Updated = sess.Started.UTC(), sess.Updated.UTC()
	sess.From, sess.To = model.Language(from), model.Language(to)
	return sess, nil
}

// scriptColumns are the columns scanScript reads.
const scriptColumns = `id, created, updated, from_lang, to_lang, entries, glossary, context, last_group`

func scanScript(row pgx.Row, owner model.Owner) (model.Script, error) {
	var (
		sc       model.Script
		from, to string
		glossary []byte
		context  *int32
		group    int64
	)
	if err := row.Scan(&sc.ID, &sc.Created, &sc.Updated, &from, &to, &sc.Entries, &glossary, &context, &group); err != nil {
		return model.Script{}, err
	}
	sc.Owner, sc.LastGroup = owner, uint64(group)
	sc.Created, sc.Updated = sc.Created.UTC(), sc.Updated.UTC()
	sc.From, sc.To = model.Language(from), model.Language(to)
	if len(glossary) > 0 {
		if err := json.Unmarshal(glossary, &sc.Glossary); err != nil {
			return model.Script{}, err
		}
		if len(sc.Glossary) == 0 {
			sc.Glossary = nil
		}
	}
	if context != nil {
		n := int(*context)
		sc.Context = &n
	}
	return sc, nil
}

// checkOwner refuses an empty owner: every record belongs to one.
func checkOwner(owner model.Owner) error {
	if owner == "" {
		return errNoOwner
	}
	return nil
}

var errNoOwner = plainErr("no owner given")

func plainErr(s string) error { return &plainError{msg: s} }
