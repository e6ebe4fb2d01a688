package storagetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/yeok/yeok/model"
)

func testScripts(t *testing.T, s Store) {
	ctx := context.Background()
	ctxPairs := 4
	glossary := []model.GlossaryTerm{{Term: "entropy", Translation: "엔트로피"}}
	if err := s.PutScript(ctx, model.Script{Owner: ownerA, ID: "lecture-01", Glossary: glossary, Context: &ctxPairs}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutScript(ctx, model.Script{Owner: ownerA, ID: "bad\nid"}); err == nil {
		t.Fatal("PutScript took an id with a newline")
	}
	if err := s.PutScript(ctx, model.Script{ID: "no-owner"}); err == nil {
		t.Fatal("PutScript took a script without an owner")
	}
	sc, err := s.Script(ctx, ownerA, "lecture-01")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sc.Glossary, glossary) || sc.Context == nil || *sc.Context != 4 || sc.Entries != 0 || sc.Created.IsZero() ||
		sc.Owner != ownerA {
		t.Fatalf("new script %+v", sc)
	}
	statuses := []model.Status{model.StatusDone, model.StatusFailed, model.StatusDone, model.StatusTruncated, model.StatusDone, model.StatusDone}
	for i, st := range statuses {
		e, err := s.Begin(ctx, model.Request{Owner: ownerA, ScriptID: "lecture-01", Source: fmt.Sprint("src ", i), To: korean})
		if err != nil {
			t.Fatal(err)
		}
		e.Apply(model.Result{Status: st, Text: fmt.Sprint("raw ", i)}, clock())
		if i == 4 {
			e.Clean = "clean 4"
		}
		if _, err := s.Finish(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	translate(t, s, model.Request{Owner: ownerA, ScriptID: "lecture-02", Source: "other", To: french}, model.StatusDone, "autre")

	// Updating settings keeps the counter, the activity time and the languages.
	before, _ := s.Script(ctx, ownerA, "lecture-01")
	if err := s.PutScript(ctx, model.Script{Owner: ownerA, ID: "lecture-01", Glossary: nil, Context: &ctxPairs}); err != nil {
		t.Fatal(err)
	}
	sc, err = s.Script(ctx, ownerA, "lecture-01")
	if err != nil {
		t.Fatal(err)
	}
	if sc.Entries != len(statuses) || !sc.Updated.Equal(before.Updated) || !sc.Created.Equal(before.Created) ||
		sc.Glossary != nil || *sc.Context != 4 || sc.To != korean {
		t.Fatalf("script after PutScript %+v (before %+v)", sc, before)
	}
	// A context setting can be cleared back to the default.
	if err := s.PutScript(ctx, model.Script{Owner: ownerA, ID: "lecture-01", Glossary: glossary}); err != nil {
		t.Fatal(err)
	}
	if sc, _ := s.Script(ctx, ownerA, "lecture-01"); sc.Context != nil || !slices.Equal(sc.Glossary, glossary) {
		t.Fatalf("script after clearing its context %+v", sc)
	}

	list, err := s.Scripts(ctx, ownerA)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != "lecture-02" || list[1].ID != "lecture-01" || list[0].Owner != ownerA {
		t.Fatalf("Scripts order %+v", list)
	}

	pairs, err := s.ScriptPairs(ctx, ownerA, "lecture-01", korean, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := []model.Pair{{Source: "src 2", Translation: "raw 2"}, {Source: "src 4", Translation: "clean 4"}, {Source: "src 5", Translation: "raw 5"}}
	if !slices.Equal(pairs, want) {
		t.Fatalf("ScriptPairs = %+v, want %+v", pairs, want)
	}
	if all, _ := s.ScriptPairs(ctx, ownerA, "lecture-01", korean, 100); len(all) != 4 {
		t.Fatalf("ScriptPairs kept %d pairs, want the 4 done ones", len(all))
	}
	if none, _ := s.ScriptPairs(ctx, ownerA, "lecture-01", korean, 0); len(none) != 0 {
		t.Fatalf("ScriptPairs(0) = %+v", none)
	}

	if err := s.DeleteScript(ctx, ownerA, "lecture-01"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Script(ctx, ownerA, "lecture-01"); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("deleted script: %v", err)
	}
	if left, _ := s.Entries(ctx, ownerA, model.EntryQuery{}); len(left) != 1 || left[0].ScriptID != "lecture-02" {
		t.Fatalf("entries left %+v", left)
	}
	if err := s.DeleteScript(ctx, ownerA, "lecture-01"); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	check(t, s)
}

func testDeleteScriptFixesSessions(t *testing.T, s Store) {
	ctx := context.Background()
	sess, _ := s.NewSession(ctx, ownerA, model.Session{})
	translate(t, s, model.Request{Owner: ownerA, SessionID: sess.ID, ScriptID: "x", Source: "a", To: korean}, model.StatusDone, "가")
	translate(t, s, model.Request{Owner: ownerA, SessionID: sess.ID, Source: "b", To: korean}, model.StatusDone, "나")
	if err := s.DeleteScript(ctx, ownerA, "x"); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Session(ctx, ownerA, sess.ID)
	if got.Entries != 1 {
		t.Fatalf("session counts %d entries, want 1", got.Entries)
	}
	check(t, s)
}

// testScriptPairsPerTarget: a script whose lines go into several languages keeps one
// context per target, and the entries of one line keep their shared request id.
func testScriptPairsPerTarget(t *testing.T, s Store) {
	ctx := context.Background()
	for i := range 3 {
		src := fmt.Sprint("line ", i)
		translate(t, s, model.Request{Owner: ownerA, ScriptID: "talk", Source: src, To: korean, Group: uint64(i + 1)}, model.StatusDone, "ko "+src)
		translate(t, s, model.Request{Owner: ownerA, ScriptID: "talk", Source: src, To: french, Group: uint64(i + 1)}, model.StatusDone, "fr "+src)
	}
	for _, to := range []model.Language{korean, french} {
		pairs, err := s.ScriptPairs(ctx, ownerA, "talk", to, 2)
		if err != nil {
			t.Fatal(err)
		}
		want := []model.Pair{{Source: "line 1", Translation: string(to) + " line 1"}, {Source: "line 2", Translation: string(to) + " line 2"}}
		if !slices.Equal(pairs, want) {
			t.Fatalf("%s: pairs %+v, want %+v", to, pairs, want)
		}
	}
	if fr, _ := s.ScriptPairs(ctx, ownerA, "talk", french, 5); len(fr) != 3 || fr[0].Translation != "fr line 0" {
		t.Fatalf("French pairs, more asked than there are: %+v", fr)
	}
	if pairs, _ := s.ScriptPairs(ctx, ownerA, "talk", model.MustLanguage("ja"), 2); len(pairs) != 0 {
		t.Fatalf("pairs into a target never used: %+v", pairs)
	}
	// The entries of one line keep their shared request id.
	es, err := s.Entries(ctx, ownerA, model.EntryQuery{ScriptID: "talk", Oldest: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 6 || es[0].Group != 1 || es[1].Group != 1 || es[5].Group != 3 {
		t.Fatalf("groups %+v", es)
	}
	if sc, _ := s.Script(ctx, ownerA, "talk"); sc.To != korean || sc.Entries != 6 {
		t.Fatalf("a script keeps the first target of a line: %+v", sc)
	}
}

// testScriptPairsBounded: entries still streaming are not context and do not count against
// the read's bound; a run of more failed entries than the bound hides older done pairs
// rather than reading the whole script.
func testScriptPairsBounded(t *testing.T, s Store) {
	ctx := context.Background()
	add := func(status model.Status, src string) {
		t.Helper()
		e, err := s.Begin(ctx, model.Request{Owner: ownerA, ScriptID: "talk", Source: src, To: korean})
		if err != nil {
			t.Fatal(err)
		}
		if status == model.StatusPending {
			return
		}
		e.Apply(model.Result{Status: status, Text: "t " + src}, clock())
		if _, err := s.Finish(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	// The bound for two pairs is 64 finished entries into the target (see the stores).
	const bound = 64
	add(model.StatusDone, "old")
	for i := range bound + 100 {
		add(model.StatusPending, fmt.Sprint("streaming ", i))
	}
	pairs, err := s.ScriptPairs(ctx, ownerA, "talk", korean, 2)
	if err != nil || len(pairs) != 1 || pairs[0].Source != "old" {
		t.Fatalf("behind pending entries: pairs %+v, %v", pairs, err)
	}
	for i := range bound {
		add(model.StatusFailed, fmt.Sprint("failed ", i))
	}
	if pairs, err := s.ScriptPairs(ctx, ownerA, "talk", korean, 2); err != nil || len(pairs) != 0 {
		t.Fatalf("behind %d failed entries: pairs %+v, %v", bound, pairs, err)
	}
	add(model.StatusDone, "new")
	if pairs, err := s.ScriptPairs(ctx, ownerA, "talk", korean, 2); err != nil || len(pairs) != 1 || pairs[0].Source != "new" {
		t.Fatalf("pairs %+v, %v", pairs, err)
	}
}
