package storage

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	bolt "go.etcd.io/bbolt"
)

// compactTxSize is how many bytes Compact copies per transaction.
const compactTxSize = 64 << 20

// Compact rewrites the store at path without its free pages: it copies everything into a
// temporary file beside it, checks the copy, syncs it and renames it over the original. It
// takes the file's lock, so it fails with model.ErrStoreLocked while a yeok process has the
// store open. It holds that lock until after the rename: a process that opened the old file
// meanwhile gets the lock on a file no longer at path, sees so, and opens the new one (see
// Store). A temporary file a killed Compact left is removed by the next open.
func Compact(ctx context.Context, path string) (err error) {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("compact %s: %w", path, err)
	}
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("compact %s: %w", path, err)
	}
	src, err := openAnnounced(path, Options{Timeout: DefaultTimeout})
	if err != nil {
		return err // it names the database
	}
	defer closeQuietly(src)
	_ = writeHolder(path, "")
	defer removeHolder(path)

	tmp, err := os.CreateTemp(filepath.Dir(path), compactPrefix(filepath.Base(path))+"*")
	if err != nil {
		return fmt.Errorf("compact %s: %w", path, err)
	}
	tmpPath := tmp.Name()
	_ = tmp.Close()
	defer func() {
		if err != nil {
			_ = os.Remove(tmpPath)
		}
	}()

	if err := guard(path, func() error { return copyInto(ctx, tmpPath, src) }); err != nil {
		return fmt.Errorf("compact %s: %w", path, err)
	}
	if err := os.Rename(tmpPath, path); err != nil {
		return fmt.Errorf("compact %s: %w", path, err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return fmt.Errorf("compact %s: %w", path, err)
	}
	return nil
}

// copyInto compacts src into a new bbolt file at dstPath, verifies the copy holds the same
// keys and sizes, and syncs it.
func copyInto(ctx context.Context, dstPath string, src *bolt.DB) error {
	dst, err := bolt.Open(dstPath, 0o600, &bolt.Options{Timeout: DefaultTimeout, NoSync: true})
	if err != nil {
		return err
	}
	defer closeQuietly(dst)
	if err := bolt.Compact(dst, src, compactTxSize); err != nil {
		return fmt.Errorf("copy: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := dst.Sync(); err != nil {
		return fmt.Errorf("sync copy: %w", err)
	}
	var want, got tally
	if err := src.View(func(tx *bolt.Tx) error { want = count(tx); return nil }); err != nil {
		return err
	}
	err = dst.View(func(tx *bolt.Tx) error {
		var errs []error
		for err := range tx.Check() {
			errs = append(errs, err)
		}
		got = count(tx)
		return errors.Join(errs...)
	})
	if err != nil {
		return fmt.Errorf("verify copy: %w", err)
	}
	if got != want {
		return fmt.Errorf("verify copy: it holds %+v, the original %+v", got, want)
	}
	if err := dst.Close(); err != nil {
		return fmt.Errorf("close copy: %w", err)
	}
	return syncFile(dstPath)
}

// tally sums a database's contents, to compare a copy with its original.
type tally struct {
	Buckets, Keys int
	Bytes         int64
	Sequences     uint64
}

func count(tx *bolt.Tx) tally {
	var t tally
	var walk func(b *bolt.Bucket)
	walk = func(b *bolt.Bucket) {
		t.Buckets++
		t.Sequences += b.Sequence()
		c := b.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if sub := b.Bucket(k); sub != nil {
				walk(sub)
				continue
			}
			t.Keys++
			t.Bytes += int64(len(k) + len(v))
		}
	}
	_ = tx.ForEach(func(name []byte, b *bolt.Bucket) error {
		walk(b)
		return nil
	})
	return t
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err
	}
	return nil
}
