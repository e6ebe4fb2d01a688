package storage

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/yeok/yeok/model"
)

var (
	ownerA = model.Owner("local")
	ownerB = model.SSHOwner("SHA256:bbbb")
	korean = model.MustLanguage("ko-KR")
	french = model.MustLanguage("fr")
)

// clock is a fake time source that moves one second per reading.
type clock struct{ t time.Time }

func (c *clock) now() time.Time {
	c.t = c.t.Add(time.Second)
	return c.t
}

func newClock() *clock {
	return &clock{t: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)}
}

// openTest opens a store in a fresh temporary directory with a fake clock; it is closed when
// the test ends.
func openTest(tb testing.TB) *Store {
	tb.Helper()
	s := openAt(tb, filepath.Join(tb.TempDir(), "yeok.db"))
	s.now = newClock().now
	return s
}

// openAt opens the store at path and closes it when the test ends (closing twice is fine).
func openAt(tb testing.TB, path string) *Store {
	tb.Helper()
	s, err := Open(context.Background(), path, Options{})
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

// translate logs and finishes one entry the way a front door does.
func translate(tb testing.TB, s *Store, req model.Request, status model.Status, text string) model.Entry {
	tb.Helper()
	ctx := context.Background()
	e, err := s.Begin(ctx, req)
	if err != nil {
		tb.Fatalf("Begin: %v", err)
	}
	e.Apply(model.Result{Status: status, Text: text, Finish: "stop", Usage: model.Usage{TotalTokens: 7},
		FirstToken: 120 * time.Millisecond, Duration: 800 * time.Millisecond}, s.now())
	e, err = s.Finish(ctx, e)
	if err != nil {
		tb.Fatalf("Finish: %v", err)
	}
	return e
}

// fixture describes a store to build in bulk for benchmarks and large tests.
type fixture struct {
	owner    model.Owner
	sessions int
	entries  int // spread evenly over the sessions
	// needleEvery puts the word "needle" in every n-th source (0: never).
	needleEvery int
	// scriptEvery puts every n-th session's entries in script "script-<session>" (0: never).
	scriptEvery int
	// japaneseEvery makes the source of every n-th entry (the 5th of each n) Japanese, and
	// puts "山の針" in those of them that needleEvery also picks (0: never).
	japaneseEvery int
	// quoteEvery makes every n-th answer (the 3rd of each n) come wrapped in quotes, which
	// hygiene removes into the cleaned text (0: never).
	quoteEvery int
	// approveEvery approves every n-th entry (the 7th of each n): as it reads, or every
	// other time with a correction (0: never).
	approveEvery int
	// oldForm writes the file as a yeok of schema version 1 did: entries in JSON, in pages
	// filled to bbolt's default.
	oldForm bool
}

// line returns the source and translation of the i-th fixture entry.
func (f fixture) line(i int) (src, text string) {
	src = fmt.Sprintf("Line %d of the lecture: the quick brown fox jumps over the lazy dog.", i)
	text = fmt.Sprintf("강의 %d번째 줄: 빠른 갈색 여우가 게으른 개를 뛰어넘는다.", i)
	if f.needleEvery > 0 && i%f.needleEvery == 0 {
		src += " A needle in the haystack."
		text += " 건초 더미 속의 바늘."
	}
	if f.japaneseEvery > 0 && i%f.japaneseEvery == 5 {
		src = fmt.Sprintf("講義の%d行目：素早い茶色の狐がのろまな犬を飛び越える。", i)
		if f.needleEvery > 0 && i%f.needleEvery == 5 {
			src += "干し草の山の針。"
		}
	}
	return src, text
}

// build fills the store at path as f describes, with large batched transactions instead of
// one commit per event, and returns the path. The store is closed afterwards.
func (f fixture) build(tb testing.TB, path string) string {
	tb.Helper()
	s, err := Open(context.Background(), path, Options{})
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	defer s.Close()
	db, err := s.h.acquire()
	if err != nil {
		tb.Fatal(err)
	}
	defer s.h.release()
	db.NoSync = true
	defer func() { db.NoSync = false }()
	c := newClock()
	var ids []uint64
	err = db.Update(func(tx *bolt.Tx) error {
		for i := range f.sessions {
			sess, err := newSessionTx(tx, model.Session{Owner: f.owner, Origin: "tui", Started: c.now(), Updated: c.now()})
			if err != nil {
				return fmt.Errorf("session %d: %w", i, err)
			}
			ids = append(ids, sess.ID)
		}
		return nil
	})
	if err != nil {
		tb.Fatalf("build sessions: %v", err)
	}
	const batch = 5000
	for start := 0; start < f.entries; start += batch {
		err := db.Update(func(tx *bolt.Tx) error {
			for i := start; i < min(start+batch, f.entries); i++ {
				if err := f.entry(tx, c, ids, i); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			tb.Fatalf("build entries: %v", err)
		}
	}
	if f.oldForm {
		err := db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keySchema, u64(1)) })
		if err != nil {
			tb.Fatal(err)
		}
	}
	if err := db.Sync(); err != nil {
		tb.Fatalf("sync: %v", err)
	}
	return path
}

