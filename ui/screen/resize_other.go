//go:build !unix

package screen

import "os"

// notifyResize has no signal to watch: the size is read once, at start.
func notifyResize(chan<- os.Signal) {}
