package storage

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/yeok/yeok/model"
)

// large is the store the benchmarks run against: 100,000 finished entries in 1,000
// sessions, a tenth of them in scripts, one in a thousand containing "needle".
var large = fixture{owner: ownerA, sessions: 1000, entries: 100_000, needleEvery: 1000, scriptEvery: 10}

func buildLarge(b *testing.B, f fixture) string {
	b.Helper()
	return buildAt(b, f, filepath.Join(b.TempDir(), "yeok.db"))
}

// buildCached is buildLarge for benchmarks that only read the store: with
// YEOK_BENCH_CACHE naming a directory, the store is built there once, named after f, and
// opened in place by later runs (a store of an older layout is migrated at its first open).
func buildCached(b *testing.B, f fixture) string {
	b.Helper()
	dir := os.Getenv("YEOK_BENCH_CACHE")
	if dir == "" {
		return buildLarge(b, f)
	}
	name := fmt.Sprintf("yeok-%d-%d-%d-%d-%d.db", f.entries, f.sessions, f.needleEvery, f.scriptEvery, f.japaneseEvery)
	path := filepath.Join(dir, name)
	if _, err := os.Stat(path); err == nil {
		b.Logf("using %s (%d MiB)", path, fileSize(b, path)>>20)
		return path
	}
	tmp := buildAt(b, f, path+".part")
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	return path
}

func buildAt(b *testing.B, f fixture, path string) string {
	b.Helper()
	start := time.Now()
	path = f.build(b, path)
	b.Logf("built %d entries in %d sessions in %v (%d MiB)", f.entries, f.sessions, time.Since(start).Round(time.Millisecond), fileSize(b, path)>>20)
	return path
}

// BenchmarkBeginFinish logs and finishes one entry on a store of YEOK_BENCH_ENTRIES entries
// (100,000 by default; storage/postgres's BenchmarkBeginFinish makes the same request on a
// table of the same size): alone, and with a second process doing the same on the file at
// the same time. The second process opens the file last, so it holds it and this one hands its writes to it: of the two
// sides, the one that waits for the other's commits. handed/op and served/op count the
// calls another process ran for this one and this one ran for another.
func BenchmarkBeginFinish(b *testing.B) {
	ctx := context.Background()
	f := large
	f.entries = benchEntries()
	path := buildLarge(b, f)
	req := model.Request{Owner: ownerA, SessionID: 500, ScriptID: "script-500", Source: "One more line, please.", To: korean, Model: "gpt-4o-mini"}
	loop := func(b *testing.B, s *Store) {
		for b.Loop() {
			e, err := s.Begin(ctx, req)
			if err != nil {
				b.Fatal(err)
			}
			e.Apply(model.Result{Status: model.StatusDone, Text: "한 줄 더 부탁합니다.", Finish: "stop"}, time.Now())
			if _, err := s.Finish(ctx, e); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(s.peers.handed.Load())/float64(b.N), "handed/op")
		if s.srv != nil {
			b.ReportMetric(float64(s.srv.served.Load())/float64(b.N), "served/op")
		}
	}
	b.Run("alone", func(b *testing.B) { loop(b, openAt(b, path)) })
	b.Run("beside-a-second-process", func(b *testing.B) {
		s := openAt(b, path)
		_, stdin := startBusyNeighbour(b, path)
		loop(b, s)
		_ = stdin.Close()
	})
}

// benchEntries is the size of the large store, YEOK_BENCH_ENTRIES or large's.
func benchEntries() int {
	if n, err := strconv.Atoi(os.Getenv("YEOK_BENCH_ENTRIES")); err == nil && n > 0 {
		return n
	}
	return large.entries
}

// searchQuery is one search of BenchmarkSearch, with what it finds per 1,000 entries.
type searchQuery struct {
	name, query string
	limit       int
	perThousand int // hits per 1,000 entries, before the limit
}

