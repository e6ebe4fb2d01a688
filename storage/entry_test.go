package storage

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/yeok/yeok/model"
	bolt "go.etcd.io/bbolt"
)

func TestBeginFinishRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	sess, err := s.NewSession(ctx, ownerA, model.Session{Origin: "tui"})
	if err != nil {
		t.Fatal(err)
	}
	cue := &model.Cue{Start: time.Second, End: 3 * time.Second}
	req := model.Request{Owner: ownerA, SessionID: sess.ID, ScriptID: "lecture-01", Source: "Good morning, everyone.\nSecond line",
		From: model.MustLanguage("en"), To: korean, Model: "gpt-4o-mini", Cue: cue}
	begun, err := s.Begin(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if begun.ID != 1 || begun.Status != model.StatusPending || begun.Created.IsZero() || begun.Owner != ownerA ||
		begun.Source != req.Source || begun.ScriptID != "lecture-01" || begun.SessionID != sess.ID || begun.Cue == nil {
		t.Fatalf("begun entry %+v", begun)
	}
	if got, _ := s.Entry(ctx, ownerA, begun.ID); !reflect.DeepEqual(got, begun) {
		t.Fatalf("stored pending entry\n%+v\nwant\n%+v", got, begun)
	}

	e := begun
	e.Apply(model.Result{Status: model.StatusDone, Text: "\"좋은 아침입니다.\"", Finish: "stop",
		Usage:      model.Usage{PromptTokens: 10, CompletionTokens: 5, TotalTokens: 15},
		FirstToken: 150 * time.Millisecond, Duration: time.Second}, s.now())
	e.Clean = "좋은 아침입니다."
	e.Flags = []model.Flag{model.GlossaryMiss("lecture")}
	e.Source = "tampered" // identity fields are kept as logged
	finished, err := s.Finish(ctx, e)
	if err != nil {
		t.Fatal(err)
	}
	if finished.Source != req.Source || finished.Status != model.StatusDone || finished.Clean != e.Clean {
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
		!gotSess.Updated.Equal(begun.Created) || gotSess.ScriptID != "lecture-01" {
		t.Fatalf("session after Begin %+v", gotSess)
	}
	sc, err := s.Script(ctx, ownerA, "lecture-01")
	if err != nil {
		t.Fatal(err)
	}
	if sc.Entries != 1 || sc.To != korean || sc.Owner != ownerA || !sc.Created.Equal(begun.Created) {
		t.Fatalf("script after Begin %+v", sc)
	}
	if err := s.Check(ctx); err != nil {
		t.Fatalf("Check: %v", err)
	}
}

func TestBeginFinishErrors(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
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
}

func TestEntriesOrderAndPaging(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
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
		{"before", model.EntryQuery{Before: 5, Limit: 2}, []uint64{4, 3}},
		{"before oldest first", model.EntryQuery{Before: 5, Oldest: true}, []uint64{1, 2, 3, 4}},
		{"before the first", model.EntryQuery{Before: 1}, nil},
		{"session", model.EntryQuery{SessionID: sess1.ID}, newest(in1)},
		{"session oldest first", model.EntryQuery{SessionID: sess1.ID, Oldest: true}, in1},
		{"session page", model.EntryQuery{SessionID: sess1.ID, Before: in1[3], Limit: 2}, []uint64{in1[2], in1[1]}},
		{"script", model.EntryQuery{ScriptID: "talk", Oldest: true}, inScript},
		{"script newest first", model.EntryQuery{ScriptID: "talk", Limit: 2}, newest(inScript)[:2]},
		{"session and script", model.EntryQuery{SessionID: sess1.ID, ScriptID: "talk", Oldest: true}, []uint64{1, 7}},
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

func entryIDs(es []model.Entry) []uint64 {
	var ids []uint64
	for _, e := range es {
		ids = append(ids, e.ID)
	}
	return ids
}

func TestEntriesSearch(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	add := func(src, text, clean string) uint64 {
		e, err := s.Begin(ctx, model.Request{Owner: ownerA, Source: src, To: korean, Model: "needle-model"})
		if err != nil {
			t.Fatal(err)
		}
		e.Apply(model.Result{Status: model.StatusDone, Text: text}, s.now())
		e.Clean = clean
		if _, err := s.Finish(ctx, e); err != nil {
			t.Fatal(err)
		}
		return e.ID
	}
	hello := add("Hello World", "안녕 세계", "")
	quoted := add(`He said "stop" & left <now>`, "그는 \"멈춰\"라고 말했다", "")
	cleaned := add("Tab\there", "Sure! Here is it: 여기", "여기 ÉCOLE")
	kelvin := add("temperature 5 \u212a", "5 켈빈", "")
	tests := []struct {
		q    string
		want []uint64
	}{
		{"hello", []uint64{hello}},
		{"WORLD", []uint64{hello}},
		{"세계", []uint64{hello}},
		{`"stop"`, []uint64{quoted}},
		{"& left <now>", []uint64{quoted}},
		{"\"멈춰\"", []uint64{quoted}},
		{"tab\th", []uint64{cleaned}},
		{"école", []uint64{cleaned}},
		{"sure!", []uint64{cleaned}}, // raw text is searched as well as the clean one
		{"5 k", []uint64{kelvin}},    // Kelvin sign lowers to k
		{"needle", nil},              // the model name is not searched
		{"translation", nil},         // nor JSON field names
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

func TestPendingBecomesInterrupted(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "yeok.db")
	s := openAt(t, path)
	sess, _ := s.NewSession(ctx, ownerA, model.Session{})
	done := translate(t, s, model.Request{Owner: ownerA, SessionID: sess.ID, Source: "first", To: korean}, model.StatusDone, "첫째")
	pending, err := s.Begin(ctx, model.Request{Owner: ownerB, Source: "left hanging", To: korean})
	if err != nil {
		t.Fatal(err)
	}
	markGone(t, s, ownerB, pending.ID) // as if the process died without Finish
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	ro, err := Open(ctx, path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := ro.Entry(ctx, ownerB, pending.ID); got.Status != model.StatusPending {
		t.Fatalf("read-only open changed the entry: %+v", got)
	}
	if _, err := ro.Begin(ctx, model.Request{Owner: ownerA, Source: "x"}); err == nil {
		t.Fatal("Begin on a read-only store succeeded")
	}
	if err := ro.Close(); err != nil {
		t.Fatal(err)
	}

	s = openAt(t, path)
	got, err := s.Entry(ctx, ownerB, pending.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != model.StatusInterrupted || got.Source != "left hanging" || got.Error != interruptedMessage ||
		got.ErrorClass != model.ClassInterrupted {
		t.Fatalf("recovered entry %+v", got)
	}
	if again, _ := s.Entry(ctx, ownerA, done.ID); !reflect.DeepEqual(again, done) {
		t.Fatalf("finished entry changed on reopen:\n%+v\n%+v", again, done)
	}
	if err := s.Check(ctx); err != nil {
		t.Fatalf("Check after recovery: %v", err)
	}
}

func TestReopenKeepsEverything(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "yeok.db")
	s := openAt(t, path)
	sess, _ := s.NewSession(ctx, ownerA, model.Session{Origin: "pipe"})
	var want []model.Entry
	for i := range 5 {
		want = append(want, translate(t, s, model.Request{Owner: ownerA, SessionID: sess.ID, ScriptID: "s", Source: fmt.Sprint(i), To: french}, model.StatusDone, "x"))
	}
	_ = s.TouchLanguage(ctx, ownerA, french)
	wantSess, _ := s.Session(ctx, ownerA, sess.ID)
	wantScript, _ := s.Script(ctx, ownerA, "s")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openAt(t, path)
	got, err := s.Entries(ctx, ownerA, model.EntryQuery{Oldest: true})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("entries after reopen\n%+v\nwant\n%+v", got, want)
	}
	if gotSess, _ := s.Session(ctx, ownerA, sess.ID); !reflect.DeepEqual(gotSess, wantSess) {
		t.Fatalf("session after reopen %+v, want %+v", gotSess, wantSess)
	}
	if gotScript, _ := s.Script(ctx, ownerA, "s"); !reflect.DeepEqual(gotScript, wantScript) {
		t.Fatalf("script after reopen %+v, want %+v", gotScript, wantScript)
	}
	if langs, _ := s.RecentLanguages(ctx, ownerA); !slices.Equal(langs, []model.Language{french}) {
		t.Fatalf("languages after reopen %v", langs)
	}
	next, _ := s.NewSession(ctx, ownerA, model.Session{})
	if next.ID != sess.ID+1 {
		t.Fatalf("session sequence restarted: %d", next.ID)
	}
}

func TestConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	s.now = utcNow // the fake clock is not safe for concurrent use
	sess, _ := s.NewSession(ctx, ownerA, model.Session{})
	const workers, each = 4, 10
	errs := make(chan error, workers)
	for w := range workers {
		go func() {
			for i := range each {
				e, err := s.Begin(ctx, model.Request{Owner: ownerA, SessionID: sess.ID, ScriptID: "shared", Source: fmt.Sprint(w, "-", i), To: korean})
				if err != nil {
					errs <- err
					return
				}
				e.Apply(model.Result{Status: model.StatusDone, Text: "ok"}, time.Now())
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
	all, _ := s.Entries(ctx, ownerA, model.EntryQuery{Oldest: true})
	if ids := entryIDs(all); len(ids) != workers*each || ids[0] != 1 || ids[len(ids)-1] != workers*each {
		t.Fatalf("ids %v", ids)
	}
	if got, _ := s.Session(ctx, ownerA, sess.ID); got.Entries != workers*each {
		t.Fatalf("session counts %d entries", got.Entries)
	}
	if err := s.Check(ctx); err != nil {
		t.Fatal(err)
	}
}

// markGone makes pending entry id look begun by a process that has exited.
func markGone(t *testing.T, s *Store, owner model.Owner, id uint64) {
	t.Helper()
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	mark := processMark{pid: uint64(gone.Process.Pid), start: 1}.bytes()
	if err := s.update(func(tx *bolt.Tx) error {
		return readOwner(tx, owner).pending.Put(u64(id), mark)
	}); err != nil {
		t.Fatal(err)
	}
}
