package postgres

import (
	"context"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/yeok/yeok/model"
)

// roundTripsPerGroup is what one group of Begins costs: the batch, in an implicit
// transaction.
const roundTripsPerGroup = 1

// BenchmarkBeginFinish: one stream at a time, Begin then Finish.
func BenchmarkBeginFinish(b *testing.B) {
	ctx := context.Background()
	s, _ := openTest(b, Options{})
	sess, _ := s.NewSession(ctx, ownerA, model.Session{})
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		beginFinish(b, s, sess.ID, i)
	}
	reportGroups(b, s)
}

// BenchmarkBeginFinishParallel: 200 streams at once, each a Begin then a Finish.
func BenchmarkBeginFinishParallel(b *testing.B) {
	ctx := context.Background()
	s, _ := openTest(b, Options{MaxConns: 32})
	sess, _ := s.NewSession(ctx, ownerA, model.Session{})
	var n atomic.Int64
	b.SetParallelism(max(1, 200/runtimeProcs()))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			beginFinish(b, s, sess.ID, int(n.Add(1)))
		}
	})
	b.StopTimer()
	reportGroups(b, s)
}

func beginFinish(b *testing.B, s *Store, session uint64, i int) {
	ctx := context.Background()
	e, err := s.Begin(ctx, model.Request{Owner: ownerA, SessionID: session, ScriptID: "bench", Source: "line " + strconv.Itoa(i), To: "ko"})
	if err != nil {
		b.Fatal(err)
	}
	e.Apply(model.Result{Status: model.StatusDone, Text: "줄 " + strconv.Itoa(i), Finish: "stop"}, now())
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
	if _, err := conn.Exec(ctx, `DROP INDEX entries_search; SET maintenance_work_mem = '512MB'`); err != nil {
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
	if _, err := conn.Exec(ctx, `CREATE INDEX entries_search ON entries USING gin (`+searchDoc+` gin_trgm_ops);
ANALYZE entries`); err != nil {
		b.Fatal(err)
	}
	var table, trgm, bigrams string
	_ = conn.QueryRow(ctx, `SELECT pg_size_pretty(pg_table_size('entries')), pg_size_pretty(pg_relation_size('entries_search')),
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
		})
	}
}

func runtimeProcs() int { return runtime.GOMAXPROCS(0) }
