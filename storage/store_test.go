package storage

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/yeok/yeok/model"
)

// holdEnv switches the test binary into a child that holds a store open until its stdin
// closes, standing in for a second yeok process.
const holdEnv = "YEOK_STORAGE_TEST_HOLD"

// holdModeEnv says what the child holds; see hold.
const holdModeEnv = "YEOK_STORAGE_TEST_HOLD_MODE"

func TestMain(m *testing.M) {
	if path := os.Getenv(holdEnv); path != "" {
		os.Exit(hold(path))
	}
	if path := os.Getenv(searchEnv); path != "" {
		os.Exit(runSearches(path))
	}
	os.Exit(m.Run())
}

// hold opens the store at path and then, as the mode in holdModeEnv says, holds the file
// ("lock": one operation that lasts until stdin closes, as Compact does) or begins an entry
// and keeps it pending ("pending": it prints the entry's id), until stdin closes or the
// process is killed.
func hold(path string) int {
	s, err := Open(context.Background(), path, Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	switch mode := os.Getenv(holdModeEnv); mode {
	case "serve", "write", "begin":
		return holdDelegating(s, mode)
	case "busy":
		// Begin and Finish one entry after another until stdin closes, as a second
		// process translating beside this one does.
		stop := make(chan struct{})
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			close(stop)
		}()
		fmt.Println("ready")
		req := model.Request{Owner: ownerB, Source: "a busy neighbour's line", To: korean}
		for {
			select {
			case <-stop:
				return 0
			default:
			}
			e, err := s.Begin(context.Background(), req)
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			e.Apply(model.Result{Status: model.StatusDone, Text: "이웃", Finish: "stop"}, time.Now())
			if _, err := s.Finish(context.Background(), e); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
		}
	case "pending":
		e, err := s.Begin(context.Background(), model.Request{Owner: ownerB, Source: "the child's line", To: korean})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Println("ready", e.ID)
	default:
		if _, err := s.h.acquire(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer s.h.release()
		fmt.Println("ready")
	}
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n') // returns at EOF
	if err := s.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

func TestOpenCreates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "yeok", "yeok.db")
	s := openAt(t, path)
	if s.Path() != path {
		t.Fatalf("Path = %q", s.Path())
	}
	for p, want := range map[string]os.FileMode{filepath.Dir(path): 0o700, path: 0o600} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s mode %o, want %o", p, got, want)
		}
	}
	err := s.view(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketMeta).Get(keySchema); fromU64(v) != schemaVersion {
			return fmt.Errorf("schema version %x", v)
		}
		if tx.Bucket(bucketOwners) == nil {
			return errors.New("no owners bucket")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(holderPath(path)); err != nil {
		t.Fatalf("holder sidecar missing: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(holderPath(path)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("holder sidecar left after Close: %v", err)
	}
}

// startHolder runs the test binary as a second process over the store at path, holding it
// as mode says (see hold), and returns it with its stdin and the line it said when ready.
func startHolder(t *testing.T, path, mode string) (*exec.Cmd, io.WriteCloser, string) {
	t.Helper()
	c := startChild(t, path, mode)
	return c.cmd, c.stdin, c.ready
}

// child is the test binary running as a second process; see hold.
type child struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Reader // what it says after its first line
	ready string        // its first line, "ready" and what follows
}

// startChild runs the test binary as a second process over the store at path, in mode
// (see hold), and returns once it said it is ready.
func startChild(t *testing.T, path, mode string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), holdEnv+"="+path, holdModeEnv+"="+mode)
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
	t.Cleanup(func() { _ = stdin.Close(); _ = cmd.Wait() })
	out := bufio.NewReader(stdout)
	line, err := out.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "ready") {
		t.Fatalf("child said %q, %v", line, err)
	}
	return &child{cmd: cmd, stdin: stdin, out: out, ready: strings.TrimSpace(line)}
}

