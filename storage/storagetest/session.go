package storagetest

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/yeok/yeok/model"
)

func testSessionsByActivity(t *testing.T, s Store) {
	ctx := context.Background()
	if _, err := s.LastSession(ctx, ownerA); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("LastSession of an empty store: %v", err)
	}
	if list, err := s.Sessions(ctx, ownerA, 0); err != nil || len(list) != 0 {
		t.Fatalf("Sessions of an empty store: %v, %v", list, err)
	}
	var ids []uint64
	for range 4 {
		sess, err := s.NewSession(ctx, ownerA, model.Session{Origin: "tui", Entries: 9})
		if err != nil {
			t.Fatal(err)
		}
		if sess.Entries != 0 || sess.Started.IsZero() || sess.Updated.IsZero() || sess.Owner != ownerA || sess.Origin != "tui" {
			t.Fatalf("new session %+v", sess)
		}
		if got, err := s.Session(ctx, ownerA, sess.ID); err != nil || !got.Started.Equal(sess.Started) || got.Origin != "tui" {
			t.Fatalf("stored session %+v, %v; want %+v", got, err, sess)
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
	check(t, s)
}

// testSessionCounters: Begin counts entries on their session and keeps the first line as
// its title and the first target of a line sent into several.
func testSessionCounters(t *testing.T, s Store) {
	ctx := context.Background()
	sess, _ := s.NewSession(ctx, ownerA, model.Session{Origin: "pipe"})
	long := "A first line that is much longer than the sixty characters a title keeps, surely"
	translate(t, s, model.Request{Owner: ownerA, SessionID: sess.ID, Source: long, To: korean}, model.StatusDone, "가")
	for _, to := range []model.Language{french, model.MustLanguage("ja")} {
		translate(t, s, model.Request{Owner: ownerA, SessionID: sess.ID, Source: "second", To: to, Group: 5}, model.StatusDone, "x")
	}
	got, err := s.Session(ctx, ownerA, sess.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Entries != 3 || got.Title != model.Title(long, 60) || got.To != french || got.LastGroup != 5 {
		t.Fatalf("session %+v", got)
	}
	check(t, s)
}

func testDeleteSession(t *testing.T, s Store) {
	ctx := context.Background()
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
	if found, _ := s.Entries(ctx, ownerA, model.EntryQuery{Search: "gone"}); len(found) != 0 {
		t.Fatalf("search finds deleted entries: %+v", found)
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
	next, _ := s.NewSession(ctx, ownerA, model.Session{})
	if next.ID != drop.ID+1 {
		t.Fatalf("a deleted session's id was given again: %d", next.ID)
	}
	check(t, s)
}

func testOwnerIsolation(t *testing.T, s Store) {
	ctx := context.Background()
	sess, _ := s.NewSession(ctx, ownerA, model.Session{})
	e := translate(t, s, model.Request{Owner: ownerA, SessionID: sess.ID, ScriptID: "secret", Source: "private words", To: korean}, model.StatusDone, "비밀")
	if err := s.TouchLanguage(ctx, ownerA, korean); err != nil {
		t.Fatal(err)
	}
	if err := s.PickModel(ctx, ownerA, "private-model"); err != nil {
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
		{"picked model", func() (int, error) {
			m, err := s.PickedModel(ctx, ownerB)
			if m != "" {
				return 1, err
			}
			return 0, err
		}},
		{"recall", func() (int, error) {
			rec, err := s.Recall(ctx, model.Request{Owner: ownerB, ScriptID: "secret", Source: "private words", To: korean})
			if rec.Entry.ID != 0 {
				return 1, err
			}
			return 0, err
		}},
		{"approve", func() (int, error) { return found(s.Approve(ctx, ownerB, e.ID, "stolen")) }},
		{"finish", func() (int, error) {
			other := e
			other.Owner, other.Text = ownerB, "overwritten"
			return found(s.Finish(ctx, other))
		}},
		{"delete session", func() (int, error) { return 0, s.DeleteSession(ctx, ownerB, sess.ID) }},
		{"delete script", func() (int, error) { return 0, s.DeleteScript(ctx, ownerB, "secret") }},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			n, err := c.run()
			if n != 0 {
				t.Fatalf("owner B saw %d of owner A's records", n)
			}
			if err != nil && !errors.Is(err, model.ErrNotFound) {
				t.Fatal(err)
			}
		})
	}
	if got, err := s.Entry(ctx, ownerA, e.ID); err != nil || !got.Finished.Equal(e.Finished) || got.Source != "private words" || got.Text != "비밀" ||
		got.Approved != "" {
		t.Fatalf("owner A's entry after B's calls: %+v, %v", got, err)
	}
	if sc, err := s.Script(ctx, ownerA, "secret"); err != nil || sc.Entries != 1 {
		t.Fatalf("owner A's script after B's calls: %+v, %v", sc, err)
	}
	if got, err := s.Session(ctx, ownerA, sess.ID); err != nil || got.Entries != 1 {
		t.Fatalf("owner A's session after B's calls: %+v, %v", got, err)
	}
	check(t, s)
}

func testRecents(t *testing.T, s Store) {
	ctx := context.Background()
	if langs, err := s.RecentLanguages(ctx, ownerA); err != nil || len(langs) != 0 {
		t.Fatalf("languages of a new owner: %v, %v", langs, err)
	}
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
	if err := s.TouchLanguage(ctx, "", korean); err == nil {
		t.Fatal("TouchLanguage without an owner succeeded")
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
	if none, _ := s.RecentInputs(ctx, ownerA, 0); len(none) != 0 {
		t.Fatalf("RecentInputs(0) = %v", none)
	}
}

func testPickedModelPerOwner(t *testing.T, s Store) {
	ctx := context.Background()
	if got, err := s.PickedModel(ctx, model.LocalOwner); err != nil || got != "" {
		t.Fatalf("before any pick: %q, %v", got, err)
	}
	if err := s.PickModel(ctx, model.LocalOwner, "gpt-4o"); err != nil {
		t.Fatal(err)
	}
	if err := s.PickModel(ctx, model.LocalOwner, "llama3.2"); err != nil {
		t.Fatal(err)
	}
	if err := s.PickModel(ctx, "http:alice", "qwen2.5"); err != nil {
		t.Fatal(err)
	}
	for owner, want := range map[model.Owner]string{model.LocalOwner: "llama3.2", "http:alice": "qwen2.5", "http:bob": ""} {
		if got, err := s.PickedModel(ctx, owner); err != nil || got != want {
			t.Errorf("%s: %q, %v; want %q", owner, got, err, want)
		}
	}
}
