package proc

import "syscall"

// Attr puts a child in its own process group (stopping it reaches its
// children too) and has the kernel kill it when lifeboat dies: a restore
// or hook orphaned by kill -9 must not keep going while a resumed run
// does the same work again.
func Attr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
