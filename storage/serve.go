package storage

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/yeok/yeok/model"
)

// server runs the Begin and Finish calls other processes hand to this one while it holds
// the file; see Store.
type server struct {
	s    *Store
	ln   *net.UnixListener
	sock string

	mu     sync.Mutex
	conns  map[*net.UnixConn]struct{}
	closed bool
	wg     sync.WaitGroup // the accept loop and every connection's loop
	served atomic.Int64   // requests answered
}

// serve listens on a socket for the store's database, or returns nil when this system or
// the socket directory does not allow it: the store then only ever runs its own operations.
func serve(s *Store) *server {
	if !canDelegate || s.readOnly {
		return nil
	}
	dir := socketDir()
	_ = os.Mkdir(dir, 0o700)
	if !socketDirSafe(dir) {
		return nil
	}
	prefix := socketPrefix(s.path)
	removeStaleSockets(dir, prefix)
	var suffix [4]byte
	_, _ = rand.Read(suffix[:])
	sock := filepath.Join(dir, prefix+strconv.Itoa(os.Getpid())+"-"+hex.EncodeToString(suffix[:])+".sock")
	if len(sock) > maxSocketPath {
		return nil
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		return nil
	}
	sv := &server{s: s, ln: ln, sock: sock, conns: map[*net.UnixConn]struct{}{}}
	sv.wg.Add(1)
	go sv.accept()
	return sv
}

// removeStaleSockets removes the sockets left in dir by killed processes that served the
// database whose sockets start with prefix.
func removeStaleSockets(dir, prefix string) {
	names, _ := filepath.Glob(filepath.Join(dir, prefix+"*.sock"))
	for _, name := range names {
		pid, _, _ := strings.Cut(strings.TrimPrefix(filepath.Base(name), prefix), "-")
		if n, err := strconv.Atoi(pid); err == nil && n != os.Getpid() && !processAlive(n) {
			_ = os.Remove(name)
		}
	}
}

func (sv *server) accept() {
	defer sv.wg.Done()
	for {
		conn, err := sv.ln.AcceptUnix()
		if err != nil {
			return
		}
		p, err := peerOf(conn)
		if err == nil {
			err = checkPeer(p, 0)
		}
		sv.mu.Lock()
		if err != nil || sv.closed {
			sv.mu.Unlock()
			_ = conn.Close()
			continue
		}
		sv.conns[conn] = struct{}{}
		sv.wg.Add(1)
		sv.mu.Unlock()
		go sv.serveConn(conn)
	}
}

// serveConn runs each request read from conn beside the others, so that they share
// commits, and answers it. Every request read is answered before the connection closes.
func (sv *server) serveConn(conn *net.UnixConn) {
	defer sv.wg.Done()
	var (
		running sync.WaitGroup
		wmu     sync.Mutex
	)
	enc := json.NewEncoder(conn)
	dec := json.NewDecoder(bufio.NewReader(conn))
	for {
		var req delegateRequest
		if err := dec.Decode(&req); err != nil {
			break
		}
		running.Add(1)
		go func() {
			defer running.Done()
			rep := sv.run(req)
			wmu.Lock()
			defer wmu.Unlock()
			_ = enc.Encode(rep)
		}()
	}
	running.Wait()
	sv.mu.Lock()
	delete(sv.conns, conn)
	sv.mu.Unlock()
	_ = conn.Close()
}

// run runs one request through this store's own Begin or Finish path.
func (sv *server) run(req delegateRequest) delegateReply {
	defer sv.served.Add(1)
	var (
		e   model.Entry
		err error
	)
	switch {
	case req.Op == opBegin && req.Request != nil:
		r := *req.Request
		r.Owner = req.Owner
		if err = checkBegin(r); err == nil {
			e, err = sv.s.beginLocal(r, req.Created, processMark{pid: req.Mark[0], start: req.Mark[1]}, false)
		}
	case req.Op == opFinish && req.Entry != nil:
		in := *req.Entry
		in.Owner = req.Owner
		if err = checkFinish(in); err == nil {
			e, err = sv.s.finishLocal(in, true)
		}
	default:
		err = fmt.Errorf("unknown request %q", req.Op)
	}
	if err != nil {
		return delegateReply{ID: req.ID, Err: encodeError(err)}
	}
	return delegateReply{ID: req.ID, Entry: &e}
}

// close stops taking requests, answers the ones read, and removes the socket. A request
// not yet read is never run; its client learns so when the connection ends.
func (sv *server) close() {
	sv.mu.Lock()
	sv.closed = true
	_ = sv.ln.Close()
	for conn := range sv.conns {
		_ = conn.SetReadDeadline(time.Unix(1, 0))
	}
	sv.mu.Unlock()
	sv.wg.Wait()
	_ = os.Remove(sv.sock)
}
