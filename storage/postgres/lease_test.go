package postgres

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/yeok/yeok/model"
)

// childEnv switches the test binary into a process that opens the store at the URL it
// names, begins an entry, prints its id and waits until it is killed or its stdin closes.
const childEnv = "YEOK_POSTGRES_TEST_CHILD"

// childTTL is the lease the child and the tests over it use.
const childTTL = 1500 * time.Millisecond

func child(url string) int {
	ctx := context.Background()
	s, err := Open(ctx, url, Options{LeaseTTL: childTTL})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	e, err := s.Begin(ctx, model.Request{Owner: ownerChild, Source: "the child's line", To: "ko"})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("ready", e.ID)
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
	if err := s.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

const ownerChild model.Owner = "http:child"

// startChild runs the child over url and returns it with the id of its pending entry.
func startChild(t *testing.T, url string) (*exec.Cmd, uint64) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+url)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = stdin.Close(); _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "ready ") {
		t.Fatalf("child said %q, %v", line, err)
	}
	id, err := strconv.ParseUint(strings.TrimSpace(strings.TrimPrefix(line, "ready ")), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return cmd, id
}

// waitStatus polls the entry until it has status want, failing after limit.
func waitStatus(t *testing.T, s *Store, id uint64, want model.Status, limit time.Duration) model.Entry {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		e, err := s.Entry(context.Background(), ownerChild, id)
		if err != nil {
			t.Fatal(err)
		}
		if e.Status == want {
			return e
		}
		if time.Now().After(deadline) {
			t.Fatalf("entry %d is %s after %v, want %s", id, e.Status, limit, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestKilledProcessLeavesInterrupted: a process killed mid-stream leaves its entry pending
// only until its lease expires; another process's sweep then marks it interrupted, while a
// live process's entry is never touched.
func TestKilledProcessLeavesInterrupted(t *testing.T) {
	ctx := context.Background()
	s, url := openTest(t, Options{LeaseTTL: childTTL})
	cmd, id := startChild(t, url)
	live, liveID := startChild(t, url)
	_ = live

	// Two of the child's heartbeats and this store's sweeps pass: still pending.
	time.Sleep(2 * childTTL)
	if e, _ := s.Entry(ctx, ownerChild, id); e.Status != model.StatusPending {
		t.Fatalf("a live process's entry was marked: %+v", e)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	e := waitStatus(t, s, id, model.StatusInterrupted, 5*childTTL)
	if e.Source != "the child's line" || e.ErrorClass != model.ClassInterrupted || e.Error != interruptedMessage {
		t.Fatalf("interrupted entry %+v", e)
	}
	if e, _ := s.Entry(ctx, ownerChild, liveID); e.Status != model.StatusPending {
		t.Fatalf("the live child's entry was marked: %+v", e)
	}
	if err := s.Check(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestOpenSweepsDeadLeases: the next Open marks the entries of a process whose lease
// expired, without waiting for a heartbeat.
func TestOpenSweepsDeadLeases(t *testing.T) {
	ctx := context.Background()
	url := server.NewDatabase(t)
	cmd, id := startChild(t, url)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	// Expire the dead child's lease as time would.
	if err := server.Exec(ctx, dbName(url), `UPDATE leases SET expires = now() - interval '1 second'`); err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if e, _ := s.Entry(ctx, ownerChild, id); e.Status != model.StatusInterrupted {
		t.Fatalf("after Open: %+v", e)
	}
}

// TestCloseInterruptsOwnPending: a store closed with entries still pending marks them
// interrupted at once.
func TestCloseInterruptsOwnPending(t *testing.T) {
	ctx := context.Background()
	url := server.NewDatabase(t)
	s, err := Open(ctx, url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	e, err := s.Begin(ctx, model.Request{Owner: ownerChild, Source: "x", To: "ko"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(ctx, url, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got, _ := s.Entry(ctx, ownerChild, e.ID); got.Status != model.StatusInterrupted {
		t.Fatalf("after Close: %+v", got)
	}
	if err := s.Check(ctx); err != nil {
		t.Fatal(err)
	}
}

// dbName is the database a test URL names.
func dbName(url string) string {
	rest := url[strings.LastIndex(url, "@/")+2:]
	name, _, _ := strings.Cut(rest, "?")
	return name
}
