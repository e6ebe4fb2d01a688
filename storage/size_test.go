package storage

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/yeok/yeok/model"
)

// sized is the store BenchmarkBytesPerEntry measures: large's lecture lines, with a tenth
// of the sources Japanese, a tenth of the answers wrapped in quotes that hygiene removes,
// and one entry in twenty approved (half of them corrected).
var sized = fixture{owner: ownerA, sessions: 1000, entries: 100_000, needleEvery: 1000, scriptEvery: 10,
	japaneseEvery: 10, quoteEvery: 10, approveEvery: 20}

// storeSize is what a store's file holds.
type storeSize struct {
	file int64
	// pages is the bytes of the pages the file counts (bbolt grows a file ahead of them).
	pages int64
	// free is the bytes of the pages among them on the freelist: old copies of pages the
	// last transactions rewrote, which the next writes reuse before the file grows.
	free    int64
	entries int
	// text is the bytes of text the entries hold: source, translation, cleaned and
	// approved text, each counted once when several are equal.
	text int
	// buckets are the owner buckets by name, summed over owners.
	buckets map[string]bolt.BucketStats
}

// entryText is the bytes of text e holds, each distinct text once.
func entryText(e model.Entry) int {
	n := 0
	texts := []string{e.Source, e.Text, e.Clean, e.Approved}
	for i, t := range texts {
		if !slices.Contains(texts[:i], t) {
			n += len(t)
		}
	}
	return n
}

// measureSize reads what the store at path holds, opening it read-only.
func measureSize(tb testing.TB, path string) storeSize {
	tb.Helper()
	s, err := Open(context.Background(), path, Options{ReadOnly: true})
	if err != nil {
		tb.Fatal(err)
	}
	defer s.Close()
	sz := storeSize{file: fileSize(tb, path), free: freeBytes(tb, path), buckets: map[string]bolt.BucketStats{}}
	err = s.with(func(db *bolt.DB) error {
		return db.View(func(tx *bolt.Tx) error {
			sz.pages = tx.Size()
			return tx.Bucket(bucketOwners).ForEachBucket(func(name []byte) error {
				owner := tx.Bucket(bucketOwners).Bucket(name)
				if err := owner.ForEachBucket(func(name []byte) error {
					st := sz.buckets[string(name)]
					st.Add(owner.Bucket(name).Stats())
					sz.buckets[string(name)] = st
					return nil
				}); err != nil {
					return err
				}
				return owner.Bucket(bucketEntries).ForEach(func(_, v []byte) error {
					var e model.Entry
					if err := decode(v, &e); err != nil {
						return err
					}
					sz.entries++
					sz.text += entryText(e)
					return nil
				})
			})
		})
	})
	if err != nil {
		tb.Fatal(err)
	}
	return sz
}

// freeBytes is the bytes of the pages the freelist of the file at path names.
func freeBytes(tb testing.TB, path string) int64 {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	size := fileSize(tb, path)
	meta, err := readMeta(f, size)
	if err != nil {
		tb.Fatal(err)
	}
	return int64(len(newTreeReader(f, size, meta).freePages())) * int64(meta.pageSize)
}

// alloc is the bytes of pages a bucket takes.
func alloc(st bolt.BucketStats) int { return st.BranchAlloc + st.LeafAlloc }