// benchSearches are BenchmarkSearch's searches: a rare Latin word, Hangul word and Han and
// kana string (one entry in a thousand, all of them) and a miss in each, and a rare word, a
// common phrase and a single character (which reads every entry until it has enough) taken
// a page (200, the TUI's) at a time; a one-character miss reads every entry, as every
// search did before the index.
var benchSearches = []searchQuery{
	{"latin-hit", "NEEDLE", 0, 1},
	{"latin-hit-page", "NEEDLE", 200, 1},
	{"latin-miss", "absent words", 0, 0},
	{"hangul-hit", "바늘", 0, 1},
	{"hangul-miss", "얼룩말", 0, 0},
	{"han-kana-hit", "山の針", 0, 1},
	{"han-kana-miss", "図書館で", 0, 0},
	{"common-page", "빠른 갈색 여우", 200, 1000},
	{"one-char-page", "狐", 200, 100},
	{"one-char-miss-scan", "☃", 0, 0},
}

// BenchmarkSearch runs Entries with a Search on a large store (YEOK_BENCH_ENTRIES entries,
// default 100,000; the target is 50 ms p99 and 100 MB RSS at 1,000,000). p50-ms is the
// median iteration, p99-ms the slowest hundredth; file-B/entry is the file's bytes per entry, index-B/entry
// the search index's share and text-B/entry the text it holds (source, translation, cleaned
// and approved text, each once); query-RSS-MB is the peak RSS of a separate process that
// opens the store and runs the query 20 times.
func BenchmarkSearch(b *testing.B) {
	ctx := context.Background()
	f := large
	f.entries, f.japaneseEvery = benchEntries(), 10
	path := buildCached(b, f)
	s := openAt(b, path)
	index, text := searchBytes(b, s)
	file := fileSize(b, path)
	for _, tt := range benchSearches {
		b.Run(tt.name, func(b *testing.B) {
			rss := searchRSS(b, path, tt.name)
			want := tt.perThousand * f.entries / 1000
			if tt.limit > 0 {
				want = min(want, tt.limit)
			}
			var took []time.Duration
			for b.Loop() {
				start := time.Now()
				got, err := s.Entries(ctx, ownerA, model.EntryQuery{Search: tt.query, Limit: tt.limit})
				took = append(took, time.Since(start))
				if err != nil {
					b.Fatal(err)
				}
				if len(got) != want {
					b.Fatalf("%d hits, want %d", len(got), want)
				}
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2])/1e6, "p50-ms")
			b.ReportMetric(float64(took[len(took)*99/100])/1e6, "p99-ms")
			b.ReportMetric(float64(file)/float64(f.entries), "file-B/entry")
			b.ReportMetric(float64(index)/float64(f.entries), "index-B/entry")
			b.ReportMetric(float64(text)/float64(f.entries), "text-B/entry")
			b.ReportMetric(rss, "query-RSS-MB")
		})
	}
}

// searchBytes returns the bytes the search index of ownerA takes and the bytes of text its
// entries hold.
func searchBytes(b *testing.B, s *Store) (index, text int) {
	b.Helper()
	err := s.view(func(tx *bolt.Tx) error {
		ob := readOwner(tx, ownerA)
		st := ob.search.Stats()
		index = st.BranchAlloc + st.LeafAlloc
		return ob.entries.ForEach(func(_, v []byte) error {
			var e model.Entry
			if err := decode(v, &e); err != nil {
				return err
			}
			texts := []string{e.Source, e.Text, e.Clean, e.Approved}
			for i, t := range texts {
				if !slices.Contains(texts[:i], t) {
					text += len(t)
				}
			}
			return nil
		})
	})
	if err != nil {
		b.Fatal(err)
	}
	return index, text
}

// searchEnv switches the test binary into a child that runs one of benchSearches (named by
// searchNameEnv) on the store it names and prints its peak RSS in MB.
const (
	searchEnv     = "YEOK_STORAGE_TEST_SEARCH"
	searchNameEnv = "YEOK_STORAGE_TEST_SEARCH_NAME"
)

