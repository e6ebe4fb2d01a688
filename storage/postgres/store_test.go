package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/yeok/yeok/model"
)

const ownerA model.Owner = "ssh:SHA256:alice"

// TestPasswordNeverInErrors: a wrong password, in a URL or a keyword string, fails Open
// with an error that does not contain it; the right one opens the store as a role that
// owns only its database (pg_trgm is a trusted extension).
func TestPasswordNeverInErrors(t *testing.T) {
	ctx := context.Background()
	url := server.NewDatabase(t)
	db := dbName(url)
	const right, wrong = "r1ght-Pass-7f3a", "Wr0ng-s3cret-9c1d"
	for _, q := range []string{
		`CREATE ROLE ` + db + `_user LOGIN PASSWORD '` + right + `'`,
		`ALTER DATABASE ` + db + ` OWNER TO ` + db + `_user`,
	} {
		if err := server.Exec(ctx, "postgres", q); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { _ = server.Exec(ctx, "postgres", `DROP ROLE IF EXISTS `+db+`_user`) })
	user := db + "_user"
	host, port := tcpAddr(t)
	tests := []struct{ name, url string }{
		{"url", server.TCPURL(db, user, wrong)},
		{"url query", fmt.Sprintf("postgres://%s@%s:%s/%s?sslmode=disable&password=%s", user, host, port, db, wrong)},
		{"keywords", fmt.Sprintf("host=%s port=%s user=%s password=%s dbname=%s sslmode=disable", host, port, user, wrong, db)},
		{"unparsable url", fmt.Sprintf("postgres://%s:%s@%s:notaport/%s", user, wrong, host, db)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(ctx, tt.url, Options{})
			if err == nil {
				s.Close()
				t.Fatal("Open with a wrong password succeeded")
			}
			if strings.Contains(err.Error(), wrong) || strings.Contains(fmt.Sprintf("%+v %#v", err, err), wrong) {
				t.Fatalf("the error shows the password: %v", err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("the error is not one line: %q", err)
			}
		})
	}
	s, err := Open(ctx, server.TCPURL(db, user, right), Options{})
	if err != nil {
		t.Fatalf("Open with the right password: %v", err)
	}
	defer s.Close()
	if strings.Contains(s.Name(), right) {
		t.Fatalf("Name shows the password: %s", s.Name())
	}
	if _, err := s.Begin(ctx, model.Request{Owner: ownerA, Source: "hello", To: "ko"}); err != nil {
		t.Fatal(err)
	}
}

// tcpAddr is the host and port the test server listens on over TCP.
func tcpAddr(t *testing.T) (string, string) {
	u := server.TCPURL("x", "u", "")
	hostPort := u[strings.Index(u, "@")+1 : strings.LastIndex(u, "/")]
	host, port, _ := strings.Cut(hostPort, ":")
	return host, port
}

// TestNewerSchemaRefused: a database a newer yeok migrated is refused with one line.
func TestNewerSchemaRefused(t *testing.T) {
	ctx := context.Background()
	s, url := openTest(t, Options{})
	if err := server.Exec(ctx, dbName(url), `UPDATE yeok_schema SET version = version + 1`); err != nil {
		t.Fatal(err)
	}
	_, err := Open(ctx, url, Options{})
	if err == nil || !strings.Contains(err.Error(), "newer than this yeok understands") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("err = %v, want one line refusing a newer schema", err)
	}
	if err := s.Check(ctx); err == nil || !strings.Contains(err.Error(), "schema version") {
		t.Fatalf("Check of a newer schema: %v", err)
	}
}