// report puts the sizes per entry into b's results: the file, the text, their ratio, and
// each bucket's pages, and logs the buckets' fill.
func (sz storeSize) report(b *testing.B) {
	n := float64(sz.entries)
	b.ReportMetric(float64(sz.file)/n, "file-B/entry")
	b.ReportMetric(float64(sz.pages)/n, "pages-B/entry")
	b.ReportMetric(float64(sz.pages)/float64(sz.text), "pages/text")
	b.ReportMetric(float64(sz.free)/n, "free-B/entry")
	b.ReportMetric(float64(sz.pages-sz.free)/n, "held-B/entry")
	b.ReportMetric(float64(sz.pages-sz.free)/float64(sz.text), "held/text")
	b.ReportMetric(float64(sz.text)/n, "text-B/entry")
	b.ReportMetric(float64(sz.file)/float64(sz.text), "file/text")
	names := make([]string, 0, len(sz.buckets))
	rest := int(sz.pages)
	for name, st := range sz.buckets {
		names = append(names, name)
		rest -= alloc(st)
	}
	b.ReportMetric(float64(rest)/n, "rest-B/entry")
	sort.Strings(names)
	var lines []string
	for _, name := range names {
		st := sz.buckets[name]
		b.ReportMetric(float64(alloc(st))/n, name+"-B/entry")
		inuse := st.BranchInuse + st.LeafInuse
		lines = append(lines, fmt.Sprintf("%-10s %8.1f B/entry in pages, %8.1f in use (%3.0f%%), %d leaf pages",
			name, float64(alloc(st))/n, float64(inuse)/n, 100*float64(inuse)/float64(max(1, alloc(st))), st.LeafPageN))
	}
	b.Logf("%d entries, %.1f text B/entry, file %.1f B/entry (%.2fx text), pages %.1f B/entry (%.2fx), "+
		"free pages %.1f B/entry, pages held %.1f B/entry (%.2fx), other pages %.1f B/entry\n%s",
		sz.entries, float64(sz.text)/n, float64(sz.file)/n, float64(sz.file)/float64(sz.text),
		float64(sz.pages)/n, float64(sz.pages)/float64(sz.text), float64(sz.free)/n,
		float64(sz.pages-sz.free)/n, float64(sz.pages-sz.free)/float64(sz.text),
		float64(rest-int(sz.free))/n, strings.Join(lines, "\n"))
}

// BenchmarkBytesPerEntry measures what a store's file takes per entry and per byte of text
// it holds (source, translation, cleaned and approved text, each once), search and memory
// indexes included, with each bucket's share: file-B/entry, text-B/entry, file/text and
// NAME-B/entry (pages a bucket takes). bulk is sized's store of YEOK_BENCH_ENTRIES entries
// (default 100,000) written in transactions of 5,000 entries, bulk-compacted the same after
// Compact; old-form is that store as schema version 1 wrote it (entries in JSON, pages
// filled to half), old-form-migrated the same after Compact, which `yeok db migrate` runs;
// commits-N-streams writes 20,000 entries in 200 sessions the way translations do, a
// commit per Begin and per Finish (shared when they meet), N streams at once. bbolt grows
// a file ahead of its pages (to the next power of two up to 16 MiB, then by 16 MiB):
// pages-B/entry and pages/text count only the pages, rest-B/entry the free pages, meta
// pages and root buckets among them.
func BenchmarkBytesPerEntry(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	built := map[bool]string{} // by old form
	asBuilt := filepath.Join(dir, "bulk-as-built.db")
	for _, c := range []struct {
		name             string
		oldForm, compact bool
	}{{"bulk", false, false}, {"bulk-compacted", false, true}, {"old-form", true, false}, {"old-form-migrated", true, true}} {
		b.Run(c.name, func(b *testing.B) {
			f := sized
			f.entries, f.oldForm = benchEntries(), c.oldForm
			if built[c.oldForm] == "" {
				built[c.oldForm] = f.build(b, filepath.Join(dir, fmt.Sprintf("old-form-%v.db", c.oldForm)))
			}
			path := built[c.oldForm]
			if c.compact {
				if err := Compact(ctx, path); err != nil {
					b.Fatal(err)
				}
			}
			var sz storeSize
			for b.Loop() {
				sz = measureSize(b, path)
			}
			sz.report(b)
			if c.name == "bulk" {
				copyFile(b, path, asBuilt)
			}
		})
	}
	b.Run("bulk-next", func(b *testing.B) {
		// What the next 5,000 entries add to the bulk store: the file's free pages are
		// the old copies of the pages its last transactions rewrote, and the next
		// transaction takes its pages from them before the file grows.
		before := asBuilt
		after := filepath.Join(b.TempDir(), "yeok.db")
		copyFile(b, before, after)
		f := sized
		f.entries = benchEntries()
		f.more(b, after, 5000)
		var was, now storeSize
		for b.Loop() {
			was, now = measureSize(b, before), measureSize(b, after)
		}
		n := float64(now.entries - was.entries)
		b.ReportMetric(float64(now.pages-was.pages)/n, "added-pages-B/entry")
		b.ReportMetric(float64(now.pages-now.free-(was.pages-was.free))/n, "added-held-B/entry")
		b.ReportMetric(float64(now.text-was.text)/n, "added-text-B/entry")
		b.Logf("%.0f entries more: pages %.1f → %.1f MiB (free %.1f → %.1f MiB), %.1f B of pages per entry added, %.1f B held",
			n, float64(was.pages)/(1<<20), float64(now.pages)/(1<<20), float64(was.free)/(1<<20), float64(now.free)/(1<<20),
			float64(now.pages-was.pages)/n, float64(now.pages-now.free-(was.pages-was.free))/n)
	})
	for _, streams := range []int{8, 100} {
		b.Run(fmt.Sprintf("commits-%d-streams", streams), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "yeok.db")
			f := sized
			f.sessions = 200
			writeStreams(b, path, f, 20_000, streams)
			var sz storeSize
			for b.Loop() {
				sz = measureSize(b, path)
			}
			sz.report(b)
		})
	}
}

