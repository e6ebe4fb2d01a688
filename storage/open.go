package storage

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/yeok/yeok/model"
	"github.com/yeok/yeok/storage/internal/filelock"
)

// errIsDir is the cause given when the database path names a directory.
var errIsDir = errors.New("is a directory, not a database file")

// fileGrowth is how far ahead of its pages bbolt grows a file of more than that size, a
// quarter of bbolt's default of 16 MiB, which a 100,000-entry file would carry as a
// third of its size. Growing costs a truncate and an fsync, once per some ten thousand
// entries.
const fileGrowth = 4 << 20

// openBolt opens and locks the file, turning a lock timeout and a damaged file into our
// errors. The file is opened, locked and judged by openLocked and checkOpened before bbolt
// reads a page of it. bbolt panics on some damaged files: the panic is recovered here and
// the file it left open is released.
func openBolt(path string, opts Options) (db *bolt.DB, err error) {
	deadline := time.Now().Add(opts.Timeout)
	var file *os.File
	openFile := func(name string, flag int, perm os.FileMode) (*os.File, error) {
		if file != nil {
			// bbolt opens the file again only to copy it (Tx.WriteTo), under the lock held.
			return os.OpenFile(name, flag, perm)
		}
		f, created, err := openLocked(name, flag, !opts.ReadOnly, deadline)
		if err != nil {
			return nil, err
		}
		if err := checkOpened(f, name, created); err != nil {
			releaseFile(f)
			return nil, err
		}
		if !opts.ReadOnly && !opts.tidied {
			removeLeftovers(name)
		}
		file = f
		return f, nil
	}
	err = guard(path, func() error {
		var openErr error
		db, openErr = bolt.Open(path, 0o600, &bolt.Options{Timeout: opts.Timeout, ReadOnly: opts.ReadOnly, OpenFile: openFile})
		return openErr
	})
	switch {
	case err == nil:
		db.AllocSize = fileGrowth
		if opts.ReadOnly {
			loadFreelist(db)
		}
		return db, nil
	case errors.Is(err, model.ErrStoreCorrupt): // found by checkOpened, or a recovered panic
		if file != nil {
			releaseFile(file)
		}
		return nil, err
	case errors.Is(err, errIsDir):
		return nil, err
	case errors.Is(err, berrors.ErrTimeout):
		return nil, &lockedError{path: path, holder: readHolder(path)}
	case isCorruption(err):
		return nil, &corruptError{path: path, cause: err}
	default:
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
}

// openLocked opens the file at path (creating it when flag has os.O_CREATE) and takes its
// lock, exclusive or shared, waiting until deadline. It returns only a locked file that is
// still the one at path, and reports whether this call created it. See Store for why.
func openLocked(path string, flag int, exclusive bool, deadline time.Time) (f *os.File, created bool, err error) {
	for {
		f, created, err = openOrCreate(path, flag)
		if err != nil {
			if fi, statErr := os.Stat(path); statErr == nil && fi.IsDir() {
				return nil, false, fmt.Errorf("database %s %w", path, errIsDir)
			}
			return nil, false, err
		}
		if err := waitLock(f, exclusive, deadline); err != nil {
			_ = f.Close()
			return nil, false, err
		}
		same, err := stillAtPath(f, path)
		if same {
			return f, created, nil
		}
		releaseFile(f)
		if err != nil {
			return nil, false, err
		}
		if !time.Now().Before(deadline) {
			return nil, false, berrors.ErrTimeout
		}
	}
}

// stillAtPath reports whether f, whose lock this process has just taken, is still the file
// at path (same device and inode). Every acquisition of the database's lock calls it before
// a page is read or written; see Store.
func stillAtPath(f *os.File, path string) (bool, error) {
	held, err := f.Stat()
	if err != nil {
		return false, fmt.Errorf("stat %s: %w", path, err)
	}
	now, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil // removed: open (or create) what is there now
	}
	if err != nil {
		return false, fmt.Errorf("stat %s: %w", path, err)
	}
	return os.SameFile(held, now), nil
}

// waitLock takes f's lock, waiting until deadline; it gives bbolt's timeout error when the
// deadline passes.
func waitLock(f *os.File, exclusive bool, deadline time.Time) error {
	ok, err := filelock.Lock(f, exclusive, deadline)
	switch {
	case err != nil:
		return err
	case !ok:
		return berrors.ErrTimeout
	}
	return nil
}

