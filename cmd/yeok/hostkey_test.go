package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yeok/yeok/llm/llmtest"
)

// The host key lives in the data directory whatever --db names, as README says, and a
// restart with another database finds the same key.
func TestHostKeyInDataDirWhateverDB(t *testing.T) {
	provider := llmtest.New(t, llmtest.Replay(llmtest.Fixture(t, "gpt-4o-mini-stop.sse")))
	home := t.TempDir()
	want := filepath.Join(home, ".local", "share", "yeok", "ssh_host_ed25519")
	var keys [][]byte
	for _, db := range []string{filepath.Join(home, "a", "y.db"), filepath.Join(home, "b", "y.db")} {
		srv := startServe(t, provider, home, "--ssh", "127.0.0.1:0", "--allow-any-key", "--db", db, "--to", "ko")
		srv.terminate(t)
		if !strings.Contains(srv.logs(), "(host key "+want+")") {
			t.Fatalf("serve does not name the host key %s:\n%s", want, srv.logs())
		}
		if _, err := os.Stat(filepath.Join(filepath.Dir(db), "ssh_host_ed25519")); err == nil {
			t.Fatalf("a host key was made beside %s", db)
		}
		key, err := os.ReadFile(want)
		if err != nil {
			t.Fatalf("no host key where README says: %v", err)
		}
		keys = append(keys, key)
	}
	if !bytes.Equal(keys[0], keys[1]) {
		t.Fatal("the host key changed between restarts")
	}
}

// A key that an earlier yeok made beside --db keeps serving while the data directory has
// none, so clients see no new host key after an upgrade.
func TestHostKeyBesideDBKept(t *testing.T) {
	home := t.TempDir()
	db := filepath.Join(home, "team", "y.db")
	beside := filepath.Join(home, "team", "ssh_host_ed25519")
	getenv := func(k string) string { return map[string]string{"XDG_DATA_HOME": filepath.Join(home, "data")}[k] }
	fresh := filepath.Join(home, "data", "yeok", "ssh_host_ed25519")
	if got, _ := hostKeyPath("", db, getenv); got != fresh {
		t.Fatalf("without any key: %s, want %s", got, fresh)
	}
	if err := os.MkdirAll(filepath.Dir(beside), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(beside, []byte("key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, _ := hostKeyPath("", db, getenv); got != beside {
		t.Fatalf("with an earlier key beside the database: %s, want %s", got, beside)
	}
	if got, _ := hostKeyPath("k", db, getenv); got != "k" {
		t.Fatalf("--host-key k gives %s", got)
	}
}