// more writes n more of f's entries (those after its first f.entries), in one
// transaction, into the store at path that f.build made.
func (f fixture) more(tb testing.TB, path string, n int) {
	tb.Helper()
	s, err := Open(context.Background(), path, Options{noSync: true})
	if err != nil {
		tb.Fatal(err)
	}
	defer s.Close()
	err = s.update(func(tx *bolt.Tx) error {
		var ids []uint64
		if err := readOwner(tx, f.owner).sessions.ForEach(func(k, _ []byte) error {
			ids = append(ids, fromU64(k))
			return nil
		}); err != nil {
			return err
		}
		c := newClock()
		for i := f.entries; i < f.entries+n; i++ {
			if err := f.entry(tx, c, ids, i); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// copyFile copies the file at from to to.
func copyFile(tb testing.TB, from, to string) {
	tb.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		tb.Fatal(err)
	}
}

// writeStreams writes n of f's entries into the store at path through Begin, Finish and
// Approve, streams at a time, in f's sessions and scripts, and closes the store.
func writeStreams(tb testing.TB, path string, f fixture, n, streams int) {
	tb.Helper()
	ctx := context.Background()
	s, err := Open(ctx, path, Options{noSync: true})
	if err != nil {
		tb.Fatal(err)
	}
	defer s.Close()
	sessions := make([]uint64, f.sessions)
	for i := range sessions {
		sess, err := s.NewSession(ctx, f.owner, model.Session{Origin: "tui"})
		if err != nil {
			tb.Fatal(err)
		}
		sessions[i] = sess.ID
	}
	var wg sync.WaitGroup
	errs := make(chan error, streams)
	for w := range streams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += streams {
				if err := f.stream(ctx, s, sessions[i%len(sessions)], i); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		tb.Fatal(err)
	}
}

// stream logs, finishes and perhaps approves the i-th fixture entry through s.
func (f fixture) stream(ctx context.Context, s *Store, sid uint64, i int) error {
	src, text := f.line(i)
	req := model.Request{Owner: f.owner, SessionID: sid, Source: src, To: korean, Model: "gpt-4o-mini"}
	if f.scriptEvery > 0 && int(sid)%f.scriptEvery == 0 {
		req.ScriptID = fmt.Sprintf("script-%d", sid)
	}
	e, err := s.Begin(ctx, req)
	if err != nil {
		return err
	}
	res, clean := f.answer(i, text)
	e.Apply(res, s.now())
	e.Clean = clean
	if e, err = s.Finish(ctx, e); err != nil {
		return err
	}
	if correction, ok := f.approval(i, text); ok {
		_, err = s.Approve(ctx, f.owner, e.ID, correction)
	}
	return err
}
