package postgres

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/yeok/yeok/model"
)

// roundTripsPerGroup is what one group of Begins costs: the batch, in an implicit
// transaction.
const roundTripsPerGroup = 1

// BenchmarkBeginFinish logs and finishes one entry on a table of YEOK_BENCH_ENTRIES
// finished entries (100,000 by default, as bbolt's BenchmarkBeginFinish), with the request
// bbolt's benchmark makes: one stream at a time, and 200 streams at once, each a Begin then
// a Finish.
func BenchmarkBeginFinish(b *testing.B) {
	url := buildEntryTable(b, benchEntries())
	req := model.Request{Owner: ownerA, SessionID: 500, ScriptID: "script-500", Source: "One more line, please.", To: "ko-KR", Model: "gpt-4o-mini"}
	b.Run("alone", func(b *testing.B) {
		s := openAt(b, url, Options{})
		for b.Loop() {
			beginFinish(b, s, req)
		}
		reportGroups(b, s)
	})
	b.Run("200-at-once", func(b *testing.B) {
		s := openAt(b, url, Options{MaxConns: 32})
		b.SetParallelism(max(1, 200/runtimeProcs()))
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				beginFinish(b, s, req)
			}
		})
		b.StopTimer()
		reportGroups(b, s)
	})
}

// benchEntries is the size of BenchmarkBeginFinish's table: YEOK_BENCH_ENTRIES, the
// variable bbolt's benchmarks read, or 100,000 as theirs.
func benchEntries() int {
	if n, err := strconv.Atoi(os.Getenv("YEOK_BENCH_ENTRIES")); err == nil && n > 0 {
		return n
	}
	return 100_000
}

// openAt opens a store over url, closed when the benchmark ends.
func openAt(b *testing.B, url string, opts Options) *Store {
	s, err := Open(context.Background(), url, opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := s.Close(); err != nil {
			b.Error(err)
		}
	})
	return s
}

// buildEntryTable makes a database holding what bbolt's benchmark fixture holds: n finished
// entries of one owner in 1,000 sessions, every tenth in a script, one in a thousand with
// "needle", written by one INSERT from generate_series with the secondary indexes built
// after the load, and passing Check. It returns the database's URL. A table is built once
// per test binary, however many times -count runs the benchmark, and goes with the server.
func buildEntryTable(b *testing.B, n int) string {
	if url, ok := entryTables[n]; ok {
		return url
	}
	ctx := context.Background()
	name := fmt.Sprintf("bench_entries_%d", n)
	if err := server.Exec(ctx, "postgres", "CREATE DATABASE "+name+" TEMPLATE template0"); err != nil {
		b.Fatal(err)
	}
	url := server.URL(name)
	entryTables[n] = url
	s, err := Open(ctx, url, Options{}) // the schema
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	const sessions = 1000
	start := time.Now()
	// The digits are ASCII, so every translation has the bigrams of the first.
	grams := nonNil(bigrams("강의 0번째 줄: 빠른 갈색 여우가 게으른 개를 뛰어넘는다. 건초 더미 속의 바늘."))
	// The indexes as the migrations make them, built after the load.
	indexes := dropIndexes(b, conn, "entries_pkey", "entries_pending")
	if len(indexes) != 5 {
		b.Fatalf("found %d of the entries' 5 secondary indexes", len(indexes))
	}
	steps := []struct {
		sql  string
		args []any
	}{
		{`SET maintenance_work_mem = '512MB'`, nil},
		{`INSERT INTO entries (owner, id, session_id, script_id, created, finished, to_lang, model, source, translation,
	status, finish_reason, prompt_tokens, completion_tokens, total_tokens, source_key, reusable, bigrams)
SELECT $1, i, 1 + (i - 1) % $3, CASE WHEN i % 10 = 0 THEN 'script-' || (1 + (i - 1) % $3) ELSE '' END,
	$4::timestamptz + i * interval '1 second', $4::timestamptz + i * interval '1 second' + interval '300 milliseconds',
	'ko-KR', 'gpt-4o-mini', src, text, 'done', 'stop', 60, 20, 80,
	substring(sha256(convert_to(lower(src), 'UTF8')) FROM 1 FOR 16), true, $5
FROM generate_series(1, $2::bigint) i,
	LATERAL (SELECT format('Line %s of the lecture: the quick brown fox jumps over the lazy dog.', i)
		|| CASE WHEN i % 1000 = 0 THEN ' A needle in the haystack.' ELSE '' END AS src,
		format('강의 %s번째 줄: 빠른 갈색 여우가 게으른 개를 뛰어넘는다.', i)
		|| CASE WHEN i % 1000 = 0 THEN ' 건초 더미 속의 바늘.' ELSE '' END AS text) t`,
			[]any{string(ownerA), n, sessions, benchEpoch, grams}},
		{`INSERT INTO sessions (owner, id, origin, script_id, started, updated, title, to_lang, entries)
SELECT $1, session_id, 'tui', max(script_id), min(created), max(created), min(source), 'ko-KR', count(*)
FROM entries WHERE owner = $1 GROUP BY session_id`, []any{string(ownerA)}},
		{`INSERT INTO scripts (owner, id, created, updated, to_lang, entries)
SELECT $1, script_id, min(created), max(created), 'ko-KR', count(*)
FROM entries WHERE owner = $1 AND script_id <> '' GROUP BY script_id`, []any{string(ownerA)}},
		{`INSERT INTO owners (owner, last_entry, last_session) VALUES ($1, $2, $3)`, []any{string(ownerA), n, sessions}},
	}
	for _, st := range steps {
		if _, err := conn.Exec(ctx, st.sql, st.args...); err != nil {
			b.Fatal(err)
		}
	}
	loaded := time.Since(start)
	if _, err := conn.Exec(ctx, strings.Join(indexes, ";\n")+";\nANALYZE"); err != nil {
		b.Fatal(err)
	}
	if s, err = Open(ctx, url, Options{}); err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if err := s.Check(ctx); err != nil {
		b.Fatalf("the table is not sound: %v", err)
	}
	var size string
	_ = conn.QueryRow(ctx, `SELECT pg_size_pretty(pg_database_size(current_database()))`).Scan(&size)
	b.Logf("%d entries (%s): insert %v, indexes %v", n, size, loaded.Round(time.Millisecond), (time.Since(start) - loaded).Round(time.Millisecond))
	return url
}

