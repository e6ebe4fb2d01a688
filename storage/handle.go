package storage

import (
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/yeok/yeok/storage/internal/filelock"
)

// How long a process keeps the file after its last operation, and at most while others
// wait for it. See Store.
const (
	// lingerIdle keeps the file open for a burst of operations (a TUI loading its history,
	// a Begin right after a session is made) instead of opening it for each; a process
	// that starts waiting meanwhile is seen within lingerLook.
	lingerIdle = 20 * time.Millisecond
	lingerLook = time.Millisecond
	// maxHold is how long a process under steady load keeps the file while another
	// process waits for it, before it lets the other in.
	maxHold = 100 * time.Millisecond
)

// dropEvery is how often a process that keeps the file open lets go of the file's pages it
// has mapped (dropMapped), so that its resident memory does not grow with the file however
// long it holds it: a long batch, a server up for weeks. A busy writer maps pages fast:
// each commit puts the pages it changes wherever the file has free ones, and the next
// transactions read them, the kernel mapping 64 KiB around each page read, so that in two
// seconds a batch of 100,000 lines had mapped 20 MB of a 50 MB file. A drop costs one read
// transaction and a system call, and the hot pages (the trees' branches) are mapped again
// at their next read, well under a millisecond each time. A variable for the tests.
var dropEvery = 250 * time.Millisecond

// handle is this process's hold on the database file: bbolt opened, and the file locked,
// only while operations of this process are under way (and lingerIdle after them). A
// process that waits for the file announces it with a shared lock on the sidecar
// PATH.wait; the holder, seeing a waiter, closes the file as soon as its operations in
// flight end (at once when none are, after maxHold under steady load) and, before opening
// it again, waits until the waiters have had it.
type handle struct {
	path   string
	opts   Options
	sock   string                              // named in the holder sidecar; see serve
	onOpen func(db *bolt.DB, first bool) error // run on every open, under the lock

	// mu guards the fields below. An operation on the file open for this process takes it
	// shared (see acquire), so that a thousand operations at once do not queue on it one
	// by one; opening, closing, handing over and dropping pages take it exclusive.
	mu       sync.RWMutex
	turn     *sync.Cond // signalled when draining ends; on mu's exclusive side
	db       *bolt.DB
	users    atomic.Int64 // operations using db: changed with mu held, shared or exclusive
	since    time.Time    // when db was opened
	draining bool         // closing for a waiting process: new operations wait
	opened   bool         // db has been opened once
	idle     *time.Timer  // watches an idle file; nil when no watch is armed
	// idleSince is when (Unix nanoseconds) the last operation ended with none left.
	idleSince atomic.Int64
	wait      *os.File // PATH.wait, for announcing and seeing waiters
	// nextLook is when (Unix nanoseconds) a busy process looks for waiting ones again.
	nextLook atomic.Int64
	closed   bool
	dropped  time.Time // when db's mapped pages were last let go of, or it was opened
	dropping bool      // a dropMapped is under way
}

func newHandle(path string, opts Options, onOpen func(*bolt.DB, bool) error) *handle {
	h := &handle{path: path, opts: opts, onOpen: onOpen}
	h.turn = sync.NewCond(&h.mu)
	if f, err := os.OpenFile(waitPath(path), os.O_RDWR|os.O_CREATE, 0o600); err == nil {
		h.wait = f
	}
	return h
}

// waitPath is the sidecar whose shared locks announce processes waiting for the file.
func waitPath(path string) string { return path + ".wait" }

// acquire returns the open database for one operation, opening it (waiting for another
// process's turn to end, up to the store's timeout) when this process does not hold it.
// Every acquire is paired with a release.
func (h *handle) acquire() (*bolt.DB, error) {
	h.mu.RLock()
	if db := h.db; db != nil && !h.draining && !h.closed && (h.dropping || time.Since(h.dropped) < dropEvery) {
		// An idle timer that fires meanwhile sees the user and leaves the file open.
		h.users.Add(1)
		h.mu.RUnlock()
		return db, nil
	}
	h.mu.RUnlock()
	h.mu.Lock()
	defer h.mu.Unlock()
	for h.draining {
		h.turn.Wait()
	}
	if h.closed {
		return nil, fmt.Errorf("store %s is closed", h.path)
	}
	if h.idle != nil {
		h.idle.Stop()
		h.idle = nil
	}
	if h.db == nil {
		db, err := h.open()
		if err != nil {
			return nil, err
		}
		h.db, h.since, h.dropped = db, time.Now(), time.Now()
	}
	h.users.Add(1)
	if !h.dropping && time.Since(h.dropped) >= dropEvery {
		h.dropping = true
		go h.drop(h.db)
	}
	return h.db, nil
}

// drop lets go of db's mapped pages beside the operations under way; a close waits for it.
func (h *handle) drop(db *bolt.DB) {
	_ = dropMapped(db) // a db closed meanwhile has nothing mapped
	h.mu.Lock()
	defer h.mu.Unlock()
	h.dropping, h.dropped = false, time.Now()
}

