package export

import (
	"os"
	"path/filepath"

	"github.com/yeok/yeok/storage/internal/filelock"
)

// createTemp creates the temporary file an export to path is written into before it is
// renamed over path, and takes its lock, held until the file is closed. A killed export
// leaves its temporary file behind; those of earlier runs are removed first. An export
// under way holds its file's lock and started after this process or wrote since, so only
// a file older than this process that no one holds is taken for a leftover.
func createTemp(path string) (*os.File, error) {
	dir, prefix := filepath.Dir(path), "."+filepath.Base(path)+".tmp-"
	_, _ = filelock.RemoveStale(dir, prefix, filelock.Started())
	tmp, err := os.CreateTemp(dir, prefix+"*")
	if err != nil {
		return nil, err
	}
	_, _ = filelock.TryLock(tmp, true) // a new file's lock is free
	return tmp, nil
}
