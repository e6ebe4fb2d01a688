package storage

import (
	"sync"

	bolt "go.etcd.io/bbolt"
)

// commitGroup lets the writes made while a commit is under way share the next one. The
// first write commits at once; those that arrive meanwhile queue, and the first of them
// commits them all together when that commit ends. Nothing waits for company as bbolt's
// Batch does (its delay is paid by every write made beside another), so a lone write is
// not delayed and a busy file commits back to back, each commit taking what queued during
// the last.
type commitGroup struct {
	mu      sync.Mutex
	queue   []*groupCall
	running bool // a call is committing; the queue waits for it
}

// groupCall is one write waiting for a commit.
type groupCall struct {
	fn   func(tx *bolt.Tx) error
	err  error
	wake chan bool // true: commit the queue now; false: committed, err is set
}

// do runs fn in a commit shared with the writes queued beside it, committing with commit.
func (g *commitGroup) do(fn func(tx *bolt.Tx) error, commit func(calls []*groupCall)) error {
	c := &groupCall{fn: fn, wake: make(chan bool, 1)}
	g.mu.Lock()
	g.queue = append(g.queue, c)
	if g.running {
		g.mu.Unlock()
		if lead := <-c.wake; !lead {
			return c.err
		}
		g.mu.Lock()
	}
	g.running = true
	calls := g.queue
	g.queue = nil
	g.mu.Unlock()

	commit(calls)

	g.mu.Lock()
	if len(g.queue) > 0 {
		g.queue[0].wake <- true
	} else {
		g.running = false
	}
	g.mu.Unlock()
	for _, o := range calls {
		if o != c {
			o.wake <- false
		}
	}
	return c.err
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
