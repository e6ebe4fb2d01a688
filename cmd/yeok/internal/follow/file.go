package follow

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// errStopped ends a follower quietly: ctx ended while a line was being sent.
var errStopped = errors.New("following stopped")

// Lines follows the file at path, or standard input when path is "-", sending each new
// complete line on the returned channel in order, until ctx ends; then the channel is
// closed. Standard input, and a path naming a pipe or device rather than a regular file,
// are followed as LinesFrom does: they end when the writer closes them.
//
// The error returned at once is one that prevents following at all: the path names a
// directory, cannot be opened (other than not existing yet), or its directory does not
// exist. Opening a named pipe waits for its writer, as opening one always does.
//
// After the lines channel is closed, errs yields at most one error, the one that ended
// following (a read error of the open file or pipe), and is then closed: nil from it means
// ctx ended or the pipe ended. A file that is missing, unreadable or not a regular file for
// a while during rotation is not an error: it is checked again at the next poll.
func Lines(ctx context.Context, path string, opts Options) (lines <-chan Line, errs <-chan error, err error) {
	if path == "-" {
		lines, errs = followStream(ctx, os.Stdin, nil, "stdin", opts)
		return lines, errs, nil
	}
	f, info, err := openAtStart(path)
	if err != nil {
		return nil, nil, err
	}
	if f != nil && !info.Mode().IsRegular() {
		lines, errs = followStream(ctx, f, f, path, opts)
		return lines, errs, nil
	}
	opts = opts.withDefaults()
	out := make(chan Line)
	errc := make(chan error, 1)
	fl := &fileFollower{
		path: path,
		poll: opts.Poll,
		sp:   splitter{max: opts.MaxLine},
		buf:  make([]byte, chunkSize),
		snd:  &sender{ctx: ctx, out: out},
	}
	if f != nil {
		fl.f, fl.id = f, info
		if !opts.FromStart {
			fl.off = info.Size()
			// An unfinished line at the end began before following did: skip its rest.
			fl.sp.skipping = !endsInNewline(f, fl.off)
		}
	}
	go fl.run(ctx, out, errc)
	return out, errc, nil
}

// openAtStart opens path to follow it. A path that does not exist yet gives no file and no
// error, as long as its directory exists.
func openAtStart(path string) (*os.File, os.FileInfo, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		if _, derr := os.Stat(filepath.Dir(path)); derr != nil {
			return nil, nil, fmt.Errorf("follow %s: %w", path, derr)
		}
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, pathError(path, err)
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, pathError(path, err)
	}
	if info.IsDir() {
		f.Close()
		return nil, nil, fmt.Errorf("follow %s: is a directory", path)
	}
	return f, info, nil
}

// pathError says that following path failed, without the operation and path an
// *fs.PathError about the same file would repeat.
func pathError(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) && pe.Path == path {
		err = pe.Err
	}
	return fmt.Errorf("follow %s: %w", path, err)
}

// endsInNewline reports whether the first size bytes of f end in '\n' (or are empty).
func endsInNewline(f *os.File, size int64) bool {
	if size == 0 {
		return true
	}
	var last [1]byte
	n, _ := f.ReadAt(last[:], size-1)
	return n == 1 && last[0] == '\n'
}

// fileFollower polls one path. It reads with ReadAt at its own offset, so truncation is
// noticed by comparing that offset with the file's size.
type fileFollower struct {
	path string
	poll time.Duration
	f    *os.File    // the file being read; nil while the path does not name one
	id   os.FileInfo // f's identity, compared with the path's to notice rotation
	off  int64       // how much of f has been read
	sp   splitter
	buf  []byte
	snd  *sender
}

// run polls until ctx ends or reading fails, then closes the channels.
func (fl *fileFollower) run(ctx context.Context, lines chan<- Line, errs chan<- error) {
	err := fl.loop(ctx)
	if fl.f != nil {
		fl.f.Close()
	}
	if errors.Is(err, errStopped) {
		err = nil
	}
	finish(lines, errs, err)
}

func (fl *fileFollower) loop(ctx context.Context) error {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		}
		if err := fl.check(); err != nil {
			return err
		}
		timer.Reset(fl.poll)
	}
}

// check is one poll: pick up a file that appeared, start over on truncation, read what
// was appended, and switch files on rotation.
func (fl *fileFollower) check() error {
	if fl.f == nil {
		f, info, ok := openRegular(fl.path)
		if !ok {
			return nil
		}
		fl.f, fl.id, fl.off = f, info, 0
		return fl.drain()
	}
	info, err := fl.f.Stat()
	if err != nil {
		return pathError(fl.path, err)
	}
	if info.Size() < fl.off {
		if !fl.sp.flush(fl.snd.send) {
			return errStopped
		}
		fl.off = 0
	}
	if err := fl.drain(); err != nil {
		return err
	}
	cur, err := os.Stat(fl.path)
	if err != nil || os.SameFile(fl.id, cur) {
		// Missing (removed, or between a rename and its replacement) or the same file:
		// keep reading the open one, which a writer may still be appending to.
		return nil
	}
	return fl.rotate()
}

// rotate switches to the file the path now names, after reading the old one to its end.
// If the new file cannot be opened yet, the old one is kept and the switch is tried again
// at the next poll.
func (fl *fileFollower) rotate() error {
	f, info, ok := openRegular(fl.path)
	if !ok {
		return nil
	}
	if err := fl.drain(); err != nil {
		f.Close()
		return err
	}
	if !fl.sp.flush(fl.snd.send) {
		f.Close()
		return errStopped
	}
	fl.f.Close()
	fl.f, fl.id, fl.off = f, info, 0
	return fl.drain()
}

// drain reads f from the offset to its current end, sending the lines completed.
func (fl *fileFollower) drain() error {
	for {
		n, err := fl.f.ReadAt(fl.buf, fl.off)
		if n > 0 {
			fl.off += int64(n)
			if !fl.sp.feed(fl.buf[:n], fl.snd.send) {
				return errStopped
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return pathError(fl.path, err)
		}
	}
}

// openRegular opens path if it names a regular file now. Anything else (missing,
// unreadable, a directory or pipe) is reported as not ok, to be tried again later.
func openRegular(path string) (*os.File, os.FileInfo, bool) {
	if st, err := os.Stat(path); err != nil || !st.Mode().IsRegular() {
		return nil, nil, false
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, false
	}
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() {
		f.Close()
		return nil, nil, false
	}
	return f, info, true
}
