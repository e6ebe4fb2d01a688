//go:build !linux

package storage

import (
	"errors"
	"net"
)

// canDelegate is false where this package cannot learn who is at the other end of a unix
// socket: Begin and Finish always run in their own process.
const canDelegate = false

func socketDirSafe(dir string) bool { return false }

func peerOf(conn *net.UnixConn) (peer, error) {
	return peer{}, errors.New("peer credentials are not available on this system")
}
