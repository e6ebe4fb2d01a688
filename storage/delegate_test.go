package storage

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/yeok/yeok/model"
)

// childWrites is how many entries a child in "write" mode logs and finishes.
const childWrites = 100

// holdDelegating runs the children that write while another process holds the file:
// "serve" only opens the store and waits, to be the holder others hand their writes to;
// "write" logs and finishes childWrites entries once told to go, then says "done", how many
// calls a holder answered for it and the entries' ids; "begin" begins three entries once
// told to go and says "begun", the count and their ids. All wait for stdin to close.
func holdDelegating(s *Store, mode string) int {
	ctx := context.Background()
	in := bufio.NewReader(os.Stdin)
	fmt.Println("ready")
	if mode != "serve" {
		if _, err := in.ReadString('\n'); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	req := model.Request{Owner: ownerB, Source: "the child's line", To: korean}
	var ids []string
	switch mode {
	case "write":
		for range childWrites {
			e, err := s.Begin(ctx, req)
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			e.Apply(model.Result{Status: model.StatusDone, Text: "아이", Finish: "stop"}, time.Now())
			if _, err := s.Finish(ctx, e); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			ids = append(ids, strconv.FormatUint(e.ID, 10))
		}
		fmt.Println("done", s.peers.handed.Load(), strings.Join(ids, " "))
	case "begin":
		for range 3 {
			e, err := s.Begin(ctx, req)
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			ids = append(ids, strconv.FormatUint(e.ID, 10))
		}
		fmt.Println("begun", s.peers.handed.Load(), strings.Join(ids, " "))
	}
	_, _ = io.Copy(io.Discard, in)
	if err := s.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// childSaid reads the child's next line, "word handed id...", and returns the count of
// calls a holder answered for it and the ids.
func childSaid(t *testing.T, c *child, word string) (int64, []uint64) {
	t.Helper()
	line, err := c.out.ReadString('\n')
	fields := strings.Fields(line)
	if err != nil || len(fields) < 2 || fields[0] != word {
		t.Fatalf("child said %q, %v", line, err)
	}
	handed, _ := strconv.ParseInt(fields[1], 10, 64)
	var ids []uint64
	for _, f := range fields[2:] {
		id, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			t.Fatalf("child said %q", line)
		}
		ids = append(ids, id)
	}
	return handed, ids
}

// writeBeside runs a child that logs childWrites entries while this process, holding the
// file, logs as many; it checks that every entry of both is done, once, and that Check
// finds nothing. It returns how many calls this process answered for the child and how
// many the child says a holder answered.
func writeBeside(t *testing.T, path string) (served, handed int64) {
	t.Helper()
	ctx := context.Background()
	c := startChild(t, path, "write")
	s := openAt(t, path) // takes the file from the child: the sidecar names this process
	if _, err := io.WriteString(c.stdin, "go\n"); err != nil {
		t.Fatal(err)
	}
	for i := range childWrites {
		translate(t, s, model.Request{Owner: ownerA, Source: fmt.Sprintf("mine %d", i), To: korean}, model.StatusDone, "내 것")
	}
	handed, ids := childSaid(t, c, "done")
	_ = c.stdin.Close()
	if err := c.cmd.Wait(); err != nil {
		t.Fatalf("child: %v", err)
	}
	if s.srv != nil {
		served = s.srv.served.Load()
	}

	seen := map[uint64]bool{}
	for _, id := range ids {
		if seen[id] {
			t.Fatalf("the child got id %d twice", id)
		}
		seen[id] = true
	}
	for owner, want := range map[model.Owner]int{ownerA: childWrites, ownerB: childWrites} {
		got, err := s.Entries(ctx, owner, model.EntryQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != want {
			t.Fatalf("%s has %d entries, want %d", owner, len(got), want)
		}
		for _, e := range got {
			if e.Status != model.StatusDone {
				t.Fatalf("%s's entry %d is %s", owner, e.ID, e.Status)
			}
			if owner == ownerB && !seen[e.ID] {
				t.Fatalf("entry %d is not one the child was given", e.ID)
			}
		}
	}
	if err := s.Check(ctx); err != nil {
		t.Fatal(err)
	}
	return served, handed
}

// TestTwoProcessesWriteThroughTheHolder: a process writing while another holds the file
// hands its Begin and Finish to the holder; nothing is lost or doubled.
func TestTwoProcessesWriteThroughTheHolder(t *testing.T) {
	if !canDelegate {
		t.Skip("no delegation on this system")
	}
	served, handed := writeBeside(t, filepath.Join(t.TempDir(), "yeok.db"))
	if served == 0 || handed == 0 {
		t.Fatalf("this process answered %d calls, the child says %d were answered: no delegation", served, handed)
	}
}

// TestNoDelegationWithoutAPrivateSocketDir: a socket directory others may enter is not
// used; the processes take turns with the file as before, and lose nothing.
func TestNoDelegationWithoutAPrivateSocketDir(t *testing.T) {
	runtime := t.TempDir()
	if err := os.Mkdir(filepath.Join(runtime, "yeok"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(runtime, "yeok"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("XDG_RUNTIME_DIR", runtime)
	path := filepath.Join(t.TempDir(), "yeok.db")
	served, handed := writeBeside(t, path)
	if served != 0 || handed != 0 {
		t.Fatalf("delegation through a public directory: %d served, %d handed", served, handed)
	}
	if names, _ := filepath.Glob(filepath.Join(runtime, "yeok", "*")); len(names) != 0 {
		t.Fatalf("sockets made in a public directory: %v", names)
	}
}

// TestDelegatedBeginPendsUnderTheClient: an entry a holder begins for another process is
// pending under that process's mark, not the holder's; when that process is killed, the
// next open marks its entries interrupted and leaves the holder's alone.
func TestDelegatedBeginPendsUnderTheClient(t *testing.T) {
	if !canDelegate {
		t.Skip("no delegation on this system")
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "yeok.db")
	c := startChild(t, path, "begin")
	s := openAt(t, path)
	mine, err := s.Begin(ctx, model.Request{Owner: ownerA, Source: "mine", To: korean})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(c.stdin, "go\n"); err != nil {
		t.Fatal(err)
	}
	handed, ids := childSaid(t, c, "begun")
	if handed != int64(len(ids)) || s.srv.served.Load() != handed {
		t.Fatalf("the child says %d of %d Begins were handed over, this process served %d", handed, len(ids), s.srv.served.Load())
	}
	marks := func(owner model.Owner, ids ...uint64) []processMark {
		var out []processMark
		err := s.view(func(tx *bolt.Tx) error {
			for _, id := range ids {
				m, ok := parseMark(readOwner(tx, owner).pending.Get(u64(id)))
				if !ok {
					return fmt.Errorf("entry %d of %s has no mark", id, owner)
				}
				out = append(out, m)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	for i, m := range marks(ownerB, ids...) {
		if m.pid != uint64(c.cmd.Process.Pid) || m.start != processStart(c.cmd.Process.Pid) {
			t.Fatalf("entry %d pends under %+v, want the child's pid %d", ids[i], m, c.cmd.Process.Pid)
		}
	}
	if m := marks(ownerA, mine.ID)[0]; m != selfMark() {
		t.Fatalf("this process's entry pends under %+v", m)
	}

	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = c.cmd.Wait()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openAt(t, path)
	for _, id := range ids {
		if got, err := s.Entry(ctx, ownerB, id); err != nil || got.Status != model.StatusInterrupted {
			t.Fatalf("the killed child's entry %d: %+v, %v", id, got, err)
		}
	}
	if got, err := s.Entry(ctx, ownerA, mine.ID); err != nil || got.Status != model.StatusPending {
		t.Fatalf("this process's entry: %+v, %v", got, err)
	}
	mine.Apply(model.Result{Status: model.StatusDone, Text: "내 것", Finish: "stop"}, time.Now())
	if _, err := s.Finish(ctx, mine); err != nil {
		t.Fatal(err)
	}
	if err := s.Check(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestHolderKilledWhileDelegating: when the holder dies in the middle of this process's
// writes, they go on here; none is lost, doubled or left pending. An error the holder met
// reads as the same error met here.
func TestHolderKilledWhileDelegating(t *testing.T) {
	if !canDelegate {
		t.Skip("no delegation on this system")
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "yeok.db")
	s := openAt(t, path)
	first := translate(t, s, model.Request{Owner: ownerA, Source: "first", To: korean}, model.StatusDone, "처음")
	c := startChild(t, path, "serve") // takes the file: the sidecar names the child

	missing := model.Entry{ID: first.ID + 1000, Owner: ownerA, Status: model.StatusDone}
	_, remote := s.Finish(ctx, missing)
	if !errors.Is(remote, model.ErrNotFound) || s.peers.handed.Load() != 1 {
		t.Fatalf("a Finish handed to the holder: %v (%d handed), want ErrNotFound", remote, s.peers.handed.Load())
	}
	if _, err := s.Begin(ctx, model.Request{Owner: ownerA, SessionID: 77, Source: "x", To: korean}); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("a Begin in a missing session handed to the holder: %v", err)
	}

	const writes = 200
	half, killed := make(chan struct{}), make(chan struct{})
	go func() {
		<-half
		_ = c.cmd.Process.Signal(syscall.SIGKILL)
		close(killed)
	}()
	var handedBefore int64
	for i := range writes {
		if i == writes/3 {
			handedBefore = s.peers.handed.Load()
			close(half)
		}
		translate(t, s, model.Request{Owner: ownerA, Source: fmt.Sprintf("line %d", i), To: korean}, model.StatusDone, "줄")
	}
	<-killed
	_ = c.cmd.Wait()
	if handedBefore < writes/3 {
		t.Fatalf("only %d calls were handed to the holder before it was killed", handedBefore)
	}

	_, local := s.Finish(ctx, missing)
	if local == nil || remote.Error() != local.Error() {
		t.Fatalf("the holder's error %q reads differently here: %v", remote, local)
	}
	got, err := s.Entries(ctx, ownerA, model.EntryQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != writes+1 {
		t.Fatalf("%d entries, want %d", len(got), writes+1)
	}
	for _, e := range got {
		if e.Status != model.StatusDone {
			t.Fatalf("entry %d is %s", e.ID, e.Status)
		}
	}
	if err := s.Check(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestLostBeginIsFoundAgain: a Begin retried here after its reply was lost returns the
// entry the holder logged, and logs one only when the holder had not.
func TestLostBeginIsFoundAgain(t *testing.T) {
	s := openTest(t)
	req := model.Request{Owner: ownerA, Source: "lost", To: korean}
	created := s.now()
	mark := processMark{pid: uint64(os.Getpid()), start: 1}
	logged, err := s.beginLocal(req, created, mark, false)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		req     model.Request
		created time.Time
		mark    processMark
		same    bool
	}{
		{"the one logged", req, created, mark, true},
		{"another time", req, created.Add(time.Nanosecond), mark, false},
		{"another source", model.Request{Owner: ownerA, Source: "other", To: korean}, created, mark, false},
		{"another process", req, created, processMark{pid: 1, start: 1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.beginLocal(tt.req, tt.created, tt.mark, true)
			if err != nil {
				t.Fatal(err)
			}
			if (got.ID == logged.ID) != tt.same {
				t.Fatalf("retry gave entry %d, first was %d", got.ID, logged.ID)
			}
		})
	}
}

func TestCreatedTimesDiffer(t *testing.T) {
	s := openTest(t)
	fixed := s.now()
	s.now = func() time.Time { return fixed }
	a, b := s.createdTime(), s.createdTime()
	if !b.After(a) {
		t.Fatalf("two delegated Begins created at %v and %v", a, b)
	}
}

func TestCheckPeer(t *testing.T) {
	uid := uint32(os.Getuid())
	tests := []struct {
		name string
		peer peer
		pid  int
		ok   bool
	}{
		{"this user, any process", peer{uid: uid, pid: 42}, 0, true},
		{"this user, the holder", peer{uid: uid, pid: 42}, 42, true},
		{"this user, another process", peer{uid: uid, pid: 43}, 42, false},
		{"another user", peer{uid: uid + 1, pid: 42}, 0, false},
		{"another user as the holder", peer{uid: uid + 1, pid: 42}, 42, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := checkPeer(tt.peer, tt.pid); (err == nil) != tt.ok {
				t.Fatalf("checkPeer = %v, want ok %v", err, tt.ok)
			}
		})
	}
}

func TestSocketDirSafe(t *testing.T) {
	if !canDelegate {
		t.Skip("no delegation on this system")
	}
	base := t.TempDir()
	mk := func(name string, mode os.FileMode) string {
		p := filepath.Join(base, name)
		if err := os.Mkdir(p, mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	private := mk("private", 0o700)
	link := filepath.Join(base, "link")
	if err := os.Symlink(private, link); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(base, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		dir  string
		safe bool
	}{
		{"private", private, true},
		{"open to others", mk("public", 0o755), false},
		{"open to the group", mk("group", 0o770), false},
		{"a link to a private one", link, false},
		{"a file", file, false},
		{"missing", filepath.Join(base, "none"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := socketDirSafe(tt.dir); got != tt.safe {
				t.Fatalf("socketDirSafe = %v, want %v", got, tt.safe)
			}
		})
	}
}

// TestErrorsCrossTheSocket: an error sent back by the holder reads as the same line and
// matches the same sentinels, naming this process's path.
func TestErrorsCrossTheSocket(t *testing.T) {
	const path = "/data/yeok.db"
	tests := []struct {
		name string
		err  error
		is   []error
	}{
		{"not found", fmt.Errorf("session 5: %w", model.ErrNotFound), []error{model.ErrNotFound}},
		{"corrupt", &corruptError{path: path, cause: errPageFault}, []error{model.ErrStoreCorrupt, errPageFault}},
		{"corrupt inside", fmt.Errorf("entry 3: %w", &corruptError{path: path, cause: errors.New("bad page")}), []error{model.ErrStoreCorrupt}},
		{"locked", &lockedError{path: path, holder: "pid 12 (yeok serve)"}, []error{model.ErrStoreLocked}},
		{"plain", errors.New("store is closed"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := decodeError(encodeError(tt.err), path)
			if got.Error() != tt.err.Error() {
				t.Fatalf("message %q, want %q", got, tt.err)
			}
			for _, want := range tt.is {
				if !errors.Is(got, want) {
					t.Fatalf("%v does not match %v", got, want)
				}
			}
			if errors.Is(got, model.ErrNotFound) != errors.Is(tt.err, model.ErrNotFound) {
				t.Fatalf("%v matches ErrNotFound differently", got)
			}
		})
	}
}
