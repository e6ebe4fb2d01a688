package storagetest

import (
	"cmp"
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/yeok/yeok/model"
)

// CopyOwners are the owners Populate writes for.
var CopyOwners = []model.Owner{model.LocalOwner, ownerA, model.HTTPOwner("team")}

// Searches are the texts SameLog searches for: words in both alphabets, a two-letter
// Korean word (too short for trigrams) and a word only an approved text holds.
var Searches = []string{"morning", "attention", "어텐", "아침", "corrected", "station"}

// Populate writes into s what a person's log holds, for each of CopyOwners: sessions (one
// deleted, so the sequences are ahead of the ids left), a script with a glossary and a
// context setting and one with no entries, lines sent into two targets at once, entries
// cleaned, flagged, approved, failed, interrupted, taken from memory, with a cue, outside
// any session, and one still pending; recent languages and a picked model.
func Populate(t testing.TB, s Store) {
	t.Helper()
	ctx := context.Background()
	ja := model.MustLanguage("ja")
	for i, owner := range CopyOwners {
		ctxN := 2 + i
		must(t, s.PutScript(ctx, model.Script{ID: "lecture-01", Owner: owner, From: "en", To: korean,
			Glossary: []model.GlossaryTerm{{Term: "attention", Translation: "어텐션"}, {Term: "layer", Translation: "층"}}, Context: &ctxN}))
		must(t, s.PutScript(ctx, model.Script{ID: "empty", Owner: owner, From: "en", To: ja}))
		first, err := s.NewSession(ctx, owner, model.Session{Origin: "tui"})
		must(t, err)
		gone, err := s.NewSession(ctx, owner, model.Session{Origin: "pipe"})
		must(t, err)
		second, err := s.NewSession(ctx, owner, model.Session{Origin: "ssh", ScriptID: "lecture-01"})
		must(t, err)

		lines := []string{"Good morning", "Attention is all you need", "Where is the station?", fmt.Sprintf("Line %d of owner %d", i, i)}
		var last model.Entry
		for n, src := range lines {
			group := model.NewGroup()
			for _, to := range []model.Language{korean, ja} {
				req := model.Request{Owner: owner, SessionID: first.ID, ScriptID: "lecture-01", Source: src,
					From: "en", To: to, Model: "gpt-4o-mini", Group: group}
				if n == 3 {
					req.Cue = &model.Cue{Start: 3 * time.Second, End: 5*time.Second + 250*time.Millisecond}
				}
				e, err := s.Begin(ctx, req)
				must(t, err)
				e.Apply(model.Result{Status: model.StatusDone, Text: "«" + src + "» → " + string(to) + " 아침 어텐션",
					Finish: "stop", Usage: model.Usage{PromptTokens: 40 + n, CompletionTokens: 9, TotalTokens: 49 + n},
					FirstToken: time.Duration(100+n) * time.Millisecond, Duration: 900 * time.Millisecond}, time.Now().UTC())
				switch n {
				case 1:
					e.Clean = src + " (" + string(to) + ", clean)"
				case 2:
					e.Flags = []model.Flag{model.FlagEcho, model.FlagGlossaryMiss + "layer"}
				}
				last, err = s.Finish(ctx, e)
				must(t, err)
			}
		}
		if _, err := s.Approve(ctx, owner, last.ID-1, "corrected by a person"); err != nil {
			t.Fatal(err)
		}
		// A line of the deleted session, then one that failed, one interrupted, one from
		// memory, one outside any session and one still streaming.
		translate(t, s, model.Request{Owner: owner, SessionID: gone.ID, Source: "soon gone", From: "en", To: korean}, model.StatusDone, "곧")
		failed, err := s.Begin(ctx, model.Request{Owner: owner, SessionID: second.ID, ScriptID: "lecture-01", Source: "Good night", From: "en", To: korean})
		must(t, err)
		failed.Apply(model.Result{Status: model.StatusFailed, Err: &model.Error{Class: model.ClassAuth, Message: "401 the key was refused"}}, time.Now().UTC())
		_, err = s.Finish(ctx, failed)
		must(t, err)
		cut, err := s.Begin(ctx, model.Request{Owner: owner, SessionID: second.ID, Source: "It was cut", From: "auto", To: ja})
		must(t, err)
		cut.Apply(model.Result{Status: model.StatusInterrupted, Text: "途中"}, time.Now().UTC())
		_, err = s.Finish(ctx, cut)
		must(t, err)
		reused, err := s.Begin(ctx, model.Request{Owner: owner, SessionID: second.ID, Source: "Good morning", From: "en", To: korean})
		must(t, err)
		reused.Apply(model.Result{Status: model.StatusDone, Text: "좋은 아침"}, time.Now().UTC())
		reused.Memory = last.ID - 7
		_, err = s.Finish(ctx, reused)
		must(t, err)
		translate(t, s, model.Request{Owner: owner, Source: "No session", From: "en", To: french}, model.StatusDone, "Pas de session")
		_, err = s.Begin(ctx, model.Request{Owner: owner, SessionID: second.ID, ScriptID: "lecture-01", Source: "Still streaming", From: "en", To: korean})
		must(t, err)
		must(t, s.DeleteSession(ctx, owner, gone.ID))

		for _, l := range []model.Language{french, ja, korean} {
			must(t, s.TouchLanguage(ctx, owner, l))
		}
		if owner != ownerA {
			must(t, s.PickModel(ctx, owner, "gpt-4o"))
		}
	}
}