// dropIndexes drops the indexes of entries but those named in keep, and returns the
// statements that make them again.
func dropIndexes(b *testing.B, conn *pgx.Conn, keep ...string) []string {
	ctx := context.Background()
	rows, err := conn.Query(ctx, `SELECT indexname, indexdef FROM pg_indexes
WHERE schemaname = current_schema() AND tablename = 'entries' AND indexname <> ALL($1) ORDER BY indexname`, keep)
	if err != nil {
		b.Fatal(err)
	}
	var names, defs []string
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			b.Fatal(err)
		}
		names, defs = append(names, name), append(defs, def)
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	if len(names) > 0 {
		if _, err := conn.Exec(ctx, `DROP INDEX `+strings.Join(names, ", ")); err != nil {
			b.Fatal(err)
		}
	}
	return defs
}

// entryTables are the databases buildEntryTable made, by size.
var entryTables = map[int]string{}

// benchEpoch is when the benchmark table's first entry was made.
var benchEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func beginFinish(b *testing.B, s *Store, req model.Request) {
	ctx := context.Background()
	e, err := s.Begin(ctx, req)
	if err != nil {
		b.Fatal(err)
	}
	e.Apply(model.Result{Status: model.StatusDone, Text: "한 줄 더 부탁합니다.", Finish: "stop"}, now())
	if _, err := s.Finish(ctx, e); err != nil {
		b.Fatal(err)
	}
}

func reportGroups(b *testing.B, s *Store) {
	begins, groups := s.group.begins.Load(), s.group.flushes.Load()
	if begins > 0 {
		b.ReportMetric(float64(begins)/float64(groups), "begins/group")
		b.ReportMetric(float64(groups*roundTripsPerGroup)/float64(begins), "roundtrips/begin")
	}
}

// searchEntries is the size of the search benchmark's table: YEOK_PG_BENCH_ENTRIES, or a
// size a routine run builds in seconds.
func searchEntries() int {
	if n, err := strconv.Atoi(os.Getenv("YEOK_PG_BENCH_ENTRIES")); err == nil && n > 0 {
		return n
	}
	return 50_000
}

var benchWords = strings.Fields(`the a of and to in is that it was for on are as with his they at be this from
have or by one had not but what all were when we there can an your which their said if do will each about how up
out them then she many some so these would other into has more her two like him see time could no make than first
lecture morning report student question answer meeting budget team quarter number system entropy energy market`)

var benchKorean = strings.Fields(`오늘 우리는 강의 보고서 학생 질문 답변 회의 예산 팀 분기 숫자 시스템 에너지 시장 아침 세계 안녕 좋은 내일`)