// openOrCreate opens the file at path; when it does not exist and flag has os.O_CREATE, it
// makes a new database there first.
func openOrCreate(path string, flag int) (*os.File, bool, error) {
	f, err := os.OpenFile(path, flag&^os.O_CREATE, 0)
	if err == nil || flag&os.O_CREATE == 0 || !errors.Is(err, fs.ErrNotExist) {
		return f, false, err
	}
	if err := createNew(path); err == nil {
		f, err = os.OpenFile(path, flag&^os.O_CREATE, 0)
		return f, false, err
	} else if !errors.Is(err, errors.ErrUnsupported) {
		return nil, false, err
	}
	// No hard links on this file system: create the file empty and let bbolt write its
	// first pages under the lock, as bbolt does on its own.
	f, err = os.OpenFile(path, flag|os.O_EXCL, 0o600)
	return f, err == nil, err
}

// createNew makes a new database at path so that it appears there whole: bbolt writes its
// first pages into a temporary file beside it, which is then linked to path unless another
// process made one first. A file at path is thus never one being created, and an empty file
// there is damaged. It returns an error wrapping errors.ErrUnsupported when the file system
// has no hard links.
func createNew(path string) error {
	dir, base := filepath.Split(path)
	tmp, err := os.CreateTemp(dir, newPrefix(base)+"*")
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	name := tmp.Name()
	_ = tmp.Close()
	defer os.Remove(name)
	db, err := bolt.Open(name, 0o600, &bolt.Options{Timeout: DefaultTimeout})
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	if err := db.Close(); err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	switch err := os.Link(name, path); {
	case err == nil, errors.Is(err, fs.ErrExist):
		return nil // made here, or by another process first: either is the one to open
	case errors.Is(err, fs.ErrNotExist):
		return nil // the temporary file was swept away; the next try makes another
	default:
		return fmt.Errorf("create %s: %w: %w", path, errors.ErrUnsupported, err)
	}
}

// checkOpened refuses a directory, an empty file this open did not create, and a file bbolt
// would fault on (see checkPages).
func checkOpened(f *os.File, path string, created bool) error {
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("stat %s: %w", path, err)
	}
	if fi.IsDir() {
		return fmt.Errorf("database %s %w", path, errIsDir)
	}
	if created && fi.Size() == 0 {
		return nil
	}
	if err := checkPages(f, fi.Size()); err != nil {
		return &corruptError{path: path, cause: err}
	}
	return nil
}

// compactPrefix and newPrefix start the names of the temporary files Compact and createNew
// write beside the database named base.
func compactPrefix(base string) string { return base + ".compact-" }
func newPrefix(base string) string     { return "." + base + ".new-" }

// removeLeftovers removes the temporary files a killed Compact or createNew left beside the
// database at path. It is called with the database's exclusive lock held, so no Compact is
// under way (Compact holds that lock from before it creates its file until after it renames
// it); a createNew of another process may be, and its file is only removed once it is older
// than this process and unlocked. Failing to remove one only leaves it for the next open.
func removeLeftovers(path string) {
	dir, base := filepath.Split(path)
	_, _ = filelock.RemoveStale(filepath.Clean(dir), compactPrefix(base), time.Time{})
	_, _ = filelock.RemoveStale(filepath.Clean(dir), newPrefix(base), filelock.Started())
}

// releaseFile drops the lock on a file and closes it. When bbolt panicked it left the file
// open with its memory map still referring to it, so closing alone would keep the lock.
func releaseFile(f *os.File) {
	_ = filelock.Unlock(f)
	_ = f.Close()
}

// loadFreelist has bbolt read the freelist of a file opened read-only now, before any
// transaction: it otherwise reads it at the first Tx.Check, unguarded against a transaction
// beginning beside it (the handle's page drop, another reader of the process). A check that
// starts at page 1 stops at once, after loading it. A freelist page it cannot read is left
// to the store's Check, which then finds pages neither reachable nor free.
func loadFreelist(db *bolt.DB) {
	_ = db.View(func(tx *bolt.Tx) error {
		for range tx.Check(bolt.WithPageId(1)) {
		}
		return nil
	})
}
