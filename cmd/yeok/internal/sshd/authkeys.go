package sshd

import (
	"bufio"
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"sync"

	gossh "golang.org/x/crypto/ssh"
)

// maxAuthorizedKeysSize bounds the authorized keys file read into memory.
const maxAuthorizedKeysSize = 4 << 20

// authorizedKeys is an OpenSSH authorized_keys file, parsed once and parsed again when its
// size, modification time or inode changes (an edit in place or a rename over it). Checking costs one stat per authentication attempt;
// no file watcher is needed.
type authorizedKeys struct {
	path string
	log  *slog.Logger

	mu      sync.Mutex
	info    os.FileInfo // of the file as last parsed
	loaded  bool
	missing bool
	keys    map[string]struct{} // wire-format public keys
}

// newAuthorizedKeys reads path for the first time; a file that cannot be read is an error
// here, while later it only refuses every key until it can be read again.
func newAuthorizedKeys(path string, log *slog.Logger) (*authorizedKeys, error) {
	a := &authorizedKeys{path: path, log: log}
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("read authorized keys: %w", err)
	}
	if n := a.count(); n == 0 {
		log.Warn("no usable keys in the authorized keys file; every connection will be refused until it has some", "path", path)
	}
	return a, nil
}

// allowed reports whether key is listed, reloading the file first when it changed.
func (a *authorizedKeys) allowed(key gossh.PublicKey) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.refreshLocked()
	_, ok := a.keys[string(key.Marshal())]
	return ok
}

// count returns how many keys the file holds now.
func (a *authorizedKeys) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.refreshLocked()
	return len(a.keys)
}

// refreshLocked parses the file again when its size or modification time changed. A file
// that went missing refuses every key (and is logged once) until it is back.
func (a *authorizedKeys) refreshLocked() {
	info, err := os.Stat(a.path)
	if err != nil {
		if !a.missing {
			a.log.Error("cannot read the authorized keys file; refusing every key", "path", a.path, "err", err)
		}
		a.missing, a.loaded, a.keys = true, false, nil
		return
	}
	a.missing = false
	if a.loaded && os.SameFile(info, a.info) && info.ModTime().Equal(a.info.ModTime()) && info.Size() == a.info.Size() {
		return
	}
	keys, err := a.parse()
	if err != nil {
		a.log.Error("cannot read the authorized keys file; refusing every key", "path", a.path, "err", err)
		a.loaded, a.keys = false, nil
		return
	}
	if a.loaded {
		a.log.Info("authorized keys reloaded", "path", a.path, "keys", len(keys))
	}
	a.keys, a.info, a.loaded = keys, info, true
}

// parse reads every key of the file. Malformed lines and cert-authority lines are skipped
// with a log line naming the line number, never its content.
func (a *authorizedKeys) parse() (map[string]struct{}, error) {
	f, err := os.Open(a.path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	keys := map[string]struct{}{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 16<<10), 64<<10)
	read := 0
	for n := 1; sc.Scan(); n++ {
		read += len(sc.Bytes()) + 1
		if read > maxAuthorizedKeysSize {
			return nil, fmt.Errorf("file is larger than %d bytes", maxAuthorizedKeysSize)
		}
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		key, _, options, _, err := gossh.ParseAuthorizedKey(line)
		if err != nil {
			a.log.Warn("skipping a malformed authorized keys line", "path", a.path, "line", n, "err", err)
			continue
		}
		if hasOption(options, "cert-authority") {
			a.log.Warn("skipping a cert-authority line: certificates are not supported", "path", a.path, "line", n)
			continue
		}
		keys[string(key.Marshal())] = struct{}{}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return keys, nil
}

func hasOption(options []string, name string) bool {
	for _, o := range options {
		if o == name {
			return true
		}
	}
	return false
}
