package storage

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
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
	start := time.Now()
	path := f.build(b, filepath.Join(b.TempDir(), "yeok.db"))
	b.Logf("built %d entries in %d sessions in %v (%d MiB)", f.entries, f.sessions, time.Since(start).Round(time.Millisecond), fileSize(b, path)>>20)
	return path
}

// BenchmarkBeginFinish logs and finishes one entry on a 100,000-entry store: alone, and
// with a second process doing the same on the file at the same time. The second process
// opens the file last, so it holds it and this one hands its writes to it: of the two
// sides, the one that waits for the other's commits. handed/op and served/op count the
// calls another process ran for this one and this one ran for another.
func BenchmarkBeginFinish(b *testing.B) {
	ctx := context.Background()
	path := buildLarge(b, large)
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

func BenchmarkSearch(b *testing.B) {
	ctx := context.Background()
	s := openAt(b, buildLarge(b, large))
	tests := []struct {
		name  string
		query string
		want  int
	}{
		{"hits", "NEEDLE", 100},
		{"every entry", "빠른 갈색 여우", 100_000},
		{"miss", "absent words", 0},
	}
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) {
			for b.Loop() {
				got, err := s.Entries(ctx, ownerA, model.EntryQuery{Search: tt.query})
				if err != nil {
					b.Fatal(err)
				}
				if len(got) != tt.want {
					b.Fatalf("%d hits, want %d", len(got), tt.want)
				}
			}
		})
	}
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
	if n, err := strconv.Atoi(os.Getenv("YEOK_BENCH_ENTRIES")); err == nil && n > 0 {
		f.entries = n
	}
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
