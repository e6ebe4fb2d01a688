package storage

import (
	"errors"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// queued waits until n calls queue in g, yielding meanwhile.
func queued(g *commitGroup, n int) {
	for {
		g.mu.Lock()
		got := len(g.queue)
		g.mu.Unlock()
		if got >= n {
			return
		}
		runtime.Gosched()
	}
}

// TestCommitGroupShares: the calls made while a commit is under way share the next one;
// after a commit with other processes' calls, the next waits for as many.
func TestCommitGroupShares(t *testing.T) {
	var (
		g       = commitGroup{rejoin: time.Hour}
		mu      sync.Mutex
		sizes   []int
		release = make(chan struct{})
	)
	commit := func(calls []*groupCall) {
		mu.Lock()
		sizes = append(sizes, len(calls))
		first := len(sizes) == 1
		mu.Unlock()
		if first {
			<-release
		}
	}
	nop := func(*bolt.Tx) error { return nil }
	var wg sync.WaitGroup
	call := func(remote bool) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = g.do(nop, remote, commit)
		}()
	}
	call(false)
	for {
		mu.Lock()
		n := len(sizes)
		mu.Unlock()
		if n == 1 {
			break
		}
		runtime.Gosched()
	}
	call(true)
	call(false)
	call(true)
	queued(&g, 3)
	close(release)
	wg.Wait()

	// The last commit had other processes' calls: the next waits for three.
	call(false)
	queued(&g, 1)
	call(true)
	queued(&g, 2)
	call(false)
	wg.Wait()

	want := []int{1, 3, 3}
	if len(sizes) != len(want) || sizes[0] != 1 || sizes[1] != 3 || sizes[2] != 3 {
		t.Fatalf("commits of %v calls, want %v", sizes, want)
	}
}

// TestCommitGroupBeginsFirst: of the calls queued while a commit is under way, the next
// commit takes those that go first (Begins) and leaves the others, which the commit after
// it takes with whatever queued meanwhile, so they are passed over at most once; a leader
// whose own call was left behind leads that commit too.
func TestCommitGroupBeginsFirst(t *testing.T) {
	var (
		g       commitGroup
		mu      sync.Mutex
		commits [][]string
		release = make(chan struct{})
	)
	names := map[*groupCall]string{}
	commit := func(calls []*groupCall) {
		mu.Lock()
		var got []string
		for _, c := range calls {
			got = append(got, names[c])
		}
		commits = append(commits, got)
		first := len(commits) == 1
		mu.Unlock()
		if first {
			<-release
		}
	}
	var wg sync.WaitGroup
	call := func(name string, first bool) {
		c := &groupCall{fn: func(*bolt.Tx) error { return nil }, first: first}
		mu.Lock()
		names[c] = name
		mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = g.run(c, commit)
		}()
	}
	call("finish0", false)
	for {
		mu.Lock()
		n := len(commits)
		mu.Unlock()
		if n == 1 {
			break
		}
		runtime.Gosched()
	}
	// A Finish leads the queue; two Begins and a Finish queue behind it.
	call("finish1", false)
	queued(&g, 1)
	call("begin1", true)
	queued(&g, 2)
	call("finish2", false)
	queued(&g, 3)
	call("begin2", true)
	queued(&g, 4)
	close(release)
	wg.Wait()

	want := [][]string{{"finish0"}, {"begin1", "begin2"}, {"finish1", "finish2"}}
	if len(commits) != len(want) {
		t.Fatalf("commits %v, want %v", commits, want)
	}
	for i := range want {
		if strings.Join(commits[i], ",") != strings.Join(want[i], ",") {
			t.Fatalf("commits %v, want %v", commits, want)
		}
	}
}

// TestCommitCallsIsolatesAFailure: a call that fails in a shared commit gets its own
// error, and the others are committed without it.
func TestCommitCallsIsolatesAFailure(t *testing.T) {
	s := openTest(t)
	bucket := []byte("test")
	bad := errors.New("refused")
	put := func(key string) func(*bolt.Tx) error {
		return func(tx *bolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists(bucket)
			if err != nil {
				return err
			}
			return b.Put([]byte(key), []byte("v"))
		}
	}
	calls := []*groupCall{
		{fn: put("a")},
		{fn: func(*bolt.Tx) error { return bad }},
		{fn: put("c")},
	}
	s.commitCalls(calls)
	if calls[0].err != nil || !errors.Is(calls[1].err, bad) || calls[2].err != nil {
		t.Fatalf("errors %v, %v, %v", calls[0].err, calls[1].err, calls[2].err)
	}
	err := s.view(func(tx *bolt.Tx) error {
		for _, k := range []string{"a", "c"} {
			if tx.Bucket(bucket).Get([]byte(k)) == nil {
				return errors.New(k + " was not committed")
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
