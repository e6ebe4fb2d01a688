package storage

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/yeok/yeok/model"
)

// TestCheckReadOnlyBesideReaders: Check of a file opened read-only runs beside the other
// transactions of the process (the handle's page drop, a reader) without a race: bbolt
// loads a read-only file's freelist at the first Check, unguarded against a transaction
// beginning beside it, so the store loads it at open. Under -race this fails without that.
func TestCheckReadOnlyBesideReaders(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "yeok.db")
	s := openAt(t, path)
	logLines(t, s, ownerA, newSessions(t, s, ownerA, 2), 50)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	ro, err := Open(ctx, path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	start, done := make(chan struct{}), make(chan error, 1)
	go func() {
		<-start
		_, err := ro.Entries(ctx, ownerA, model.EntryQuery{Limit: 5})
		done <- err
	}()
	close(start)
	if err := ro.Check(ctx); err != nil {
		t.Errorf("Check: %v", err)
	}
	if err := <-done; err != nil {
		t.Errorf("Entries beside Check: %v", err)
	}
}