// entry writes the i-th fixture entry, begun and finished.
func (f fixture) entry(tx *bolt.Tx, c *clock, sessions []uint64, i int) error {
	sid := sessions[i%len(sessions)]
	src, text := f.line(i)
	req := model.Request{Owner: f.owner, SessionID: sid, Source: src, To: korean, Model: "gpt-4o-mini"}
	if f.scriptEvery > 0 && int(sid)%f.scriptEvery == 0 {
		req.ScriptID = fmt.Sprintf("script-%d", sid)
	}
	e, err := beginTx(tx, req, c.now(), selfMark())
	if err != nil {
		return err
	}
	res, clean := f.answer(i, text)
	e.Apply(res, c.now())
	e.Clean = clean
	if _, err = finishTx(tx, e); err != nil {
		return err
	}
	if correction, ok := f.approval(i, text); ok {
		if _, err = approveTx(tx, f.owner, e.ID, correction, c.now()); err != nil {
			return err
		}
	}
	if f.oldForm {
		return putOldForm(readOwner(tx, f.owner).entries, u64(e.ID))
	}
	return nil
}

// putOldForm stores the entry under key again in the JSON form, as a yeok of schema
// version 1 wrote it, with bbolt's default fill.
func putOldForm(b *bolt.Bucket, key []byte) error {
	var e model.Entry
	if err := load(b, key, &e); err != nil {
		return err
	}
	v, err := oldJSON(e)
	if err != nil {
		return err
	}
	b.FillPercent = bolt.DefaultFillPercent
	return b.Put(key, v)
}

// oldJSON is v in the JSON form every value was stored in before entries had their binary
// form.
func oldJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// rewriteOldForm stores again in the JSON form the entries of every owner of the store at
// path that pick picks, and records schema version 1, as if a yeok of that version had
// written them.
func rewriteOldForm(tb testing.TB, path string, pick func(id uint64) bool) {
	tb.Helper()
	s := openAt(tb, path)
	err := s.update(func(tx *bolt.Tx) error {
		err := tx.Bucket(bucketOwners).ForEachBucket(func(name []byte) error {
			entries := readOwner(tx, model.Owner(name)).entries
			var keys [][]byte
			if err := entries.ForEach(func(k, _ []byte) error {
				if pick(fromU64(k)) {
					keys = append(keys, append([]byte(nil), k...))
				}
				return nil
			}); err != nil {
				return err
			}
			for _, k := range keys {
				if err := putOldForm(entries, k); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keySchema, u64(1))
	})
	if err != nil {
		tb.Fatal(err)
	}
	if err := s.Close(); err != nil {
		tb.Fatal(err)
	}
}

// answer returns the model's answer to the i-th fixture entry, whose translation is text,
// and the cleaned text hygiene makes of it (empty when it changes nothing).
func (f fixture) answer(i int, text string) (res model.Result, clean string) {
	res = model.Result{Status: model.StatusDone, Text: text, Finish: "stop",
		Usage:      model.Usage{PromptTokens: 40, CompletionTokens: 30, TotalTokens: 70},
		FirstToken: 200 * time.Millisecond, Duration: time.Second}
	if f.quoteEvery > 0 && i%f.quoteEvery == 3 {
		res.Text, clean = "\u201c"+text+"\u201d", text
	}
	return res, clean
}

// approval says whether the i-th fixture entry, whose translation is text, is approved, and
// with which correction (empty: as it reads).
func (f fixture) approval(i int, text string) (correction string, ok bool) {
	if f.approveEvery == 0 || i%f.approveEvery != 7 {
		return "", false
	}
	if i/f.approveEvery%2 == 1 {
		correction = text + " (고침)"
	}
	return correction, true
}
