package pgtest

import "syscall"

// sysProcAttr runs a server binary as cred (when set) and stops it if this process dies.
func sysProcAttr(cred *syscall.Credential) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGINT, Setpgid: true}
}
