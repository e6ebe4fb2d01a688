package storage

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/yeok/yeok/model"
)

func TestSessionsByActivity(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	if _, err := s.LastSession(ctx, ownerA); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("LastSession of an empty store: %v", err)
	}
	var ids []uint64
	for range 4 {
		sess, err := s.NewSession(ctx, ownerA, model.Session{Origin: "tui", Entries: 9})
		if err != nil {
			t.Fatal(err)
		}
		if sess.Entries != 0 || sess.Started.IsZero() || sess.Owner != ownerA {
			t.Fatalf("new session %+v", sess)
		}
		ids = append(ids, sess.ID)
	}
	if !slices.Equal(ids, []uint64{1, 2, 3, 4}) {
		t.Fatalf("session ids %v", ids)
	}
	// Session 2 becomes the most recently active.
	translate(t, s, model.Request{Owner: ownerA, SessionID: 2, Source: "resume", To: korean}, model.StatusDone, "재개")

	got, err := s.Sessions(ctx, ownerA, 0)
	if err != nil {
		t.Fatal(err)
	}
	if gotIDs := sessionIDs(got); !slices.Equal(gotIDs, []uint64{2, 4, 3, 1}) {
		t.Fatalf("Sessions order %v", gotIDs)
	}
	if page, _ := s.Sessions(ctx, ownerA, 2); !slices.Equal(sessionIDs(page), []uint64{2, 4}) {
		t.Fatalf("first page %v", sessionIDs(page))
	}
	last, err := s.LastSession(ctx, ownerA)
	if err != nil || last.ID != 2 || last.Entries != 1 || last.Title != "resume" {
		t.Fatalf("LastSession = %+v, %v", last, err)
	}
	if _, err := s.Session(ctx, ownerA, 99); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("Session(99): %v", err)
	}
	if err := s.Check(ctx); err != nil {
		t.Fatal(err)
	}
}

func sessionIDs(list []model.Session) []uint64 {
	var ids []uint64
	for _, s := range list {
		ids = append(ids, s.ID)
	}
	return ids
}