// buildSearchTable fills a database with n entries of one owner (and a tenth as many of
// another), through COPY, with the indexes built after the load. Every 1000th source says
// "needle" and its translation "바늘".
func buildSearchTable(b *testing.B, n int) *Store {
	ctx := context.Background()
	url := server.NewDatabase(b)
	s, err := Open(ctx, url, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	start := time.Now()
	indexes := dropIndexes(b, conn, "entries_pkey", "entries_pending", "entries_session", "entries_script", "entries_memory", "entries_bigrams")
	if len(indexes) != 1 {
		b.Fatalf("found %d trigram indexes, want 1", len(indexes))
	}
	if _, err := conn.Exec(ctx, `SET maintenance_work_mem = '512MB'`); err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	sentence := func(words []string, k int) string {
		var sb strings.Builder
		for j := range k {
			if j > 0 {
				sb.WriteByte(' ')
			}
			sb.WriteString(words[rng.IntN(len(words))])
		}
		return sb.String()
	}
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	owners := map[model.Owner]int{ownerA: n, "ssh:SHA256:other": n / 10}
	for owner, count := range owners {
		i := 0
		_, err := conn.CopyFrom(ctx, pgx.Identifier{"entries"},
			[]string{"owner", "id", "session_id", "created", "finished", "to_lang", "model", "source", "translation", "status", "source_key", "reusable", "bigrams"},
			pgx.CopyFromFunc(func() ([]any, error) {
				if i == count {
					return nil, nil
				}
				i++
				src, text := sentence(benchWords, 8+rng.IntN(12)), sentence(benchKorean, 5+rng.IntN(8))
				if i%1000 == 0 {
					src += " needle"
					text += " 바늘"
				}
				t := created.Add(time.Duration(i) * time.Second)
				return []any{string(owner), int64(i), int64(1 + i/100), t, t.Add(time.Second), "ko", "m", src, text, "done", sourceKey(src), true, nonNil(bigrams(src, text))}, nil
			}))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := conn.Exec(ctx, `INSERT INTO owners (owner, last_entry) VALUES ($1, $2)`, string(owner), count); err != nil {
			b.Fatal(err)
		}
	}
	loaded := time.Since(start)
	if _, err := conn.Exec(ctx, indexes[0]+`;
ANALYZE entries`); err != nil {
		b.Fatal(err)
	}
	var table, trgm, bigrams string
	_ = conn.QueryRow(ctx, `SELECT pg_size_pretty(pg_table_size('entries')), pg_size_pretty(pg_relation_size('entries_terms')),
	pg_size_pretty(pg_relation_size('entries_bigrams'))`).Scan(&table, &trgm, &bigrams)
	b.Logf("%d entries (%s): COPY %v, search indexes %v (trigrams %s, bigrams %s)", n+n/10, table,
		loaded.Round(time.Millisecond), (time.Since(start) - loaded).Round(time.Millisecond), trgm, bigrams)
	return s
}

// BenchmarkSearch: Entries with a search text over a large table, as the history's search
// asks (a page of 50, newest first), reporting the 50th and 99th percentile latency.
func BenchmarkSearch(b *testing.B) {
	n := searchEntries()
	s := buildSearchTable(b, n)
	ctx := context.Background()
	for _, q := range []struct {
		name, text string
		limit      int
	}{
		{"rare", "needle", 50},
		{"rare-korean", "바늘", 50},
		{"rare-all", "needle", 0},
		{"common", "lecture", 50},
		{"common-phrase", "the morning", 50},
		{"korean-2", "세계", 50},
		{"miss", "zyxwvut", 50},
	} {
		b.Run(q.name, func(b *testing.B) {
			var lat []time.Duration
			var got int
			for b.Loop() {
				t := time.Now()
				list, err := s.Entries(ctx, ownerA, model.EntryQuery{Search: q.text, Limit: q.limit})
				if err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t))
				got = len(list)
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(got), "hits")
			b.ReportMetric(0, "ns/op")
			if os.Getenv("YEOK_PG_BENCH_EXPLAIN") != "" {
				explainChunks(b, s, q.text, q.limit)
			}
		})
	}
}

// explainChunks logs the plan, run, of the statement that reads the search index by chunk
// for text (of three characters or more), the whole of it as if the newest entries had
// not filled the page.
func explainChunks(b *testing.B, s *Store, text string, limit int) {
	ctx := context.Background()
	var grams []string
	err := s.pool.QueryRow(ctx, `SELECT ARRAY(SELECT unnest(show_trgm($1))
	EXCEPT SELECT unnest(show_trgm(left($1, 2)) || show_trgm(right($1, 2))))`, searchWordsOf(text)).Scan(&grams)
	if err != nil {
		b.Fatal(err)
	}
	if len(grams) == 0 {
		return
	}
	sql, args := chunkQuery(ownerA, model.EntryQuery{Search: text, Limit: limit}, 0, grams)
	rows, err := s.pool.Query(ctx, `EXPLAIN (ANALYZE, BUFFERS) `+sql, args...)
	if err != nil {
		b.Fatal(err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("%q:\n%s", text, strings.Join(lines, "\n"))
}

func runtimeProcs() int { return runtime.GOMAXPROCS(0) }

// BenchmarkMigrateSearchIndex: the migration to schema version 2 (the search index by
// chunk) at Open, over the table BenchmarkBeginFinish uses (YEOK_BENCH_ENTRIES entries)
// left at version 1. Run it with -benchtime 1x: each round puts the old index back first.
func BenchmarkMigrateSearchIndex(b *testing.B) {
	url := buildEntryTable(b, benchEntries())
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		err := server.Exec(ctx, dbName(url), `DROP FUNCTION yeok_search_terms CASCADE;
SET maintenance_work_mem = '256MB';
CREATE INDEX entries_search ON entries USING gin (`+searchDoc+` gin_trgm_ops);
UPDATE yeok_schema SET version = 1`)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		s, err := Open(ctx, url, Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/migration")
	b.ReportMetric(0, "ns/op")
}
