package storage

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/yeok/yeok/model"
)

// Begin and Finish handed to the process holding the file; see Store.

// Operations a client hands to the holder.
const (
	opBegin  = "begin"
	opFinish = "finish"
)

// delegateRequest is one operation sent to the holder, one JSON value per line.
type delegateRequest struct {
	ID uint64 `json:"id"`
	Op string `json:"op"`
	// Owner is sent apart: model.Entry does not encode it.
	Owner   model.Owner    `json:"owner"`
	Request *model.Request `json:"request,omitempty"`
	Entry   *model.Entry   `json:"entry,omitempty"`
	// Created and Mark are a Begin's creation time and the client's process; together they
	// name the entry, should the reply be lost.
	Created time.Time `json:"created,omitzero"`
	Mark    [2]uint64 `json:"mark,omitzero"`
}

// delegateReply answers the request with the same id.
type delegateReply struct {
	ID    uint64       `json:"id"`
	Entry *model.Entry `json:"entry,omitempty"`
	Err   *wireError   `json:"error,omitempty"`
}

// wireError carries an error across the socket: its line, the sentinels it matches, and
// for the two errors that name the file, what they say besides the path, so that the
// client names its own path as a local error would.
type wireError struct {
	Message string   `json:"message"`
	Is      []string `json:"is,omitempty"`
	Corrupt *string  `json:"corrupt,omitempty"` // a corruptError's cause
	Holder  *string  `json:"holder,omitempty"`  // a lockedError's holder
}

// wireSentinels are the errors errors.Is still matches after an error crossed the socket.
var wireSentinels = []struct {
	name string
	err  error
}{
	{"not_found", model.ErrNotFound},
	{"store_locked", model.ErrStoreLocked},
	{"store_corrupt", model.ErrStoreCorrupt},
	{"empty_input", model.ErrEmptyInput},
	{"input_too_large", model.ErrInputTooLarge},
	{"invalid_utf8", model.ErrInvalidUTF8},
	{"invalid_language", model.ErrInvalidLanguage},
	{"page_fault", errPageFault},
}

func encodeError(err error) *wireError {
	if err == nil {
		return nil
	}
	w := &wireError{Message: err.Error()}
	for _, s := range wireSentinels {
		if errors.Is(err, s.err) {
			w.Is = append(w.Is, s.name)
		}
	}
	switch e := err.(type) {
	case *corruptError:
		cause := e.cause.Error()
		w.Corrupt = &cause
	case *lockedError:
		w.Holder = &e.holder
	}
	return w
}

// decodeError rebuilds an error encoded by encodeError; path is the client's own path.
func decodeError(w *wireError, path string) error {
	if w == nil {
		return nil
	}
	var is []error
	for _, name := range w.Is {
		for _, s := range wireSentinels {
			if s.name == name && s.err != model.ErrStoreCorrupt {
				is = append(is, s.err)
			}
		}
	}
	switch {
	case w.Corrupt != nil:
		return &corruptError{path: path, cause: &remoteError{msg: *w.Corrupt, is: is}}
	case w.Holder != nil:
		return &lockedError{path: path, holder: *w.Holder}
	}
	for _, name := range w.Is {
		if name == "store_corrupt" {
			is = append(is, model.ErrStoreCorrupt)
		}
	}
	return &remoteError{msg: w.Message, is: is}
}

// remoteError is an error the holder met running an operation for this process.
type remoteError struct {
	msg string
	is  []error
}

func (e *remoteError) Error() string   { return e.msg }
func (e *remoteError) Unwrap() []error { return e.is }

// peer is the process at the other end of a socket.
type peer struct {
	uid uint32
	pid int
}

// checkPeer refuses a peer that runs as another user, and, when pid is not zero, a peer
// that is not that process.
func checkPeer(p peer, pid int) error {
	if uid := uint32(os.Getuid()); p.uid != uid {
		return fmt.Errorf("peer runs as uid %d, not %d", p.uid, uid)
	}
	if pid != 0 && p.pid != pid {
		return fmt.Errorf("peer is pid %d, not %d", p.pid, pid)
	}
	return nil
}

// socketDir is the directory of the sockets holders listen on: $XDG_RUNTIME_DIR/yeok, or
// yeok-UID in the temporary directory.
func socketDir() string {
	if d := os.Getenv("XDG_RUNTIME_DIR"); filepath.IsAbs(d) {
		return filepath.Join(d, "yeok")
	}
	return filepath.Join(os.TempDir(), "yeok-"+strconv.Itoa(os.Getuid()))
}

// socketPrefix starts the names of the sockets served for the database at path: a hash of
// its absolute path, short enough to keep the socket's path under the 108 bytes unix allows.
func socketPrefix(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	sum := sha256.Sum256([]byte(path))
	return hex.EncodeToString(sum[:8]) + "-"
}

// maxSocketPath is the longest socket path unix accepts, less its terminating zero.
const maxSocketPath = 107

