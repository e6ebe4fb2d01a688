package storagetest

import (
	"context"
	"testing"

	"github.com/yeok/yeok/model"
)

// testRecall: the memory finds an earlier done translation of the same source once
// normalised (case, width, white space), into the same target only, prefers an approved
// one, ignores flagged and failed ones, and offers a similar source as a near match;
// deleting the entries takes them out of it.
func testRecall(t *testing.T, s Store) {
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
	if _, err := s.Begin(ctx, req("Good morning", korean)); err != nil { // still streaming
		t.Fatal(err)
	}

	rec, err := s.Recall(ctx, req("  GOOD   morning ", korean))
	if err != nil || !rec.Exact() || rec.Entry.ID != old.ID || rec.Entry.Display() != "좋은 아침" || rec.Entry.Owner != ownerA {
		t.Fatalf("exact recall %+v, %v", rec, err)
	}
	newer := translate(t, s, req("good morning", korean), model.StatusDone, "안녕하세요")
	if rec, _ := s.Recall(ctx, req("Good morning", korean)); rec.Entry.ID != newer.ID {
		t.Fatalf("the newest done one is not preferred: %+v", rec.Entry)
	}
	reused := translate(t, s, req("Good morning", korean), model.StatusDone, "안녕하세요")
	reused.Memory = newer.ID
	if _, err := s.Finish(ctx, reused); err != nil {
		t.Fatal(err)
	}
	if rec, _ := s.Recall(ctx, req("Good morning", korean)); rec.Entry.ID != newer.ID {
		t.Fatalf("an entry taken from memory was recalled: %+v", rec.Entry)
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
	outside := req("Please send me the reports by Friday.", korean)
	outside.SessionID = 0
	if rec, _ := s.Recall(ctx, outside); rec.Entry.ID != 0 {
		t.Fatalf("a near match outside any session or script: %+v", rec)
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
	check(t, s)
	if err := s.DeleteSession(ctx, ownerA, sess.ID); err != nil {
		t.Fatal(err)
	}
	if rec, _ := s.Recall(ctx, req("Good morning", korean)); rec.Entry.ID != 0 {
		t.Fatalf("a deleted entry was recalled: %+v", rec)
	}
	check(t, s)
}

// testRecallOwnersApart: one owner's memory never answers another.
func testRecallOwnersApart(t *testing.T, s Store) {
	ctx := context.Background()
	translate(t, s, model.Request{Owner: ownerA, Source: "secret line", To: korean}, model.StatusDone, "비밀")
	rec, err := s.Recall(ctx, model.Request{Owner: ownerB, Source: "secret line", To: korean})
	if err != nil || rec.Entry.ID != 0 {
		t.Fatalf("owner B recalled owner A's entry: %+v, %v", rec, err)
	}
	if _, err := s.Approve(ctx, ownerB, 1, "x"); err == nil {
		t.Fatal("owner B approved owner A's entry")
	}
	if rec, _ := s.Recall(ctx, model.Request{Owner: ownerA, Source: "Secret line", To: korean}); !rec.Exact() {
		t.Fatalf("owner A's own memory: %+v", rec)
	}
}

// testApprove: a person's text is stored beside the model's; an empty text approves the
// translation as it is; an entry still streaming, or without a translation, cannot be
// approved.
func testApprove(t *testing.T, s Store) {
	ctx := context.Background()
	e, err := s.Begin(ctx, model.Request{Owner: ownerA, Source: "Hello", To: korean})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Approve(ctx, ownerA, e.ID, "안녕"); err == nil {
		t.Fatal("an entry still streaming was approved")
	}
	e.Apply(model.Result{Status: model.StatusDone, Text: "\"안녕\""}, clock())
	e.Clean = "안녕"
	if _, err := s.Finish(ctx, e); err != nil {
		t.Fatal(err)
	}
	got, err := s.Approve(ctx, ownerA, e.ID, "  ")
	if err != nil {
		t.Fatal(err)
	}
	if got.Approved != "안녕" || got.ApprovedAt.IsZero() || got.Text != "\"안녕\"" || got.Clean != "안녕" {
		t.Fatalf("approved as it is: %+v", got)
	}
	got, err = s.Approve(ctx, ownerA, e.ID, " 안녕하세요 ")
	if err != nil {
		t.Fatal(err)
	}
	if got.Approved != "안녕하세요" || got.ModelText() != "안녕" {
		t.Fatalf("corrected: %+v", got)
	}
	if stored, _ := s.Entry(ctx, ownerA, e.ID); stored.Approved != "안녕하세요" || !stored.ApprovedAt.Equal(got.ApprovedAt) {
		t.Fatalf("stored after approval: %+v", stored)
	}
	empty := translate(t, s, model.Request{Owner: ownerA, Source: "nothing", To: korean}, model.StatusFailed, "")
	if _, err := s.Approve(ctx, ownerA, empty.ID, ""); err == nil {
		t.Fatal("an entry without a translation was approved without a text")
	}
	if got, err := s.Approve(ctx, ownerA, empty.ID, "아무것도"); err != nil || got.Approved != "아무것도" {
		t.Fatalf("a failed entry corrected by a person: %+v, %v", got, err)
	}
	if _, err := s.Approve(ctx, ownerA, 999, "x"); err == nil {
		t.Fatal("a missing entry was approved")
	}
	check(t, s)
}