// TestMigrateTwice: opening an up-to-date database changes nothing; opening two stores at
// once migrates once.
func TestMigrateTwice(t *testing.T) {
	ctx := context.Background()
	url := server.NewDatabase(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			s, err := Open(ctx, url, Options{})
			if err == nil {
				err = s.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestCheckFindsProblems: Check names a counter that does not match and an entry whose
// session is gone.
func TestCheckFindsProblems(t *testing.T) {
	ctx := context.Background()
	s, url := openTest(t, Options{})
	sess, _ := s.NewSession(ctx, ownerA, model.Session{})
	if _, err := s.Begin(ctx, model.Request{Owner: ownerA, SessionID: sess.ID, ScriptID: "talk", Source: "x", To: "ko"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Check(ctx); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`UPDATE scripts SET entries = 5`, `DELETE FROM sessions`, `UPDATE entries SET lease = NULL`} {
		if err := server.Exec(ctx, dbName(url), q); err != nil {
			t.Fatal(err)
		}
	}
	err := s.Check(ctx)
	if !errors.Is(err, model.ErrStoreCorrupt) {
		t.Fatalf("Check = %v, want ErrStoreCorrupt", err)
	}
	for _, want := range []string{`script 'talk' of 'ssh:SHA256:alice' counts 5 entries, has 1`,
		"belong to session 1, which does not exist", "has status 'pending' but lease"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Check does not say %q:\n%v", want, err)
		}
	}
}

// TestBeginVisibleToOtherReplicas: Begin returns only once its row is committed, so another
// store over the database (another replica) reads it at once, pending.
func TestBeginVisibleToOtherReplicas(t *testing.T) {
	ctx := context.Background()
	a, url := openTest(t, Options{})
	b, err := Open(ctx, url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	sess, _ := b.NewSession(ctx, ownerA, model.Session{})
	for i := range 20 {
		e, err := a.Begin(ctx, model.Request{Owner: ownerA, SessionID: sess.ID, Source: fmt.Sprint(i), To: "ko"})
		if err != nil {
			t.Fatal(err)
		}
		got, err := b.Entry(ctx, ownerA, e.ID)
		if err != nil || got.Status != model.StatusPending {
			t.Fatalf("replica B reads %+v, %v", got, err)
		}
		e.Apply(model.Result{Status: model.StatusDone, Text: "x"}, now())
		if _, err := b.Finish(ctx, e); err != nil { // a replica may finish another's entry
			t.Fatal(err)
		}
	}
	if got, _ := a.Session(ctx, ownerA, sess.ID); got.Entries != 20 {
		t.Fatalf("session counts %d", got.Entries)
	}
	if err := a.Check(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestConcurrentBeginsShareTransactions: Begins started together are written in far fewer
// transactions than there are Begins, and one bad request fails only its own Begin.
func TestConcurrentBeginsShareTransactions(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t, Options{})
	sess, _ := s.NewSession(ctx, ownerA, model.Session{})
	const n = 200
	start := make(chan struct{})
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			req := model.Request{Owner: ownerA, SessionID: sess.ID, ScriptID: "talk", Source: fmt.Sprint("line ", i), To: "ko"}
			switch i {
			case 17:
				req.Source = "a NUL \x00 the database refuses"
			case 42:
				req.SessionID = 999
			}
			_, errs[i] = s.Begin(ctx, req)
		})
	}
	flushes := s.group.flushes.Load()
	close(start)
	wg.Wait()
	flushes = s.group.flushes.Load() - flushes
	for i, err := range errs {
		if (err != nil) != (i == 17 || i == 42) {
			t.Fatalf("Begin %d: %v", i, err)
		}
	}
	if !errors.Is(errs[42], model.ErrNotFound) {
		t.Fatalf("Begin in a missing session: %v", errs[42])
	}
	t.Logf("%d Begins in %d groups", n, flushes)
	if flushes > n/2 {
		t.Fatalf("%d Begins took %d groups: they were not batched", n, flushes)
	}
	if got, _ := s.Session(ctx, ownerA, sess.ID); got.Entries != n-2 {
		t.Fatalf("session counts %d", got.Entries)
	}
	list, _ := s.Entries(ctx, ownerA, model.EntryQuery{Oldest: true})
	for i, e := range list {
		if e.ID != uint64(i+1) {
			t.Fatalf("ids have a gap at %d: %d", i, e.ID)
		}
	}
	if err := s.Check(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestSearchPagesAcrossTheWalk: a paged search that finds part of its page among the newest
// entries and the rest through the index returns what an unpaged search would, in order.
func TestSearchPagesAcrossTheWalk(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t, Options{})
	s.searchWalk = 5
	hits := map[int]bool{3: true, 10: true, 20: true, 25: true, 28: true}
	for i := 1; i <= 30; i++ {
		src := fmt.Sprint("line ", i)
		if hits[i] {
			src += " needle 바늘"
		}
		e, err := s.Begin(ctx, model.Request{Owner: ownerA, Source: src, To: "ko"})
		if err != nil {
			t.Fatal(err)
		}
		e.Apply(model.Result{Status: model.StatusDone, Text: "x"}, now())
		if _, err := s.Finish(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	for _, search := range []string{"NEEDLE", "바늘", "needle 바"} {
		for _, q := range []model.EntryQuery{
			{Limit: 3}, {Limit: 3, Oldest: true}, {Limit: 2, Before: 27}, {Limit: 10}, {Limit: 10, Oldest: true},
			{Limit: 1, Before: 26}, {Limit: 2, Before: 4, Oldest: true},
		} {
			q.Search = search
			all := q
			all.Limit = 0
			want, err := s.Entries(ctx, ownerA, all)
			if err != nil {
				t.Fatal(err)
			}
			want = want[:min(q.Limit, len(want))]
			got, err := s.Entries(ctx, ownerA, q)
			if err != nil {
				t.Fatal(err)
			}
			if ids, wantIDs := ids(got), ids(want); fmt.Sprint(ids) != fmt.Sprint(wantIDs) {
				t.Errorf("%+v: ids %v, want %v", q, ids, wantIDs)
			}
		}
	}
}

func ids(es []model.Entry) []uint64 {
	var out []uint64
	for _, e := range es {
		out = append(out, e.ID)
	}
	return out
}