// holds reports whether this process has the file open for its operations, not closing it
// for another process.
func (h *handle) holds() bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.db != nil && !h.draining && !h.closed
}

// release ends an operation. The file is closed when no operation of this process uses it
// and another process waits (after lingerIdle when none waits), and its closing is begun
// when this process has held it longer than maxHold while another waits.
func (h *handle) release() {
	// Under load, operations end while others are under way: that takes the lock shared,
	// and only one such end every lingerLook looks for a waiting process (two system
	// calls), not every one.
	//
	// The last operation of a burst, with the idle watch already armed by an earlier one,
	// only tells the watch when the file went idle: a thousand streams whose operations
	// come and go do not take the lock exclusive, one by one, each time none is left.
	h.mu.RLock()
	left := h.users.Add(-1)
	look := left > 0 && !h.draining && time.Since(h.since) > maxHold && h.lookDue()
	watched := left == 0 && h.idle != nil && h.db != nil && !h.draining && !h.closed
	if watched {
		h.idleSince.Store(time.Now().UnixNano())
	}
	h.mu.RUnlock()
	if (left > 0 && !look) || watched {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.users.Load() > 0 {
		if !h.draining && time.Since(h.since) > maxHold && h.othersWaiting() {
			h.draining = true
		}
		return
	}
	if h.draining || h.closed || h.othersWaiting() {
		h.closeLocked()
		return
	}
	h.idleSince.Store(time.Now().UnixNano())
	var lookIdle func()
	lookIdle = func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		switch {
		case h.users.Load() > 0 || h.db == nil:
			h.idle = nil // the next release that leaves none arms a new watch
		case time.Since(time.Unix(0, h.idleSince.Load())) >= lingerIdle || h.othersWaiting():
			h.idle = nil
			h.closeLocked()
		default:
			h.idle = time.AfterFunc(lingerLook, lookIdle)
		}
	}
	if h.idle != nil {
		h.idle.Stop() // one left running by an acquire that did not stop it
	}
	h.idle = time.AfterFunc(lingerLook, lookIdle)
}

// lookDue reports whether a busy process should look for waiting ones now: true for one
// caller every lingerLook.
func (h *handle) lookDue() bool {
	now := time.Now().UnixNano()
	next := h.nextLook.Load()
	return now >= next && h.nextLook.CompareAndSwap(next, now+int64(lingerLook))
}

func (h *handle) closeLocked() {
	if h.db != nil {
		closeQuietly(h.db)
		h.db = nil
	}
	if h.draining {
		h.draining = false
		h.turn.Broadcast()
	}
}

// close closes the file for good once the operations under way end.
func (h *handle) close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	if h.idle != nil {
		h.idle.Stop()
	}
	var err error
	if h.db != nil && h.users.Load() == 0 {
		err = h.db.Close()
		h.db = nil
	}
	if h.wait != nil {
		_ = h.wait.Close()
	}
	return err
}

// othersWaiting reports whether another process announces that it waits for the file.
func (h *handle) othersWaiting() bool {
	if h.wait == nil {
		return false
	}
	free, err := filelock.TryLock(h.wait, true)
	if err != nil || !free {
		return err == nil
	}
	_ = filelock.Unlock(h.wait)
	return false
}

// open lets the processes already waiting have the file first, then opens it, announcing
// this process as a waiter meanwhile, and runs onOpen under the lock.
func (h *handle) open() (*bolt.DB, error) {
	deadline := time.Now().Add(h.opts.Timeout)
	if h.wait != nil {
		// The exclusive lock on PATH.wait is free once no process announces a wait.
		if ok, _ := filelock.Lock(h.wait, true, deadline); ok {
			_ = filelock.Unlock(h.wait)
		}
		if ok, _ := filelock.TryLock(h.wait, false); ok {
			defer func() { _ = filelock.Unlock(h.wait) }()
		}
	}
	opts := h.opts
	opts.Timeout = max(time.Until(deadline), time.Millisecond)
	opts.tidied = h.opened
	db, err := openBolt(h.path, opts)
	if err != nil {
		return nil, err
	}
	db.NoSync = opts.noSync
	if err := guard(h.path, func() error { return h.onOpen(db, !h.opened) }); err != nil {
		closeQuietly(db)
		return nil, err
	}
	h.opened = true
	if !opts.ReadOnly {
		// The sidecar only names the holder for a second process's error message; failing
		// to write it must not stop this one.
		_ = writeHolder(h.path, h.sock)
	}
	return db, nil
}

// openAnnounced opens the file for a long hold of its own (Compact) as a waiting process
// does: announced on PATH.wait, so that a busy process lets it in.
func openAnnounced(path string, opts Options) (*bolt.DB, error) {
	if f, err := os.OpenFile(waitPath(path), os.O_RDWR|os.O_CREATE, 0o600); err == nil {
		defer f.Close()
		if ok, _ := filelock.TryLock(f, false); ok {
			defer func() { _ = filelock.Unlock(f) }()
		}
	}
	return openBolt(path, opts)
}
