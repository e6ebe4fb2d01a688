package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"

	bolt "go.etcd.io/bbolt"

	"github.com/yeok/yeok/model"
)

// compactTxSize is how many bytes Compact copies per transaction.
const compactTxSize = 64 << 20

// Compact rewrites the store at path without its free pages, its pages packed and its
// entries in their binary form (see recode): it copies everything into a temporary file
// beside it, checks the copy, syncs it and renames it over the original. It
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

// copyInto compacts src into a new bbolt file at dstPath (see recode), verifies the copy
// holds the same buckets, keys and sequences and every byte written, cuts it to its pages
// and syncs it.
func copyInto(ctx context.Context, dstPath string, src *bolt.DB) error {
	dst, err := bolt.Open(dstPath, 0o600, &bolt.Options{Timeout: DefaultTimeout, NoSync: true})
	if err != nil {
		return err
	}
	defer closeQuietly(dst)
	written, err := recode(ctx, dst, src, compactTxSize)
	if err != nil {
		return fmt.Errorf("copy: %w", err)
	}
	if err := dst.Sync(); err != nil {
		return fmt.Errorf("sync copy: %w", err)
	}
	var want, got tally
	if err := src.View(func(tx *bolt.Tx) error { want = count(tx); return nil }); err != nil {
		return err
	}
	want.Bytes = written.Bytes // entries rewritten in their binary form are smaller
	var pages int64
	err = dst.View(func(tx *bolt.Tx) error {
		var errs []error
		for err := range tx.Check() {
			errs = append(errs, err)
		}
		got, pages = count(tx), tx.Size()
		return errors.Join(errs...)
	})
	if err != nil {
		return fmt.Errorf("verify copy: %w", err)
	}
	if got != want || written != want {
		return fmt.Errorf("verify copy: it holds %+v, the original %+v, the copy was written %+v", got, want, written)
	}
	if err := dst.Close(); err != nil {
		return fmt.Errorf("close copy: %w", err)
	}
	// bbolt grew the copy ahead of its pages; the next write grows it again when needed.
	if err := os.Truncate(dstPath, pages); err != nil {
		return fmt.Errorf("trim copy: %w", err)
	}
	return syncFile(dstPath)
}

// recode copies every bucket of src into the empty dst as bbolt.Compact does, committing
// every txMax bytes, and returns the tally of what it wrote. It refuses a file of a newer
// schema, and writes the copy at schemaVersion: each owner's entries still in
// the JSON form are written in their binary form (see encodeEntry), unless that would not
// read back the same, when they are kept as they were. Pages are packed: those of entries
// and of script indexes to appendFill, leaving room to grow, the others full.
func recode(ctx context.Context, dst, src *bolt.DB, txMax int64) (tally, error) {
	if err := src.View(checkSchema); err != nil {
		return tally{}, err
	}
	r := &recoder{ctx: ctx, max: txMax}
	var err error
	if r.tx, err = dst.Begin(true); err != nil {
		return tally{}, err
	}
	defer func() { _ = r.tx.Rollback() }()
	err = src.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			return r.copyBucket(nil, name, b)
		})
	})
	if err != nil {
		return tally{}, err
	}
	return r.written, r.tx.Commit()
}

// recoder is recode under way.
type recoder struct {
	ctx     context.Context
	tx      *bolt.Tx
	size    int64 // bytes put in tx
	max     int64
	written tally
}

// copyBucket creates bucket name under path (nil: at the top) with b's sequence, and copies
// b's keys into it.
func (r *recoder) copyBucket(path [][]byte, name []byte, b *bolt.Bucket) error {
	if err := r.ctx.Err(); err != nil {
		return err
	}
	var made *bolt.Bucket
	var err error
	if path == nil {
		made, err = r.tx.CreateBucket(name)
	} else {
		made, err = r.bucket(path).CreateBucket(name)
	}
	if err != nil {
		return err
	}
	if err := made.SetSequence(b.Sequence()); err != nil {
		return err
	}
	r.written.Buckets++
	r.written.Sequences += b.Sequence()
	path = append(path[:len(path):len(path)], name)
	entries := len(path) == 3 && bytes.Equal(path[0], bucketOwners) && bytes.Equal(path[2], bucketEntries)
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if v == nil {
			if sub := b.Bucket(k); sub != nil {
				if err := r.copyBucket(path, k, sub); err != nil {
					return err
				}
				continue
			}
		}
		switch {
		case entries && isJSON(v):
			v = recodeEntry(v)
		case len(path) == 1 && bytes.Equal(path[0], bucketMeta) && bytes.Equal(k, keySchema):
			v = u64(schemaVersion) // checked by recode not to be newer
		}
		if err := r.put(path, k, v); err != nil {
			return err
		}
	}
	return nil
}

// recodeEntry returns the binary form of the JSON entry v, or v when it does not decode or
// its binary form would not read back the same.
func recodeEntry(v []byte) []byte {
	var e, again model.Entry
	if decode(v, &e) != nil {
		return v
	}
	bin := encodeEntry(nil, e)
	if decode(bin, &again) != nil || !reflect.DeepEqual(again, e) {
		return v
	}
	return bin
}

// put puts k and v into the bucket at path, first committing when the transaction is full.
func (r *recoder) put(path [][]byte, k, v []byte) error {
	n := int64(len(k) + len(v))
	if r.size+n > r.max && r.size > 0 {
		if err := r.ctx.Err(); err != nil {
			return err
		}
		if err := r.tx.Commit(); err != nil {
			return err
		}
		db := r.tx.DB()
		var err error
		if r.tx, err = db.Begin(true); err != nil {
			return err
		}
		r.size = 0
	}
	r.size += n
	r.written.Keys++
	r.written.Bytes += n
	return r.bucket(path).Put(k, v)
}

// bucket returns the bucket at path in the transaction, filled as recode says.
func (r *recoder) bucket(path [][]byte) *bolt.Bucket {
	b := r.tx.Bucket(path[0])
	for _, name := range path[1:] {
		b = b.Bucket(name)
	}
	b.FillPercent = 1
	owned := len(path) >= 3 && bytes.Equal(path[0], bucketOwners)
	if owned && (len(path) == 3 && bytes.Equal(path[2], bucketEntries) || len(path) == 4 && bytes.Equal(path[2], bucketByScript)) {
		b.FillPercent = appendFill
	}
	return b
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
