package postgres

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/yeok/yeok/model"
	"github.com/yeok/yeok/storage"
)

// copyEntries is how many entries BenchmarkCopy moves each way.
const copyEntries = 100_000

// logRecords streams a log of n entries of one owner: lines of a transcript into two
// targets, in 100 sessions and one script, a tenth approved.
func logRecords(n int, fn func([]model.Record) error) error {
	const owner = model.LocalOwner
	start := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	batch := []model.Record{
		{Owner: &model.OwnerInfo{Owner: owner, Languages: []model.Language{"ko", "ja"}, PickedModel: "gpt-4o-mini"}},
		{Script: &model.Script{ID: "lecture", Owner: owner, Created: start, Updated: start, From: "en", To: "ko", Entries: n}},
	}
	for i := 1; i <= 100; i++ {
		batch = append(batch, model.Record{Session: &model.Session{ID: uint64(i), Owner: owner, Origin: "tui", ScriptID: "lecture",
			Started: start, Updated: start, Title: "line", From: "en", To: "ko", Entries: n / 100}})
	}
	for i := 1; i <= n; i++ {
		at := start.Add(time.Duration(i) * time.Second)
		e := &model.Entry{ID: uint64(i), Owner: owner, SessionID: uint64((i-1)/(n/100) + 1), ScriptID: "lecture",
			Created: at, Finished: at.Add(900 * time.Millisecond), From: "en", To: []model.Language{"ko", "ja"}[i%2],
			Model: "gpt-4o-mini", Source: fmt.Sprintf("Line %d of the lecture, about attention and the layers of a transformer.", i/2),
			Text: fmt.Sprintf("강의의 %d번째 줄, 어텐션과 트랜스포머의 층에 관하여.", i/2), Status: model.StatusDone, Finish: "stop",
			Usage: model.Usage{PromptTokens: 120, CompletionTokens: 30, TotalTokens: 150}, Group: uint64(i/2 + 1)}
		if i%10 == 0 {
			e.Approved, e.ApprovedAt = e.Text+" (고침)", at.Add(time.Minute)
		}
		batch = append(batch, model.Record{Entry: e})
		if len(batch) >= storage.CopyBatch {
			if err := fn(batch); err != nil {
				return err
			}
			batch = nil
		}
	}
	return fn(batch)
}

// BenchmarkCopy: `yeok db copy` of a file of copyEntries entries into an empty PostgreSQL
// database, and of that database into a new file, each with the verifying checksum of
// the destination.
func BenchmarkCopy(b *testing.B) {
	ctx := context.Background()
	file, err := storage.Open(ctx, filepath.Join(b.TempDir(), "src.db"), storage.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer file.Close()
	if err := logRecords(copyEntries, func(r []model.Record) error { return file.Load(ctx, r) }); err != nil {
		b.Fatal(err)
	}
	pg, _ := openTest(b, Options{})
	if _, err := storage.Copy(ctx, pg, file, nil); err != nil {
		b.Fatal(err)
	}
	run := func(b *testing.B, src storage.Dumper, dst func() storage.Loader) {
		for b.Loop() {
			b.StopTimer()
			to := dst()
			b.StartTimer()
			rep, err := storage.Copy(ctx, to, src, nil)
			if err != nil {
				b.Fatal(err)
			}
			got, err := storage.Checksum(ctx, to.(storage.Dumper))
			if err != nil {
				b.Fatal(err)
			}
			if got[model.LocalOwner] != rep.Source[model.LocalOwner] {
				b.Fatalf("checksums differ: %v and %v", rep.Source, got)
			}
		}
		b.ReportMetric(float64(copyEntries)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
	}
	b.Run("FileToPostgres", func(b *testing.B) {
		run(b, file, func() storage.Loader {
			to, _ := openTest(b, Options{})
			return to
		})
	})
	b.Run("PostgresToFile", func(b *testing.B) {
		run(b, pg, func() storage.Loader {
			to, err := storage.Open(ctx, filepath.Join(b.TempDir(), "back.db"), storage.Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = to.Close() })
			return to
		})
	})
}