// peerConn is this process's connection to a holder's socket. Every goroutine's requests
// share it, each waiting for the reply with its own id.
type peerConn struct {
	conn *net.UnixConn

	wmu sync.Mutex // one request written at a time
	enc *json.Encoder

	mu    sync.Mutex
	next  uint64
	calls map[uint64]chan delegateReply
	dead  bool
}

// outcome says what became of a request sent to a holder.
type outcome int

const (
	replied outcome = iota
	notSent         // the connection was gone before it was written: run it here
	lost            // written, or partly, and no reply came: the holder may have run it
)

// dialPeer connects to the holder pid's socket sock and checks that pid, running as this
// user, is at the other end.
func dialPeer(sock string, pid int) (*peerConn, error) {
	if !socketDirSafe(filepath.Dir(sock)) {
		return nil, fmt.Errorf("socket directory of %s is not private", sock)
	}
	c, err := net.DialTimeout("unix", sock, time.Second)
	if err != nil {
		return nil, err
	}
	conn := c.(*net.UnixConn)
	p, err := peerOf(conn)
	if err == nil {
		err = checkPeer(p, pid)
	}
	if err != nil {
		_ = conn.Close()
		return nil, err
	}
	pc := &peerConn{conn: conn, enc: json.NewEncoder(conn), calls: map[uint64]chan delegateReply{}}
	go pc.read()
	return pc, nil
}

// read hands each reply to the request waiting for it, until the connection ends.
func (c *peerConn) read() {
	dec := json.NewDecoder(bufio.NewReader(c.conn))
	for {
		var rep delegateReply
		if err := dec.Decode(&rep); err != nil {
			c.fail()
			return
		}
		c.mu.Lock()
		ch := c.calls[rep.ID]
		delete(c.calls, rep.ID)
		c.mu.Unlock()
		if ch != nil {
			ch <- rep
		}
	}
}

// fail closes the connection; the requests still waiting learn that their replies are lost.
func (c *peerConn) fail() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dead {
		return
	}
	c.dead = true
	_ = c.conn.Close()
	for id, ch := range c.calls {
		close(ch)
		delete(c.calls, id)
	}
}

func (c *peerConn) alive() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return !c.dead
}

// call sends req and waits for its reply, or for the connection to end. It does not give
// up earlier: an operation sent may be running, and a local one would not stop either.
func (c *peerConn) call(req delegateRequest) (delegateReply, outcome) {
	ch := make(chan delegateReply, 1)
	c.mu.Lock()
	if c.dead {
		c.mu.Unlock()
		return delegateReply{}, notSent
	}
	c.next++
	req.ID = c.next
	c.calls[req.ID] = ch
	c.mu.Unlock()

	c.wmu.Lock()
	err := c.enc.Encode(req)
	c.wmu.Unlock()
	if err != nil {
		c.fail()
	}
	rep, ok := <-ch
	if !ok {
		return delegateReply{}, lost
	}
	return rep, replied
}

// peers are this store's connections to holders, by socket.
type peers struct {
	mu    sync.Mutex
	conns map[string]*peerConn
	// lastCreated is the creation time, in ns, of this store's last delegated Begin: no
	// two get the same one, as the time names the entry when a reply is lost.
	lastCreated int64
	// handed counts the calls a holder answered.
	handed atomic.Int64
}

// holderConn returns a connection to the process holding the file, when Begin and Finish
// should be handed to it: this process does not hold the file, and the holder sidecar
// names another live process with a socket that answers as that process. Otherwise it
// returns nil and the operation runs here.
func (s *Store) holderConn() *peerConn {
	if !canDelegate || s.readOnly || s.h.holds() {
		return nil
	}
	hd, ok := parseHolder(s.path)
	if !ok || hd.sock == "" || hd.pid == os.Getpid() || !processAlive(hd.pid) {
		return nil
	}
	s.peers.mu.Lock()
	defer s.peers.mu.Unlock()
	if c := s.peers.conns[hd.sock]; c != nil {
		if c.alive() {
			return c
		}
		delete(s.peers.conns, hd.sock)
	}
	c, err := dialPeer(hd.sock, hd.pid)
	if err != nil {
		return nil
	}
	if s.peers.conns == nil {
		s.peers.conns = map[string]*peerConn{}
	}
	s.peers.conns[hd.sock] = c
	return c
}

// createdTime is the creation time of a delegated Begin: now, or 1 ns after the last one.
func (s *Store) createdTime() time.Time {
	now := s.now()
	s.peers.mu.Lock()
	defer s.peers.mu.Unlock()
	if ns := now.UnixNano(); ns > s.peers.lastCreated {
		s.peers.lastCreated = ns
	} else {
		s.peers.lastCreated++
		now = time.Unix(0, s.peers.lastCreated).UTC()
	}
	return now
}

// closePeers ends this store's connections to holders.
func (s *Store) closePeers() {
	s.peers.mu.Lock()
	defer s.peers.mu.Unlock()
	for sock, c := range s.peers.conns {
		c.fail()
		delete(s.peers.conns, sock)
	}
}
