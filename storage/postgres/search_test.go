package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/yeok/yeok/model"
)

// wordLines are sources (and their translations) that hold two words together, apart, in
// other cases, across other spaces and across the letter searchWords puts for a space.
var wordLines = [][2]string{
	{"the morning report", "아침 보고서"},
	{"the\tmorning by tab", "탭으로 아침"},
	{"the\nmorning on two lines", "두 줄"},
	{"the\ua66emorning joined", "붙은 아침"},
	{"morning, the end", "아침, 끝"},
	{"THE MORNING shouted", "외친 아침"},
	{"the  morning twice spaced", "두 칸"},
	{"bathe morning", "아침 목욕"},
	{"the evening", "저녁"},
}

// wordQueries are looked for among wordLines.
var wordQueries = []string{
	"the morning", "THE MORNING", "the\tmorning", "the\nmorning", "the\ua66emorning", "the  morning",
	"e m", "he mor", "bathe", "morning,", "morning, the", "아침 보고", "탭으로 아", "the", "morning the", "\ua66e",
}

// logWordLines logs wordLines as finished entries of owner and returns them.
func logWordLines(t *testing.T, s *Store, owner model.Owner) []model.Entry {
	t.Helper()
	ctx := context.Background()
	var out []model.Entry
	for _, l := range wordLines {
		e, err := s.Begin(ctx, model.Request{Owner: owner, Source: l[0], To: "ko"})
		if err != nil {
			t.Fatal(err)
		}
		e.Apply(model.Result{Status: model.StatusDone, Text: l[1]}, now())
		if e, err = s.Finish(ctx, e); err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

// wantSearch returns the ids of the entries holding q in any text, ignoring case, newest
// first: the contract's definition of a search.
func wantSearch(entries []model.Entry, q string) []uint64 {
	var out []uint64
	for _, e := range slices.Backward(entries) {
		for _, f := range []string{e.Source, e.Text, e.Clean, e.Approved} {
			if strings.Contains(strings.ToLower(f), strings.ToLower(q)) {
				out = append(out, e.ID)
				break
			}
		}
	}
	return out
}

// TestSearchAcrossWords: a search holding spaces finds the entries that hold it with those
// spaces, in any case, and no entry that holds its words apart, across another kind of
// space or across the letter the index puts for a space; through the index alone and
// through a page that starts among the newest entries.
func TestSearchAcrossWords(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t, Options{})
	s.searchWalk = 3
	entries := logWordLines(t, s, ownerA)
	for _, q := range wordQueries {
		want := wantSearch(entries, q)
		for _, limit := range []int{0, 2, 50} {
			got, err := s.Entries(ctx, ownerA, model.EntryQuery{Search: q, Limit: limit})
			if err != nil {
				t.Fatal(err)
			}
			w := want
			if limit > 0 {
				w = want[:min(limit, len(want))]
			}
			if !slices.Equal(ids(got), w) {
				t.Errorf("search %q, limit %d: ids %v, want %v", q, limit, ids(got), w)
			}
		}
	}
}

// TestSearchPlanReadsChunks: on a table where two words are each common and rare
// together, the index part of a search for both reads the search index by chunk (and not
// the primary key, which would hand over every entry of a chunk), and finds the entries
// that hold the two words together.
func TestSearchPlanReadsChunks(t *testing.T) {
	ctx := context.Background()
	s, url := openTest(t, Options{})
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	const n = 5000
	_, err = conn.Exec(ctx, `INSERT INTO entries (owner, id, created, source, translation, status, source_key)
SELECT $1, i, now(), CASE WHEN i % 500 = 0 THEN 'Line ' || i || ' of the morning'
	ELSE 'Line ' || i || ': the report and the evening morning' END, '보고서', 'done', '\x00'
FROM generate_series(1, $2::bigint) i`, string(ownerA), n)
	if err != nil {
		t.Fatal(err)
	}
	_, err = conn.Exec(ctx, `INSERT INTO owners (owner, last_entry) VALUES ($1, $2)`, string(ownerA), n)
	if err != nil {
		t.Fatal(err)
	}
	if _, err = conn.Exec(ctx, `ANALYZE entries`); err != nil {
		t.Fatal(err)
	}
	var grams []string
	err = conn.QueryRow(ctx, `SELECT ARRAY(SELECT unnest(show_trgm($1))
	EXCEPT SELECT unnest(show_trgm(left($1, 2)) || show_trgm(right($1, 2))))`, searchWordsOf("the morning")).Scan(&grams)
	if err != nil {
		t.Fatal(err)
	}
	sql, args := chunkQuery(ownerA, model.EntryQuery{Search: "the morning", Limit: 50}, 0, grams)
	rows, err := conn.Query(ctx, `EXPLAIN `+sql, args...)
	if err != nil {
		t.Fatal(err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if plan := strings.Join(lines, "\n"); !strings.Contains(plan, "Bitmap Index Scan on entries_terms") || strings.Contains(plan, "entries_pkey") {
		t.Fatalf("the search does not read entries_terms alone:\n%s", plan)
	}
	got, err := s.Entries(ctx, ownerA, model.EntryQuery{Search: "the morning", Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	var want []uint64
	for i := n; i > 0; i-- {
		if i%500 == 0 {
			want = append(want, uint64(i))
		}
	}
	if !slices.Equal(ids(got), want) {
		t.Fatalf("ids %v, want %v", ids(got), want)
	}
}

// TestMigrateToSearchChunks: a database of schema version 1 with entries is brought to the
// current version at Open: the search index by chunk replaces the trigram index,
// searches find the entries logged before, and Check passes.
func TestMigrateToSearchChunks(t *testing.T) {
	ctx := context.Background()
	url := server.NewDatabase(t)
	s, err := Open(ctx, url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	entries := logWordLines(t, s, ownerA)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Back to version 1, as a yeok before the search index by chunk left it.
	err = server.Exec(ctx, dbName(url), `DROP FUNCTION yeok_search_terms CASCADE;
CREATE INDEX entries_search ON entries USING gin (`+searchDoc+` gin_trgm_ops);
UPDATE yeok_schema SET version = 1`)
	if err != nil {
		t.Fatal(err)
	}
	s, _ = openURL(t, url, Options{})
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT indexname FROM pg_indexes WHERE tablename = 'entries' AND indexname IN ('entries_search', 'entries_terms', 'entries_words')`)
	if err != nil {
		t.Fatal(err)
	}
	indexes, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(indexes) != "[entries_terms]" {
		t.Fatalf("trigram indexes after the migration: %v, want [entries_terms]", indexes)
	}
	for _, q := range []string{"the morning", "e m", "아침 보고"} {
		got, err := s.Entries(ctx, ownerA, model.EntryQuery{Search: q})
		if err != nil {
			t.Fatal(err)
		}
		if want := wantSearch(entries, q); !slices.Equal(ids(got), want) {
			t.Errorf("search %q: ids %v, want %v", q, ids(got), want)
		}
	}
	if err := s.Check(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestSearchAcrossChunks: searches whose page spans several chunks of the search index,
// newest or oldest first, below or above a bound, return what filtering every entry
// returns, in order.
func TestSearchAcrossChunks(t *testing.T) {
	ctx := context.Background()
	s, url := openTest(t, Options{})
	s.searchWalk = 1
	const chunk = 1 << searchChunkShift
	logged := []int64{1, 2, chunk - 1, chunk, chunk + 1, 2*chunk + 5, 3 * chunk, 3*chunk + 1, 5*chunk + 2}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var entries []model.Entry
	for i, id := range logged {
		src := fmt.Sprintf("line %d of the report", id)
		if i%3 != 1 {
			src = fmt.Sprintf("line %d: the morning report", id)
		}
		_, err := conn.Exec(ctx, `INSERT INTO entries (owner, id, created, source, translation, status, source_key)
VALUES ($1, $2, now(), $3, '아침 보고서', 'done', '\x00')`, string(ownerA), id, src)
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, model.Entry{ID: uint64(id), Source: src, Text: "아침 보고서"})
	}
	if _, err := conn.Exec(ctx, `INSERT INTO owners (owner, last_entry) VALUES ($1, $2)`, string(ownerA), logged[len(logged)-1]); err != nil {
		t.Fatal(err)
	}
	for _, search := range []string{"the morning", "MORNING REPORT", "of the report", "보고서", "absent text"} {
		all := wantSearch(entries, search)
		for _, q := range []model.EntryQuery{
			{Limit: 2}, {Limit: 4}, {Limit: 50}, {}, {Limit: 2, Oldest: true}, {Limit: 5, Oldest: true},
			{Limit: 2, Before: chunk + 1}, {Limit: 3, Before: 3 * chunk}, {Before: 2 * chunk}, {Oldest: true},
		} {
			q.Search = search
			var want []uint64
			for _, id := range all {
				if q.Before == 0 || id < q.Before {
					want = append(want, id)
				}
			}
			if q.Oldest {
				slices.Reverse(want)
			}
			if q.Limit > 0 {
				want = want[:min(q.Limit, len(want))]
			}
			got, err := s.Entries(ctx, ownerA, q)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ids(got), want) {
				t.Errorf("%+v: ids %v, want %v", q, ids(got), want)
			}
		}
	}
}

// TestJITOff: the store's connections run without JIT, unless the URL asks for it, since
// compiling a search costs more than running it.
func TestJITOff(t *testing.T) {
	ctx := context.Background()
	s, url := openTest(t, Options{})
	var jit string
	if err := s.pool.QueryRow(ctx, `SHOW jit`).Scan(&jit); err != nil {
		t.Fatal(err)
	}
	if jit != "off" {
		t.Fatalf("jit = %s, want off", jit)
	}
	on, _ := openURL(t, url+"&jit=on", Options{})
	if err := on.pool.QueryRow(ctx, `SHOW jit`).Scan(&jit); err != nil {
		t.Fatal(err)
	}
	if jit != "on" {
		t.Fatalf("with jit=on in the URL: jit = %s, want on", jit)
	}
}
