package storage

import (
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// commitGroup lets the writes made while a commit is under way share the next one. The
// first write commits at once; those that arrive meanwhile queue, and the first of them
// commits them all together when that commit ends. Nothing waits for company as bbolt's
// Batch does (its delay is paid by every write made beside another), so a lone write is
// not delayed and a busy file commits back to back, each commit taking what queued during
// the last.
//
// Writes a request waits on before it leaves (Begin's pending entry) go first: when some
// are queued, the next commit takes only them, and the writes left behind (a Finish, whose
// stream has ended) go in the commit after it, with whatever queued meanwhile. So a stream
// about to start waits for at most one commit of the others, and those are passed over at
// most once.
//
// One wait is worth it: writes run for other processes (see Store) come back a socket's
// round trip after their commit, too late for the commit this process's next write starts
// at once, so they would always wait for a whole commit before their own. After a commit
// that had such writes, the next one waits up to rejoinWait for as many writes as it had.
type commitGroup struct {
	mu      sync.Mutex
	queue   []*groupCall
	running bool // a call is committing; the queue waits for it
	// passed says the last commit left writes behind that do not go first: the next
	// takes the whole queue.
	passed bool
	// expect is how many calls the last commit had when some were other processes';
	// zero when none were.
	expect  int
	arrived chan struct{} // closed when a call queues, for a leader waiting for more
	// rejoin is how long to wait for them; zero means rejoinWait.
	rejoin time.Duration
}

// rejoinWait bounds how long a commit waits for the writes of other processes that shared
// the last one; see commitGroup.
const rejoinWait = time.Millisecond

// groupCall is one write waiting for a commit.
type groupCall struct {
	fn     func(tx *bolt.Tx) error
	remote bool // run for another process
	first  bool // a request waits on it before it leaves: it goes first
	err    error
	wake   chan bool // true: commit the queue now; false: committed, err is set
}

// do runs fn in a commit shared with the writes queued beside it, committing with commit;
// remote says fn is run for another process.
func (g *commitGroup) do(fn func(tx *bolt.Tx) error, remote bool, commit func(calls []*groupCall)) error {
	return g.run(&groupCall{fn: fn, remote: remote}, commit)
}

// doFirst is do for a write that goes ahead of the others queued (see commitGroup).
func (g *commitGroup) doFirst(fn func(tx *bolt.Tx) error, remote bool, commit func(calls []*groupCall)) error {
	return g.run(&groupCall{fn: fn, remote: remote, first: true}, commit)
}

// run queues c and waits until it is committed, committing the queue itself when its turn
// to lead comes; a leader whose own call is left behind leads the next commit too.
func (g *commitGroup) run(c *groupCall, commit func(calls []*groupCall)) error {
	c.wake = make(chan bool, 1)
	g.mu.Lock()
	g.queue = append(g.queue, c)
	if g.arrived != nil {
		close(g.arrived)
		g.arrived = nil
	}
	if g.running {
		g.mu.Unlock()
		if lead := <-c.wake; !lead {
			return c.err
		}
		g.mu.Lock()
	}
	g.running = true
	for {
		g.awaitRejoin()
		calls := g.take()
		g.expect = 0
		for _, o := range calls {
			if o.remote {
				g.expect = len(calls)
				break
			}
		}
		g.mu.Unlock()

		commit(calls)

		mine := false
		for _, o := range calls {
			if o == c {
				mine = true
			} else {
				o.wake <- false
			}
		}
		g.mu.Lock()
		if mine {
			break
		}
	}
	if len(g.queue) > 0 {
		g.queue[0].wake <- true
	} else {
		g.running = false
	}
	g.mu.Unlock()
	return c.err
}

// take removes and returns the calls the next commit makes, with g.mu held: the queued
// calls that go first when there are some and none were passed over by the last commit,
// else the whole queue.
func (g *commitGroup) take() []*groupCall {
	calls := g.queue
	if !g.passed {
		var first, rest []*groupCall
		for _, o := range calls {
			if o.first {
				first = append(first, o)
			} else {
				rest = append(rest, o)
			}
		}
		if len(first) > 0 && len(rest) > 0 {
			g.queue, g.passed = rest, true
			return first
		}
	}
	g.queue, g.passed = nil, false
	return calls
}

// awaitRejoin waits, with g.mu held, until as many calls queue as the last commit had or
// rejoinWait passes; it returns at once when that commit had no other process's calls.
func (g *commitGroup) awaitRejoin() {
	if len(g.queue) >= g.expect {
		return
	}
	wait := g.rejoin
	if wait == 0 {
		wait = rejoinWait
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for len(g.queue) < g.expect {
		arrived := make(chan struct{})
		g.arrived = arrived
		g.mu.Unlock()
		select {
		case <-arrived:
			g.mu.Lock()
		case <-timer.C:
			g.mu.Lock()
			g.arrived = nil
			return
		}
	}
}

// commitCalls runs calls in one write transaction and gives each its outcome. When one of
// them fails, the transaction is rolled back; that call runs again alone, since the calls
// before it in the same transaction may have caused its failure, and the others are
// committed without it.
func (s *Store) commitCalls(calls []*groupCall) {
	for len(calls) > 0 {
		failed := -1
		err := s.with(func(db *bolt.DB) error {
			return db.Update(func(tx *bolt.Tx) error {
				for i, c := range calls {
					if err := c.fn(tx); err != nil {
						failed = i
						return err
					}
				}
				return nil
			})
		})
		if failed < 0 || len(calls) == 1 {
			for _, c := range calls {
				c.err = err
			}
			return
		}
		bad := calls[failed]
		bad.err = s.with(func(db *bolt.DB) error { return db.Update(bad.fn) })
		calls = append(calls[:failed:failed], calls[failed+1:]...)
	}
}
