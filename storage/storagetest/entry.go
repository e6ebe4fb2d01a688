package storagetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/yeok/yeok/model"
)

func testBeginFinishRoundTrip(t *testing.T, s Store) {
	ctx := context.Background()
	sess, err := s.NewSession(ctx, ownerA, model.Session{Origin: "tui"})
	if err != nil {
		t.Fatal(err)
	}
	cue := &model.Cue{Start: time.Second, End: 3 * time.Second}
	req := model.Request{Owner: ownerA, SessionID: sess.ID, ScriptID: "lecture-01", Source: "Good morning, everyone.\nSecond line",
		From: model.MustLanguage("en"), To: korean, Model: "gpt-4o-mini", Cue: cue, Group: 77}
	begun, err := s.Begin(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if begun.ID != 1 || begun.Status != model.StatusPending || begun.Created.IsZero() || begun.Owner != ownerA ||
		begun.Source != req.Source || begun.ScriptID != "lecture-01" || begun.SessionID != sess.ID || begun.Cue == nil ||
		*begun.Cue != *cue || begun.Group != 77 || begun.Model != "gpt-4o-mini" {
		t.Fatalf("begun entry %+v", begun)
	}
	if got, err := s.Entry(ctx, ownerA, begun.ID); err != nil || !reflect.DeepEqual(got, begun) {
		t.Fatalf("stored pending entry\n%+v, %v\nwant\n%+v", got, err, begun)
	}

	e := begun
	e.Apply(model.Result{Status: model.StatusDone, Text: "\"좋은 아침입니다.\"", Finish: "stop",
		Usage:      model.Usage{PromptTokens: 10, CompletionTokens: 5, TotalTokens: 15},
		FirstToken: 150 * time.Millisecond, Duration: time.Second}, clock())
	e.Clean = "좋은 아침입니다."
	e.Flags = []model.Flag{model.GlossaryMiss("lecture")}
	e.Source = "tampered" // identity fields are kept as logged
	finished, err := s.Finish(ctx, e)
	if err != nil {
		t.Fatal(err)
	}
	if finished.Source != req.Source || finished.Status != model.StatusDone || finished.Clean != e.Clean ||
		finished.Text != e.Text || finished.Usage != e.Usage || finished.FirstToken != e.FirstToken ||
		finished.Duration != e.Duration || !finished.Finished.Equal(e.Finished) || finished.Finish != "stop" ||
		!slices.Equal(finished.Flags, e.Flags) || !finished.Created.Equal(begun.Created) {
		t.Fatalf("finished entry %+v", finished)
	}
	got, err := s.Entry(ctx, ownerA, begun.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, finished) {
		t.Fatalf("stored entry\n%+v\nwant\n%+v", got, finished)
	}

	gotSess, err := s.Session(ctx, ownerA, sess.ID)
	if err != nil {
		t.Fatal(err)
	}
	if gotSess.Entries != 1 || gotSess.Title != "Good morning, everyone." || gotSess.To != korean ||
		!gotSess.Updated.Equal(begun.Created) || gotSess.ScriptID != "lecture-01" || gotSess.Origin != "tui" {
		t.Fatalf("session after Begin %+v", gotSess)
	}
	sc, err := s.Script(ctx, ownerA, "lecture-01")
	if err != nil {
		t.Fatal(err)
	}
	if sc.Entries != 1 || sc.To != korean || sc.Owner != ownerA || !sc.Created.Equal(begun.Created) {
		t.Fatalf("script after Begin %+v", sc)
	}

	// A failed entry keeps its error and class.
	failed, err := s.Begin(ctx, model.Request{Owner: ownerA, Source: "boom", To: korean})
	if err != nil {
		t.Fatal(err)
	}
	failed.Apply(model.Result{Status: model.StatusFailed, Err: &model.Error{Class: model.ClassServer, Message: "the server failed (500)"}}, clock())
	if _, err := s.Finish(ctx, failed); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Entry(ctx, ownerA, failed.ID); got.Status != model.StatusFailed || got.ErrorClass != model.ClassServer ||
		got.Error != "the server failed (500)" || got.SessionID != 0 || got.ScriptID != "" {
		t.Fatalf("failed entry %+v", got)
	}
	check(t, s)
}

func testBeginFinishErrors(t *testing.T, s Store) {
	ctx := context.Background()
	e := translate(t, s, model.Request{Owner: ownerA, Source: "hi", To: korean}, model.StatusDone, "안녕")
	tests := []struct {
		name string
		run  func() error
		want error
	}{
		{"begin without owner", func() error {
			_, err := s.Begin(ctx, model.Request{Source: "x"})
			return err
		}, nil},
		{"begin in a missing session", func() error {
			_, err := s.Begin(ctx, model.Request{Owner: ownerA, SessionID: 42, Source: "x"})
			return err
		}, model.ErrNotFound},
		{"begin with a bad script id", func() error {
			_, err := s.Begin(ctx, model.Request{Owner: ownerA, ScriptID: "a\x1b[2Jb", Source: "x"})
			return err
		}, nil},
		{"begin with a cancelled context", func() error {
			cctx, cancel := context.WithCancel(ctx)
			cancel()
			_, err := s.Begin(cctx, model.Request{Owner: ownerA, Source: "x"})
			return err
		}, context.Canceled},
		{"finish of another owner's entry", func() error {
			other := e
			other.Owner = ownerB
			_, err := s.Finish(ctx, other)
			return err
		}, model.ErrNotFound},
		{"finish of a missing entry", func() error {
			missing := e
			missing.ID = 99
			_, err := s.Finish(ctx, missing)
			return err
		}, model.ErrNotFound},
		{"finish with a pending status", func() error {
			pending := e
			pending.Status = model.StatusPending
			_, err := s.Finish(ctx, pending)
			return err
		}, nil},
		{"entry of another owner", func() error {
			_, err := s.Entry(ctx, ownerB, e.ID)
			return err
		}, model.ErrNotFound},
		{"missing entry", func() error {
			_, err := s.Entry(ctx, ownerA, 99)
			return err
		}, model.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run()
			if err == nil {
				t.Fatal("no error")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
	if got, _ := s.Entries(ctx, ownerA, model.EntryQuery{}); len(got) != 1 {
		t.Fatalf("failed calls left %d entries, want 1", len(got))
	}
	if got, _ := s.Entry(ctx, ownerA, e.ID); got.Status != model.StatusDone || got.Text != "안녕" {
		t.Fatalf("the entry after failed calls: %+v", got)
	}
	check(t, s)
}

// testPendingUntilFinished: a begun entry is pending, listed and counted at once, and
// Finish of one entry leaves the others pending.
func testPendingUntilFinished(t *testing.T, s Store) {
	ctx := context.Background()
	sess, _ := s.NewSession(ctx, ownerA, model.Session{})
	a, err := s.Begin(ctx, model.Request{Owner: ownerA, SessionID: sess.ID, Source: "first", To: korean})
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Begin(ctx, model.Request{Owner: ownerA, SessionID: sess.ID, Source: "second", To: korean})
	if err != nil {
		t.Fatal(err)
	}
	if b.ID != a.ID+1 {
		t.Fatalf("ids %d then %d", a.ID, b.ID)
	}
	list, _ := s.Entries(ctx, ownerA, model.EntryQuery{SessionID: sess.ID})
	if ids := entryIDs(list); !slices.Equal(ids, []uint64{b.ID, a.ID}) || list[0].Status != model.StatusPending {
		t.Fatalf("pending entries listed %+v", list)
	}
	if got, _ := s.Session(ctx, ownerA, sess.ID); got.Entries != 2 {
		t.Fatalf("session counts %d entries while they stream", got.Entries)
	}
	check(t, s)
	a.Apply(model.Result{Status: model.StatusCancelled, Text: "부분"}, clock())
	if _, err := s.Finish(ctx, a); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Entry(ctx, ownerA, b.ID); got.Status != model.StatusPending {
		t.Fatalf("the other entry: %+v", got)
	}
	if got, _ := s.Entry(ctx, ownerA, a.ID); got.Status != model.StatusCancelled || got.Text != "부분" {
		t.Fatalf("the cancelled entry: %+v", got)
	}
	// Finishing twice stores the same outcome.
	if _, err := s.Finish(ctx, a); err != nil {
		t.Fatal(err)
	}
	check(t, s)
}

func testEntriesOrderAndPaging(t *testing.T, s Store) {
	ctx := context.Background()
	sess1, _ := s.NewSession(ctx, ownerA, model.Session{})
	sess2, _ := s.NewSession(ctx, ownerA, model.Session{})
	var all, in1, inScript []uint64
	for i := range 10 {
		req := model.Request{Owner: ownerA, SessionID: sess1.ID, Source: fmt.Sprint("line ", i), To: korean}
		if i%2 == 1 {
			req.SessionID = sess2.ID
		}
		if i%3 == 0 {
			req.ScriptID = "talk"
		}
		e := translate(t, s, req, model.StatusDone, fmt.Sprint("줄 ", i))
		all = append(all, e.ID)
		if req.SessionID == sess1.ID {
			in1 = append(in1, e.ID)
		}
		if req.ScriptID != "" {
			inScript = append(inScript, e.ID)
		}
	}
	newest := func(ids []uint64) []uint64 { r := slices.Clone(ids); slices.Reverse(r); return r }
	tests := []struct {
		name string
		q    model.EntryQuery
		want []uint64
	}{
		{"all newest first", model.EntryQuery{}, newest(all)},
		{"all oldest first", model.EntryQuery{Oldest: true}, all},
		{"limit", model.EntryQuery{Limit: 3}, newest(all)[:3]},
		{"limit oldest first", model.EntryQuery{Limit: 3, Oldest: true}, all[:3]},
		{"before", model.EntryQuery{Before: 5, Limit: 2}, []uint64{4, 3}},
		{"before oldest first", model.EntryQuery{Before: 5, Oldest: true}, []uint64{1, 2, 3, 4}},
		{"before the first", model.EntryQuery{Before: 1}, nil},
		{"before past the last", model.EntryQuery{Before: 1000, Limit: 1}, []uint64{10}},
		{"session", model.EntryQuery{SessionID: sess1.ID}, newest(in1)},
		{"session oldest first", model.EntryQuery{SessionID: sess1.ID, Oldest: true}, in1},
		{"session page", model.EntryQuery{SessionID: sess1.ID, Before: in1[3], Limit: 2}, []uint64{in1[2], in1[1]}},
		{"script", model.EntryQuery{ScriptID: "talk", Oldest: true}, inScript},
		{"script newest first", model.EntryQuery{ScriptID: "talk", Limit: 2}, newest(inScript)[:2]},
		{"session and script", model.EntryQuery{SessionID: sess1.ID, ScriptID: "talk", Oldest: true}, []uint64{1, 7}},
		{"search with paging", model.EntryQuery{Search: "LINE", Before: 9, Limit: 3}, []uint64{8, 7, 6}},
		{"missing session", model.EntryQuery{SessionID: 99}, nil},
		{"missing script", model.EntryQuery{ScriptID: "nope"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Entries(ctx, ownerA, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if ids := entryIDs(got); !slices.Equal(ids, tt.want) {
				t.Fatalf("ids %v, want %v", ids, tt.want)
			}
		})
	}
}

func testEntriesSearch(t *testing.T, s Store) {
	ctx := context.Background()
	add := func(src, text, clean string) uint64 {
		e, err := s.Begin(ctx, model.Request{Owner: ownerA, Source: src, To: korean, Model: "needle-model"})
		if err != nil {
			t.Fatal(err)
		}
		e.Apply(model.Result{Status: model.StatusDone, Text: text}, clock())
		e.Clean = clean
		if _, err := s.Finish(ctx, e); err != nil {
			t.Fatal(err)
		}
		return e.ID
	}
	hello := add("Hello World", "안녕 세계", "")
	quoted := add(`He said "stop" & left <now>`, "그는 \"멈춰\"라고 말했다", "")
	cleaned := add("Tab\there", "Sure! Here is it: 여기", "여기 ÉCOLE")
	percent := add("100% sure_thing", "백 퍼센트", "")
	approved := add("fix me", "고쳐", "")
	if _, err := s.Approve(ctx, ownerA, approved, "바로잡은 번역"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		q    string
		want []uint64
	}{
		{"hello", []uint64{hello}},
		{"WORLD", []uint64{hello}},
		{"세계", []uint64{hello}},
		{"안녕 세계", []uint64{hello}},
		{`"stop"`, []uint64{quoted}},
		{"& left <now>", []uint64{quoted}},
		{"\"멈춰\"", []uint64{quoted}},
		{"tab\th", []uint64{cleaned}},
		{"école", []uint64{cleaned}},
		{"sure!", []uint64{cleaned}}, // raw text is searched as well as the clean one
		{"100%", []uint64{percent}},  // pattern characters match themselves
		{"e_t", []uint64{percent}},
		{"%", []uint64{percent}},
		{"잡은 번", []uint64{approved}}, // approved text is searched
		{"고쳐", []uint64{approved}},   // and the model's text beside it
		{"needle", nil},              // the model name is not searched
		{"translation", nil},         // nor field names
		{"world안녕", nil},             // nor across fields
		{"absent", nil},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			got, err := s.Entries(ctx, ownerA, model.EntryQuery{Search: tt.q})
			if err != nil {
				t.Fatal(err)
			}
			if ids := entryIDs(got); !slices.Equal(ids, tt.want) {
				t.Fatalf("Search %q: ids %v, want %v", tt.q, ids, tt.want)
			}
		})
	}
}

// testConcurrentWriters: Begins and Finishes from many goroutines at once all land, with
// distinct ids, and the counters match.
func testConcurrentWriters(t *testing.T, s Store) {
	ctx := context.Background()
	sess, _ := s.NewSession(ctx, ownerA, model.Session{})
	const workers, each = 8, 10
	errs := make(chan error, workers)
	for w := range workers {
		go func() {
			owner := ownerA
			if w%4 == 3 {
				owner = ownerB
			}
			for i := range each {
				req := model.Request{Owner: owner, Source: fmt.Sprint(w, "-", i), To: korean, ScriptID: "shared"}
				if owner == ownerA {
					req.SessionID = sess.ID
				}
				e, err := s.Begin(ctx, req)
				if err != nil {
					errs <- err
					return
				}
				e.Apply(model.Result{Status: model.StatusDone, Text: "ok"}, clock())
				if _, err := s.Finish(ctx, e); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range workers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	for owner, n := range map[model.Owner]int{ownerA: 6 * each, ownerB: 2 * each} {
		all, _ := s.Entries(ctx, owner, model.EntryQuery{Oldest: true})
		ids := entryIDs(all)
		if len(ids) != n || ids[0] != 1 || ids[len(ids)-1] != uint64(n) {
			t.Fatalf("%s: ids %v", owner, ids)
		}
		if sc, _ := s.Script(ctx, owner, "shared"); sc.Entries != n {
			t.Fatalf("%s: script counts %d entries, want %d", owner, sc.Entries, n)
		}
	}
	if got, _ := s.Session(ctx, ownerA, sess.ID); got.Entries != 6*each {
		t.Fatalf("session counts %d entries", got.Entries)
	}
	check(t, s)
}
