package storage

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// mappedKB is the resident size in KiB of this process's maps of the file at path.
func mappedKB(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	total, in := 0, false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if fields := strings.Fields(line); len(fields) >= 5 && strings.Contains(fields[0], "-") && !strings.HasSuffix(fields[0], ":") {
			in = len(fields) == 6 && fields[5] == path
			continue
		}
		if rest, ok := strings.CutPrefix(line, "Rss:"); ok && in {
			kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			if err != nil {
				t.Fatalf("smaps: %q", line)
			}
			total += kb
		}
	}
	return total
}

// readAll reads every value of bucket "b" and checks each is the one written.
func readAll(t *testing.T, db *bolt.DB, n int) {
	t.Helper()
	if err := db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("b"))
		for i := range n {
			if v := b.Get(u64(uint64(i))); !bytes.Equal(v, value(i)) {
				return fmt.Errorf("value %d: %.20q", i, v)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func value(i int) []byte { return bytes.Repeat([]byte{byte('a' + i%26)}, 3000) }

// A process that has read the whole file lets go of its pages, and reads it as before.
func TestDropMapped(t *testing.T) {
	path := filepath.Join(t.TempDir(), "y.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const n = 4000 // about 16 MiB
	if err := db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("b"))
		for i := 0; err == nil && i < n; i++ {
			err = b.Put(u64(uint64(i)), value(i))
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	readAll(t, db, n)
	before := mappedKB(t, path)
	if before < 8<<10 {
		t.Fatalf("%d KiB of the file mapped after reading it all", before)
	}
	if err := dropMapped(db); err != nil {
		t.Fatal(err)
	}
	if after := mappedKB(t, path); after > before/8 {
		t.Fatalf("%d KiB mapped after dropMapped, %d before", after, before)
	}
	readAll(t, db, n)
}

// A store that keeps its file open under steady use lets go of the pages it mapped every
// dropEvery.
func TestStoreDropsMapped(t *testing.T) {
	defer func(d time.Duration) { dropEvery = d }(dropEvery)
	dropEvery = 50 * time.Millisecond
	path := filepath.Join(t.TempDir(), "y.db")
	h := newHandle(path, Options{Timeout: DefaultTimeout}, func(db *bolt.DB, first bool) error {
		if !first {
			return nil
		}
		return db.Update(func(tx *bolt.Tx) error {
			b, err := tx.CreateBucket([]byte("b"))
			for i := 0; err == nil && i < 4000; i++ {
				err = b.Put(u64(uint64(i)), value(i))
			}
			return err
		})
	})
	defer h.close()
	db, err := h.acquire()
	if err != nil {
		t.Fatal(err)
	}
	defer h.release()
	readAll(t, db, 4000)
	if kb := mappedKB(t, path); kb < 8<<10 {
		t.Fatalf("%d KiB mapped after reading the file", kb)
	}
	deadline := time.Now().Add(10 * time.Second)
	for mappedKB(t, path) > 2<<10 {
		if time.Now().After(deadline) {
			t.Fatalf("still %d KiB mapped", mappedKB(t, path))
		}
		d, err := h.acquire() // another operation beside the first: the drop is due
		if err != nil {
			t.Fatal(err)
		}
		h.release()
		if d != db {
			t.Fatal("the file was reopened")
		}
		time.Sleep(10 * time.Millisecond)
	}
	readAll(t, db, 4000)
}
