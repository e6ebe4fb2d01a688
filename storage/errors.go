package storage

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"

	berrors "go.etcd.io/bbolt/errors"

	"github.com/yeok/yeok/model"
)

// lockedError says which process holds the file, in one line.
type lockedError struct {
	path   string
	holder string // "pid 123 (yeok serve)" or "another process"
}

func (e *lockedError) Error() string {
	return fmt.Sprintf("database %s is in use by %s", e.path, e.holder)
}

// Unwrap lets errors.Is match model.ErrStoreLocked.
func (e *lockedError) Unwrap() error { return model.ErrStoreLocked }

// corruptError says the file is damaged, in one line. It names no command to run: what helps
// depends on the command that met the damage, and `yeok db check` adds its own advice.
type corruptError struct {
	path  string
	cause error
}

func (e *corruptError) Error() string {
	return fmt.Sprintf("database %s is damaged: %s", e.path, model.SanitizeLine(e.cause.Error()))
}

// Unwrap lets errors.Is match model.ErrStoreCorrupt and the cause.
func (e *corruptError) Unwrap() []error { return []error{model.ErrStoreCorrupt, e.cause} }

// errPageFault is the cause given when reading the file's memory map faulted.
var errPageFault = errors.New("a page of the file cannot be read")

// guard runs fn, turning a panic into a corruptError and filling in the path of one fn
// returned. bbolt panics on some damaged pages; and a read of its memory map past the end of
// a file that shrank would kill the process with SIGBUS, which SetPanicOnFault turns into a
// panic of this goroutine instead. Open checks the file's size first, so that is the second
// line of defence.
func guard(path string, fn func() error) (err error) {
	old := debug.SetPanicOnFault(true)
	defer func() {
		debug.SetPanicOnFault(old)
		if r := recover(); r != nil {
			cause := fmt.Errorf("%v", r)
			if _, ok := r.(interface{ Addr() uintptr }); ok { // a memory fault
				cause = errPageFault
			}
			err = &corruptError{path: path, cause: cause}
		}
		var ce *corruptError
		if errors.As(err, &ce) && ce.path == "" {
			ce.path = path
		}
	}()
	return fn()
}

// isCorruption reports errors bbolt gives for a file that is not a sound bbolt database.
func isCorruption(err error) bool {
	return errors.Is(err, berrors.ErrInvalid) || errors.Is(err, berrors.ErrChecksum) ||
		errors.Is(err, berrors.ErrVersionMismatch) || errors.Is(err, berrors.ErrInvalidMapping) ||
		strings.Contains(err.Error(), "file size too small")
}

// holderPath is the sidecar file that names the process holding the database.
func holderPath(path string) string { return path + ".pid" }

// writeHolder records this process as the holder: its pid on the first line, its command on
// the second, and on the third the socket it runs other processes' Begin and Finish on
// (empty when it does not).
func writeHolder(path, sock string) error {
	cmd := model.Title(model.SanitizeLine(strings.Join(os.Args, " ")), 80)
	return os.WriteFile(holderPath(path), []byte(strconv.Itoa(os.Getpid())+"\n"+cmd+"\n"+sock+"\n"), 0o600)
}

// removeHolder removes the sidecar if it still names this process.
func removeHolder(path string) {
	if hd, ok := parseHolder(path); ok && hd.pid == os.Getpid() {
		_ = os.Remove(holderPath(path))
	}
}

// readHolder describes the holder for an error message: "pid 123 (yeok serve)" when the
// sidecar names a live process, else "another process".
func readHolder(path string) string {
	hd, ok := parseHolder(path)
	if !ok || !processAlive(hd.pid) {
		return "another process"
	}
	if hd.cmd == "" {
		return "pid " + strconv.Itoa(hd.pid)
	}
	return fmt.Sprintf("pid %d (%s)", hd.pid, hd.cmd)
}

// holder is what the sidecar says of the process holding the file.
type holder struct {
	pid  int
	cmd  string
	sock string // "" when written by a yeok that does not serve, or one that cannot
}

// parseHolder reads the sidecar; one of two lines (no socket) reads as well as one of three.
func parseHolder(path string) (holder, bool) {
	b, err := os.ReadFile(holderPath(path))
	if err != nil {
		return holder{}, false
	}
	first, rest, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil || pid <= 0 {
		return holder{}, false
	}
	cmd, sock, _ := strings.Cut(rest, "\n")
	sock = strings.TrimSpace(sock)
	if !filepath.IsAbs(sock) {
		sock = ""
	}
	return holder{pid: pid, cmd: model.Title(model.SanitizeLine(cmd), 80), sock: sock}, true
}