// TestOpenLockedByOtherProcess: while another process holds the file in an operation (as
// Compact does), Open gives up after its timeout with one line naming the holder.
func TestOpenLockedByOtherProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "yeok.db")
	cmd, stdin, _ := startHolder(t, path, "lock")

	start := time.Now()
	_, err := Open(context.Background(), path, Options{Timeout: 300 * time.Millisecond})
	elapsed := time.Since(start)
	if !errors.Is(err, model.ErrStoreLocked) {
		t.Fatalf("Open of a held file: %v, want ErrStoreLocked", err)
	}
	if elapsed > 1500*time.Millisecond {
		t.Fatalf("Open took %v to give up", elapsed)
	}
	msg := err.Error()
	if want := fmt.Sprintf("pid %d (", cmd.Process.Pid); !strings.Contains(msg, want) || strings.Contains(msg, "\n") {
		t.Fatalf("message %q does not name %q on one line", msg, want)
	}

	_ = stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v", err)
	}
	s := openAt(t, path) // released: opens now
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestOpenLockedUnknownHolder(t *testing.T) {
	tests := []struct {
		name    string
		sidecar string // "" means none
	}{
		{"no sidecar", ""},
		{"stale sidecar", "2147483000\nyeok gone\n"},
		{"garbage sidecar", "\x1b]52;c;x\x07\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "yeok.db")
			// bbolt's lock belongs to the open file, so a second handle in this process
			// stands in for another process.
			db, err := bolt.Open(path, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if tt.sidecar != "" {
				if err := os.WriteFile(holderPath(path), []byte(tt.sidecar), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			_, err = Open(context.Background(), path, Options{Timeout: 100 * time.Millisecond})
			if !errors.Is(err, model.ErrStoreLocked) {
				t.Fatalf("err = %v, want ErrStoreLocked", err)
			}
			if want := "database " + path + " is in use by another process"; err.Error() != want {
				t.Fatalf("message %q, want %q", err, want)
			}
		})
	}
}

func TestOpenCorrupt(t *testing.T) {
	garbage := make([]byte, 64<<10)
	_, _ = rand.Read(garbage)
	tests := []struct {
		name    string
		prepare func(t *testing.T, path string)
	}{
		{"random bytes", func(t *testing.T, path string) {
			writeFile(t, path, garbage)
		}},
		{"short file", func(t *testing.T, path string) {
			writeFile(t, path, []byte("not a database"))
		}},
		{"damaged pages", func(t *testing.T, path string) {
			s := openAt(t, path)
			for i := range 50 {
				translate(t, s, model.Request{Owner: ownerA, Source: fmt.Sprint("line ", i), To: korean}, model.StatusDone, "줄")
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			// Keep both meta pages (the first two 4 KiB pages), garble everything after.
			for i := 2 * 4096; i < len(b); i++ {
				b[i] = 0xa5
			}
			writeFile(t, path, b)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "yeok.db")
			tt.prepare(t, path)
			s, err := Open(context.Background(), path, Options{})
			if err == nil {
				s.Close()
				t.Fatal("Open of a damaged file succeeded")
			}
			if !errors.Is(err, model.ErrStoreCorrupt) {
				t.Fatalf("err = %v, want ErrStoreCorrupt", err)
			}
			// The failed open must not keep the file locked.
			if _, again := Open(context.Background(), path, Options{Timeout: 100 * time.Millisecond}); !errors.Is(again, model.ErrStoreCorrupt) {
				t.Fatalf("second Open: %v, want ErrStoreCorrupt", again)
			}
			msg := err.Error()
			// One line, naming no command: the command that met the damage gives advice.
			if !strings.HasPrefix(msg, "database "+path+" is damaged: ") || strings.Contains(msg, "yeok ") || strings.Contains(msg, "\n") {
				t.Fatalf("message %q", msg)
			}
		})
	}
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestOpenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	path := filepath.Join(t.TempDir(), "yeok.db")
	if _, err := Open(ctx, path, Options{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a cancelled Open created the file: %v", err)
	}
}

func TestOpenNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "yeok.db")
	s := openAt(t, path)
	if err := s.update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keySchema, u64(schemaVersion+1))
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	_, err := Open(context.Background(), path, Options{})
	if err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("err = %v, want a newer-schema error", err)
	}
}

func TestOpenReadOnlyMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "none", "yeok.db")
	if _, err := Open(context.Background(), path, Options{ReadOnly: true}); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("err = %v, want ErrNotExist", err)
	}
	if _, err := os.Stat(filepath.Dir(path)); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("a read-only Open created the directory")
	}
}

// TestProcessesShareTheFile: a second process with an entry pending does not keep this one
// out; this one reads the other's entry as pending, never interrupted, and writes its own.
// Once the other process is killed, the next open marks its entry interrupted.
func TestProcessesShareTheFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "yeok.db")
	cmd, _, ready := startHolder(t, path, "pending")
	id, err := strconv.ParseUint(strings.TrimPrefix(ready, "ready "), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	s := openAt(t, path)
	sess, _ := s.NewSession(ctx, ownerA, model.Session{})
	mine := translate(t, s, model.Request{Owner: ownerA, SessionID: sess.ID, Source: "mine", To: korean}, model.StatusDone, "내 것")
	if got, err := s.Entry(ctx, ownerB, id); err != nil || got.Status != model.StatusPending {
		t.Fatalf("the live process's entry: %+v, %v", got, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openAt(t, path) // a fresh open checks the pending entries' processes
	if got, _ := s.Entry(ctx, ownerB, id); got.Status != model.StatusPending {
		t.Fatalf("a live process's entry was changed on open: %+v", got)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openAt(t, path)
	got, err := s.Entry(ctx, ownerB, id)
	if err != nil || got.Status != model.StatusInterrupted || got.Source != "the child's line" {
		t.Fatalf("the killed process's entry: %+v, %v", got, err)
	}
	if again, _ := s.Entry(ctx, ownerA, mine.ID); again.Status != model.StatusDone {
		t.Fatalf("this process's entry changed: %+v", again)
	}
	if err := s.Check(ctx); err != nil {
		t.Fatal(err)
	}
}
