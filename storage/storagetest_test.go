package storage_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/yeok/yeok/storage"
	"github.com/yeok/yeok/storage/storagetest"
)

// TestContract runs the store contract against the bbolt store.
func TestContract(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storagetest.Store {
		s, err := storage.Open(context.Background(), filepath.Join(t.TempDir(), "yeok.db"), storage.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Error(err)
			}
		})
		return s
	})
}