// searchRSS runs the search named name in a child process and returns its peak RSS in MB,
// so that building the store does not count.
func searchRSS(b *testing.B, path, name string) float64 {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), searchEnv+"="+path, searchNameEnv+"="+name)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("search child: %v", err)
	}
	mb, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
	if err != nil {
		b.Fatalf("search child said %q", out)
	}
	return mb
}

// runSearches is the child searchRSS starts.
func runSearches(path string) int {
	ctx := context.Background()
	s, err := Open(ctx, path, Options{ReadOnly: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer s.Close()
	for range 20 {
		for _, q := range benchSearches {
			if q.name != os.Getenv(searchNameEnv) {
				continue
			}
			if _, err := s.Entries(ctx, ownerA, model.EntryQuery{Search: q.query, Limit: q.limit}); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
		}
	}
	fmt.Println(maxRSS() / 1e6)
	return 0
}

func BenchmarkSessionsFirstPage(b *testing.B) {
	ctx := context.Background()
	s := openAt(b, buildLarge(b, fixture{owner: ownerA, sessions: 1000, entries: 10_000}))
	for b.Loop() {
		page, err := s.Sessions(ctx, ownerA, 50)
		if err != nil {
			b.Fatal(err)
		}
		if len(page) != 50 {
			b.Fatalf("%d sessions", len(page))
		}
	}
}

func BenchmarkOpen(b *testing.B) {
	ctx := context.Background()
	path := buildLarge(b, large)
	for b.Loop() {
		s, err := Open(ctx, path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// startBusyNeighbour runs the test binary as a second process that logs and finishes
// entries on the store at path without pause until its stdin closes.
func startBusyNeighbour(b *testing.B, path string) (*exec.Cmd, io.WriteCloser) {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), holdEnv+"="+path, holdModeEnv+"=busy")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = stdin.Close(); _ = cmd.Wait() })
	if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || line != "ready\n" {
		b.Fatalf("neighbour said %q, %v", line, err)
	}
	return cmd, stdin
}

// BenchmarkRecall looks a line up in the translation memory of a large store: an exact hit,
// a miss (which then compares the session's newest entries for a near match), and the same
// with a near match in the session. YEOK_BENCH_ENTRIES sets the store's size (default
// 100,000; the target is 5 ms at 1,000,000). index-B/entry is what the memory index adds to
// the file per entry, file-B/entry the whole file's bytes per entry.
func BenchmarkRecall(b *testing.B) {
	ctx := context.Background()
	f := large
	f.entries = benchEntries()
	path := buildLarge(b, f)
	s := openAt(b, path)
	var index, file int
	if err := s.view(func(tx *bolt.Tx) error {
		ob := readOwner(tx, ownerA)
		st := ob.memory.Stats()
		index = st.BranchAlloc + st.LeafAlloc
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	file = int(fileSize(b, path))
	sid := uint64(f.sessions / 2)
	tests := []struct {
		name, source string
		exact, near  bool
	}{
		{"hit", fmt.Sprintf("line %d of the lecture: the quick brown fox jumps over the LAZY dog.", f.entries/2+1), true, false},
		{"miss", "A sentence nobody has translated yet, in no session at all.", false, false},
		{"near", fmt.Sprintf("Line %d of the lecture: the quick brown fox jumps over the lazy cat.", int(sid)-1+f.sessions*(f.entries/f.sessions-1)), false, true},
	}
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) {
			req := model.Request{Owner: ownerA, SessionID: sid, Source: tt.source, To: korean}
			for b.Loop() {
				rec, err := s.Recall(ctx, req)
				if err != nil || rec.Exact() != tt.exact || rec.Near() != tt.near {
					b.Fatalf("recall %q: %+v, %v", tt.source, rec, err)
				}
			}
			b.ReportMetric(float64(index)/float64(f.entries), "index-B/entry")
			b.ReportMetric(float64(file)/float64(f.entries), "file-B/entry")
		})
	}
}