func TestDeleteSession(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	keep, _ := s.NewSession(ctx, ownerA, model.Session{})
	drop, _ := s.NewSession(ctx, ownerA, model.Session{})
	translate(t, s, model.Request{Owner: ownerA, SessionID: keep.ID, ScriptID: "talk", Source: "kept", To: korean}, model.StatusDone, "유지")
	translate(t, s, model.Request{Owner: ownerA, SessionID: drop.ID, ScriptID: "talk", Source: "gone 1", To: korean}, model.StatusDone, "삭제")
	if _, err := s.Begin(ctx, model.Request{Owner: ownerA, SessionID: drop.ID, Source: "gone 2", To: korean}); err != nil {
		t.Fatal(err)
	}

	if err := s.DeleteSession(ctx, ownerB, drop.ID); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("another owner deleted the session: %v", err)
	}
	if err := s.DeleteSession(ctx, ownerA, drop.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, ownerA, drop.ID); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("deleted session still there: %v", err)
	}
	all, _ := s.Entries(ctx, ownerA, model.EntryQuery{})
	if len(all) != 1 || all[0].Source != "kept" {
		t.Fatalf("entries left %+v", all)
	}
	if sc, _ := s.Script(ctx, ownerA, "talk"); sc.Entries != 1 {
		t.Fatalf("script counter %d after deleting one of its entries", sc.Entries)
	}
	if list, _ := s.Sessions(ctx, ownerA, 0); !slices.Equal(sessionIDs(list), []uint64{keep.ID}) {
		t.Fatalf("sessions left %v", sessionIDs(list))
	}
	if err := s.DeleteSession(ctx, ownerA, drop.ID); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	if err := s.Check(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestOwnerIsolation(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	sess, _ := s.NewSession(ctx, ownerA, model.Session{})
	e := translate(t, s, model.Request{Owner: ownerA, SessionID: sess.ID, ScriptID: "secret", Source: "private words", To: korean}, model.StatusDone, "비밀")
	if err := s.TouchLanguage(ctx, ownerA, korean); err != nil {
		t.Fatal(err)
	}
	// Owner B has a store of its own too, with the same ids.
	bSess, _ := s.NewSession(ctx, ownerB, model.Session{})
	bEntry := translate(t, s, model.Request{Owner: ownerB, SessionID: bSess.ID, Source: "mine", To: french}, model.StatusDone, "le mien")
	if bSess.ID != sess.ID || bEntry.ID != e.ID {
		t.Fatalf("ids are not per owner: session %d/%d, entry %d/%d", bSess.ID, sess.ID, bEntry.ID, e.ID)
	}
	if err := s.DeleteSession(ctx, ownerB, bSess.ID); err != nil {
		t.Fatal(err)
	}

	checks := []struct {
		name string
		run  func() (int, error) // how many of A's records B saw
	}{
		{"entries", func() (int, error) { l, err := s.Entries(ctx, ownerB, model.EntryQuery{}); return len(l), err }},
		{"search", func() (int, error) {
			l, err := s.Entries(ctx, ownerB, model.EntryQuery{Search: "private"})
			return len(l), err
		}},
		{"entries by session", func() (int, error) {
			l, err := s.Entries(ctx, ownerB, model.EntryQuery{SessionID: sess.ID})
			return len(l), err
		}},
		{"entries by script", func() (int, error) {
			l, err := s.Entries(ctx, ownerB, model.EntryQuery{ScriptID: "secret"})
			return len(l), err
		}},
		{"entry", func() (int, error) { return found(s.Entry(ctx, ownerB, e.ID)) }},
		{"session", func() (int, error) { return found(s.Session(ctx, ownerB, sess.ID)) }},
		{"sessions", func() (int, error) { l, err := s.Sessions(ctx, ownerB, 0); return len(l), err }},
		{"last session", func() (int, error) { return found(s.LastSession(ctx, ownerB)) }},
		{"script", func() (int, error) { return found(s.Script(ctx, ownerB, "secret")) }},
		{"scripts", func() (int, error) { l, err := s.Scripts(ctx, ownerB); return len(l), err }},
		{"pairs", func() (int, error) { l, err := s.ScriptPairs(ctx, ownerB, "secret", korean, 5); return len(l), err }},
		{"languages", func() (int, error) { l, err := s.RecentLanguages(ctx, ownerB); return len(l), err }},
		{"inputs", func() (int, error) { l, err := s.RecentInputs(ctx, ownerB, 10); return len(l), err }},
		{"delete script", func() (int, error) { return 0, s.DeleteScript(ctx, ownerB, "secret") }},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			n, err := c.run()
			if err != nil && !errors.Is(err, model.ErrNotFound) {
				t.Fatal(err)
			}
			if n != 0 {
				t.Fatalf("owner B saw %d of owner A's records", n)
			}
		})
	}
	if got, err := s.Entry(ctx, ownerA, e.ID); err != nil || got.Source != "private words" {
		t.Fatalf("owner A's entry after B's calls: %+v, %v", got, err)
	}
	if sc, err := s.Script(ctx, ownerA, "secret"); err != nil || sc.Entries != 1 {
		t.Fatalf("owner A's script after B's calls: %+v, %v", sc, err)
	}
}

// found turns a lookup into a count of records seen.
func found[T any](_ T, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	return 1, nil
}

