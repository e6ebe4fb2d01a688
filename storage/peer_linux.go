//go:build linux

package storage

import (
	"fmt"
	"net"
	"os"
	"syscall"
)

// canDelegate says whether this system lets a process learn who is at the other end of a
// unix socket; without that, Begin and Finish are never handed to another process.
const canDelegate = true

// socketDirSafe reports whether dir is a directory, not a symbolic link, owned by this
// process's user and closed to group and others: only then may a socket in it be trusted
// to be served, or listened on, by one of this user's processes.
func socketDirSafe(dir string) bool {
	fi, err := os.Lstat(dir)
	if err != nil || !fi.IsDir() {
		return false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && st.Uid == uint32(os.Getuid()) && fi.Mode().Perm()&0o077 == 0
}

// peerOf returns the user and process at the other end of conn, as the kernel tells them.
func peerOf(conn *net.UnixConn) (peer, error) {
	raw, err := conn.SyscallConn()
	if err != nil {
		return peer{}, err
	}
	var cred *syscall.Ucred
	var credErr error
	if err := raw.Control(func(fd uintptr) {
		cred, credErr = syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET, syscall.SO_PEERCRED)
	}); err != nil {
		return peer{}, err
	}
	if credErr != nil {
		return peer{}, fmt.Errorf("peer credentials: %w", credErr)
	}
	return peer{uid: cred.Uid, pid: int(cred.Pid)}, nil
}
