package storage

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/yeok/yeok/model"
)

// TestRecallExactNearAndApproved: the memory finds an earlier done translation of the same
// source once normalised (case, width, white space), into the same target only, prefers an
// approved one, ignores flagged and failed ones, and offers a similar source as a near
// match; deleting the entries takes them out of it.
func TestRecallExactNearAndApproved(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	sess, err := s.NewSession(ctx, ownerA, model.Session{Origin: "test"})
	if err != nil {
		t.Fatal(err)
	}
	req := func(src string, to model.Language) model.Request {
		return model.Request{Owner: ownerA, SessionID: sess.ID, Source: src, To: to}
	}
	if rec, err := s.Recall(ctx, req("Good morning", korean)); err != nil || rec.Entry.ID != 0 {
		t.Fatalf("an empty memory recalled %+v, %v", rec, err)
	}
	old := translate(t, s, req("Good morning", korean), model.StatusDone, "좋은 아침")
	translate(t, s, req("Good morning", french), model.StatusDone, "Bonjour")
	translate(t, s, req("Good morning", korean), model.StatusFailed, "")
	flagged := translate(t, s, req("Good morning", korean), model.StatusDone, "Good morning")
	flagged.Flags = []model.Flag{model.FlagEcho}
	if _, err := s.Finish(ctx, flagged); err != nil {
		t.Fatal(err)
	}

	rec, err := s.Recall(ctx, req("  GOOD   morning ", korean))
	if err != nil || !rec.Exact() || rec.Entry.ID != old.ID || rec.Entry.Display() != "좋은 아침" {
		t.Fatalf("exact recall %+v, %v", rec, err)
	}
	newer := translate(t, s, req("good morning", korean), model.StatusDone, "안녕하세요")
	if rec, _ := s.Recall(ctx, req("Good morning", korean)); rec.Entry.ID != newer.ID {
		t.Fatalf("the newest done one is not preferred: %+v", rec.Entry)
	}
	if _, err := s.Approve(ctx, ownerA, old.ID, "좋은 아침입니다"); err != nil {
		t.Fatal(err)
	}
	if rec, _ := s.Recall(ctx, req("Good morning", korean)); rec.Entry.ID != old.ID || rec.Entry.Display() != "좋은 아침입니다" || rec.Entry.ModelText() != "좋은 아침" {
		t.Fatalf("the approved one is not preferred: %+v", rec.Entry)
	}
	if rec, _ := s.Recall(ctx, req("Good morning", model.MustLanguage("ja"))); rec.Entry.ID != 0 {
		t.Fatalf("another target's translation was recalled: %+v", rec)
	}

	translate(t, s, req("Please send me the report by Friday.", korean), model.StatusDone, "금요일까지 보고서를 보내 주세요.")
	rec, err = s.Recall(ctx, req("Please send me the reports by Friday.", korean))
	if err != nil || !rec.Near() || rec.Entry.Source != "Please send me the report by Friday." {
		t.Fatalf("near recall %+v, %v", rec, err)
	}
	if rec, _ := s.Recall(ctx, req("Something else entirely, nothing alike.", korean)); rec.Entry.ID != 0 {
		t.Fatalf("an unrelated source recalled %+v", rec)
	}

	approved, err := s.Entries(ctx, ownerA, model.EntryQuery{Approved: true})
	if err != nil || len(approved) != 1 || approved[0].ID != old.ID {
		t.Fatalf("approved entries %+v, %v", approved, err)
	}
	if found, _ := s.Entries(ctx, ownerA, model.EntryQuery{Search: "아침입니다"}); len(found) != 1 {
		t.Fatalf("search does not see the approved text: %+v", found)
	}
	if err := s.DeleteSession(ctx, ownerA, sess.ID); err != nil {
		t.Fatal(err)
	}
	if rec, _ := s.Recall(ctx, req("Good morning", korean)); rec.Entry.ID != 0 {
		t.Fatalf("a deleted entry was recalled: %+v", rec)
	}
	if err := s.Check(ctx); err != nil {
		t.Fatalf("check after memory use: %v", err)
	}
}

// TestRecallOwnersApart: one owner's memory never answers another.
func TestRecallOwnersApart(t *testing.T) {
	s := openAt(t, filepath.Join(t.TempDir(), "y.db"))
	translate(t, s, model.Request{Owner: ownerA, Source: "secret line", To: korean}, model.StatusDone, "비밀")
	rec, err := s.Recall(context.Background(), model.Request{Owner: ownerB, Source: "secret line", To: korean})
	if err != nil || rec.Entry.ID != 0 {
		t.Fatalf("owner B recalled owner A's entry: %+v, %v", rec, err)
	}
	if _, err := s.Approve(context.Background(), ownerB, 1, "x"); err == nil {
		t.Fatal("owner B approved owner A's entry")
	}
}