func TestScripts(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	ctxPairs := 4
	glossary := []model.GlossaryTerm{{Term: "entropy", Translation: "엔트로피"}}
	if err := s.PutScript(ctx, model.Script{Owner: ownerA, ID: "lecture-01", Glossary: glossary, Context: &ctxPairs}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutScript(ctx, model.Script{Owner: ownerA, ID: "bad\nid"}); err == nil {
		t.Fatal("PutScript took an id with a newline")
	}
	statuses := []model.Status{model.StatusDone, model.StatusFailed, model.StatusDone, model.StatusTruncated, model.StatusDone, model.StatusDone}
	for i, st := range statuses {
		e, err := s.Begin(ctx, model.Request{Owner: ownerA, ScriptID: "lecture-01", Source: fmt.Sprint("src ", i), To: korean})
		if err != nil {
			t.Fatal(err)
		}
		e.Apply(model.Result{Status: st, Text: fmt.Sprint("raw ", i)}, s.now())
		if i == 4 {
			e.Clean = "clean 4"
		}
		if _, err := s.Finish(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	translate(t, s, model.Request{Owner: ownerA, ScriptID: "lecture-02", Source: "other", To: french}, model.StatusDone, "autre")

	// Updating settings keeps the counter and the activity time.
	before, _ := s.Script(ctx, ownerA, "lecture-01")
	if err := s.PutScript(ctx, model.Script{Owner: ownerA, ID: "lecture-01", Glossary: nil, Context: &ctxPairs}); err != nil {
		t.Fatal(err)
	}
	sc, err := s.Script(ctx, ownerA, "lecture-01")
	if err != nil {
		t.Fatal(err)
	}
	if sc.Entries != len(statuses) || !sc.Updated.Equal(before.Updated) || !sc.Created.Equal(before.Created) ||
		sc.Glossary != nil || *sc.Context != 4 || sc.To != korean {
		t.Fatalf("script after PutScript %+v (before %+v)", sc, before)
	}

	list, err := s.Scripts(ctx, ownerA)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != "lecture-02" || list[1].ID != "lecture-01" {
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
	if err := s.Check(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestDeleteScriptFixesSessions(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
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
	if err := s.Check(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestRecents(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	for _, tag := range []string{"ko-KR", "fr", "ja", "de", "es", "it", "pt-BR", "ru", "uk", "fr"} {
		if err := s.TouchLanguage(ctx, ownerA, model.MustLanguage(tag)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.TouchLanguage(ctx, ownerA, model.Auto); err != nil {
		t.Fatal(err)
	}
	langs, err := s.RecentLanguages(ctx, ownerA)
	if err != nil {
		t.Fatal(err)
	}
	want := []model.Language{"fr", "uk", "ru", "pt-BR", "it", "es", "de", "ja"}
	if !slices.Equal(langs, want) {
		t.Fatalf("RecentLanguages = %v, want %v", langs, want)
	}

	for _, src := range []string{"one", "two", "one", "three", "two"} {
		translate(t, s, model.Request{Owner: ownerA, Source: src, To: korean}, model.StatusDone, "x")
	}
	inputs, err := s.RecentInputs(ctx, ownerA, 10)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(inputs, []string{"two", "three", "one"}) {
		t.Fatalf("RecentInputs = %v", inputs)
	}
	if two, _ := s.RecentInputs(ctx, ownerA, 2); !slices.Equal(two, []string{"two", "three"}) {
		t.Fatalf("RecentInputs(2) = %v", two)
	}
}

// TestScriptPairsSkipsPendingAndBoundsTheRead: entries still streaming are not context and
// do not count against the read's bound; a run of more failed entries than the bound hides
// older done pairs rather than reading the whole script.
func TestScriptPairsSkipsPendingAndBoundsTheRead(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	add := func(status model.Status, src string) {
		t.Helper()
		e, err := s.Begin(ctx, model.Request{Owner: ownerA, ScriptID: "talk", Source: src, To: korean})
		if err != nil {
			t.Fatal(err)
		}
		if status == model.StatusPending {
			return
		}
		e.Apply(model.Result{Status: status, Text: "t " + src}, s.now())
		if _, err := s.Finish(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	add(model.StatusDone, "old")
	for i := range pairsLook(2) + 100 {
		add(model.StatusPending, fmt.Sprint("streaming ", i))
	}
	pairs, err := s.ScriptPairs(ctx, ownerA, "talk", korean, 2)
	if err != nil || len(pairs) != 1 || pairs[0].Source != "old" {
		t.Fatalf("behind pending entries: pairs %+v, %v", pairs, err)
	}
	for i := range pairsLook(2) {
		add(model.StatusFailed, fmt.Sprint("failed ", i))
	}
	if pairs, err := s.ScriptPairs(ctx, ownerA, "talk", korean, 2); err != nil || len(pairs) != 0 {
		t.Fatalf("behind %d failed entries: pairs %+v, %v", pairsLook(2), pairs, err)
	}
	add(model.StatusDone, "new")
	if pairs, err := s.ScriptPairs(ctx, ownerA, "talk", korean, 2); err != nil || len(pairs) != 1 || pairs[0].Source != "new" {
		t.Fatalf("pairs %+v, %v", pairs, err)
	}
}