// SameLog fails t unless a and b hold the same log for every owner of CopyOwners, read
// through the Log API: sessions, scripts, entries (with pending ones of want settled, when
// settle is given), recent languages and inputs, the picked model, script context pairs,
// searches and translation memory recall. Times are compared to the microsecond.
func SameLog(t testing.TB, want, got Store, settle func(model.Entry) model.Entry) {
	t.Helper()
	ctx := context.Background()
	for _, owner := range CopyOwners {
		ws, err := want.Sessions(ctx, owner, 0)
		must(t, err)
		gs, err := got.Sessions(ctx, owner, 0)
		must(t, err)
		same(t, owner, "sessions", sortedBy(ws, func(s model.Session) uint64 { return s.ID }, normSession),
			sortedBy(gs, func(s model.Session) uint64 { return s.ID }, normSession))

		wc, err := want.Scripts(ctx, owner)
		must(t, err)
		gc, err := got.Scripts(ctx, owner)
		must(t, err)
		same(t, owner, "scripts", sortedBy(wc, func(s model.Script) string { return s.ID }, normScript),
			sortedBy(gc, func(s model.Script) string { return s.ID }, normScript))

		we, err := want.Entries(ctx, owner, model.EntryQuery{Oldest: true})
		must(t, err)
		ge, err := got.Entries(ctx, owner, model.EntryQuery{Oldest: true})
		must(t, err)
		if settle != nil {
			for i := range we {
				we[i] = settle(we[i])
			}
		}
		if len(we) == 0 {
			t.Fatalf("owner %q: no entries to compare", owner)
		}
		same(t, owner, "entries", mapped(we, normEntry), mapped(ge, normEntry))
		for _, e := range we {
			g, err := got.Entry(ctx, owner, e.ID)
			must(t, err)
			same(t, owner, fmt.Sprintf("entry %d", e.ID), normEntry(e), normEntry(g))
		}

		for _, q := range []model.EntryQuery{{SessionID: 1}, {ScriptID: "lecture-01", Oldest: true}, {Approved: true}, {Limit: 3, Before: 9}} {
			a, err := want.Entries(ctx, owner, q)
			must(t, err)
			b, err := got.Entries(ctx, owner, q)
			must(t, err)
			same(t, owner, fmt.Sprintf("entries %+v", q), entryIDs(a), entryIDs(b))
		}
		for _, text := range Searches {
			a, err := want.Entries(ctx, owner, model.EntryQuery{Search: text})
			must(t, err)
			b, err := got.Entries(ctx, owner, model.EntryQuery{Search: text})
			must(t, err)
			if len(a) == 0 {
				t.Fatalf("owner %q: search %q finds nothing in the original", owner, text)
			}
			same(t, owner, "search "+text, entryIDs(a), entryIDs(b))
		}
		for _, src := range []string{"Good morning", "good  morning", "Attention is all you need", "Attention is all you needed"} {
			req := model.Request{Owner: owner, Source: src, To: korean, ScriptID: "lecture-01"}
			a, err := want.Recall(ctx, req)
			must(t, err)
			b, err := got.Recall(ctx, req)
			must(t, err)
			if a.Entry.ID == 0 {
				t.Fatalf("owner %q: recall %q finds nothing in the original", owner, src)
			}
			same(t, owner, "recall "+src, [2]any{a.Entry.ID, a.Similarity}, [2]any{b.Entry.ID, b.Similarity})
		}
		for _, to := range []model.Language{korean, model.MustLanguage("ja")} {
			a, err := want.ScriptPairs(ctx, owner, "lecture-01", to, 3)
			must(t, err)
			b, err := got.ScriptPairs(ctx, owner, "lecture-01", to, 3)
			must(t, err)
			same(t, owner, "pairs "+string(to), a, b)
		}
		wl, err := want.RecentLanguages(ctx, owner)
		must(t, err)
		gl, err := got.RecentLanguages(ctx, owner)
		must(t, err)
		same(t, owner, "recent languages", wl, gl)
		wi, err := want.RecentInputs(ctx, owner, 10)
		must(t, err)
		gi, err := got.RecentInputs(ctx, owner, 10)
		must(t, err)
		same(t, owner, "recent inputs", wi, gi)
		wm, err := want.PickedModel(ctx, owner)
		must(t, err)
		gm, err := got.PickedModel(ctx, owner)
		must(t, err)
		same(t, owner, "picked model", wm, gm)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func same(t testing.TB, owner model.Owner, what string, want, got any) {
	t.Helper()
	if !reflect.DeepEqual(want, got) {
		t.Fatalf("owner %q, %s:\nwant %+v\n got %+v", owner, what, want, got)
	}
}

func sortedBy[T any, K cmp.Ordered](list []T, key func(T) K, norm func(T) T) []T {
	out := mapped(list, norm)
	slices.SortFunc(out, func(a, b T) int { return cmp.Compare(key(a), key(b)) })
	return out
}

func mapped[T any](list []T, fn func(T) T) []T {
	out := make([]T, len(list))
	for i, v := range list {
		out[i] = fn(v)
	}
	return out
}

// micro is t as every backend keeps it.
func micro(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Microsecond)
}

func normSession(s model.Session) model.Session {
	s.Started, s.Updated = micro(s.Started), micro(s.Updated)
	return s
}

func normScript(s model.Script) model.Script {
	s.Created, s.Updated = micro(s.Created), micro(s.Updated)
	if len(s.Glossary) == 0 {
		s.Glossary = nil
	}
	return s
}

func normEntry(e model.Entry) model.Entry {
	e.Created, e.Finished, e.ApprovedAt = micro(e.Created), micro(e.Finished), micro(e.ApprovedAt)
	if len(e.Flags) == 0 {
		e.Flags = nil
	}
	return e
}
