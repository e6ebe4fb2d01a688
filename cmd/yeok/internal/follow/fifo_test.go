//go:build unix

package follow

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestFollowNamedPipe(t *testing.T) {
	path := filepath.Join(t.TempDir(), "talk.fifo")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	written := make(chan error, 1)
	go func() {
		// Opening a named pipe waits for its reader, which Lines opens.
		w, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			written <- err
			return
		}
		_, err = w.WriteString("one\ntwo\nthree")
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		written <- err
	}()
	lines, errs, _ := follow(t, path, testOpts())
	receiveTexts(t, lines, 1, "one", "two", "three")
	if err := <-written; err != nil {
		t.Fatal(err)
	}
	if err := expectClosed(t, lines, errs); err != nil {
		t.Fatalf("errs = %v, want nil when the writer closes", err)
	}
}
