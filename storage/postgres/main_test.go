package postgres

import (
	"context"
	"os"
	"testing"

	"github.com/yeok/yeok/storage/postgres/pgtest"
	"github.com/yeok/yeok/storage/storagetest"
)

// server is the PostgreSQL server the package's tests share; each test has a database.
var server *pgtest.Server

func TestMain(m *testing.M) {
	if url := os.Getenv(childEnv); url != "" {
		os.Exit(child(url))
	}
	os.Exit(pgtest.Main(m, &server))
}

// openTest opens a store over a new database, closed when the test ends.
func openTest(t testing.TB, opts Options) (*Store, string) {
	t.Helper()
	return openURL(t, server.NewDatabase(t), opts)
}

// openURL opens a store over url, closed when the test ends.
func openURL(t testing.TB, url string, opts Options) (*Store, string) {
	t.Helper()
	s, err := Open(context.Background(), url, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s, url
}

// TestContract runs the store contract against PostgreSQL.
func TestContract(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storagetest.Store {
		s, _ := openTest(t, Options{})
		return s
	})
}
