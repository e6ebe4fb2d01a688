//go:build !unix

package storage

import "os"

// processAlive cannot check other systems' processes cheaply; the sidecar is trusted.
func processAlive(pid int) bool { return true }

// releaseFile closes a file bbolt left open when it panicked.
func releaseFile(f *os.File) { _ = f.Close() }
